/* SPDX-License-Identifier: MIT */
/*
 * Indirect profile download (SGP.32 v1.2 3.2.3, 6.3.2.1-6.3.2.5): the steps of the download over
 * ESipa, ASN.1 binding, to the eIM, which relays to the SM-DP+. Encodings (automatic tags where the
 * module's types carry none):
 *   InitiateAuthenticationRequestEsipa  BF39 { 81 euiccChallenge, 83 smdpAddress?, BF20 euiccInfo1,
 *                                              82 eimTransactionId? }
 *   AuthenticateClientRequestEsipa      BF3B { 80 transactionId, BF38 AuthenticateServerResponse }
 *   GetBoundProfilePackageRequestEsipa  BF3A { 80 transactionId, BF21 PrepareDownloadResponse }
 *   HandleNotificationEsipa             BF3D { A0 { BF37 ProfileInstallationResult } }
 *   CancelSessionRequestEsipa           BF41 { 80 transactionId, A1 { value of the BF41 of ES10b } }
 * With minimizeEsipaBytes the eUICC's responses go in their compact forms (ipa_compact.h) and
 * euiccInfo1 (OPTIONAL) is left out: the eIM rebuilds the full forms from what it knows.
 * The answers are CHOICEs of the AUTOMATIC TAGS module whose alternatives carry no tag of their own:
 * the ok alternative is [0] (A0 { ... }, AuthenticateClientOkDSEsipa [1] A1) and the error INTEGER
 * the next number (81, or 82 for AuthenticateClient). The universal forms (30 / 02) some relays send
 * are accepted too (tolerant decoding, docs/ipa.md).
 * The GetBoundProfilePackageResponseEsipa (BF3A { A0 { 80 transactionId, BF36 BPP } } or BF3A { 81
 * error }) is not collected with the ASN.1 binding: the streaming TLV reader walks it from the HTTP
 * sink and hands the BF36 bytes to the BPP loader as they arrive. With the JSON binding the answer
 * is collected (at most SGP32_ESIPA_JSON_MAX_BODY, 2 MiB) and then walked the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_compact.h"
#include "ipa/ipa_download.h"
#include "remote/esipa_asn1.h"

#define CAPTURE 64u

/* The streamed GetBoundProfilePackageResponseEsipa. */
struct esipa_stream {
    struct sgp32_tlv_reader reader;
    uint8_t capture[CAPTURE];
    enum sgp32_status error;
    int in_package; /* PART events are BF36 bytes */
    int done;
    int have_code;
    long code;
};

static void release(struct ipa_download *dl)
{
    free(dl->transport_state);
    dl->transport_state = NULL;
}

static enum sgp32_status send(struct sgp32_ipa *ipa, struct sgp32_der_writer *w, const char *what)
{
    enum sgp32_status st;
    if (w->error) {
        sgp32_der_writer_release(w);
        return ipa_fail(ipa, SGP32_ERR_ENCODE, what, NULL);
    }
    st = ipa_exchange_start_esipa(ipa, w->buf, w->len);
    sgp32_der_writer_release(w);
    return st;
}

/* minimizeEsipaBytes (ipa_compact.h): the compact form of an eUICC response for the eIM when the
 * feature is on and the response has one, else the response as it is. */
static void put_response(struct sgp32_ipa *ipa, struct sgp32_der_writer *w, const struct ipa_blob *full,
                         enum sgp32_status (*compact)(const uint8_t *, size_t, int, uint8_t **, size_t *), int flag)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if ((ipa->config.ipa_features & SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) &&
        compact(full->data, full->len, flag, &bytes, &len) == SGP32_OK)
        sgp32_der_writer_raw(w, bytes, len);
    else
        sgp32_der_writer_raw(w, full->data, full->len);
    free(bytes);
}

static enum sgp32_status compact_authenticate(const uint8_t *full, size_t len, int flag, uint8_t **out, size_t *out_len)
{
    (void)flag;
    return ipa_compact_authenticate_server_response(full, len, out, out_len);
}

/* flag: hashCc came from the eIM (AuthenticateClientOkDPEsipa) */
static enum sgp32_status compact_prepare(const uint8_t *full, size_t len, int flag, uint8_t **out, size_t *out_len)
{
    return ipa_compact_prepare_download_response(full, len, flag, out, out_len);
}

static enum sgp32_status compact_cancel(const uint8_t *full, size_t len, int flag, uint8_t **out, size_t *out_len)
{
    (void)flag;
    return ipa_compact_cancel_session_response(full, len, out, out_len);
}

static enum sgp32_status compact_notification(const uint8_t *full, size_t len, int flag, uint8_t **out, size_t *out_len)
{
    (void)flag;
    return ipa_compact_notification(full, len, NULL, out, out_len); /* the transactionId names the session */
}

/* The eIM's answer to `expected`: its element after the message tag (the CHOICE alternative). An
 * INTEGER alternative (the ESipa error code) becomes SGP32_ERR_SERVER_STATUS. */
static enum sgp32_status answer_of(struct sgp32_ipa *ipa, long *code, enum sgp32_esipa_message expected,
                                   const char *what, const uint8_t **element, size_t *element_len)
{
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    const uint8_t *message = NULL, *v;
    size_t message_len = 0, v_len;
    uint32_t tag = 0;
    char text[64];
    enum sgp32_status st;
    if (ipa->exchange.result.status != SGP32_OK)
        return ipa->exchange.result.status;
    st = ipa_exchange_esipa_message(ipa, &kind, &message, &message_len, &result);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, what, result.detail);
    if (kind != expected || !sgp32_der_find_element(message, message_len, 0, element, element_len) ||
        !sgp32_der_find_child(message, message_len, 0, &v, &v_len, &tag))
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, what, sgp32_esipa_message_name(kind));
    if (tag == 0x02 || tag == 0x81 || (tag == 0x82 && expected == SGP32_ESIPA_AUTHENTICATE_CLIENT)) {
        if (!sgp32_der_integer(v, v_len, code))
            return ipa_fail(ipa, SGP32_ERR_DECODE, what, "error code");
        snprintf(text, sizeof(text), "eIM error %ld", *code);
        return ipa_fail(ipa, SGP32_ERR_SERVER_STATUS, what, text);
    }
    return SGP32_OK;
}

/* Walks the children of element: *offset advances; 1 with the child, 0 at the end. */
static int next_child(const uint8_t *element, size_t len, size_t *offset, const uint8_t **child, size_t *child_len,
                      uint32_t *tag)
{
    struct sgp32_tlv_header top, item;
    if (sgp32_tlv_parse_header(element, len, &top) != SGP32_OK || top.length > len - top.header_len)
        return 0;
    if (*offset == 0)
        *offset = top.header_len;
    if (*offset >= top.header_len + top.length ||
        sgp32_tlv_parse_header(element + *offset, top.header_len + top.length - *offset, &item) != SGP32_OK ||
        item.length > top.header_len + top.length - *offset - item.header_len)
        return 0;
    *child = element + *offset;
    *child_len = item.header_len + item.length;
    *tag = item.tag;
    *offset += *child_len;
    return 1;
}

static enum sgp32_status initiate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF39);
    sgp32_der_writer_bytes(&w, 0x81, dl->challenge, sizeof(dl->challenge));
    if (dl->smdp_address[0] != '\0')
        sgp32_der_writer_bytes(&w, 0x83, (const uint8_t *)dl->smdp_address, strlen(dl->smdp_address));
    if (!(ipa->config.ipa_features & SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES))
        sgp32_der_writer_raw(&w, dl->info1.data, dl->info1.len); /* OPTIONAL: the eIM knows the eUICC */
    if (dl->eim_transaction_id_len > 0)
        sgp32_der_writer_bytes(&w, 0x82, dl->eim_transaction_id, dl->eim_transaction_id_len);
    sgp32_der_writer_end(&w);
    return send(ipa, &w, "InitiateAuthenticationRequestEsipa");
}

static enum sgp32_status set_tid(struct ipa_download *dl, const uint8_t *v, size_t len)
{
    if (len == 0 || len > sizeof(dl->transaction_id))
        return SGP32_ERR_DECODE;
    memcpy(dl->transaction_id, v, len);
    dl->transaction_id_len = len;
    return SGP32_OK;
}

static enum sgp32_status initiate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    const uint8_t *element, *ok, *child, *v;
    size_t element_len, ok_len, child_len, v_len, offset = 0;
    uint32_t tag;
    int certificates = 0;
    enum sgp32_status st = answer_of(ipa, &dl->server_code, SGP32_ESIPA_INITIATE_AUTHENTICATION,
                                     "initiateAuthenticationEsipa", &element, &element_len);
    if (st != SGP32_OK)
        return st;
    /* InitiateAuthenticationOkEsipa 30 { 80 transactionId?, 30 serverSigned1, 5F37, 04 ciPKId,
     * 30 serverCertificate, 0C matchingId?, A2 ctxParams1? } */
    ok = element;
    ok_len = element_len;
    if (element[0] != 0xA0 && element[0] != 0x30)
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "initiateAuthenticationOkEsipa", NULL);
    dl->transaction_id_len = 0;
    while (st == SGP32_OK && next_child(ok, ok_len, &offset, &child, &child_len, &tag)) {
        struct sgp32_tlv_header h;
        sgp32_tlv_parse_header(child, child_len, &h); /* checked by next_child */
        v = child + h.header_len;
        v_len = h.length;
        if (tag == 0x80)
            st = set_tid(dl, v, v_len);
        else if (tag == 0x30 && certificates++ == 0)
            st = ipa_blob_set(&dl->server_signed1, child, child_len);
        else if (tag == 0x30)
            st = ipa_blob_set(&dl->server_certificate, child, child_len);
        else if (tag == 0x5F37)
            st = ipa_blob_set(&dl->server_signature1, child, child_len);
        else if (tag == 0x04)
            st = ipa_blob_set(&dl->ci_pkid, child, child_len);
        else if (tag == 0x0C)
            dl->has_matching_id = ipa_download_text(v, v_len, dl->matching_id, sizeof(dl->matching_id));
        else if (tag == 0xA2) /* ctxParams1 [2] (explicit: a CHOICE) made by the eIM */
            st = ipa_blob_set(&dl->ctx_params1, v, v_len);
    }
    if (st == SGP32_OK && dl->transaction_id_len == 0 &&
        sgp32_der_find_child(dl->server_signed1.data, dl->server_signed1.len, 0x80, &v, &v_len, NULL))
        st = set_tid(dl, v, v_len); /* transactionId left out: the one of serverSigned1 */
    if (st != SGP32_OK || dl->transaction_id_len == 0 || dl->server_signed1.len == 0 ||
        dl->server_signature1.len == 0 || dl->ci_pkid.len == 0 || dl->server_certificate.len == 0)
        return ipa_fail(ipa, st != SGP32_OK ? st : SGP32_ERR_PROTOCOL, "initiateAuthenticationOkEsipa", "incomplete");
    return SGP32_OK;
}

static enum sgp32_status authenticate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF3B);
    sgp32_der_writer_bytes(&w, 0x80, dl->transaction_id, dl->transaction_id_len);
    put_response(ipa, &w, &dl->authenticate_response, compact_authenticate, 0);
    sgp32_der_writer_end(&w);
    return send(ipa, &w, "AuthenticateClientRequestEsipa");
}

static enum sgp32_status authenticate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    const uint8_t *element, *ok, *child;
    size_t element_len, ok_len, child_len, offset = 0;
    uint32_t tag;
    int sequences = 0;
    enum sgp32_status st = answer_of(ipa, &dl->server_code, SGP32_ESIPA_AUTHENTICATE_CLIENT, "authenticateClientEsipa",
                                     &element, &element_len);
    if (st != SGP32_OK)
        return st;
    /* AuthenticateClientOkDPEsipa 30 { 80 transactionId?, BF25 metadata?, 30 smdpSigned2, 5F37,
     * 30 smdpCertificate, 04 hashCc? } (the DS form carries a BF54 instead) */
    ok = element;
    ok_len = element_len;
    if (element[0] == 0xA1)
        return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "authenticateClientOkDSEsipa", "SM-DS answer via the eIM");
    if (element[0] != 0xA0 && element[0] != 0x30)
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "authenticateClientOkDPEsipa", NULL);
    while (st == SGP32_OK && next_child(ok, ok_len, &offset, &child, &child_len, &tag)) {
        if (tag == 0xBF54)
            return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "authenticateClientOkDSEsipa", "SM-DS answer via the eIM");
        if (tag == 0xBF25)
            st = ipa_blob_set(&dl->profile_metadata, child, child_len);
        else if (tag == 0x30 && sequences++ == 0)
            st = ipa_blob_set(&dl->smdp_signed2, child, child_len);
        else if (tag == 0x30)
            st = ipa_blob_set(&dl->smdp_certificate, child, child_len);
        else if (tag == 0x5F37)
            st = ipa_blob_set(&dl->smdp_signature2, child, child_len);
        else if (tag == 0x04 && child_len == 34) {
            memcpy(dl->hash_cc, child + 2, 32);
            dl->have_hash_cc = 1;
        }
    }
    if (st != SGP32_OK || dl->smdp_signed2.len == 0 || dl->smdp_signature2.len == 0 || dl->smdp_certificate.len == 0)
        return ipa_fail(ipa, st != SGP32_OK ? st : SGP32_ERR_PROTOCOL, "authenticateClientOkDPEsipa", "incomplete");
    return SGP32_OK;
}

/* The HTTP sink of the GetBoundProfilePackageResponseEsipa. */
static enum sgp32_status stream_sink(void *user, const uint8_t *data, size_t len)
{
    struct ipa_download *dl = user;
    struct esipa_stream *s = dl->transport_state;
    struct sgp32_tlv_event event;
    enum sgp32_status st;
    if (s->error != SGP32_OK)
        return s->error;
    for (;;) {
        st = sgp32_tlv_reader_next(&s->reader, &data, &len, &event);
        if (st == SGP32_ERR_NEED_MORE)
            return SGP32_OK;
        if (st == SGP32_ERR_TOO_LARGE) { /* a long primitive we do not need */
            sgp32_tlv_reader_skip(&s->reader);
            continue;
        }
        if (st != SGP32_OK)
            break;
        if (event.type != SGP32_TLV_EVENT_PART)
            s->in_package = 0;
        if (event.type == SGP32_TLV_EVENT_HEADER) {
            if ((event.depth == 0 && event.header.tag != 0xBF3A) ||
                (event.depth == 1 && event.header.tag != 0xA0 && event.header.tag != 0x30)) {
                st = SGP32_ERR_PROTOCOL;
                break;
            }
            if (event.depth == 2 && event.header.tag == 0xBF36) {
                /* the package itself: its bytes, header first, straight to the eUICC */
                sgp32_tlv_reader_skip(&s->reader);
                s->in_package = 1;
                st = ipa_download_feed(dl, event.data, event.data_len);
            } else if (event.depth >= 2) {
                sgp32_tlv_reader_skip(&s->reader);
            } else {
                sgp32_tlv_reader_enter(&s->reader);
            }
        } else if (event.type == SGP32_TLV_EVENT_PART && s->in_package) {
            st = ipa_download_feed(dl, event.data, event.data_len);
        } else if (event.type == SGP32_TLV_EVENT_ELEMENT && event.depth == 1 &&
                   (event.header.tag == 0x81 || event.header.tag == 0x02)) {
            s->have_code = sgp32_der_integer(event.data + event.header.header_len, event.header.length, &s->code);
        } else if (event.type == SGP32_TLV_EVENT_ELEMENT && event.depth == 2 && event.header.tag == 0x80) {
            if (event.header.length != dl->transaction_id_len ||
                memcmp(event.data + event.header.header_len, dl->transaction_id, dl->transaction_id_len) != 0)
                st = SGP32_ERR_PROTOCOL;
        } else if (event.type == SGP32_TLV_EVENT_DONE) {
            s->done = 1;
            return SGP32_OK;
        }
        if (st != SGP32_OK)
            break;
    }
    s->error = st;
    return st;
}

static enum sgp32_status load(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_remote_endpoint endpoint;
    struct esipa_stream *s;
    struct sgp32_der_writer w;
    enum sgp32_esipa_message kind;
    enum sgp32_status st;
    release(dl);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SGP32_ERR_NO_MEMORY;
    dl->transport_state = s;
    sgp32_tlv_reader_init(&s->reader, s->capture, sizeof(s->capture), 0);
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF3A);
    sgp32_der_writer_bytes(&w, 0x80, dl->transaction_id, dl->transaction_id_len);
    put_response(ipa, &w, &dl->prepare_response, compact_prepare, dl->have_hash_cc);
    sgp32_der_writer_end(&w);
    if (ipa->config.binding != SGP32_IPA_BINDING_ASN1) {
        /* The JSON binding's answer is collected (up to SGP32_ESIPA_JSON_MAX_BODY), then walked as below. */
        return send(ipa, &w, "GetBoundProfilePackageRequestEsipa");
    }
    if (w.error) {
        sgp32_der_writer_release(&w);
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "GetBoundProfilePackageRequestEsipa", NULL);
    }
    ipa_exchange_end(ipa);
    ipa_eim_endpoint(ipa, &endpoint);
    st = sgp32_esipa_asn1_build_request(&endpoint, w.buf, w.len, &kind, &ipa->exchange.request);
    if (st == SGP32_OK)
        st = ipa_exchange_start_request(ipa, IPA_EXCHANGE_ESIPA, (int)kind, stream_sink, dl);
    else
        ipa_fail(ipa, st, "GetBoundProfilePackageRequestEsipa", NULL);
    sgp32_der_writer_release(&w);
    return st;
}

static enum sgp32_status load_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct esipa_stream *s = dl->transport_state;
    struct sgp32_remote_result result;
    const struct sgp32_http_result *http = &ipa->exchange.result;
    int has_message = 0;
    char text[64];
    enum sgp32_status st;
    if (s != NULL && s->error != SGP32_OK && s->error != SGP32_ERR_PROTOCOL && s->error != SGP32_ERR_DECODE)
        return s->error; /* the eUICC side failed (the loader's error) */
    if (http->status != SGP32_OK)
        return http->status;
    sgp32_remote_result_clear(&result);
    if (ipa->config.binding != SGP32_IPA_BINDING_ASN1 && s != NULL) {
        enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
        const uint8_t *message = NULL;
        size_t message_len = 0;
        st = ipa_exchange_esipa_message(ipa, &kind, &message, &message_len, &result);
        if (st != SGP32_OK)
            return ipa_fail(ipa, st, "getBoundProfilePackageEsipa", result.detail);
        has_message = kind == SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE;
        if (has_message)
            stream_sink(dl, message, message_len);
    } else {
        st = sgp32_esipa_asn1_check_answer(http->http_status, http->content_type, &has_message, &result);
        if (st != SGP32_OK)
            return ipa_fail(ipa, st, "getBoundProfilePackageEsipa", result.detail);
    }
    if (s != NULL && s->error != SGP32_OK && s->error != SGP32_ERR_PROTOCOL && s->error != SGP32_ERR_DECODE)
        return s->error;
    if (!has_message || s == NULL || s->error != SGP32_OK)
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "getBoundProfilePackageEsipa", "not a BPP");
    if (s->have_code) {
        dl->server_code = s->code;
        snprintf(text, sizeof(text), "eIM error %ld", s->code);
        return ipa_fail(ipa, SGP32_ERR_SERVER_STATUS, "getBoundProfilePackageEsipa", text);
    }
    if (!s->done)
        return ipa_fail(ipa, SGP32_ERR_TRUNCATED, "getBoundProfilePackageEsipa", "incomplete");
    return SGP32_OK;
}

static enum sgp32_status notify(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF3D);
    sgp32_der_writer_begin(&w, 0xA0);
    put_response(ipa, &w, &dl->result, compact_notification, 0);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return send(ipa, &w, "HandleNotificationEsipa");
}

static enum sgp32_status notify_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    const uint8_t *message = NULL;
    size_t message_len = 0;
    enum sgp32_status st;
    (void)dl;
    if (ipa->exchange.result.status != SGP32_OK)
        return ipa->exchange.result.status;
    st = ipa_exchange_esipa_message(ipa, &kind, &message, &message_len, &result);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "HandleNotificationEsipa", result.detail);
    return SGP32_OK;
}

static enum sgp32_status cancel(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_der_writer w;
    struct sgp32_tlv_header h;
    struct sgp32_der_writer response;
    sgp32_der_writer_init_dynamic(&response, IPA_BODY_MAX);
    put_response(ipa, &response, &dl->cancel_response, compact_cancel, 0);
    if (response.error || sgp32_tlv_parse_header(response.buf, response.len, &h) != SGP32_OK ||
        h.length > response.len - h.header_len) {
        sgp32_der_writer_release(&response);
        return SGP32_ERR_DECODE;
    }
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF41);
    sgp32_der_writer_bytes(&w, 0x80, dl->transaction_id, dl->transaction_id_len);
    sgp32_der_writer_begin(&w, 0xA1); /* cancelSessionResponse [1] replaces the BF41 of ES10b */
    sgp32_der_writer_raw(&w, response.buf + h.header_len, h.length);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_release(&response);
    return send(ipa, &w, "CancelSessionRequestEsipa");
}

static enum sgp32_status cancel_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    const uint8_t *element;
    size_t element_len;
    long code = -1;
    enum sgp32_status st;
    (void)dl;
    st = answer_of(ipa, &code, SGP32_ESIPA_CANCEL_SESSION, "cancelSessionEsipa", &element, &element_len);
    if (st == SGP32_OK)
        ipa_log(ipa, SGP32_LOG_INFO, "session cancelled at the eIM", NULL);
    return st;
}

const struct ipa_download_transport ipa_download_esipa = {
    "ESipa",     initiate, initiate_answer, authenticate, authenticate_answer, load,
    load_answer, notify,   notify_answer,   cancel,       cancel_answer,       release};
