/* SPDX-License-Identifier: MIT */
/* The shared part of the test_ipa_download*.c tests (test_ipa_download_common.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "smds_server.h"
#include "test_ipa_download_common.h"

/* 1 when needle[0..n) occurs in data[0..len). */
int dl_contains(const uint8_t *data, size_t len, const void *needle, size_t n)
{
    size_t at;
    for (at = 0; n > 0 && at + n <= len; at++)
        if (memcmp(data + at, needle, n) == 0)
            return 1;
    return 0;
}

/* The harness's relay (support/ipa_relay.c) answers with the universal forms 30 { ... } / 02 code; the
 * AUTOMATIC TAGS module (and the ESipa JSON binding) wants the ok alternative [0] A0 and the error
 * [1] 81 ([2] 82 for AuthenticateClient). This puts the module's tags on, so the IPA meets the proper
 * encoding; test_indirect_universal_forms keeps the relay's own. */
void dl_tagged_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_fixture *f = user;
    struct sgp32_tlv_header top;
    uint8_t *first;
    ipa_smdp_esipa_relay(f->smdp, request, reply);
    if (reply->transport_status != SGP32_OK || reply->body == NULL ||
        sgp32_tlv_parse_header(reply->body, reply->body_len, &top) != SGP32_OK || top.header_len >= reply->body_len)
        return;
    first = reply->body + top.header_len;
    if (*first == 0x30)
        *first = 0xA0;
    else if (*first == 0x02)
        *first = top.tag == 0xBF3B ? 0x82 : 0x81;
}

struct ipa_fixture *dl_setup(const struct ipa_fixture_options *options)
{
    struct ipa_fixture *f = ipa_fixture_new(options);
    if (f == NULL)
        fail_msg("fixture setup failed");
    ipa_eim_set_other_handler(f->eim, dl_tagged_relay, f);
    f->config.retry_initial_ms = 1000;
    f->config.retry_limit = 3;
    f->config.http_timeout_ms = 2000;
    return f;
}

/* Runs until idle; FAILED polls (a failed download) do not stop it. */
void dl_run(struct ipa_fixture *f)
{
    long round;
    for (round = 0; round < 20; round++) {
        struct sgp32_ipa_poll_result r;
        long polls = ipa_fixture_run(f, 5000, 0, &r);
        assert_true(polls > 0);
        if (r.activity == SGP32_IPA_IDLE && sgp32_ipa_is_idle(f->ipa))
            return;
    }
    fail_msg("the IPA never became idle");
}

const struct sgp32_ipa_event *dl_done(const struct ipa_fixture *f)
{
    return ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
}

/* 1 if a profile with this ICCID is on the card. */
int dl_profile_listed(struct ipa_fixture *f, const uint8_t iccid[10])
{
    int state = ipa_fixture_profile_state(f, iccid);
    assert_true(state != -2);
    return state >= 0;
}

size_t dl_profile_count(struct ipa_fixture *f)
{
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0, n = 0, i;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_get_profiles_info(es10, NULL, 0, &answer, &answer_len), SGP32_OK);
    /* ProfileInfo entries: E3 tags */
    for (i = 0; i + 1 < answer_len; i++)
        n += answer[i] == 0xE3 && (i == 0 || answer[i - 1] != 0x5A);
    sgp32_buffer_free(answer);
    sgp32_es10_free(es10);
    return n;
}

/* ProvideEimPackageResults with a ProfileDownloadTriggerResult the eIM received. */
size_t dl_trigger_results(const struct ipa_fixture *f)
{
    size_t i, n = 0;
    for (i = 0; i < ipa_eim_received_count(f->eim); i++) {
        const struct ipa_eim_received *r = ipa_eim_received_at(f->eim, i);
        n += r->message == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT && r->result_kind == IPA_EIM_DOWNLOAD_TRIGGER_RESULT;
    }
    return n;
}

size_t dl_smdp_calls(struct ipa_fixture *f, const char *function)
{
    return ipa_smdp_calls(f->smdp, function);
}

void dl_expect_installed(struct ipa_fixture *f)
{
    const struct sgp32_ipa_event *done = dl_done(f);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("download failed: %s (%s)", sgp32_strerror(done->status), done->detail);
    assert_true(done->has_iccid);
    assert_true(dl_profile_listed(f, done->iccid));
    assert_true(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS) > 0);
    assert_true(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED) >= 1);
    assert_int_equal(dl_smdp_calls(f, "handleNotification"), 1);
    assert_int_equal(dl_smdp_calls(f, "cancelSession"), 0);
    /* delivered, then removed; nothing persisted any more */
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_int_equal(ipa_http_peer_in_flight(f->http), 0);
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
}

void dl_expect_failed(struct ipa_fixture *f, enum sgp32_status status, const char *detail, size_t cancels)
{
    const struct sgp32_ipa_event *done = dl_done(f);
    assert_non_null(done);
    if (done->status != status || (detail != NULL && strstr(done->detail, detail) == NULL))
        fail_msg("expected %s (%s), got %s (%s)", sgp32_strerror(status), detail != NULL ? detail : "-",
                 sgp32_strerror(done->status), done->detail);
    assert_int_equal(dl_profile_count(f), 0);
    assert_int_equal(dl_smdp_calls(f, "cancelSession"), cancels);
    assert_int_equal(dl_smdp_calls(f, "handleNotification"), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_int_equal(ipa_http_peer_in_flight(f->http), 0);
}

/* ---- A Failed ES9+ answer, an in-process SM-DS ---- */

enum sgp32_status ipa_es9_failed_answer(const char *function, const char *subject, const char *reason,
                                        struct ipa_http_reply *reply)
{
    struct sgp32_remote_result failure;
    struct sgp32_remote_response response;
    int f;
    enum sgp32_status st;
    for (f = SGP32_ES9PLUS_INITIATE_AUTHENTICATION; f <= SGP32_ES9PLUS_CANCEL_SESSION; f++)
        if (strcmp(sgp32_es9plus_function_name((enum sgp32_es9plus_function)f), function) == 0)
            break;
    if (f > SGP32_ES9PLUS_CANCEL_SESSION)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_remote_result_clear(&failure);
    snprintf(failure.execution_status, sizeof(failure.execution_status), "Failed");
    snprintf(failure.subject_code, sizeof(failure.subject_code), "%s", subject);
    snprintf(failure.reason_code, sizeof(failure.reason_code), "%s", reason);
    snprintf(failure.message, sizeof(failure.message), "scripted refusal");
    memset(&response, 0, sizeof(response));
    st = sgp32_es9plus_build_response((enum sgp32_es9plus_function)f, NULL, &failure, &response);
    if (st != SGP32_OK)
        return st;
    st = ipa_http_reply_from_response(reply, &response);
    return st;
}

enum sgp32_status ipa_es9_forge_signature1(struct ipa_http_reply *reply)
{
    struct sgp32_remote_answer answer;
    union sgp32_es9plus_response response;
    struct sgp32_remote_result result;
    struct sgp32_remote_response out;
    void *storage = NULL;
    uint8_t signature[96];
    size_t len;
    enum sgp32_status st;
    answer.http_status = reply->http_status;
    answer.content_type = reply->content_type;
    answer.body = reply->body;
    answer.body_len = reply->body_len;
    sgp32_remote_result_clear(&result);
    memset(&out, 0, sizeof(out));
    st = sgp32_es9plus_parse_response(SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &answer, &response, &storage, &result);
    len = response.initiate_authentication.server_signature1.len;
    if (st == SGP32_OK && (len < 4 || len > sizeof(signature)))
        st = SGP32_ERR_PROTOCOL;
    if (st == SGP32_OK) {
        memcpy(signature, response.initiate_authentication.server_signature1.data, len);
        signature[len - 1] ^= 0x01; /* the last byte of s */
        response.initiate_authentication.server_signature1.data = signature;
        st = sgp32_es9plus_build_response(SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &response, NULL, &out);
    }
    if (st == SGP32_OK) {
        st = ipa_http_reply_from_response(reply, &out);
    }
    sgp32_remote_storage_free(storage);
    return st;
}

/* ---- SM-DS ---- */

struct ipa_smds {
    struct smds_server server;
    char calls[64][32];
    size_t call_count;
};

static void smds_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_smds *smds = user;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response response;
    const char *name = strrchr(request->path, '/');
    if (smds->call_count < 64)
        snprintf(smds->calls[smds->call_count++], sizeof(smds->calls[0]), "%s", name != NULL ? name + 1 : "");
    ipa_http_incoming(request, &incoming);
    memset(&response, 0, sizeof(response));
    smds_server_handle_es11(&smds->server, &incoming, &response);
    ipa_http_reply_from_response(reply, &response);
}

enum sgp32_status ipa_smds_new(struct ipa_fixture *f, const char *event_id, struct ipa_smds **out)
{
    struct ipa_smds *smds = calloc(1, sizeof(*smds));
    struct smds_event *event = calloc(1, sizeof(*event));
    char ci[600], cert[600], key[600];
    enum sgp32_status st;
    if (smds == NULL || event == NULL) {
        free(smds);
        free(event);
        return SGP32_ERR_NO_MEMORY;
    }
    ipa_fixture_pki_path(f, "ci/ci.cert.der", ci, sizeof(ci));
    /* signs with CERT.DPauth: the software eUICC's AuthenticateServer accepts no DSauth certificate yet
     * (as tests/smds/test_smds_server.c does) */
    ipa_fixture_pki_path(f, "smdp/auth.cert.der", cert, sizeof(cert));
    ipa_fixture_pki_path(f, "smdp/auth.key.pem", key, sizeof(key));
    snprintf(smds->server.address, sizeof(smds->server.address), "lpa.ds.gsma.com");
    smds->server.session_ttl_ms = 300000u;
    st = smds_server_init(&smds->server, ci, cert, key);
    memcpy(event->eid, f->eid, 16);
    snprintf(event->event_id, sizeof(event->event_id), "%s", event_id);
    snprintf(event->smdp_address, sizeof(event->smdp_address), "%s", f->smdp_address);
    smds->server.events = event;
    smds->server.event_count = 1;
    if (st == SGP32_OK)
        st = ipa_http_peer_route(f->http, "/gsma/rsp2/es11/", smds_handler, smds);
    if (st != SGP32_OK) {
        ipa_smds_free(smds);
        return st;
    }
    *out = smds;
    return SGP32_OK;
}

void ipa_smds_free(struct ipa_smds *smds)
{
    if (smds == NULL)
        return;
    smds_server_free(&smds->server); /* the events too */
    free(smds);
}

size_t ipa_smds_calls(const struct ipa_smds *smds, const char *function)
{
    size_t i, n = 0;
    for (i = 0; i < smds->call_count; i++)
        n += strcmp(smds->calls[i], function) == 0;
    return n;
}
