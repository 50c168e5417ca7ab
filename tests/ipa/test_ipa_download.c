/* SPDX-License-Identifier: MIT */
/*
 * Profile download by the IPA core (lib/ipa/proc_download*.c) against the harness of support/: the
 * software eUICC, the in-process SM-DP+ (smdp_core: real signatures, a real BPP), the scripted HTTP
 * peer and the scripted eIM. Direct ES9+ downloads (success, chunked BPP, SM-DP+ refusals, confirmation
 * codes, HTTP failures mid-download), restarts after each durable step, indirect downloads through the
 * eIM (the harness's relay to the in-process SM-DP+, both ESipa bindings) and SM-DS discovery (ES11,
 * the test SM-DS's functions in process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#ifdef IPA_TEST_HAVE_SMDP
#include "test_ipa_download_smds.h"
#endif

#ifdef IPA_TEST_HAVE_SMDP

#define SMDP_PREFIX "/gsma/rsp2/es9plus/"
#define PROFILE "TS48V1-A-UNIQUE"
#define AC "1$" IPA_FIXTURE_SMDP_ADDRESS "$" PROFILE

/* 1 when needle[0..n) occurs in data[0..len). */
static int contains(const uint8_t *data, size_t len, const void *needle, size_t n)
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
static void tagged_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
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

static struct ipa_fixture *setup_with(const struct ipa_fixture_options *options)
{
    struct ipa_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    if (ipa_fixture_setup(f, options) != SGP32_OK) {
        ipa_fixture_teardown(f);
        fail_msg("fixture setup failed");
    }
    ipa_eim_set_other_handler(f->eim, tagged_relay, f);
    f->config.retry_initial_ms = 1000;
    f->config.retry_limit = 3;
    f->config.http_timeout_ms = 2000;
    return f;
}

static void teardown(struct ipa_fixture *f)
{
    ipa_fixture_teardown(f);
    free(f);
}

/* Runs until idle; FAILED polls (a failed download) do not stop it. */
static void run(struct ipa_fixture *f)
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

static const struct sgp32_ipa_event *done_event(const struct ipa_fixture *f)
{
    return ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
}

/* 1 if a profile with this ICCID is on the card. */
static int profile_listed(struct ipa_fixture *f, const uint8_t iccid[10])
{
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    int found;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_get_profiles_info(es10, NULL, 0, &answer, &answer_len), SGP32_OK);
    found = contains(answer, answer_len, iccid, 10);
    sgp32_buffer_free(answer);
    sgp32_es10_free(es10);
    return found;
}

static size_t profile_count(struct ipa_fixture *f)
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

/* Pending notifications on the card (ListNotification entries). */
static size_t pending_notifications(struct ipa_fixture *f)
{
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0, n = 0, i;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_list_notification(es10, -1, &answer, &answer_len), SGP32_OK);
    for (i = 0; i + 1 < answer_len; i++)
        n += answer[i] == 0xBF && answer[i + 1] == 0x2F;
    sgp32_buffer_free(answer);
    sgp32_es10_free(es10);
    return n;
}

/* ProvideEimPackageResults with a ProfileDownloadTriggerResult the eIM received. */
static size_t trigger_results(const struct ipa_fixture *f)
{
    size_t i, n = 0;
    for (i = 0; i < ipa_eim_received_count(f->eim); i++) {
        const struct ipa_eim_received *r = ipa_eim_received_at(f->eim, i);
        n += r->message == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT && r->result_kind == IPA_EIM_DOWNLOAD_TRIGGER_RESULT;
    }
    return n;
}

static size_t smdp_calls(struct ipa_fixture *f, const char *function)
{
    return ipa_smdp_calls(f->smdp, function);
}

/* ---- Direct download ---- */

static void expect_installed(struct ipa_fixture *f)
{
    const struct sgp32_ipa_event *done = done_event(f);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("download failed: %s (%s)", sgp32_strerror(done->status), done->detail);
    assert_true(done->has_iccid);
    assert_true(profile_listed(f, done->iccid));
    assert_true(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS) > 0);
    assert_true(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED) >= 1);
    assert_int_equal(smdp_calls(f, "handleNotification"), 1);
    assert_int_equal(smdp_calls(f, "cancelSession"), 0);
    /* delivered, then removed; nothing persisted any more */
    assert_int_equal(pending_notifications(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_int_equal(ipa_http_peer_in_flight(f->http), 0);
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
}

static void test_direct_success(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    const struct sgp32_ipa_event *progress;
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, "LPA:" AC, NULL), SGP32_OK);
    run(f);
    expect_installed(f);
    assert_int_equal(profile_count(f), 1);
    /* the last progress event counts the whole package */
    progress = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS);
    assert_true(progress->code > 1000);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED), 0);
    teardown(f);
}

static void chunked(size_t chunk, uint32_t per_poll)
{
    struct ipa_fixture *f = setup_with(NULL);
    f->config.http_timeout_ms = 600000; /* many polls per package */
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_http_peer_set_chunking(f->http, chunk, per_poll);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_installed(f);
    teardown(f);
}

static void test_direct_chunked(void **state)
{
    (void)state;
    chunked(1, 0);
    chunked(7, 0);
    chunked(333, 5);
    chunked(1021, 1);
}

static void expect_failed(struct ipa_fixture *f, enum sgp32_status status, const char *detail, size_t cancels)
{
    const struct sgp32_ipa_event *done = done_event(f);
    assert_non_null(done);
    if (done->status != status || (detail != NULL && strstr(done->detail, detail) == NULL))
        fail_msg("expected %s (%s), got %s (%s)", sgp32_strerror(status), detail != NULL ? detail : "-",
                 sgp32_strerror(done->status), done->detail);
    assert_int_equal(profile_count(f), 0);
    assert_int_equal(smdp_calls(f, "cancelSession"), cancels);
    assert_int_equal(smdp_calls(f, "handleNotification"), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_int_equal(ipa_http_peer_in_flight(f->http), 0);
}

static void test_direct_wrong_matching_id(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, "1$" IPA_FIXTURE_SMDP_ADDRESS "$NO-SUCH-ORDER", NULL), SGP32_OK);
    run(f);
    /* refused at authenticateClient: the eUICC session is cancelled and the SM-DP+ told */
    expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.2.6/3.8", 1);
    teardown(f);
}

static void test_direct_bad_activation_code(void **state)
{
    static const char *const bad[] = {"2$a$b", "1$", "1", "1$a$b$c$d$e", "$a$b"};
    struct ipa_fixture *f = setup_with(NULL);
    size_t i;
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ipa_events_clear(&f->host.events);
        assert_int_equal(sgp32_ipa_download(f->ipa, bad[i], NULL), SGP32_OK);
        run(f);
        assert_non_null(done_event(f));
        assert_int_equal(done_event(f)->status, SGP32_ERR_INVALID_ARGUMENT);
    }
    assert_int_equal(smdp_calls(f, NULL), 0);
    teardown(f);
}

/* The SM-DP+ with one function answered by a Failed status instead (an expired session ...). */
struct refusing {
    struct ipa_fixture *f;
    const char *function;
    const char *subject, *reason;
};

static void refusing_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct refusing *r = user;
    const char *name = strrchr(request->path, '/');
    if (name != NULL && strcmp(name + 1, r->function) == 0) {
        assert_int_equal(ipa_es9_failed_answer(r->function, r->subject, r->reason, reply), SGP32_OK);
        return;
    }
    ipa_smdp_handler(r->f->smdp, request, reply);
}

static void test_direct_expired_session(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    struct refusing r = {f, "getBoundProfilePackage", "8.10.1", "3.9"};
    (void)state;
    assert_int_equal(ipa_http_peer_route(f->http, SMDP_PREFIX, refusing_handler, &r), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.10.1/3.9", 1);
    teardown(f);
}

static void test_direct_confirmation_code(void **state)
{
    struct ipa_fixture_options options;
    struct ipa_fixture *f;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.confirmation_code = "4711";
    /* right code */
    f = setup_with(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC "$$1", "4711"), SGP32_OK);
    run(f);
    expect_installed(f);
    teardown(f);
    /* none given: cancelled before PrepareDownload */
    f = setup_with(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_failed(f, SGP32_ERR_INVALID_ARGUMENT, "confirmation code", 1);
    assert_int_equal(smdp_calls(f, "getBoundProfilePackage"), 0);
    teardown(f);
    /* wrong: the SM-DP+ refuses the hash */
    f = setup_with(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, "1234"), SGP32_OK);
    run(f);
    expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.2.7/3.8", 1);
    teardown(f);
}

static void test_direct_timeout_mid_download(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(ipa_http_peer_hang_next(f->http, SMDP_PREFIX "getBoundProfilePackage", 1), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_failed(f, SGP32_ERR_TIMEOUT, "getBoundProfilePackage", 1);
    teardown(f);
    /* the connection drops after part of the package reached the eUICC */
    f = setup_with(NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(ipa_http_peer_drop_after(f->http, SMDP_PREFIX "getBoundProfilePackage", 3000), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_failed(f, SGP32_ERR_HTTP, "getBoundProfilePackage", 1);
    /* the eUICC is usable: the next download installs */
    ipa_events_clear(&f->host.events);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    assert_int_equal(done_event(f)->status, SGP32_OK);
    assert_int_equal(profile_count(f), 1);
    teardown(f);
}

static void test_direct_initiate_retried(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    /* the first initiateAuthentication never reaches the SM-DP+: retried after the backoff */
    assert_int_equal(ipa_http_peer_fail_next(f->http, SMDP_PREFIX "initiateAuthentication", 1, SGP32_ERR_HTTP, 0,
                                             "connection refused"),
                     SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    run(f);
    expect_installed(f);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_RETRY), 1);
    teardown(f);
}

/* ---- Restarts ---- */

/* A power cut right after a chosen save: from then on the card, the network and the storage are gone
 * (APDUs and HTTP fail, saves are lost) until the device restarts. */
static struct power_cut {
    struct sgp32_apdu_transport apdu; /* the real ones */
    struct sgp32_http_client http;
    struct sgp32_apdu_transport_ops apdu_ops;
    struct sgp32_http_ops http_ops;
    size_t cut_after; /* save count that cuts the power (0: never) */
    int lose_last;    /* the power goes during that save: it is lost */
    int cut;
} power;

static enum sgp32_status cut_open(void *user, uint8_t *atr, size_t cap, size_t *len, uint32_t timeout_ms)
{
    (void)user;
    return power.cut ? SGP32_ERR_NO_CARD : power.apdu.ops->open(power.apdu.user, atr, cap, len, timeout_ms);
}

static void cut_close(void *user)
{
    (void)user;
    power.apdu.ops->close(power.apdu.user);
}

static enum sgp32_status cut_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                      size_t cap, size_t *response_len, uint32_t timeout_ms)
{
    (void)user;
    if (power.cut)
        return SGP32_ERR_TRANSPORT;
    return power.apdu.ops->transmit(power.apdu.user, command, command_len, response, cap, response_len, timeout_ms);
}

static enum sgp32_status cut_start(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                                   void *sink_user, uint32_t *id)
{
    (void)user;
    if (power.cut)
        return SGP32_ERR_HTTP;
    return power.http.ops->start(power.http.user, request, sink, sink_user, id);
}

static enum sgp32_status cut_poll(void *user, uint32_t id, uint32_t max_wait_ms, int *done,
                                  struct sgp32_http_result *result)
{
    (void)user;
    if (!power.cut)
        return power.http.ops->poll(power.http.user, id, max_wait_ms, done, result);
    power.http.ops->cancel(power.http.user, id);
    memset(result, 0, sizeof(*result));
    result->status = SGP32_ERR_HTTP;
    *done = 1;
    return SGP32_OK;
}

static void cut_cancel(void *user, uint32_t id)
{
    (void)user;
    power.http.ops->cancel(power.http.user, id);
}

static enum sgp32_status cut_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct ipa_host *host = user;
    enum sgp32_status st;
    if (power.cut)
        return SGP32_ERR_STORAGE;
    if (power.lose_last && power.cut_after != 0 && ipa_storage_save_count(host->storage) + 1 >= power.cut_after) {
        power.cut = 1;
        return SGP32_ERR_STORAGE;
    }
    st = ipa_storage_save(host->storage, name, data, len);
    if (power.cut_after != 0 && ipa_storage_save_count(host->storage) >= power.cut_after)
        power.cut = 1;
    return st;
}

static void install_power_cut(struct ipa_fixture *f)
{
    memset(&power, 0, sizeof(power));
    power.apdu = f->platform.apdu;
    power.http = f->platform.http;
    assert_null(power.apdu.ops->open_logical_channel); /* the card transport of the fixture */
    power.apdu_ops = *power.apdu.ops;
    power.apdu_ops.open = cut_open;
    power.apdu_ops.close = cut_close;
    power.apdu_ops.transmit = cut_transmit;
    power.apdu_ops.reset = NULL;
    power.apdu_ops.proactive_pending = NULL;
    power.http_ops = *power.http.ops;
    power.http_ops.start = cut_start;
    power.http_ops.poll = cut_poll;
    power.http_ops.cancel = cut_cancel;
    f->platform.apdu.ops = &power.apdu_ops;
    f->platform.apdu.user = &power;
    f->platform.http.ops = &power.http_ops;
    f->platform.http.user = &power;
    f->platform.save = cut_save;
}

/* The power goes right after (lost: during) save call k of a download (direct, or the eIM's trigger): the next IPA
 * finds the state as of that save and must end consistent: no record left, the SM-DP+ told of a
 * cancelled session, no notification left on the card, and the last DOWNLOAD_DONE saying what the
 * card holds. Returns 0 once k is past the last save. */
static int restart_after_save(size_t k, int indirect, int lost)
{
    struct ipa_fixture *f = setup_with(NULL);
    const struct sgp32_ipa_event *done;
    size_t polls = 0, installed;
    install_power_cut(f);
    if (indirect) {
        assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    }
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    power.cut_after = ipa_storage_save_count(f->host.storage) + k;
    power.lose_last = lost;
    if (!indirect)
        assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    while (!power.cut && polls++ < 20000) {
        struct sgp32_ipa_poll_result r;
        sgp32_ipa_poll(f->ipa, &r);
        if (r.activity == SGP32_IPA_IDLE && sgp32_ipa_is_idle(f->ipa))
            break;
        ipa_clock_advance(&f->host.clock, r.wait_ms);
    }
    if (!power.cut) {
        teardown(f);
        return 0;
    }
    power.cut = 0;
    power.cut_after = 0;
    assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
    run(f);
    done = done_event(f);
    installed = profile_count(f);
    if (done == NULL) {
        /* only when the first save was lost: the request itself never became durable */
        assert_true(lost && k == 1);
        assert_int_equal(installed, 0);
        assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 0);
        assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
        teardown(f);
        return 1;
    }
    if (done->status == SGP32_OK) {
        assert_int_equal(installed, 1);
        assert_true(profile_listed(f, done->iccid));
    } else {
        if (installed != 0)
            fail_msg("restart after save %zu: failed (%s) but a profile is installed", k, done->detail);
        /* once the eUICC had a session, the SM-DP+ hears of its end (an SM-DP+ session that only saw
         * initiateAuthentication, its transactionId never recorded, expires on its own) */
        if (!indirect && smdp_calls(f, "authenticateClient") > 0 && smdp_calls(f, "cancelSession") == 0)
            fail_msg("restart after save %zu: the SM-DP+ session was not cancelled", k);
    }
    if (getenv("IPA_TEST_VERBOSE") != NULL)
        fprintf(stderr, "restart %s save %zu: %s, %s\n", lost ? "during" : "after", k, sgp32_strerror(done->status),
                done->detail);
    if (pending_notifications(f) != 0)
        fail_msg("restart after save %zu: a notification is left on the card", k);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    if (indirect) /* the eIM got the ProfileDownloadTriggerResult */
        assert_true(trigger_results(f) >= 1);
    teardown(f);
    return 1;
}

static void test_restart_direct(void **state)
{
    size_t k;
    (void)state;
    for (k = 1; restart_after_save(k, 0, 0); k++)
        ;
    assert_true(k > 4);
    /* the power goes during the save: the card may be ahead of the record (a result not recorded) */
    for (k = 1; restart_after_save(k, 0, 1); k++)
        ;
    assert_true(k > 4);
}

static void test_restart_indirect(void **state)
{
    size_t k;
    (void)state;
    for (k = 1; restart_after_save(k, 1, 0); k++)
        ;
    assert_true(k > 4);
    for (k = 1; restart_after_save(k, 1, 1); k++)
        ;
    assert_true(k > 4);
}

/* ---- Indirect download (ESipa through the eIM) ---- */

static void indirect(enum sgp32_ipa_binding binding, int universal_forms)
{
    struct ipa_fixture *f = setup_with(NULL);
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *done;
    if (universal_forms)
        ipa_eim_set_other_handler(f->eim, ipa_smdp_esipa_relay, f->smdp);
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    f->config.binding = binding;
    f->config.http_timeout_ms = 600000; /* many polls per package */
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_http_peer_set_chunking(f->http, 13, 2);
    run(f);
    done = done_event(f);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("indirect download failed: %s", done->detail);
    assert_true(profile_listed(f, done->iccid));
    /* every step went over ESipa (the relay made the ES9+ calls) */
    assert_int_equal(ipa_http_peer_count(f->http, SMDP_PREFIX), 0);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_AUTHENTICATE_CLIENT), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_CANCEL_SESSION), 0);
    assert_int_equal(smdp_calls(f, "getBoundProfilePackage"), 1);
    assert_int_equal(smdp_calls(f, "handleNotification"), 1); /* forwarded by the eIM */
    /* the ProfileDownloadTriggerResult carries the eIM's transactionId and the result */
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->result_kind, IPA_EIM_DOWNLOAD_TRIGGER_RESULT);
    assert_true(contains(report->data, report->len, "\x82\x04\xD1", 3));
    assert_true(contains(report->data, report->len, "\xBF\x37", 2));
    assert_true(contains(report->data, report->len, done->iccid, 10));
    assert_int_equal(pending_notifications(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
    teardown(f);
}

static void test_indirect_success(void **state)
{
    (void)state;
    indirect(SGP32_IPA_BINDING_ASN1, 0);
}

/* Tolerant decoding: the answers as the harness's relay (and examples/servers/eim) encode them. */
static void test_indirect_universal_forms(void **state)
{
    (void)state;
    indirect(SGP32_IPA_BINDING_ASN1, 1);
}

static void test_indirect_json_binding(void **state)
{
    (void)state;
    indirect(SGP32_IPA_BINDING_JSON, 0);
}

static void test_indirect_refused(void **state)
{
    struct ipa_fixture *f = setup_with(NULL);
    const struct ipa_eim_received *report;
    (void)state;
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, "1$" IPA_FIXTURE_SMDP_ADDRESS "$NO-SUCH-ORDER"), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f);
    assert_non_null(done_event(f));
    if (done_event(f)->status != SGP32_ERR_SERVER_STATUS || done_event(f)->code != 6)
        fail_msg("%s (%ld): %s", sgp32_strerror(done_event(f)->status), done_event(f)->code,
                 done_event(f)->detail); /* authenticateClientErrorEsipa matchingIdRefused */
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_CANCEL_SESSION), 1);
    assert_int_equal(smdp_calls(f, "cancelSession"), 1);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->result_kind, IPA_EIM_DOWNLOAD_TRIGGER_RESULT);
    /* profileDownloadError { profileDownloadErrorReason undefinedError } */
    assert_true(contains(report->data, report->len, "\x30\x03\x80\x01\x7F", 5));
    assert_int_equal(profile_count(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    teardown(f);
}

static void test_indirect_malformed_trigger(void **state)
{
    static const uint8_t trigger[] = {0xBF, 0x4F, 0x0A, 0xBF, 0x54, 0x07, 0xA0, 0x03, 0x83, 0x01, 0x00, 0x82, 0x00};
    struct ipa_fixture *f = setup_with(NULL);
    const struct ipa_eim_received *report;
    (void)state;
    assert_int_equal(ipa_eim_queue_raw(f->eim, trigger, sizeof(trigger)), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f);
    assert_non_null(done_event(f));
    assert_int_not_equal(done_event(f)->status, SGP32_OK);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->result_kind, IPA_EIM_DOWNLOAD_TRIGGER_RESULT);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 0);
    teardown(f);
}

/* ---- SM-DS ---- */

static void test_smds_discovery(void **state)
{
    struct ipa_fixture_options options;
    struct ipa_fixture *f;
    struct ipa_smds *smds = NULL;
    (void)state;
    memset(&options, 0, sizeof(options));
    /* no default SM-DP+: the root SM-DS of the eUICC is asked (its address in the card's identity) */
    f = setup_with(&options);
    assert_int_equal(ipa_smds_new(f, PROFILE, &smds), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, NULL, NULL), SGP32_OK);
    run(f);
    expect_installed(f);
    assert_int_equal(ipa_smds_calls(smds, "initiateAuthentication"), 1);
    assert_int_equal(ipa_smds_calls(smds, "authenticateClient"), 1);
    ipa_smds_free(smds);
    teardown(f);
}

#else /* without the JSON bindings: a direct download is refused cleanly */

static void test_direct_not_supported(void **state)
{
    struct ipa_fixture f;
    const struct sgp32_ipa_event *done;
    (void)state;
    assert_int_equal(ipa_fixture_setup(&f, NULL), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(&f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f.ipa, "1$127.0.0.1$X", NULL), SGP32_OK);
    ipa_fixture_run(&f, 1000, 0, NULL);
    done = ipa_events_last(&f.host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    assert_non_null(done);
    assert_int_equal(done->status, SGP32_ERR_NOT_SUPPORTED);
    ipa_fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_direct_not_supported)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif

#ifdef IPA_TEST_HAVE_SMDP
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_success),
        cmocka_unit_test(test_direct_chunked),
        cmocka_unit_test(test_direct_wrong_matching_id),
        cmocka_unit_test(test_direct_bad_activation_code),
        cmocka_unit_test(test_direct_expired_session),
        cmocka_unit_test(test_direct_confirmation_code),
        cmocka_unit_test(test_direct_timeout_mid_download),
        cmocka_unit_test(test_direct_initiate_retried),
        cmocka_unit_test(test_indirect_success),
        cmocka_unit_test(test_indirect_json_binding),
        cmocka_unit_test(test_indirect_universal_forms),
        cmocka_unit_test(test_indirect_refused),
        cmocka_unit_test(test_indirect_malformed_trigger),
        cmocka_unit_test(test_smds_discovery),
        cmocka_unit_test(test_restart_direct),
        cmocka_unit_test(test_restart_indirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
