/* SPDX-License-Identifier: MIT */
/*
 * The ESipa ASN.1 binding of sgp32-eim (SGP.32 v1.2 6.1, 6.3): GetEimPackage hands out the next
 * queued order of the EID, ProvideEimPackageResult (and HandleNotification carrying one) closes it
 * with what the eUICC and the IPA answered, HandleNotification records a notification and passes it
 * on to its SM-DP+; the profile download messages go to eim_relay.c. Messages are read with a TLV
 * walk over the received bytes (after lib/remote has decoded them whole as EsipaMessageFromIpaToEim),
 * so signed parts are kept byte for byte.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "eim_server.h"
#include "remote/esipa_asn1.h"
#include "sgp32/tlv.h"

#define MAX_CANDIDATES 256
#define MAX_ACKS 64

const uint8_t *eim_tlv_value(const uint8_t *element, size_t len, size_t *value_len)
{
    struct sgp32_tlv_header header;
    if (sgp32_tlv_parse_header(element, len, &header) != SGP32_OK || header.length == SGP32_TLV_INDEFINITE ||
        header.length > len - header.header_len)
        return NULL;
    *value_len = header.length;
    return element + header.header_len;
}

const uint8_t *eim_tlv_child(const uint8_t *der, size_t len, uint32_t tag, size_t *child_len)
{
    const uint8_t *child = NULL;
    return sgp32_der_find_element(der, len, tag, &child, child_len) ? child : NULL;
}

/* A small non-negative INTEGER element's value, -1 if it is not one. */
static long integer_of(const uint8_t *element, size_t len)
{
    size_t value_len, i;
    const uint8_t *value = element != NULL ? eim_tlv_value(element, len, &value_len) : NULL;
    long result = 0;
    if (value == NULL || value_len == 0 || value_len > 4 || (value[0] & 0x80))
        return -1;
    for (i = 0; i < value_len; i++)
        result = result * 256 + value[i];
    return result;
}

void eim_esipa_answer(struct sgp32_remote_response *response, const uint8_t *message, size_t len)
{
    uint8_t *copy = malloc(len);
    if (copy == NULL || sgp32_esipa_asn1_build_response(message, len, NULL, response) != SGP32_OK) {
        free(copy);
        sgp32_remote_response_init(response, 500, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   (const uint8_t *)"cannot answer", 13, NULL, NULL);
        return;
    }
    memcpy(copy, message, len);
    response->body = copy; /* the answer owns its copy */
    response->owned_body = copy;
    response->owned_body_free = free;
}

/* tag { 02 01 code }: an INTEGER error alternative of a tagged CHOICE answer. */
static void answer_error(struct sgp32_remote_response *response, uint32_t tag, long code)
{
    uint8_t message[6] = {(uint8_t)(tag >> 8), (uint8_t)tag, 3, 0x02, 1, (uint8_t)code};
    eim_esipa_answer(response, message, sizeof(message));
}

static void plain(struct sgp32_remote_response *response, int status, const char *text)
{
    char *copy = strdup(text);
    sgp32_remote_response_init(response, status, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, (const uint8_t *)copy,
                               copy != NULL ? strlen(copy) : 0, copy, free);
}

/* The EID of a message (its 5A child) as hex; 0, or -1 when absent or not 16 bytes. */
static int eid_of(const uint8_t *message, size_t len, char eid[33])
{
    size_t element_len, value_len;
    const uint8_t *element = eim_tlv_child(message, len, 0x5A, &element_len);
    const uint8_t *value = element != NULL ? eim_tlv_value(element, element_len, &value_len) : NULL;
    if (value == NULL || value_len != 16)
        return -1;
    eim_hex_encode(value, 16, eid);
    return 0;
}

/* ---- GetEimPackage (6.3.2.6) ---- */

static void get_eim_package(struct eim_server *server, const uint8_t *message, size_t len,
                            struct sgp32_remote_response *response)
{
    struct eim_device device;
    char eid[33], error[160];
    long id;
    int rc;
    if (eid_of(message, len, eid) != 0) {
        answer_error(response, 0xBF4F, 4);
        return;
    } /* missingEid */
    rc = eim_store_get_device(server->store, eid, &device);
    if (rc != 0) {
        answer_error(response, 0xBF4F, rc == 1 ? 2 : 127);
        return;
    } /* eidNotFound */
    while (eim_store_order_ids(server->store, eid, "new", &id, 1) == 1) {
        struct eim_order order;
        struct sgp32_eim_buffer built = {NULL, 0};
        int signed_package;
        if (eim_store_get_order(server->store, id, &order) != 0)
            break;
        signed_package = strcmp(order.kind, "psmo") == 0 || strcmp(order.kind, "eco") == 0;
        /* counterValue: one more than the last one sent to this eUICC (5.9.1: strictly increasing) */
        order.counter = signed_package ? device.counter + 1 : 0;
        order.tid_len = 16;
        if (sgp32_crypto_rng_bytes(&server->rng, order.tid, order.tid_len) != SGP32_OK ||
            eim_order_build(server, &device, &order, &built, error, sizeof(error)) != 0) {
            eim_store_finish_order(server->store, order.id, "failed", NULL, error, NULL, 0, NULL);
            eim_order_release(&order);
            continue;
        }
        /* the counter is spent before the package leaves: a restart never reuses it */
        if (signed_package && eim_store_set_counters(server->store, eid, order.counter, device.last_seq) != 0) {
            sgp32_eim_buffer_free(&built);
            eim_order_release(&order);
            break;
        }
        order.package = built.data;
        order.package_len = built.len;
        built.data = NULL;
        if (eim_store_mark_sent(server->store, &order) == 0) {
            /* GetEimPackageResponse [79] CHOICE: the chosen request inside BF4F */
            uint8_t *answer = malloc(order.package_len + 8);
            size_t n = 0;
            if (answer != NULL) {
                answer[n++] = 0xBF;
                answer[n++] = 0x4F;
                if (order.package_len < 0x80) {
                    answer[n++] = (uint8_t)order.package_len;
                } else if (order.package_len < 0x100) {
                    answer[n++] = 0x81;
                    answer[n++] = (uint8_t)order.package_len;
                } else {
                    answer[n++] = 0x82;
                    answer[n++] = (uint8_t)(order.package_len >> 8);
                    answer[n++] = (uint8_t)order.package_len;
                }
                memcpy(answer + n, order.package, order.package_len);
                eim_esipa_answer(response, answer, n + order.package_len);
                free(answer);
            }
            if (server->verbose)
                fprintf(stderr, "sgp32-eim: order %ld (%s) sent to %s\n", order.id, order.kind, eid);
            eim_order_release(&order);
            eim_device_release(&device);
            if (answer == NULL)
                plain(response, 500, "out of memory");
            return;
        }
        eim_order_release(&order);
        break;
    }
    eim_device_release(&device);
    answer_error(response, 0xBF4F, 1); /* noEimPackageAvailable */
}

/* ---- ProvideEimPackageResult (6.3.2.7) ---- */

struct acks {
    long seq[MAX_ACKS];
    size_t count;
};

/* The NotificationMetadata (BF2F) of a PendingNotification (BF37 or 30). */
static const uint8_t *notification_metadata(const uint8_t *notification, size_t len, size_t *metadata_len)
{
    const uint8_t *data = notification;
    size_t data_len = len;
    if (notification[0] == 0xBF && len > 1 && notification[1] == 0x37)
        data = eim_tlv_child(notification, len, 0xBF27, &data_len);
    return data != NULL ? eim_tlv_child(data, data_len, 0xBF2F, metadata_len) : NULL;
}

/* Records the notifications of a list (A0 ...) (unless store is 0) and collects their seqNumbers for
 * the answer. */
static void record_notifications(struct eim_server *server, const char *eid, long order_id, const uint8_t *list,
                                 size_t len, struct acks *acks, int store)
{
    size_t value_len = 0, at = 0;
    const uint8_t *value = eim_tlv_value(list, len, &value_len);
    while (value != NULL && at < value_len) {
        size_t element_len, metadata_len, seq_len;
        const uint8_t *element = value + at, *metadata, *seq = NULL;
        const uint8_t *element_value = eim_tlv_value(element, value_len - at, &element_len);
        char *json;
        if (element_value == NULL)
            return;
        element_len += (size_t)(element_value - element);
        if (store) {
            json = eim_decode_json("SGP32-PendingNotification", element, element_len);
            eim_store_add_notification(server->store, eid, order_id, element, element_len, json);
            free(json);
        }
        metadata = notification_metadata(element, element_len, &metadata_len);
        if (metadata != NULL)
            seq = eim_tlv_child(metadata, metadata_len, 0x80, &seq_len);
        if (seq != NULL && integer_of(seq, seq_len) >= 0 && acks->count < MAX_ACKS)
            acks->seq[acks->count++] = integer_of(seq, seq_len);
        at += element_len;
    }
}

/* An EuiccPackageResult (BF51): the sent psmo/eco order it answers is the one it verifies against
 * (signature with the eUICC certificate of the order's device, eimId, counterValue, eimTransactionId,
 * a growing seqNumber). 0, or -1 when no order matches (forged, replayed, unknown). */
static int euicc_package_result(struct eim_server *server, const char *eid, const uint8_t *result, size_t len,
                                const uint8_t *notifications, size_t notifications_len, struct acks *acks)
{
    long ids[MAX_CANDIDATES];
    int count = eim_store_order_ids(server->store, eid, "sent", ids, MAX_CANDIDATES), i;
    enum sgp32_status last = SGP32_ERR_NOT_FOUND;
    /* A result delivered again (its acknowledgement was lost: the IPA keeps results until they are
     * acknowledged): the very bytes an order was closed with are acknowledged again, nothing changes.
     * Any other result must verify against an order still waiting for one. */
    long closed = eim_store_order_with_result(server->store, eid, result, len);
    if (closed > 0) {
        ids[0] = closed;
        count = 1;
    }
    for (i = 0; i < count; i++) {
        struct eim_order order;
        struct eim_device device;
        struct sgp32_eim_expected expected;
        struct sgp32_eim_result checked;
        char reason[96], *json;
        const char *outcome = "success", *status = "done";
        size_t item;
        if (eim_store_get_order(server->store, ids[i], &order) != 0)
            continue;
        if ((strcmp(order.kind, "psmo") != 0 && strcmp(order.kind, "eco") != 0) ||
            eim_store_get_device(server->store, order.eid, &device) != 0) {
            eim_order_release(&order);
            continue;
        }
        memset(&expected, 0, sizeof(expected));
        expected.eim_id = server->eim_id;
        expected.counter_value = order.counter;
        expected.transaction_id = order.tid;
        expected.transaction_id_len = order.tid_len;
        expected.has_association_token = device.has_token;
        expected.association_token = device.token;
        expected.last_seq_number = closed > 0 ? -1 : device.last_seq;
        last = sgp32_eim_verify_result(result, len, device.certificate, device.certificate_len, &expected, &checked);
        if (last != SGP32_OK) {
            eim_order_release(&order);
            eim_device_release(&device);
            continue;
        }
        if (closed > 0) {
            if (checked.kind == SGP32_EIM_RESULT_SIGNED && acks->count < MAX_ACKS)
                acks->seq[acks->count++] = checked.seq_number;
            if (notifications != NULL)
                record_notifications(server, order.eid, order.id, notifications, notifications_len, acks, 0);
            fprintf(stderr, "sgp32-eim: order %ld: its result again, acknowledged again\n", order.id);
            eim_order_release(&order);
            eim_device_release(&device);
            return 0;
        }
        reason[0] = '\0';
        if (checked.kind == SGP32_EIM_RESULT_SIGNED) {
            eim_store_set_counters(server->store, order.eid, device.counter, checked.seq_number);
            if (acks->count < MAX_ACKS)
                acks->seq[acks->count++] = checked.seq_number;
            for (item = 0; item < checked.item_count; item++)
                if (checked.items[item].is_integer && checked.items[item].value != 0)
                    outcome = "error"; /* an operation answered with a result code other than ok(0) */
        } else {
            status = "failed";
            outcome = NULL;
            if (checked.kind == SGP32_EIM_ERROR_SIGNED)
                snprintf(reason, sizeof(reason), "euiccPackageErrorSigned: euiccPackageErrorCode %ld",
                         checked.error_code);
            else
                snprintf(reason, sizeof(reason), "euiccPackageErrorUnsigned");
        }
        json = eim_decode_json("EuiccPackageResult", result, len);
        eim_store_finish_order(server->store, order.id, status, outcome, reason[0] != '\0' ? reason : NULL, result, len,
                               json);
        free(json);
        if (notifications != NULL)
            record_notifications(server, order.eid, order.id, notifications, notifications_len, acks, 1);
        if (server->verbose)
            fprintf(stderr, "sgp32-eim: order %ld %s\n", order.id, status);
        eim_order_release(&order);
        eim_device_release(&device);
        return 0;
    }
    fprintf(stderr, "sgp32-eim: EuiccPackageResult refused: %s\n", sgp32_strerror(last));
    return -1;
}

/* The sent order of `kind` with eimTransactionId tid (or, without tid, the oldest sent one). */
static long find_sent(struct eim_server *server, const char *eid, const char *kind, const uint8_t *tid, size_t tid_len)
{
    long ids[MAX_CANDIDATES];
    int count = eim_store_order_ids(server->store, eid, "sent", ids, MAX_CANDIDATES), i;
    for (i = 0; i < count; i++) {
        struct eim_order order;
        int match;
        if (eim_store_get_order(server->store, ids[i], &order) != 0)
            continue;
        match = (kind == NULL || strcmp(order.kind, kind) == 0) &&
                (tid == NULL || (order.tid_len == tid_len && memcmp(order.tid, tid, tid_len) == 0));
        eim_order_release(&order);
        if (match)
            return ids[i];
    }
    return -1;
}

/* The value of the `tag` child of element (NULL if none). */
static const uint8_t *child_value(const uint8_t *element, size_t len, uint32_t tag, size_t *value_len)
{
    size_t child_len;
    const uint8_t *child = element != NULL ? eim_tlv_child(element, len, tag, &child_len) : NULL;
    return child != NULL ? eim_tlv_value(child, child_len, value_len) : NULL;
}

static void finish(struct eim_server *server, long id, const char *status, const char *outcome, const char *reason,
                   const uint8_t *result, size_t len, const char *type)
{
    char *json = eim_decode_json(type, result, len);
    eim_store_finish_order(server->store, id, status, outcome, reason, result, len, json);
    free(json);
}

/* IpaEuiccDataResponse (BF52 { A0 ipaEuiccData | A1 error }), 2.11.2.2. */
static int ipa_euicc_data_response(struct eim_server *server, const char *eid, const uint8_t *result, size_t len,
                                   struct acks *acks)
{
    size_t inner_len, tid_len = 0, list_len;
    const uint8_t *inner = eim_tlv_child(result, len, 0, &inner_len), *tid, *list;
    long id;
    struct eim_order order;
    if (inner == NULL)
        return -1;
    if (eim_store_order_with_result(server->store, eid, result, len) > 0) { /* delivered again */
        list = inner[0] == 0xA0 ? eim_tlv_child(inner, inner_len, 0xA0, &list_len) : NULL;
        if (list != NULL)
            record_notifications(server, eid, 0, list, list_len, acks, 0);
        return 0;
    }
    tid = child_value(inner, inner_len, inner[0] == 0xA0 ? 0x87 : 0x80, &tid_len);
    id = find_sent(server, eid, "ipaEuiccData", tid, tid_len);
    if (id < 0 || eim_store_get_order(server->store, id, &order) != 0)
        return -1;
    if (inner[0] == 0xA0) {
        finish(server, id, "done", "success", NULL, result, len, "IpaEuiccDataResponse");
        list = eim_tlv_child(inner, inner_len, 0xA0, &list_len);
        if (list != NULL)
            record_notifications(server, order.eid, id, list, list_len, acks, 1);
    } else {
        char reason[64];
        size_t code_len;
        const uint8_t *code = eim_tlv_child(inner, inner_len, 0x02, &code_len);
        snprintf(reason, sizeof(reason), "ipaEuiccDataErrorCode %ld", code != NULL ? integer_of(code, code_len) : -1);
        finish(server, id, "failed", NULL, reason, result, len, "IpaEuiccDataResponse");
    }
    eim_order_release(&order);
    return 0;
}

/* ProfileDownloadTriggerResult (BF54), 2.11.2.3: installed (finalResult successResult) or not. */
static int download_trigger_result(struct eim_server *server, const char *eid, const uint8_t *result, size_t len)
{
    size_t tid_len = 0, pir_len, error_len;
    const uint8_t *tid = child_value(result, len, 0x82, &tid_len);
    const uint8_t *pir = eim_tlv_child(result, len, 0xBF37, &pir_len);
    const uint8_t *error = eim_tlv_child(result, len, 0x30, &error_len);
    long id = find_sent(server, eid, "download", tid, tid_len);
    struct eim_order order;
    if (eim_store_order_with_result(server->store, eid, result, len) > 0)
        return 0; /* delivered again: nothing changes */
    if (id < 0 || eim_store_get_order(server->store, id, &order) != 0)
        return -1;
    if (pir != NULL) {
        size_t data_len, final_len;
        const uint8_t *data = eim_tlv_child(pir, pir_len, 0xBF27, &data_len);
        const uint8_t *final_result = data != NULL ? eim_tlv_child(data, data_len, 0xA2, &final_len) : NULL;
        int success = final_result != NULL && final_len > 2 && eim_tlv_child(final_result, final_len, 0xA0, &final_len);
        char *json = eim_decode_json("SGP32-PendingNotification", pir, pir_len);
        eim_store_add_notification(server->store, order.eid, id, pir, pir_len, json);
        free(json);
        finish(server, id, success ? "done" : "failed", success ? "installed" : NULL,
               success ? NULL : "profileInstallationResult: errorResult", result, len, "ProfileDownloadTriggerResult");
    } else {
        char reason[64];
        size_t code_len;
        const uint8_t *code = error != NULL ? child_value(error, error_len, 0x80, &code_len) : NULL;
        long value = -1;
        if (code != NULL && code_len > 0 && code_len <= 2)
            value = code_len == 1 ? code[0] : code[0] * 256 + code[1];
        snprintf(reason, sizeof(reason), "profileDownloadErrorReason %ld", value);
        finish(server, id, "failed", NULL, reason, result, len, "ProfileDownloadTriggerResult");
    }
    eim_order_release(&order);
    return 0;
}

/* eimPackageResultResponseError (A0 { 80 tid?, 02 code }): the IPA could not handle the package. */
static int package_result_error(struct eim_server *server, const char *eid, const uint8_t *result, size_t len)
{
    size_t tid_len = 0, code_len;
    const uint8_t *tid = child_value(result, len, 0x80, &tid_len);
    const uint8_t *code = eim_tlv_child(result, len, 0x02, &code_len);
    long id = find_sent(server, eid, NULL, tid, tid_len);
    char reason[64];
    if (id < 0)
        return -1;
    snprintf(reason, sizeof(reason), "eimPackageResultErrorCode %ld", code != NULL ? integer_of(code, code_len) : -1);
    eim_store_finish_order(server->store, id, "failed", NULL, reason, result, len, NULL);
    return 0;
}

/* A two-byte tag and a definite length (< 64 KiB): the bytes written (at most 5). */
static size_t put_header(uint8_t *out, uint32_t tag, size_t len)
{
    size_t n = 0;
    out[n++] = (uint8_t)(tag >> 8);
    out[n++] = (uint8_t)tag;
    if (len >= 0x100) {
        out[n++] = 0x82;
        out[n++] = (uint8_t)(len >> 8);
    } else if (len >= 0x80) {
        out[n++] = 0x81;
    }
    out[n++] = (uint8_t)len;
    return n;
}

/* A ProvideEimPackageResult (BF50); with response NULL (inside HandleNotification) nothing is answered. */
static void provide_result(struct eim_server *server, const uint8_t *message, size_t len,
                           struct sgp32_remote_response *response)
{
    char eid_hex[33];
    const char *eid = NULL;
    struct acks acks;
    size_t value_len = 0, at = 0, result_len = 0;
    const uint8_t *value = eim_tlv_value(message, len, &value_len), *result = NULL;
    int rc = -1;
    struct eim_device device;
    acks.count = 0;
    /* eidValue is optional: without it, the orders of every device are candidates */
    if (eid_of(message, len, eid_hex) == 0) {
        eid = eid_hex;
        rc = eim_store_get_device(server->store, eid, &device);
        if (rc != 0) {
            if (response != NULL)
                answer_error(response, 0xBF50, rc == 1 ? 2 : 127); /* eidNotFound */
            return;
        }
        eim_device_release(&device);
    }
    while (value != NULL && at < value_len) { /* the EimPackageResult: the child that is not the EID */
        size_t n;
        const uint8_t *v = eim_tlv_value(value + at, value_len - at, &n);
        if (v == NULL)
            break;
        n += (size_t)(v - (value + at));
        if (value[at] != 0x5A) {
            result = value + at;
            result_len = n;
            break;
        }
        at += n;
    }
    rc = -1;
    if (result != NULL && result[0] == 0xBF && result[1] == 0x51) {
        rc = euicc_package_result(server, eid, result, result_len, NULL, 0, &acks);
    } else if (result != NULL && result[0] == 0x30) { /* ePRAndNotifications */
        size_t epr_len, list_len;
        const uint8_t *epr = eim_tlv_child(result, result_len, 0xBF51, &epr_len);
        const uint8_t *list = eim_tlv_child(result, result_len, 0xA0, &list_len);
        if (epr != NULL)
            rc = euicc_package_result(server, eid, epr, epr_len, list, list != NULL ? list_len : 0, &acks);
    } else if (result != NULL && result[0] == 0xBF && result[1] == 0x52) {
        rc = ipa_euicc_data_response(server, eid, result, result_len, &acks);
    } else if (result != NULL && result[0] == 0xBF && result[1] == 0x54) {
        rc = download_trigger_result(server, eid, result, result_len);
    } else if (result != NULL && result[0] == 0xA0) {
        rc = package_result_error(server, eid, result, result_len);
    }
    if (response == NULL)
        return;
    if (rc != 0) {
        answer_error(response, 0xBF50, 127);
        return;
    } /* undefinedError: nothing was accepted */
    if (acks.count == 0) {
        static const uint8_t empty[4] = {0xBF, 0x50, 0x02, 0x30}; /* emptyResponse SEQUENCE {} */
        uint8_t message_empty[5];
        memcpy(message_empty, empty, 4);
        message_empty[4] = 0x00;
        eim_esipa_answer(response, message_empty, sizeof(message_empty));
    } else {
        /* eimAcknowledgements: BF50 { BF53 { 80 seq ... } } */
        uint8_t answer[10 + MAX_ACKS * 6], body[MAX_ACKS * 6];
        size_t n = 0, i, total;
        for (i = 0; i < acks.count; i++) {
            uint8_t bytes[4];
            size_t k = 0;
            long v = acks.seq[i];
            do {
                bytes[3 - k++] = (uint8_t)v;
                v >>= 8;
            } while (v != 0 && k < 4);
            if ((bytes[4 - k] & 0x80) && k < 4)
                bytes[3 - k++] = 0;
            body[n++] = 0x80;
            body[n++] = (uint8_t)k;
            memcpy(body + n, bytes + 4 - k, k);
            n += k;
        }
        /* inner BF53 header: 2-byte tag, length in 1..3 octets (n < 64 KiB) */
        size_t inner_len = n + 2 + (n < 0x80 ? 1 : n < 0x100 ? 2 : 3);
        total = put_header(answer, 0xBF50, inner_len);
        total += put_header(answer + total, 0xBF53, n);
        memcpy(answer + total, body, n);
        eim_esipa_answer(response, answer, total + n);
    }
}

/* ---- HandleNotification (6.3.2.4) ---- */

static void handle_notification(struct eim_server *server, const uint8_t *message, size_t len,
                                struct sgp32_remote_response *response)
{
    size_t inner_len;
    const uint8_t *inner = eim_tlv_child(message, len, 0, &inner_len);
    if (inner != NULL && inner[0] == 0xBF && inner[1] == 0x50) {
        provide_result(server, inner, inner_len, NULL);
    } else if (inner != NULL && inner[0] == 0xA0) {
        size_t notification_len;
        const uint8_t *notification = eim_tlv_child(inner, inner_len, 0, &notification_len);
        if (notification != NULL) {
            char *json = eim_decode_json("SGP32-PendingNotification", notification, notification_len);
            eim_store_add_notification(server->store, NULL, 0, notification, notification_len, json);
            free(json);
            /* a notification for an SM-DP+ (the ProfileInstallationResult of an indirect download) */
            eim_relay_notification(server, notification, notification_len);
        }
    }
    sgp32_esipa_asn1_build_response(NULL, 0, NULL, response); /* 204: HandleNotification has no answer */
}

/* --verbose: the first bytes of a message, in hex. */
static void trace(const char *what, const uint8_t *data, size_t len)
{
    char hex[2 * 48 + 1];
    size_t shown = len < 48 ? len : 48;
    eim_hex_encode(data, shown, hex);
    fprintf(stderr, "sgp32-eim: %s (%zu bytes) %s%s\n", what, len, hex, shown < len ? "..." : "");
}

void eim_esipa_dispatch(struct eim_server *server, enum sgp32_esipa_message kind, const uint8_t *message, size_t len,
                        struct sgp32_remote_response *response)
{
    if (server->verbose)
        trace(sgp32_esipa_message_name(kind), message, len);
    switch (kind) {
    case SGP32_ESIPA_GET_EIM_PACKAGE:
        get_eim_package(server, message, len, response);
        break;
    case SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT:
        provide_result(server, message, len, response);
        break;
    case SGP32_ESIPA_HANDLE_NOTIFICATION:
        handle_notification(server, message, len, response);
        break;
    case SGP32_ESIPA_INITIATE_AUTHENTICATION:
    case SGP32_ESIPA_AUTHENTICATE_CLIENT:
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE:
    case SGP32_ESIPA_CANCEL_SESSION:
        eim_relay_handle(server, sgp32_esipa_message_tag(kind), message, len, response);
        break;
    default: /* TransferEimPackageResponse: this eIM never pushes (no ESipa.TransferEimPackage) */
        plain(response, 400, "unexpected ESipa message");
        break;
    }
    if (server->verbose && response->body_len > 0)
        trace("answer", response->body, response->body_len);
}

void eim_esipa_handle(struct eim_server *server, const struct sgp32_remote_incoming *incoming,
                      struct sgp32_remote_response *response)
{
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    struct sgp32_remote_result result;
    enum sgp32_status status;
    sgp32_remote_result_clear(&result);
    status = sgp32_esipa_asn1_parse_request(incoming, &kind, NULL, &result);
    if (status != SGP32_OK) {
        char text[200];
        snprintf(text, sizeof(text), "not an ESipa message: %s (%s)", sgp32_strerror(status), result.detail);
        plain(response, status == SGP32_ERR_NOT_FOUND ? 404 : 400, text);
        return;
    }
    eim_esipa_dispatch(server, kind, incoming->body, incoming->body_len, response);
}
