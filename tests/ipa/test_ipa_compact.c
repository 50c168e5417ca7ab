/* SPDX-License-Identifier: MIT */
/*
 * minimizeEsipaBytes (SGP.32 v1.2 5.14, lib/ipa/ipa_compact.c): each compact form made from a real
 * eUICC's full response decodes as its ASN.1 type and the eIM (tests/ipa/support/ipa_eim_compact.c,
 * written independently) rebuilds the full form byte for byte; an indirect download with the feature
 * on sends fewer bytes over ESipa (ASN.1 and JSON bindings) and the SM-DP+ still verifies every
 * signature; cancelSession and the notifications (standalone and in ePRAndNotifications) go compact
 * and verify; a direct download (ES9+ to the SM-DP+) never carries a compact form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/base64.h"
#include "codec/der.h"
#include "eim_core.h"
#include "ipa/ipa_compact.h"
#include "ipa_eim.h"
#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/es10.h"
#include "sgp32/ipa.h"
#include "sgp32/tlv.h"
#ifdef IPA_TEST_HAVE_SMDP
#include "ipa_smdp.h"
#endif

#define PROFILE "TS48V1-A-UNIQUE"
#define AC "1$" IPA_FIXTURE_SMDP_ADDRESS "$" PROFILE
#define SMDP_PREFIX "/gsma/rsp2/es9plus/"

static int contains(const uint8_t *data, size_t len, const void *needle, size_t n)
{
    size_t i;
    for (i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

static void assert_decodes(const char *type_name, const uint8_t *data, size_t len)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    void *value = NULL;
    enum sgp32_status st;
    assert_non_null(type);
    st = sgp32_decode(type, data, len, NULL, &value, NULL);
    if (st != SGP32_OK)
        fail_msg("%s does not decode: %s", type_name, sgp32_strerror(st));
    sgp32_codec_free(type, value);
}

#ifdef IPA_TEST_HAVE_SMDP

/* The child with this tag of the element at data (whole element), or NULL. */
static const uint8_t *child(const uint8_t *data, size_t len, uint32_t tag, size_t *child_len)
{
    struct sgp32_tlv_header top, h;
    size_t at;
    if (sgp32_tlv_parse_header(data, len, &top) != SGP32_OK)
        return NULL;
    for (at = top.header_len; at < top.header_len + top.length; at += h.header_len + h.length) {
        if (sgp32_tlv_parse_header(data + at, len - at, &h) != SGP32_OK)
            return NULL;
        if (h.tag == tag) {
            *child_len = h.header_len + h.length;
            return data + at;
        }
    }
    return NULL;
}

/* ---- Fixture ---- */

/* The harness relay, its answers' ok alternative in the ASN.1 module's tagging (A0 for 30), which the
 * JSON binding's forms need. */
static void tagged_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct sgp32_tlv_header top;
    ipa_smdp_esipa_relay(user, request, reply);
    if (reply->body != NULL && sgp32_tlv_parse_header(reply->body, reply->body_len, &top) == SGP32_OK &&
        top.header_len < reply->body_len && reply->body[top.header_len] == 0x30)
        reply->body[top.header_len] = 0xA0;
}

static struct ipa_fixture *setup_fixture(unsigned features)
{
    struct ipa_fixture *f = ipa_fixture_new(NULL);
    struct sgp32_es10 *es10 = NULL;
    uint8_t *eum = NULL, *info1 = NULL;
    size_t eum_len = 0, info1_len = 0;
    char path[600];
    if (f == NULL)
        fail_msg("fixture setup failed");
    f->config.retry_initial_ms = 1000;
    f->config.retry_limit = 3;
    f->config.http_timeout_ms = 600000;
    f->config.ipa_features = features;
    ipa_eim_set_other_handler(f->eim, tagged_relay, f->smdp);
    /* what the eIM knows of its eUICC: the EUM certificate and euiccInfo1 */
    ipa_fixture_pki_path(f, "eum/eum.cert.der", path, sizeof(path));
    assert_int_equal(ipa_read_file(path, &eum, &eum_len), 0);
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(es10, &info1, &info1_len), SGP32_OK);
    sgp32_es10_free(es10);
    assert_int_equal(ipa_eim_set_known(f->eim, eum, eum_len, info1, info1_len), SGP32_OK);
    free(eum);
    sgp32_buffer_free(info1);
    return f;
}

static void run_idle(struct ipa_fixture *f)
{
    long round;
    for (round = 0; round < 20; round++) {
        struct sgp32_ipa_poll_result r;
        assert_true(ipa_fixture_run(f, 5000, 0, &r) > 0);
        if (r.activity == SGP32_IPA_IDLE && sgp32_ipa_is_idle(f->ipa))
            return;
    }
    fail_msg("the IPA never became idle");
}

static const struct sgp32_ipa_event *installed(struct ipa_fixture *f)
{
    const struct sgp32_ipa_event *done = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("download failed: %s (%s)", sgp32_strerror(done->status), done->detail);
    return done;
}

/* Bytes of all requests to the eIM (both bindings' paths), from the HTTP peer's records. */
static size_t esipa_bytes(const struct ipa_fixture *f)
{
    size_t i, n = 0;
    for (i = 0; i < ipa_http_peer_request_count(f->http); i++) {
        const struct ipa_http_recorded *r = ipa_http_peer_request(f->http, i);
        if (strncmp(r->path, "/gsma/rsp2/asn1", 15) == 0 || strncmp(r->path, "/gsma/rsp2/esipa/", 17) == 0)
            n += r->body_len;
    }
    return n;
}

/* One indirect download (trigger from the eIM); f is left for inspection. */
static struct ipa_fixture *indirect_download(unsigned features, enum sgp32_ipa_binding binding)
{
    struct ipa_fixture *f = setup_fixture(features);
    f->config.binding = binding;
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run_idle(f);
    installed(f);
    assert_int_equal(ipa_http_peer_count(f->http, SMDP_PREFIX), 0);
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
    return f;
}

#define FULL_FEATURES SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION
#define MINIMIZED_FEATURES                                                                                             \
    (SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION | SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES)

/* ---- Each conversion: the eUICC's real full forms (a download without the feature) ---- */

static void round_trip(const struct ipa_eim_knowledge *k, const uint8_t *tid, size_t tid_len, const uint8_t *full,
                       size_t full_len, const uint8_t *compact, size_t compact_len, const char *type)
{
    uint8_t *rebuilt = NULL;
    size_t rebuilt_len = 0;
    enum sgp32_status st;
    assert_true(compact_len < full_len);
    assert_decodes(type, compact, compact_len);
    st = ipa_eim_rebuild_part(k, tid, tid_len, compact, compact_len, &rebuilt, &rebuilt_len);
    if (st != SGP32_OK)
        fail_msg("%s not rebuilt: %s", type, sgp32_strerror(st));
    assert_int_equal(rebuilt_len, full_len);
    assert_memory_equal(rebuilt, full, full_len);
    free(rebuilt);
}

static void test_conversions(void **state)
{
    struct ipa_fixture *f = indirect_download(FULL_FEATURES, SGP32_IPA_BINDING_ASN1);
    const struct ipa_eim_knowledge *k = ipa_eim_knowledge(f->eim);
    const struct ipa_eim_received *r;
    const uint8_t *full, *tid, *pir;
    size_t full_len, tid_len, pir_len, compact_len;
    uint8_t *compact = NULL;
    (void)state;
    /* AuthenticateClientRequestEsipa BF3B { 80 transactionId, BF38 } */
    r = ipa_eim_last(f->eim, SGP32_ESIPA_AUTHENTICATE_CLIENT);
    assert_non_null(r);
    assert_int_equal(r->compact_forms, 0);
    tid = child(r->data, r->len, 0x80, &tid_len);
    full = child(r->data, r->len, 0xBF38, &full_len);
    assert_non_null(tid);
    assert_non_null(full);
    assert_decodes("SGP32-AuthenticateServerResponse", full, full_len);
    assert_int_equal(ipa_compact_authenticate_server_response(full, full_len, &compact, &compact_len), SGP32_OK);
    round_trip(k, tid + 2, tid_len - 2, full, full_len, compact, compact_len, "SGP32-AuthenticateServerResponse");
    assert_true(full_len - compact_len > 500); /* two certificates */
    free(compact);
    /* GetBoundProfilePackageRequestEsipa BF3A { 80, BF21 } */
    r = ipa_eim_last(f->eim, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE);
    assert_non_null(r);
    full = child(r->data, r->len, 0xBF21, &full_len);
    assert_non_null(full);
    assert_int_equal(ipa_compact_prepare_download_response(full, full_len, 0, &compact, &compact_len), SGP32_OK);
    round_trip(k, tid + 2, tid_len - 2, full, full_len, compact, compact_len, "SGP32-PrepareDownloadResponse");
    free(compact);
    /* HandleNotificationEsipa BF3D { A0 { BF37 } }: compactProfileInstallationResult */
    r = ipa_eim_last(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION);
    assert_non_null(r);
    full = child(r->data, r->len, 0xA0, &full_len);
    assert_non_null(full);
    pir = full + 2 + (full[1] & 0x80 ? (full[1] & 0x7F) : 0);
    pir_len = full_len - (size_t)(pir - full);
    assert_int_equal(pir[0], 0xBF);
    assert_int_equal(pir[1], 0x37);
    assert_int_equal(ipa_compact_notification(pir, pir_len, NULL, &compact, &compact_len), SGP32_OK);
    round_trip(k, NULL, 0, pir, pir_len, compact, compact_len, "SGP32-PendingNotification");
    free(compact);
    /* a list of one: the same element compacted */
    assert_int_equal(ipa_compact_notification_list(pir, pir_len, NULL, &compact, &compact_len), SGP32_OK);
    assert_int_equal(compact[0], 0xA0);
    free(compact);
    /* the error alternative has no compact form: sent as it is */
    {
        static const uint8_t error[] = {0xBF, 0x38, 0x03, 0x81, 0x01, 0x7F};
        static const uint8_t cancel_error[] = {0xBF, 0x41, 0x03, 0x81, 0x01, 0x05};
        assert_int_equal(ipa_compact_authenticate_server_response(error, sizeof(error), &compact, &compact_len),
                         SGP32_ERR_NOT_SUPPORTED);
        assert_int_equal(
            ipa_compact_cancel_session_response(cancel_error, sizeof(cancel_error), &compact, &compact_len),
            SGP32_ERR_NOT_SUPPORTED);
        assert_int_equal(ipa_compact_notification(error, 2, NULL, &compact, &compact_len), SGP32_ERR_DECODE);
    }
    ipa_fixture_free(f);
}

/* ---- End to end ---- */

static void minimized_download(enum sgp32_ipa_binding binding)
{
    struct ipa_fixture *full = indirect_download(FULL_FEATURES, binding);
    struct ipa_fixture *f = indirect_download(MINIMIZED_FEATURES, binding);
    static const enum sgp32_esipa_message compacted[] = {
        SGP32_ESIPA_INITIATE_AUTHENTICATION, SGP32_ESIPA_AUTHENTICATE_CLIENT, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE,
        SGP32_ESIPA_HANDLE_NOTIFICATION};
    size_t i, full_bytes = esipa_bytes(full), minimized_bytes = esipa_bytes(f);
    /* every download message went compact and was rebuilt, byte for byte as signed (the SM-DP+
     * verified euiccSignature1 / 2 and the installation result: the profile is installed) */
    for (i = 0; i < sizeof(compacted) / sizeof(compacted[0]); i++) {
        const struct ipa_eim_received *r = ipa_eim_last(f->eim, compacted[i]),
                                      *before = ipa_eim_last(full->eim, compacted[i]);
        assert_non_null(r);
        assert_non_null(before);
        assert_int_equal(r->compact_forms, 1);
        assert_int_equal(r->rebuild_status, SGP32_OK);
        assert_true(r->wire_len < r->len);
        assert_int_equal(before->compact_forms, 0);
        assert_null(before->wire);
        if (binding == SGP32_IPA_BINDING_ASN1)
            assert_decodes("EsipaMessageFromIpaToEim", r->wire, r->wire_len);
    }
    print_message("ESipa request bytes (%s): %zu full, %zu minimized\n",
                  binding == SGP32_IPA_BINDING_ASN1 ? "ASN.1" : "JSON", full_bytes, minimized_bytes);
    /* the certificates (about 1 KB) and euiccInfo1 are gone from the wire */
    if (minimized_bytes + 1000 > full_bytes)
        fail_msg("ESipa bytes: %zu minimized, %zu full", minimized_bytes, full_bytes);
    assert_int_equal(ipa_smdp_calls(f->smdp, "handleNotification"), 1);
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    ipa_fixture_free(full);
    ipa_fixture_free(f);
}

static void test_indirect_minimized_asn1(void **state)
{
    (void)state;
    minimized_download(SGP32_IPA_BINDING_ASN1);
}

static void test_indirect_minimized_json(void **state)
{
    (void)state;
    minimized_download(SGP32_IPA_BINDING_JSON);
}

/* The eIM relays, but answers GetBoundProfilePackage with downloadOrderExpired: the eUICC's
 * CancelSessionResponse goes compact, the eIM rebuilds it and the SM-DP+ verifies its signature. */
static uint8_t cancel_answer[64];
static size_t cancel_answer_len;

static void expiring_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    static const uint8_t expired[] = {0xBF, 0x3A, 0x03, 0x81, 0x01, 0x06};
    if (request->body_len > 2 && request->body[0] == 0xBF && request->body[1] == 0x3A) {
        ipa_eim_reply(reply, expired, sizeof(expired));
        return;
    }
    ipa_smdp_esipa_relay(user, request, reply);
    if (request->body_len > 2 && request->body[0] == 0xBF && request->body[1] == 0x41 &&
        reply->body_len <= sizeof(cancel_answer)) {
        memcpy(cancel_answer, reply->body, reply->body_len);
        cancel_answer_len = reply->body_len;
    }
}

static void test_cancel_minimized(void **state)
{
    struct ipa_fixture *f = setup_fixture(MINIMIZED_FEATURES);
    const struct ipa_eim_received *r;
    const struct sgp32_ipa_event *done;
    static const uint8_t ok[] = {0xBF, 0x41, 0x02, 0x30, 0x00};
    (void)state;
    ipa_eim_set_other_handler(f->eim, expiring_relay, f->smdp);
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    cancel_answer_len = 0;
    run_idle(f);
    done = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    assert_non_null(done);
    assert_int_equal(done->status, SGP32_ERR_SERVER_STATUS);
    r = ipa_eim_last(f->eim, SGP32_ESIPA_CANCEL_SESSION);
    assert_non_null(r);
    assert_int_equal(r->compact_forms, 1);
    assert_int_equal(r->rebuild_status, SGP32_OK);
    assert_true(r->wire_len + 10 < r->len); /* transactionId and smdpOid left out */
    assert_decodes("EsipaMessageFromIpaToEim", r->wire, r->wire_len);
    /* the SM-DP+ took the rebuilt response: cancelSessionOk, not an error code */
    assert_int_equal(cancel_answer_len, sizeof(ok));
    assert_memory_equal(cancel_answer, ok, sizeof(ok));
    assert_int_equal(ipa_smdp_calls(f->smdp, "cancelSession"), 1);
    ipa_fixture_free(f);
}

/* Notifications to the eIM go compact: OtherSignedNotifications in ePRAndNotifications (no eidValue:
 * ProvideEimPackageResult carries the EID) and alone in HandleNotification (with eidValue). The eIM
 * rebuilds them and checks the eUICC's signature, then acknowledges / forwards them. */
static void test_notifications_minimized(void **state)
{
    struct ipa_fixture *f = indirect_download(MINIMIZED_FEATURES, SGP32_IPA_BINDING_ASN1);
    const struct sgp32_ipa_event *done = installed(f);
    struct sgp32_eim_buffer psmo = {NULL, 0};
    const struct ipa_eim_received *r;
    struct sgp32_es10 *es10 = NULL;
    uint8_t iccid[10];
    size_t before;
    (void)state;
    memcpy(iccid, done->iccid, sizeof(iccid));
    /* enable through the eIM: ePRAndNotifications with the enable notification */
    assert_int_equal(sgp32_eim_psmo_enable(iccid, 0, &psmo), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &psmo, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&psmo);
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    run_idle(f);
    r = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(r);
    assert_int_equal(r->result_kind, IPA_EIM_EPR_AND_NOTIFICATIONS);
    assert_int_equal(r->rebuild_status, SGP32_OK);
    assert_true(r->compact_forms >= 1);
    assert_int_equal(r->verify_status, SGP32_OK);
    assert_true(r->ack_count >= 2); /* the result and the notification */
    /* the certificates left out on the wire, back in the rebuilt message */
    assert_false(contains(r->wire, r->wire_len, f->euicc_certificate, f->euicc_certificate_len));
    assert_true(contains(r->data, r->len, f->euicc_certificate, f->euicc_certificate_len));
    assert_decodes("EsipaMessageFromIpaToEim", r->wire, r->wire_len);
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    /* a disable made outside the IPA: its notification is delivered alone, compact with eidValue */
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_disable_profile(es10, SGP32_ES10_PROFILE_ICCID, iccid, 10, 0), SGP32_OK);
    sgp32_es10_free(es10);
    assert_int_equal(ipa_fixture_pending_notifications(f), 1);
    before = ipa_smdp_calls(f->smdp, "handleNotification");
    f->ipa_free(f->ipa);
    f->ipa = NULL;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK); /* a new IPA delivers pending notifications */
    run_idle(f);
    r = ipa_eim_last(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION);
    assert_non_null(r);
    assert_int_equal(r->compact_forms, 1);
    assert_int_equal(r->rebuild_status, SGP32_OK); /* rebuilt and its signature verified */
    assert_true(contains(r->wire, r->wire_len, f->eid, 16));
    assert_true(r->wire_len + 500 < r->len);
    assert_decodes("EsipaMessageFromIpaToEim", r->wire, r->wire_len);
    assert_int_equal(ipa_smdp_calls(f->smdp, "handleNotification"), before + 1); /* forwarded in full */
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    ipa_fixture_free(f);
}

/* A direct download (ES9+ to the SM-DP+) with the feature on: full forms only. */
static void test_direct_never_compact(void **state)
{
    struct ipa_fixture *f =
        setup_fixture(SGP32_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION |
                      SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION | SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES);
    size_t i, checked = 0;
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run_idle(f);
    installed(f);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_AUTHENTICATE_CLIENT), 0);
    for (i = 0; i < ipa_http_peer_request_count(f->http); i++) {
        const struct ipa_http_recorded *r = ipa_http_peer_request(f->http, i);
        static const char *const fields[] = {"\"authenticateServerResponse\":\"", "\"prepareDownloadResponse\":\"",
                                             "\"pendingNotification\":\""};
        size_t k;
        if (strncmp(r->path, SMDP_PREFIX, strlen(SMDP_PREFIX)) != 0)
            continue;
        for (k = 0; k < 3; k++) {
            const char *text = (const char *)r->body, *start, *end;
            uint8_t decoded[4096];
            size_t decoded_len = 0;
            struct sgp32_tlv_header h;
            char *copy = malloc(r->body_len + 1);
            assert_non_null(copy);
            memcpy(copy, text, r->body_len);
            copy[r->body_len] = '\0';
            start = strstr(copy, fields[k]);
            if (start != NULL) {
                start += strlen(fields[k]);
                end = strchr(start, '"');
                assert_non_null(end);
                assert_int_equal(
                    sgp32_base64_decode(start, (size_t)(end - start), 0, decoded, sizeof(decoded), &decoded_len),
                    SGP32_OK);
                assert_int_equal(sgp32_tlv_parse_header(decoded, decoded_len, &h), SGP32_OK);
                /* BF38 A0 / BF21 A0 (the ok alternative, never A2) / BF37 */
                if (h.tag != 0xBF37)
                    assert_int_equal(decoded[h.header_len], 0xA0);
                checked++;
            }
            free(copy);
        }
    }
    assert_int_equal(checked, 3);
    ipa_fixture_free(f);
}

#endif /* IPA_TEST_HAVE_SMDP */

/* hashCc: kept unless the eIM gave it (CompactEuiccSigned2 "if not received from eIM"). */
static void test_prepare_hash_cc(void **state)
{
    uint8_t value[65], *full, *compact = NULL;
    size_t full_len = 0, compact_len = 0;
    struct sgp32_der_writer w;
    (void)state;
    /* BF21 { A0 { 30 { 80 transactionId, 5F49 euiccOtpk, 04 hashCc }, 5F37 euiccSignature2 } } */
    sgp32_der_writer_init_dynamic(&w, 4096);
    sgp32_der_writer_begin(&w, 0xBF21);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_begin(&w, 0x30);
    memset(value, 0x11, sizeof(value));
    sgp32_der_writer_bytes(&w, 0x80, value, 16);
    memset(value, 0x04, sizeof(value));
    sgp32_der_writer_bytes(&w, 0x5F49, value, 65);
    memset(value, 0xCC, sizeof(value));
    sgp32_der_writer_bytes(&w, 0x04, value, 32);
    sgp32_der_writer_end(&w);
    memset(value, 0x55, sizeof(value));
    sgp32_der_writer_bytes(&w, 0x5F37, value, 64);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    full = sgp32_der_writer_take(&w, &full_len);
    assert_non_null(full);
    assert_decodes("SGP32-PrepareDownloadResponse", full, full_len);
    assert_int_equal(ipa_compact_prepare_download_response(full, full_len, 0, &compact, &compact_len), SGP32_OK);
    assert_decodes("SGP32-PrepareDownloadResponse", compact, compact_len);
    assert_true(contains(compact, compact_len, "\x04\x20\xCC\xCC", 4));
    assert_false(contains(compact, compact_len, "\x80\x10\x11", 3));
    assert_int_equal(compact_len, full_len - 18);
    free(compact);
    assert_int_equal(ipa_compact_prepare_download_response(full, full_len, 1, &compact, &compact_len), SGP32_OK);
    assert_decodes("SGP32-PrepareDownloadResponse", compact, compact_len);
    assert_false(contains(compact, compact_len, "\x04\x20\xCC\xCC", 4));
    assert_int_equal(compact_len, full_len - 18 - 34);
    free(compact);
    free(full);
}

/* Malformed input never yields a compact form. */
static void test_malformed(void **state)
{
    static const uint8_t truncated[] = {0xBF, 0x38, 0x10, 0xA0, 0x02};
    static const uint8_t other[] = {0x04, 0x01, 0x00};
    uint8_t *out = NULL;
    size_t out_len = 0;
    (void)state;
    assert_int_equal(ipa_compact_authenticate_server_response(truncated, sizeof(truncated), &out, &out_len),
                     SGP32_ERR_DECODE);
    assert_int_equal(ipa_compact_prepare_download_response(other, sizeof(other), 0, &out, &out_len), SGP32_ERR_DECODE);
    assert_int_equal(ipa_compact_notification(other, sizeof(other), NULL, &out, &out_len), SGP32_ERR_NOT_SUPPORTED);
    assert_int_equal(ipa_compact_notification_list(truncated, sizeof(truncated), NULL, &out, &out_len),
                     SGP32_ERR_DECODE);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_prepare_hash_cc),
#ifdef IPA_TEST_HAVE_SMDP
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_indirect_minimized_asn1),
        cmocka_unit_test(test_indirect_minimized_json),
        cmocka_unit_test(test_cancel_minimized),
        cmocka_unit_test(test_notifications_minimized),
        cmocka_unit_test(test_direct_never_compact),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
