/* SPDX-License-Identifier: MIT */
/* The scripted eIM of ipa_eim.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ec.h"
#include "crypto/rng.h"
#include "ipa_eim.h"
#include "remote/remote.h"
#include "sgp32/tlv.h"

#define MAX_SENT 256u

struct queued {
    uint8_t *body;
    size_t len;
};

struct sent {
    long counter;
    uint8_t tid[4];
};

struct accepted {
    uint8_t *bytes;
    size_t len;
    long seq; /* -1: an error result (nothing to acknowledge) */
    long counter;
    struct sgp32_eim_result result;
};

struct ipa_eim {
    char *eim_id;
    uint8_t eid[16];
    struct sgp32_ec_key key;
    int key_ready;
    struct sgp32_crypto_rng rng;
    int rng_ready;
    uint64_t random_state;
    uint8_t *euicc_cert;
    size_t euicc_cert_len;
    int has_token;
    long token;
    long next_counter;
    uint32_t next_tid;
    long last_seq;
    struct queued *queue;
    size_t queue_head, queue_count, queue_cap;
    struct sent sent[MAX_SENT];
    size_t sent_count;
    struct accepted *accepted;
    size_t accepted_count, accepted_cap;
    struct ipa_eim_received *received;
    size_t received_count, received_cap;
    enum ipa_eim_ack_mode ack_mode;
    long ack_error;
    ipa_http_handler other;
    void *other_user;
    ipa_eim_notification_forward forward;
    void *forward_user;
    int emulated;                   /* the device emulates IoT on an SGP.22 eUICC: results with an empty euiccSignEPR */
    struct ipa_eim_knowledge known; /* minimizeEsipaBytes (ipa_eim_compact.c) */
    uint8_t *eum_cert;
    uint8_t *euicc_info1;
};

/* ---- A small DER writer ---- */

struct der {
    uint8_t *data;
    size_t len, cap;
    int failed;
};

static void der_put(struct der *d, const void *bytes, size_t n)
{
    if (d->failed || n == 0)
        return;
    if (d->len + n > d->cap) {
        size_t cap = d->cap == 0 ? 64 : d->cap;
        uint8_t *grown;
        while (cap < d->len + n)
            cap *= 2;
        grown = realloc(d->data, cap);
        if (grown == NULL) {
            d->failed = 1;
            return;
        }
        d->data = grown;
        d->cap = cap;
    }
    memcpy(d->data + d->len, bytes, n);
    d->len += n;
}

static void der_header(struct der *d, uint32_t tag, size_t len)
{
    uint8_t h[8];
    size_t n = 0;
    if (tag > 0xFFFF)
        h[n++] = (uint8_t)(tag >> 16);
    if (tag > 0xFF)
        h[n++] = (uint8_t)(tag >> 8);
    h[n++] = (uint8_t)tag;
    if (len < 0x80) {
        h[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        h[n++] = 0x81;
        h[n++] = (uint8_t)len;
    } else if (len < 0x10000) {
        h[n++] = 0x82;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = 0x83;
        h[n++] = (uint8_t)(len >> 16);
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    }
    der_put(d, h, n);
}

static void der_tlv(struct der *d, uint32_t tag, const void *value, size_t len)
{
    der_header(d, tag, len);
    der_put(d, value, len);
}

/* A DER INTEGER's content octets. */
static size_t integer_octets(long value, uint8_t out[sizeof(long) + 1])
{
    uint8_t all[sizeof(long)];
    size_t i, start = 0;
    unsigned long bits = (unsigned long)value;
    for (i = 0; i < sizeof(long); i++)
        all[sizeof(long) - 1 - i] = (uint8_t)(bits >> (8 * i));
    while (start + 1 < sizeof(long) &&
           ((all[start] == 0x00 && !(all[start + 1] & 0x80)) || (all[start] == 0xFF && (all[start + 1] & 0x80))))
        start++;
    memcpy(out, all + start, sizeof(long) - start);
    return sizeof(long) - start;
}

static void der_integer(struct der *d, uint32_t tag, long value)
{
    uint8_t octets[sizeof(long) + 1];
    der_tlv(d, tag, octets, integer_octets(value, octets));
}

/* ---- Reading ---- */

/* The children of the element at data[0..len): *at walks them; 0 at the end or on bad input. */
static int next_child(const uint8_t *data, size_t end, size_t *at, struct sgp32_tlv_header *h)
{
    if (*at >= end || sgp32_tlv_parse_header(data + *at, end - *at, h) != SGP32_OK ||
        h->length == SGP32_TLV_INDEFINITE || h->length > end - *at - h->header_len)
        return 0;
    return 1;
}

static long integer_of(const uint8_t *v, size_t len)
{
    long value = len > 0 && (v[0] & 0x80) ? -1 : 0;
    size_t i;
    for (i = 0; i < len && i < sizeof(long); i++)
        value = (long)(((unsigned long)value << 8) | v[i]);
    return value;
}

/* ---- Lifetime ---- */

static int rng_source(void *user, uint8_t *buf, size_t len)
{
    return ipa_random(user, buf, len) == SGP32_OK ? 0 : -1;
}

enum sgp32_status ipa_eim_new(const struct ipa_eim_options *options, struct ipa_eim **out)
{
    struct ipa_eim *eim;
    enum sgp32_status status;
    size_t id_len;
    *out = NULL;
    if (options == NULL || options->eim_id == NULL || options->key == NULL || options->euicc_certificate == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    eim = calloc(1, sizeof(*eim));
    if (eim == NULL)
        return SGP32_ERR_NO_MEMORY;
    id_len = strlen(options->eim_id) + 1;
    eim->eim_id = malloc(id_len);
    eim->euicc_cert = malloc(options->euicc_certificate_len);
    if (eim->eim_id == NULL || eim->euicc_cert == NULL) {
        ipa_eim_free(eim);
        return SGP32_ERR_NO_MEMORY;
    }
    memcpy(eim->eim_id, options->eim_id, id_len);
    memcpy(eim->euicc_cert, options->euicc_certificate, options->euicc_certificate_len);
    eim->euicc_cert_len = options->euicc_certificate_len;
    memcpy(eim->eid, options->eid, 16);
    memcpy(eim->known.eid, options->eid, 16);
    eim->known.euicc_certificate = eim->euicc_cert;
    eim->known.euicc_certificate_len = eim->euicc_cert_len;
    eim->has_token = options->has_association_token;
    eim->token = options->association_token;
    eim->next_counter = options->counter_value + 1;
    eim->next_tid = 1;
    eim->last_seq = -1;
    eim->random_state = options->seed != 0 ? options->seed : 0x65494D2D7465737AULL;
    sgp32_ec_key_init(&eim->key);
    eim->key_ready = 1;
    status = sgp32_ec_import_private(&eim->key, options->key, options->key_len);
    if (status == SGP32_OK) {
        status = sgp32_crypto_rng_init(&eim->rng, rng_source, &eim->random_state);
        eim->rng_ready = status == SGP32_OK;
    }
    if (status != SGP32_OK) {
        ipa_eim_free(eim);
        return status;
    }
    *out = eim;
    return SGP32_OK;
}

void ipa_eim_free(struct ipa_eim *eim)
{
    size_t i;
    if (eim == NULL)
        return;
    if (eim->key_ready)
        sgp32_ec_key_free(&eim->key);
    if (eim->rng_ready)
        sgp32_crypto_rng_free(&eim->rng);
    for (i = 0; i < eim->queue_count; i++)
        free(eim->queue[eim->queue_head + i].body);
    for (i = 0; i < eim->accepted_count; i++)
        free(eim->accepted[i].bytes);
    for (i = 0; i < eim->received_count; i++) {
        free(eim->received[i].data);
        free(eim->received[i].wire);
    }
    free(eim->eum_cert);
    free(eim->euicc_info1);
    free(eim->queue);
    free(eim->accepted);
    free(eim->received);
    free(eim->eim_id);
    free(eim->euicc_cert);
    free(eim);
}

/* ---- The queue ---- */

/* Takes ownership of body. */
static enum sgp32_status enqueue(struct ipa_eim *eim, uint8_t *body, size_t len)
{
    if (body == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (eim->queue_head + eim->queue_count == eim->queue_cap) {
        if (eim->queue_head > 0) {
            memmove(eim->queue, eim->queue + eim->queue_head, eim->queue_count * sizeof(struct queued));
            eim->queue_head = 0;
        } else {
            size_t cap = eim->queue_cap == 0 ? 8 : eim->queue_cap * 2;
            struct queued *grown = realloc(eim->queue, cap * sizeof(*grown));
            if (grown == NULL) {
                free(body);
                return SGP32_ERR_NO_MEMORY;
            }
            eim->queue = grown;
            eim->queue_cap = cap;
        }
    }
    eim->queue[eim->queue_head + eim->queue_count].body = body;
    eim->queue[eim->queue_head + eim->queue_count].len = len;
    eim->queue_count++;
    return SGP32_OK;
}

/* GetEimPackageResponse (BF4F, an explicit CHOICE) around one alternative. */
static enum sgp32_status enqueue_wrapped(struct ipa_eim *eim, const uint8_t *inner, size_t len)
{
    struct der d = {NULL, 0, 0, 0};
    der_tlv(&d, 0xBF4F, inner, len);
    if (d.failed) {
        free(d.data);
        return SGP32_ERR_NO_MEMORY;
    }
    return enqueue(eim, d.data, d.len);
}

enum sgp32_status ipa_eim_make_package(struct ipa_eim *eim, enum sgp32_eim_package_kind kind,
                                       const struct sgp32_eim_buffer *items, size_t count,
                                       struct sgp32_eim_buffer *request, long *counter_value)
{
    struct sgp32_eim_signer signer;
    struct sgp32_eim_package package;
    struct sent *sent;
    enum sgp32_status status;
    if (eim->sent_count == MAX_SENT)
        return SGP32_ERR_NO_MEMORY;
    sent = &eim->sent[eim->sent_count];
    sent->counter = eim->next_counter;
    sent->tid[0] = 0xE1;
    sent->tid[1] = (uint8_t)(eim->next_tid >> 16);
    sent->tid[2] = (uint8_t)(eim->next_tid >> 8);
    sent->tid[3] = (uint8_t)eim->next_tid;
    memset(&signer, 0, sizeof(signer));
    signer.eim_id = eim->eim_id;
    signer.key = &eim->key;
    signer.rng = &eim->rng;
    signer.has_association_token = eim->has_token;
    signer.association_token = eim->token;
    memset(&package, 0, sizeof(package));
    memcpy(package.eid, eim->eid, 16);
    package.counter_value = sent->counter;
    package.transaction_id = sent->tid;
    package.transaction_id_len = sizeof(sent->tid);
    package.kind = kind;
    package.items = items;
    package.item_count = count;
    status = sgp32_eim_build_package(&signer, &package, request);
    if (status != SGP32_OK)
        return status;
    if (counter_value != NULL)
        *counter_value = sent->counter;
    eim->next_counter++;
    eim->next_tid++;
    eim->sent_count++;
    return SGP32_OK;
}

enum sgp32_status ipa_eim_queue_package(struct ipa_eim *eim, enum sgp32_eim_package_kind kind,
                                        const struct sgp32_eim_buffer *items, size_t count, long *counter_value)
{
    struct sgp32_eim_buffer request = {NULL, 0};
    enum sgp32_status status = ipa_eim_make_package(eim, kind, items, count, &request, counter_value);
    if (status == SGP32_OK)
        status = enqueue_wrapped(eim, request.data, request.len);
    sgp32_eim_buffer_free(&request);
    return status;
}

enum sgp32_status ipa_eim_queue_euicc_data_request(struct ipa_eim *eim, const uint8_t *tag_list, size_t tag_list_len,
                                                   const uint8_t *tid, size_t tid_len)
{
    struct der content = {NULL, 0, 0, 0}, request = {NULL, 0, 0, 0};
    enum sgp32_status status;
    der_tlv(&content, 0x5C, tag_list, tag_list_len);
    if (tid != NULL)
        der_tlv(&content, 0x83, tid, tid_len);
    der_tlv(&request, 0xBF52, content.data, content.len);
    status = content.failed || request.failed ? SGP32_ERR_NO_MEMORY : enqueue_wrapped(eim, request.data, request.len);
    free(content.data);
    free(request.data);
    return status;
}

enum sgp32_status ipa_eim_queue_download_trigger(struct ipa_eim *eim, const char *activation_code)
{
    struct der code = {NULL, 0, 0, 0}, content = {NULL, 0, 0, 0}, request = {NULL, 0, 0, 0};
    uint8_t tid[4] = {0xD1, 0, 0, 0};
    enum sgp32_status status;
    tid[3] = (uint8_t)eim->next_tid++;
    if (activation_code != NULL) {
        /* profileDownloadData [0] ProfileDownloadData (a CHOICE: explicit A0), activationCode [0] */
        der_tlv(&code, 0x80, activation_code, strlen(activation_code));
        der_tlv(&content, 0xA0, code.data, code.len);
    }
    der_tlv(&content, 0x82, tid, sizeof(tid));
    der_tlv(&request, 0xBF54, content.data, content.len);
    status = code.failed || content.failed || request.failed ? SGP32_ERR_NO_MEMORY
                                                             : enqueue_wrapped(eim, request.data, request.len);
    free(code.data);
    free(content.data);
    free(request.data);
    return status;
}

enum sgp32_status ipa_eim_queue_error(struct ipa_eim *eim, long code)
{
    struct der d = {NULL, 0, 0, 0};
    der_integer(&d, 0x02, code);
    if (d.failed) {
        free(d.data);
        return SGP32_ERR_NO_MEMORY;
    }
    {
        enum sgp32_status status = enqueue_wrapped(eim, d.data, d.len);
        free(d.data);
        return status;
    }
}

enum sgp32_status ipa_eim_queue_raw(struct ipa_eim *eim, const uint8_t *body, size_t len)
{
    return enqueue(eim, ipa_copy_bytes(body, len), len);
}

size_t ipa_eim_queued(const struct ipa_eim *eim)
{
    return eim->queue_count;
}

void ipa_eim_set_ack_mode(struct ipa_eim *eim, enum ipa_eim_ack_mode mode, long error_code)
{
    eim->ack_mode = mode;
    eim->ack_error = error_code;
}

void ipa_eim_set_other_handler(struct ipa_eim *eim, ipa_http_handler handler, void *user)
{
    eim->other = handler;
    eim->other_user = user;
}

void ipa_eim_set_association_token(struct ipa_eim *eim, int has_token, long token)
{
    eim->has_token = has_token;
    eim->token = token;
}

void ipa_eim_set_emulated(struct ipa_eim *eim, int emulated)
{
    eim->emulated = emulated;
}

static enum sgp32_status keep(uint8_t **owned, const uint8_t **view, size_t *view_len, const uint8_t *data, size_t len)
{
    uint8_t *copy;
    if (data == NULL)
        return SGP32_OK;
    copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(copy, data, len);
    free(*owned);
    *owned = copy;
    *view = copy;
    *view_len = len;
    return SGP32_OK;
}

enum sgp32_status ipa_eim_set_known(struct ipa_eim *eim, const uint8_t *eum_certificate, size_t eum_certificate_len,
                                    const uint8_t *euicc_info1, size_t euicc_info1_len)
{
    enum sgp32_status st = keep(&eim->eum_cert, &eim->known.eum_certificate, &eim->known.eum_certificate_len,
                                eum_certificate, eum_certificate_len);
    if (st == SGP32_OK)
        st =
            keep(&eim->euicc_info1, &eim->known.euicc_info1, &eim->known.euicc_info1_len, euicc_info1, euicc_info1_len);
    return st;
}

struct ipa_eim_knowledge *ipa_eim_knowledge(struct ipa_eim *eim)
{
    return &eim->known;
}

void ipa_eim_set_notification_forward(struct ipa_eim *eim, ipa_eim_notification_forward forward, void *user)
{
    eim->forward = forward;
    eim->forward_user = user;
}

/* ---- Verification ---- */

static enum sgp32_status remember_accepted(struct ipa_eim *eim, const uint8_t *bytes, size_t len, long seq,
                                           long counter, const struct sgp32_eim_result *result)
{
    struct accepted *a;
    if (eim->accepted_count == eim->accepted_cap) {
        size_t cap = eim->accepted_cap == 0 ? 8 : eim->accepted_cap * 2;
        struct accepted *grown = realloc(eim->accepted, cap * sizeof(*grown));
        if (grown == NULL)
            return SGP32_ERR_NO_MEMORY;
        eim->accepted = grown;
        eim->accepted_cap = cap;
    }
    a = &eim->accepted[eim->accepted_count];
    a->bytes = malloc(len);
    if (a->bytes == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(a->bytes, bytes, len);
    a->len = len;
    a->seq = seq;
    a->counter = counter;
    a->result = *result;
    eim->accepted_count++;
    return SGP32_OK;
}

/* IoT emulation (docs/ipa.md): BF51 { A0 { 30 data, 5F37 00 } }, a euiccPackageResultSigned whose
 * euiccSignEPR is empty. Its data is checked as a signed result's (echoes, seqNumber), without signature. */
static int emulated_result(const uint8_t *der, size_t len, size_t *data_at, size_t *data_end)
{
    struct sgp32_tlv_header top, choice, data, signature;
    size_t at = 0, inner;
    if (!next_child(der, len, &at, &top) || top.tag != 0xBF51 || top.header_len + top.length != len)
        return 0;
    at = top.header_len;
    if (!next_child(der, len, &at, &choice) || choice.tag != 0xA0)
        return 0;
    inner = at + choice.header_len;
    if (!next_child(der, len, &inner, &data) || data.tag != 0x30)
        return 0;
    *data_at = inner + data.header_len;
    *data_end = *data_at + data.length;
    inner = *data_end;
    return next_child(der, len, &inner, &signature) && signature.tag == 0x5F37 && signature.length == 0 &&
           inner + signature.header_len == len;
}

static enum sgp32_status verify_emulated(const uint8_t *der, size_t at, size_t end,
                                         const struct sgp32_eim_expected *expected, struct sgp32_eim_result *out)
{
    struct sgp32_tlv_header h, item;
    size_t eim_id_len = strlen(expected->eim_id), child;
    int have_seq = 0, have_counter = 0, have_list = 0;
    memset(out, 0, sizeof(*out));
    out->kind = SGP32_EIM_RESULT_SIGNED;
    for (; next_child(der, end, &at, &h); at += h.header_len + h.length) {
        const uint8_t *v = der + at + h.header_len;
        if (h.tag == 0x80 && (h.length != eim_id_len || memcmp(v, expected->eim_id, eim_id_len) != 0))
            return SGP32_ERR_PROTOCOL;
        if (h.tag == 0x81) {
            have_counter = 1;
            if (integer_of(v, h.length) != expected->counter_value)
                return SGP32_ERR_PROTOCOL;
        }
        if (h.tag == 0x82 && expected->transaction_id != NULL &&
            (h.length != expected->transaction_id_len || memcmp(v, expected->transaction_id, h.length) != 0))
            return SGP32_ERR_PROTOCOL;
        if (h.tag == 0x83) {
            have_seq = 1;
            out->seq_number = integer_of(v, h.length);
        }
        if (h.tag == 0x30) {
            have_list = 1;
            for (child = at + h.header_len; next_child(der, at + h.header_len + h.length, &child, &item);
                 child += item.header_len + item.length) {
                struct sgp32_eim_result_item *r;
                if (out->item_count == SGP32_EIM_MAX_RESULTS)
                    return SGP32_ERR_TOO_LARGE;
                r = &out->items[out->item_count++];
                r->tag = item.tag;
                r->offset = child;
                r->len = item.header_len + item.length;
                r->is_integer = !item.constructed && item.length > 0 && item.length <= sizeof(long);
                r->value = r->is_integer ? integer_of(der + child + item.header_len, item.length) : 0;
            }
        }
    }
    if (at != end || !have_seq || !have_counter || !have_list)
        return SGP32_ERR_DECODE;
    return out->seq_number > expected->last_seq_number ? SGP32_OK : SGP32_ERR_PROTOCOL;
}

/* The verification against every package sent, newest first. */
static enum sgp32_status verify(struct ipa_eim *eim, const uint8_t *der, size_t len, struct sgp32_eim_result *out,
                                long *counter_value, int *duplicate, long *ack_seq)
{
    enum sgp32_status first = SGP32_ERR_NOT_FOUND;
    size_t i = eim->sent_count, k, data_at = 0, data_end = 0;
    *duplicate = 0;
    *ack_seq = -1;
    *counter_value = -1;
    for (k = 0; k < eim->accepted_count; k++)
        if (eim->accepted[k].len == len && memcmp(eim->accepted[k].bytes, der, len) == 0) {
            /* a result delivered again (its acknowledgement was lost): acknowledge it again */
            *duplicate = 1;
            *ack_seq = eim->accepted[k].seq;
            *counter_value = eim->accepted[k].counter;
            *out = eim->accepted[k].result;
            return SGP32_OK;
        }
    while (i > 0) {
        struct sgp32_eim_expected expected;
        enum sgp32_status status;
        i--;
        memset(&expected, 0, sizeof(expected));
        expected.eim_id = eim->eim_id;
        expected.counter_value = eim->sent[i].counter;
        expected.transaction_id = eim->sent[i].tid;
        expected.transaction_id_len = sizeof(eim->sent[i].tid);
        expected.has_association_token = eim->has_token;
        expected.association_token = eim->token;
        expected.last_seq_number = eim->last_seq;
        memset(out, 0, sizeof(*out));
        if (eim->emulated && emulated_result(der, len, &data_at, &data_end))
            status = verify_emulated(der, data_at, data_end, &expected, out);
        else
            status = sgp32_eim_verify_result(der, len, eim->euicc_cert, eim->euicc_cert_len, &expected, out);
        if (status == SGP32_OK) {
            *counter_value = eim->sent[i].counter;
            if (out->kind == SGP32_EIM_RESULT_SIGNED) {
                eim->last_seq = out->seq_number;
                *ack_seq = out->seq_number;
            }
            return remember_accepted(eim, der, len, *ack_seq, *counter_value, out);
        }
        if (first == SGP32_ERR_NOT_FOUND)
            first = status;
    }
    return first;
}

enum sgp32_status ipa_eim_verify(struct ipa_eim *eim, const uint8_t *result, size_t len, struct sgp32_eim_result *out,
                                 long *counter_value)
{
    struct sgp32_eim_result scratch;
    long counter, seq;
    int duplicate;
    enum sgp32_status status = verify(eim, result, len, out != NULL ? out : &scratch, &counter, &duplicate, &seq);
    if (counter_value != NULL)
        *counter_value = counter;
    return status;
}

/* ---- Recording ---- */

static struct ipa_eim_received *record(struct ipa_eim *eim, const struct ipa_http_recorded *request)
{
    struct ipa_eim_received *r;
    if (eim->received_count == eim->received_cap) {
        size_t cap = eim->received_cap == 0 ? 16 : eim->received_cap * 2;
        struct ipa_eim_received *grown = realloc(eim->received, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        eim->received = grown;
        eim->received_cap = cap;
    }
    r = &eim->received[eim->received_count];
    memset(r, 0, sizeof(*r));
    r->data = ipa_copy_bytes(request->body, request->body_len);
    if (r->data == NULL)
        return NULL;
    r->len = request->body_len;
    r->state_change_cause = -1;
    r->counter_value = -1;
    eim->received_count++;
    return r;
}

/* GetEimPackageRequest (BF4F): eidValue 5A, notifyStateChange 80, stateChangeCause 81, rPLMN 82. */
static int read_get_package(struct ipa_eim_received *r, uint8_t eid[16])
{
    struct sgp32_tlv_header top, h;
    size_t at, end;
    int have_eid = 0;
    if (sgp32_tlv_parse_header(r->data, r->len, &top) != SGP32_OK)
        return 0;
    at = top.header_len;
    end = top.header_len + top.length;
    for (; next_child(r->data, end, &at, &h); at += h.header_len + h.length) {
        const uint8_t *v = r->data + at + h.header_len;
        if (h.tag == 0x5A && h.length == 16) {
            memcpy(eid, v, 16);
            have_eid = 1;
        } else if (h.tag == 0x80) {
            r->notify_state_change = 1;
        } else if (h.tag == 0x81) {
            r->state_change_cause = integer_of(v, h.length);
        } else if (h.tag == 0x82 && h.length == 3) {
            r->has_rplmn = 1;
            memcpy(r->rplmn, v, 3);
        }
    }
    return have_eid;
}

/* The first element with `tag` among the children of data[at..end) or, depth levels down, theirs. */
static int find_tag(const uint8_t *data, size_t at, size_t end, uint32_t tag, int depth, size_t *found_at,
                    struct sgp32_tlv_header *found)
{
    struct sgp32_tlv_header h;
    for (; next_child(data, end, &at, &h); at += h.header_len + h.length) {
        if (h.tag == tag) {
            *found_at = at;
            *found = h;
            return 1;
        }
        if (depth > 0 && h.constructed &&
            find_tag(data, at + h.header_len, at + h.header_len + h.length, tag, depth - 1, found_at, found))
            return 1;
    }
    return 0;
}

/* The sequence numbers of the notifications in a PendingNotificationList (A0 content): each
 * notification's notificationMetadata (BF2F) seqNumber (80). */
static void notification_seqs(const uint8_t *data, size_t at, size_t end, struct ipa_eim_received *r)
{
    struct sgp32_tlv_header item, meta, seq;
    size_t meta_at, seq_at;
    for (; next_child(data, end, &at, &item); at += item.header_len + item.length)
        if (find_tag(data, at + item.header_len, at + item.header_len + item.length, 0xBF2F, 2, &meta_at, &meta) &&
            find_tag(data, meta_at + meta.header_len, meta_at + meta.header_len + meta.length, 0x80, 0, &seq_at,
                     &seq) &&
            r->ack_count < IPA_EIM_MAX_ACKS)
            r->acknowledged[r->ack_count++] = integer_of(data + seq_at + seq.header_len, seq.length);
}

/* ProvideEimPackageResult (BF50) at data[at..]: classifies and verifies its EimPackageResult. The
 * sequence numbers to acknowledge go to r->acknowledged. */
static void read_package_result(struct ipa_eim *eim, struct ipa_eim_received *r, size_t at, size_t len)
{
    struct sgp32_tlv_header top, h, inner;
    size_t end, child;
    long seq = -1;
    if (sgp32_tlv_parse_header(r->data + at, len, &top) != SGP32_OK || top.tag != 0xBF50)
        return;
    end = at + top.header_len + top.length;
    at += top.header_len;
    while (next_child(r->data, end, &at, &h) && h.tag == 0x5A)
        at += h.header_len + h.length;
    if (!next_child(r->data, end, &at, &h))
        return;
    switch (h.tag) {
    case 0xBF51:
        r->result_kind = IPA_EIM_EUICC_PACKAGE_RESULT;
        r->euicc_package_result = r->data + at;
        r->euicc_package_result_len = h.header_len + h.length;
        break;
    case 0x30:
        r->result_kind = IPA_EIM_EPR_AND_NOTIFICATIONS;
        child = at + h.header_len;
        while (next_child(r->data, at + h.header_len + h.length, &child, &inner)) {
            if (inner.tag == 0xBF51) {
                r->euicc_package_result = r->data + child;
                r->euicc_package_result_len = inner.header_len + inner.length;
            } else if (inner.tag == 0xA0) {
                notification_seqs(r->data, child + inner.header_len, child + inner.header_len + inner.length, r);
            }
            child += inner.header_len + inner.length;
        }
        break;
    case 0xBF52:
        r->result_kind = IPA_EIM_IPA_EUICC_DATA_RESPONSE;
        return;
    case 0xBF54:
        r->result_kind = IPA_EIM_DOWNLOAD_TRIGGER_RESULT;
        return;
    case 0xA0:
        r->result_kind = IPA_EIM_RESULT_RESPONSE_ERROR;
        return;
    default:
        return;
    }
    if (r->euicc_package_result == NULL) {
        r->verify_status = SGP32_ERR_DECODE;
        return;
    }
    r->verify_status = verify(eim, r->euicc_package_result, r->euicc_package_result_len, &r->result, &r->counter_value,
                              &r->duplicate, &seq);
    if (r->verify_status != SGP32_OK)
        fprintf(stderr, "ipa_eim: EuiccPackageResult refused: %s\n", sgp32_strerror(r->verify_status));
    if (r->verify_status == SGP32_OK && seq >= 0 && r->ack_count < IPA_EIM_MAX_ACKS) {
        memmove(r->acknowledged + 1, r->acknowledged, r->ack_count * sizeof(long));
        r->acknowledged[0] = seq;
        r->ack_count++;
    }
}

/* ---- Answers ---- */

void ipa_eim_reply(struct ipa_http_reply *reply, const uint8_t *message, size_t len)
{
    struct sgp32_remote_response response;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    enum sgp32_status status = sgp32_esipa_asn1_build_response(message, len, &kind, &response);
    if (status != SGP32_OK) {
        fprintf(stderr, "ipa_eim: cannot build the answer: %s\n", sgp32_strerror(status));
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
        return;
    }
    ipa_http_reply_from_response(reply, &response);
}

static void answer_get_package(struct ipa_eim *eim, struct ipa_eim_received *r, struct ipa_http_reply *reply)
{
    static const uint8_t no_package[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};
    static const uint8_t eid_not_found[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x02};
    uint8_t eid[16];
    struct queued next;
    if (!read_get_package(r, eid) || memcmp(eid, eim->eid, 16) != 0) {
        ipa_eim_reply(reply, eid_not_found, sizeof(eid_not_found));
        return;
    }
    if (eim->queue_count == 0) {
        ipa_eim_reply(reply, no_package, sizeof(no_package));
        return;
    }
    next = eim->queue[eim->queue_head];
    eim->queue_head++;
    eim->queue_count--;
    /* raw bytes go out unchecked (a test may send a malformed answer on purpose) */
    ipa_http_reply_set(reply, 200, SGP32_REMOTE_CONTENT_TYPE_ASN1, next.body, next.len);
    free(next.body);
}

static void answer_result(struct ipa_eim *eim, struct ipa_eim_received *r, struct ipa_http_reply *reply)
{
    struct der acks = {NULL, 0, 0, 0}, list = {NULL, 0, 0, 0}, message = {NULL, 0, 0, 0};
    size_t i;
    read_package_result(eim, r, 0, r->len);
    switch (eim->ack_mode) {
    case IPA_EIM_ACK_NONE:
        r->ack_count = 0;
        der_tlv(&message, 0xBF50, "\x30\x00", 2);
        break;
    case IPA_EIM_ACK_ERROR:
        r->ack_count = 0;
        der_integer(&acks, 0x02, eim->ack_error);
        der_tlv(&message, 0xBF50, acks.data, acks.len);
        break;
    case IPA_EIM_ACK_NO_CONTENT:
        r->ack_count = 0;
        ipa_http_reply_set(reply, 204, NULL, NULL, 0);
        return;
    case IPA_EIM_ACK_ALL:
    default:
        for (i = 0; i < r->ack_count; i++)
            der_integer(&list, 0x80, r->acknowledged[i]);
        der_tlv(&acks, 0xBF53, list.data, list.len);
        der_tlv(&message, 0xBF50, acks.data, acks.len);
        break;
    }
    if (message.failed || acks.failed || list.failed)
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
    else
        ipa_eim_reply(reply, message.data, message.len);
    free(acks.data);
    free(list.data);
    free(message.data);
}

void ipa_eim_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_eim *eim = user;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_result result;
    struct sgp32_tlv_header top, h;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    struct ipa_eim_received *r = record(eim, request);
    size_t at;
    if (r == NULL) {
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
        return;
    }
    ipa_http_incoming(request, &incoming);
    sgp32_remote_result_clear(&result);
    r->parse_status = sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result);
    if (r->parse_status != SGP32_OK) {
        fprintf(stderr, "ipa_eim: request refused: %s (%s)\n", sgp32_strerror(r->parse_status), result.detail);
        ipa_http_reply_set(reply, r->parse_status == SGP32_ERR_NOT_FOUND ? 404 : 400, "text/plain",
                           (const uint8_t *)result.detail, strlen(result.detail));
        return;
    }
    r->message = kind;
    {
        /* minimizeEsipaBytes: the compact forms (checked above as received) rebuilt first */
        uint8_t *full = NULL;
        size_t full_len = 0;
        r->rebuild_status = ipa_eim_rebuild(&eim->known, r->data, r->len, &full, &full_len, &r->compact_forms);
        if (r->rebuild_status != SGP32_OK) {
            fprintf(stderr, "ipa_eim: compact form not rebuilt: %s\n", sgp32_strerror(r->rebuild_status));
            ipa_http_reply_set(reply, 400, "text/plain", NULL, 0);
            return;
        }
        if (full != NULL) {
            r->wire = r->data;
            r->wire_len = r->len;
            r->data = full;
            r->len = full_len;
        }
    }
    switch (kind) {
    case SGP32_ESIPA_GET_EIM_PACKAGE:
        answer_get_package(eim, r, reply);
        break;
    case SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT:
        answer_result(eim, r, reply);
        break;
    case SGP32_ESIPA_HANDLE_NOTIFICATION:
        /* BF3D { A0 pendingNotification | BF50 provideEimPackageResult }: no answer data (204) */
        if (sgp32_tlv_parse_header(r->data, r->len, &top) == SGP32_OK) {
            at = top.header_len;
            if (next_child(r->data, top.header_len + top.length, &at, &h)) {
                if (h.tag == 0xBF50) {
                    read_package_result(eim, r, at, h.header_len + h.length);
                } else {
                    struct sgp32_tlv_header inner;
                    size_t inner_at = at + h.header_len;
                    r->result_kind = IPA_EIM_PENDING_NOTIFICATION;
                    /* pendingNotification [0] (explicit: a CHOICE) around the notification */
                    if (eim->forward != NULL && h.tag == 0xA0 &&
                        next_child(r->data, at + h.header_len + h.length, &inner_at, &inner))
                        eim->forward(eim->forward_user, r->data + inner_at, inner.header_len + inner.length);
                }
            }
        }
        r->ack_count = 0;
        ipa_http_reply_set(reply, 204, NULL, NULL, 0);
        break;
    default:
        if (eim->other != NULL) {
            struct ipa_http_recorded full = *request; /* the rebuilt message, if it was compact */
            full.body = r->data;
            full.body_len = r->len;
            eim->other(eim->other_user, &full, reply);
            ipa_eim_learn(&eim->known, reply->body, reply->body_len);
        } else
            ipa_http_reply_set(reply, 204, NULL, NULL, 0);
        break;
    }
}

size_t ipa_eim_received_count(const struct ipa_eim *eim)
{
    return eim->received_count;
}

const struct ipa_eim_received *ipa_eim_received_at(const struct ipa_eim *eim, size_t i)
{
    return i < eim->received_count ? &eim->received[i] : NULL;
}

size_t ipa_eim_count(const struct ipa_eim *eim, enum sgp32_esipa_message message)
{
    size_t i, n = 0;
    for (i = 0; i < eim->received_count; i++)
        n += message == SGP32_ESIPA_NONE || eim->received[i].message == message;
    return n;
}

const struct ipa_eim_received *ipa_eim_last(const struct ipa_eim *eim, enum sgp32_esipa_message message)
{
    size_t i = eim->received_count;
    while (i > 0) {
        i--;
        if (message == SGP32_ESIPA_NONE || eim->received[i].message == message)
            return &eim->received[i];
    }
    return NULL;
}

size_t ipa_eim_accepted_results(const struct ipa_eim *eim)
{
    return eim->accepted_count;
}

long ipa_eim_last_seq_number(const struct ipa_eim *eim)
{
    return eim->last_seq;
}
