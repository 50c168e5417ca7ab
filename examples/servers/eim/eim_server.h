/* SPDX-License-Identifier: MIT */
/*
 * sgp32-eim, the loopback test eIM (docs/test-eim.md). This header joins its parts:
 *   eim_server.c   options, keys, the HTTPS front end (examples/servers/common), dispatch by path
 *   eim_store.c    the SQLite store: devices, counters, orders, results, notifications
 *   eim_orders.c   the content of an order (REST JSON) as PSMOs, eCOs, BF52 or BF54 DER
 *   eim_esipa.c    the ESipa messages: GetEimPackage, ProvideEimPackageResult, HandleNotification;
 *                  the ASN.1 binding (SGP.32 6.1)
 *   eim_esipa_json.c  the ESipa JSON binding (6.2): JSON <-> the same messages as eim_esipa.c
 *   eim_relay.c    indirect profile download: ESipa <-> ES9+ JSON to the SM-DP+ (libcurl)
 *   eim_api.c      the JSON REST API under /api/
 * Every request runs on libmicrohttpd's single polling thread: no locks. Test material only.
 */
#ifndef SGP32_EIM_SERVER_H
#define SGP32_EIM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "eim_core.h"
#include "remote/esipa_asn1.h"
#include "remote/remote.h"

struct eim_store;
struct eim_relay;

struct eim_server {
    struct eim_store *store;
    struct eim_relay *relay;
    const char *eim_id;
    const char *eim_fqdn;
    struct sgp32_ec_key key; /* the eIM's signing key (<pki>/eim/sign.key.pem) */
    struct sgp32_crypto_rng rng;
    uint8_t spki[160]; /* its public key, DER SubjectPublicKeyInfo (eimPublicKey) */
    size_t spki_len;
    int verbose;
};

/* ---- eim_store.c ---- */
struct eim_device {
    char eid[33];         /* 32 upper-case hex digits */
    uint8_t *certificate; /* the eUICC certificate (DER), malloc'd */
    size_t certificate_len;
    int has_token;
    long token;
    long counter;  /* the last counterValue sent (the next package gets counter + 1) */
    long last_seq; /* the highest EuiccPackageResult seqNumber seen, -1: none */
};

struct eim_order {
    long id;
    char eid[33];
    char kind[16];   /* "psmo", "eco", "ipaEuiccData", "download" */
    char *request;   /* the order as posted (JSON text) */
    char status[8];  /* "new", "sent", "done", "failed" */
    char *outcome;   /* done: "success" / "error" ...; NULL */
    char *reason;    /* failed: why; NULL */
    long counter;    /* counterValue of the package sent (psmo / eco) */
    uint8_t tid[16]; /* eimTransactionId */
    size_t tid_len;
    uint8_t *package; /* what GetEimPackage answered (the inner message), NULL before */
    size_t package_len;
    uint8_t *result; /* the result received (DER), NULL before */
    size_t result_len;
    char *result_json; /* the result decoded (sgp32_print_json), NULL before */
};

int eim_store_open(const char *path, struct eim_store **store);
void eim_store_close(struct eim_store *store);
/* 0 stored, 1 the EID exists already (unless replace), -1 error. */
int eim_store_put_device(struct eim_store *store, const struct eim_device *device, int replace);
/* 0 found, 1 none, -1 error; eim_device_release() after 0. */
int eim_store_get_device(struct eim_store *store, const char *eid, struct eim_device *device);
void eim_device_release(struct eim_device *device);
/* The registered EIDs, at most max: the count, -1 error. */
int eim_store_device_eids(struct eim_store *store, char (*eids)[33], int max);
int eim_store_set_counters(struct eim_store *store, const char *eid, long counter, long last_seq);
/* The new order's id in *id: 0, -1 error. */
int eim_store_add_order(struct eim_store *store, const char *eid, const char *kind, const char *request, long *id);
/* 0 found, 1 none, -1 error; eim_order_release() after 0. */
int eim_store_get_order(struct eim_store *store, long id, struct eim_order *order);
void eim_order_release(struct eim_order *order);
/* The ids of the orders of `eid` (NULL: every device) in `status` (NULL: any), oldest first, at most
 * max: the count, -1 error. */
int eim_store_order_ids(struct eim_store *store, const char *eid, const char *status, long *ids, int max);
int eim_store_mark_sent(struct eim_store *store, const struct eim_order *order);
/* status "done" or "failed"; any of outcome, reason, result, result_json may be NULL. */
int eim_store_finish_order(struct eim_store *store, long id, const char *status, const char *outcome,
                           const char *reason, const uint8_t *result, size_t result_len, const char *result_json);
/* The order (of eid, NULL: any) whose stored result is exactly these bytes: its id, 0 none, -1 error. */
long eim_store_order_with_result(struct eim_store *store, const char *eid, const uint8_t *result, size_t len);
int eim_store_add_notification(struct eim_store *store, const char *eid, long order_id, const uint8_t *der, size_t len,
                               const char *json);
/* Appends {"id","eid","orderId","received","der","decoded"} objects of `eid` (NULL: all) to array. */
int eim_store_list_notifications(struct eim_store *store, const char *eid, cJSON *array);
/* The SM-DP+ address of a relayed download session, by its transactionId (kept so that an eIM restarted
 * in the middle of a download relays its next step): put 0 / -1; get 0 found (into smdp), 1 none, -1. */
int eim_store_put_session(struct eim_store *store, const uint8_t *tid, size_t tid_len, const char *smdp);
int eim_store_get_session(struct eim_store *store, const uint8_t *tid, size_t tid_len, char *smdp, size_t cap);
int eim_store_delete_session(struct eim_store *store, const uint8_t *tid, size_t tid_len);

/* ---- eim_orders.c ---- */
/* Checks the order content (JSON object with one key: psmo, eco, download, ipaEuiccData): its kind
 * in kind[16], 0; or -1 with a reason in error. */
int eim_order_check(const cJSON *order, char kind[16], char *error, size_t error_cap);
/*
 * The message GetEimPackage answers for the order: the signed EuiccPackageRequest (psmo/eco, with
 * order->counter and order->tid), the IpaEuiccDataRequest or the ProfileDownloadTriggerRequest (with
 * order->tid). 0, or -1 with a reason in error.
 */
int eim_order_build(struct eim_server *server, const struct eim_device *device, const struct eim_order *order,
                    struct sgp32_eim_buffer *out, char *error, size_t error_cap);
/* The AddInitialEimRequest of this eIM (counterValue 0, the eUICC assigns the association token). */
int eim_add_initial_eim_request(struct eim_server *server, struct sgp32_eim_buffer *out);

/* ---- helpers (eim_orders.c) ---- */
/* hex text <-> bytes: the byte count, -1 for bad text or more than cap bytes. */
int eim_hex_decode(const char *text, uint8_t *out, size_t cap);
void eim_hex_encode(const uint8_t *data, size_t len, char *out); /* out: 2 * len + 1 */
/* base64 (whitespace allowed): malloc'd bytes, NULL for bad text. */
uint8_t *eim_base64_decode(const char *text, size_t *len);
/* malloc'd base64 text. */
char *eim_base64_encode(const uint8_t *data, size_t len);
/* The JSON (sgp32_print_json) of data decoded as the codec type `type`; NULL if it does not decode. */
char *eim_decode_json(const char *type, const uint8_t *data, size_t len);

/* ---- eim_esipa.c ---- */
/* One ESipa message from the IPA (EsipaMessageFromIpaToEim bytes, already decoded whole by lib/remote),
 * whatever the binding it came with: its ASN.1 answer (200 with the EsipaMessageFromEimToIpa, 204, or a
 * plain-text 4xx/5xx) into response. */
void eim_esipa_dispatch(struct eim_server *server, enum sgp32_esipa_message kind, const uint8_t *message, size_t len,
                        struct sgp32_remote_response *response);
/* POST /gsma/rsp2/asn1. */
void eim_esipa_handle(struct eim_server *server, const struct sgp32_remote_incoming *incoming,
                      struct sgp32_remote_response *response);
/* Sets an owned 200 ASN.1 answer (copies message). */
void eim_esipa_answer(struct sgp32_remote_response *response, const uint8_t *message, size_t len);

/* ---- eim_esipa_json.c ---- */
/* POST /gsma/rsp2/esipa/<function>. */
void eim_esipa_json_handle(struct eim_server *server, const struct sgp32_remote_incoming *incoming,
                           struct sgp32_remote_response *response);

/* ---- eim_relay.c ---- */
/* smdp_ca: PEM file trusted for the SM-DP+ TLS certificates; default_smdp: address used when an
 * InitiateAuthentication names none (NULL: refused). */
int eim_relay_new(const char *smdp_ca, const char *default_smdp, struct eim_relay **relay);
void eim_relay_free(struct eim_relay *relay);
/* One relayed ESipa message (BF39, BF3B, BF3A, BF41): the ESipa answer into response. */
void eim_relay_handle(struct eim_server *server, uint32_t tag, const uint8_t *message, size_t len,
                      struct sgp32_remote_response *response);
/* A notification for an SM-DP+ (the PendingNotification element, BF37 or 30): sends it to the
 * notificationAddress it names over ES9+ handleNotification; 0 sent, -1 not sent. */
int eim_relay_notification(struct eim_server *server, const uint8_t *notification, size_t len);

/* ---- eim_api.c ---- */
void eim_api_handle(struct eim_server *server, const char *method, const struct sgp32_remote_incoming *incoming,
                    struct sgp32_remote_response *response);

/* ---- TLV helper (eim_esipa.c) ---- */
/* The first child with `tag` of the constructed element at der[0..len): its whole element, NULL if
 * none or malformed. */
const uint8_t *eim_tlv_child(const uint8_t *der, size_t len, uint32_t tag, size_t *child_len);
/* The value of an element: pointer and length. */
const uint8_t *eim_tlv_value(const uint8_t *element, size_t len, size_t *value_len);

#endif
