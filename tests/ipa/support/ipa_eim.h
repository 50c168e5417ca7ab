/* SPDX-License-Identifier: MIT */
/*
 * A scripted in-process eIM for the ESipa ASN.1 binding (SGP.32 v1.2 6.1, POST /gsma/rsp2/asn1),
 * built on examples/servers/eim/eim_core (real eIM signatures, real result verification) and the
 * server side of lib/remote/esipa_asn1.h. Route ipa_eim_handler on an ipa_http_peer.
 *
 * The test queues what GetEimPackage (BF4F) answers, in order; an empty queue answers
 * eimPackageError noEimPackageAvailable (SGP.32 6.3.2.6). Every message received is recorded (raw
 * bytes and what it is). EuiccPackageResults (in ProvideEimPackageResult BF50, or HandleNotification
 * BF3D carrying one) are checked with sgp32_eim_verify_result() against the packages sent, and the
 * answer to a ProvideEimPackageResult acknowledges the sequence numbers accepted (SGP.32 2.11.1.4),
 * acknowledges none (emptyResponse) or is provideEimPackageResultError, as configured.
 */
#ifndef SGP32_TESTS_IPA_EIM_H
#define SGP32_TESTS_IPA_EIM_H

#include <stddef.h>
#include <stdint.h>

#include "eim_core.h"
#include "ipa_http_peer.h"
#include "remote/esipa_asn1.h"

struct ipa_eim_options {
    const char *eim_id;
    uint8_t eid[16];    /* the eUICC it serves: GetEimPackage for another EID answers eidNotFound (2) */
    const uint8_t *key; /* the eIM signing key (PEM or DER, SEC1 or PKCS#8) */
    size_t key_len;
    const uint8_t *euicc_certificate; /* DER, to verify the eUICC's signatures */
    size_t euicc_certificate_len;
    int has_association_token; /* as AddInitialEim assigned it */
    long association_token;
    long counter_value; /* the counterValue of the eIM configuration: packages use counter_value + 1 ... */
    uint64_t seed;      /* signature randomness (0: a fixed default) */
};

/* What the eIM does with a ProvideEimPackageResult (BF50). */
enum ipa_eim_ack_mode {
    IPA_EIM_ACK_ALL = 0,       /* eimAcknowledgements with every sequence number accepted (default) */
    IPA_EIM_ACK_NONE = 1,      /* emptyResponse */
    IPA_EIM_ACK_ERROR = 2,     /* provideEimPackageResultError with the configured code */
    IPA_EIM_ACK_NO_CONTENT = 3 /* HTTP 204 */
};

/* What a received EimPackageResult was (SGP.32 6.3.2.7). */
enum ipa_eim_result_kind {
    IPA_EIM_NO_RESULT = 0,
    IPA_EIM_EUICC_PACKAGE_RESULT,
    IPA_EIM_EPR_AND_NOTIFICATIONS,
    IPA_EIM_IPA_EUICC_DATA_RESPONSE,
    IPA_EIM_DOWNLOAD_TRIGGER_RESULT,
    IPA_EIM_RESULT_RESPONSE_ERROR,
    IPA_EIM_PENDING_NOTIFICATION /* HandleNotification with a pendingNotification */
};

#define IPA_EIM_MAX_ACKS 16u

/* One message the eIM received. */
struct ipa_eim_received {
    enum sgp32_esipa_message message; /* SGP32_ESIPA_NONE: not a valid ESipa request */
    enum sgp32_status parse_status;   /* of sgp32_esipa_asn1_parse_request */
    uint8_t *data;                    /* the request body as received */
    size_t len;
    /* GetEimPackageRequest */
    int notify_state_change;
    long state_change_cause; /* -1: absent */
    int has_rplmn;
    uint8_t rplmn[3];
    /* ProvideEimPackageResult / HandleNotification */
    enum ipa_eim_result_kind result_kind;
    const uint8_t *euicc_package_result; /* the BF51 inside data, NULL if none */
    size_t euicc_package_result_len;
    enum sgp32_status verify_status; /* sgp32_eim_verify_result(); SGP32_ERR_NOT_FOUND: no package sent */
    int duplicate;                   /* the same result bytes as one accepted before: verify_status, result and
                                      * counter_value are those of the first delivery, its seqNumber acknowledged again */
    struct sgp32_eim_result result;
    long counter_value;                  /* of the package it answered (-1: unknown) */
    long acknowledged[IPA_EIM_MAX_ACKS]; /* the sequence numbers this answer acknowledged */
    size_t ack_count;
    /* minimizeEsipaBytes: compact forms rebuilt (data is then the full message the eIM handled, wire
     * the bytes received); rebuild_status: SGP32_OK, or why a compact form could not be rebuilt */
    int compact_forms;
    enum sgp32_status rebuild_status;
    uint8_t *wire;
    size_t wire_len;
};

struct ipa_eim;

enum sgp32_status ipa_eim_new(const struct ipa_eim_options *options, struct ipa_eim **eim);
void ipa_eim_free(struct ipa_eim *eim);
/* The ipa_http_handler (user = the eIM). */
void ipa_eim_handler(void *eim, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);

/* The same eIM behind the ESipa JSON binding (SGP.32 6.2, "/gsma/rsp2/esipa/<function>"; built with
 * the JSON bindings, SGP32_HAVE_JSON): JSON converted to the ASN.1 message, handled as above (and
 * recorded as such), the answer converted back. The fixture routes it. */
void ipa_eim_json_handler(void *eim, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);

/* ---- What GetEimPackage answers next (FIFO). ---- */
/* A signed EuiccPackageRequest of these PSMOs / eCOs with the next counterValue and a fresh
 * eimTransactionId (*counter_value gets the counter used; may be NULL). */
enum sgp32_status ipa_eim_queue_package(struct ipa_eim *eim, enum sgp32_eim_package_kind kind,
                                        const struct sgp32_eim_buffer *items, size_t count, long *counter_value);
/* An IpaEuiccDataRequest (BF52) with this tagList (and eimTransactionId when tid is not NULL). */
enum sgp32_status ipa_eim_queue_euicc_data_request(struct ipa_eim *eim, const uint8_t *tag_list, size_t tag_list_len,
                                                   const uint8_t *tid, size_t tid_len);
/* A ProfileDownloadTriggerRequest (BF54) with an activationCode (NULL: profileDownloadData absent). */
enum sgp32_status ipa_eim_queue_download_trigger(struct ipa_eim *eim, const char *activation_code);
/* eimPackageError with this code (1 noEimPackageAvailable, 2 eidNotFound ... 127). */
enum sgp32_status ipa_eim_queue_error(struct ipa_eim *eim, long code);
/* The answer's body exactly as given (answered 200, application/x-gsma-rsp-asn1, unchecked). */
enum sgp32_status ipa_eim_queue_raw(struct ipa_eim *eim, const uint8_t *body, size_t len);
size_t ipa_eim_queued(const struct ipa_eim *eim);

/* The signed EuiccPackageRequest (BF51) the next ipa_eim_queue_package() would make, without queueing:
 * for ipa_eim_queue_raw() variants and for the harness self-test. Counts as sent (its result is
 * verified when it comes back). */
enum sgp32_status ipa_eim_make_package(struct ipa_eim *eim, enum sgp32_eim_package_kind kind,
                                       const struct sgp32_eim_buffer *items, size_t count,
                                       struct sgp32_eim_buffer *request, long *counter_value);

/* ---- Behaviour ---- */
void ipa_eim_set_ack_mode(struct ipa_eim *eim, enum ipa_eim_ack_mode mode, long error_code);
/* Messages other than GetEimPackage / ProvideEimPackageResult / HandleNotification go here (NULL:
 * answered 204 after being recorded). */
void ipa_eim_set_other_handler(struct ipa_eim *eim, ipa_http_handler handler, void *user);

/* The associationToken the eUICC (or an emulating IPA) assigned after the eIM was created: it goes
 * into the next packages' signatures and into the result checks. */
void ipa_eim_set_association_token(struct ipa_eim *eim, int has_token, long token);
/* The device emulates IoT on an SGP.22 eUICC (registered as such, docs/ipa.md): EuiccPackageResults
 * whose euiccSignEPR is EMPTY are accepted after the same echo and seqNumber checks, unsigned. A
 * non-empty signature is still verified. Off by default. */
void ipa_eim_set_emulated(struct ipa_eim *eim, int emulated);

/* HandleNotification's pendingNotification (the BF37 / 30 element inside A0) also goes to forward:
 * the fixture hands it to the SM-DP+ (ES9+ handleNotification), as an eIM relaying for an IPA does. */
typedef void (*ipa_eim_notification_forward)(void *user, const uint8_t *notification, size_t len);
void ipa_eim_set_notification_forward(struct ipa_eim *eim, ipa_eim_notification_forward forward, void *user);

/* An ESipa answer: 200 with the message (checked with sgp32_esipa_asn1_build_response; 500 if it does
 * not decode), for other handlers. */
void ipa_eim_reply(struct ipa_http_reply *reply, const uint8_t *message, size_t len);

/* ---- What it received ---- */
size_t ipa_eim_received_count(const struct ipa_eim *eim);
const struct ipa_eim_received *ipa_eim_received_at(const struct ipa_eim *eim, size_t i);
/* How many of `message` (SGP32_ESIPA_NONE: all) arrived; the last one of them. */
size_t ipa_eim_count(const struct ipa_eim *eim, enum sgp32_esipa_message message);
const struct ipa_eim_received *ipa_eim_last(const struct ipa_eim *eim, enum sgp32_esipa_message message);
/* EuiccPackageResults that verified (signed result or signed error); duplicates not counted. */
size_t ipa_eim_accepted_results(const struct ipa_eim *eim);
/* The highest accepted result seqNumber (-1: none). */
long ipa_eim_last_seq_number(const struct ipa_eim *eim);

/* Checks an EuiccPackageResult (BF51) against the packages sent, as the handler does (and counts it
 * as received: a later delivery of the same bytes is a duplicate); for tests that run the eUICC by
 * hand. out and counter_value (the package's counterValue) may be NULL. */
enum sgp32_status ipa_eim_verify(struct ipa_eim *eim, const uint8_t *result, size_t len, struct sgp32_eim_result *out,
                                 long *counter_value);

/* ---- minimizeEsipaBytes (SGP.32 v1.2 5.14, ipa_eim_compact.c) ----
 * The compact forms an IPA sends are rebuilt into the full forms before anything else looks at the
 * message (the relay, the notification forward, the result checks), from what the eIM knows: */
struct ipa_eim_knowledge {
    uint8_t eid[16];
    const uint8_t *euicc_certificate; /* DER (the options' certificate) */
    size_t euicc_certificate_len;
    const uint8_t *eum_certificate; /* DER, NULL until ipa_eim_set_known() */
    size_t eum_certificate_len;
    const uint8_t *euicc_info1; /* BF20, NULL until ipa_eim_set_known() */
    size_t euicc_info1_len;
    /* the RSP session relayed last, learnt from the relayed answers (ipa_eim_learn) */
    uint8_t transaction_id[16];
    size_t transaction_id_len;
    char server_address[256];
    uint8_t auth_oid[32]; /* registeredID of CERT.DPauth (serverCertificate): EuiccCancelSessionSigned */
    size_t auth_oid_len;
    uint8_t pb_oid[32]; /* of CERT.DPpb (smdpCertificate): ProfileInstallationResultData */
    size_t pb_oid_len;
    int has_iccid; /* the profile metadata's ICCID */
    uint8_t iccid[10];
};

/* Gives the eIM the EUM certificate and euiccInfo1 of its eUICC (copied; NULL: unchanged). */
enum sgp32_status ipa_eim_set_known(struct ipa_eim *eim, const uint8_t *eum_certificate, size_t eum_certificate_len,
                                    const uint8_t *euicc_info1, size_t euicc_info1_len);
struct ipa_eim_knowledge *ipa_eim_knowledge(struct ipa_eim *eim);
/* Learns the session facts from a relayed answer (BF39 InitiateAuthentication, BF3B AuthenticateClient). */
void ipa_eim_learn(struct ipa_eim_knowledge *k, const uint8_t *answer, size_t len);
/* One compact element rebuilt: BF38 / BF21 / BF41 (CHOICE alternative A2) or a notification (A0 / A1,
 * whose rebuilt signature is then verified against the eUICC certificate). tid: the request's
 * transactionId (NULL: the session's). SGP32_ERR_NOT_SUPPORTED: not a compact form. */
enum sgp32_status ipa_eim_rebuild_part(const struct ipa_eim_knowledge *k, const uint8_t *tid, size_t tid_len,
                                       const uint8_t *compact, size_t len, uint8_t **out, size_t *out_len);
/* A whole ESipa request (BF39, BF3B, BF3A, BF41, BF3D, BF50) with its compact parts rebuilt: *out NULL
 * and *forms 0 when it had none. */
enum sgp32_status ipa_eim_rebuild(const struct ipa_eim_knowledge *k, const uint8_t *message, size_t len, uint8_t **out,
                                  size_t *out_len, int *forms);

#endif
