/* SPDX-License-Identifier: MIT */
/*
 * Direct profile download by the IPA core (lib/ipa/proc_download*.c, ES9+) against the harness of
 * support/: the software eUICC, the in-process SM-DP+ (smdp_core: real signatures, a real BPP) and
 * the scripted HTTP peer: success, chunked BPP, SM-DP+ refusals, confirmation codes, HTTP failures in
 * the middle of the package, a retried initiateAuthentication; SM-DS discovery (ES11, the test
 * SM-DS's code in process). Without the JSON bindings: a clean refusal. Indirect downloads:
 * test_ipa_download_indirect.c; restarts: test_ipa_download_restart.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifdef IPA_TEST_HAVE_SMDP
#include "test_ipa_download_common.h"
#else
#include "ipa_fixture.h"
#endif

#ifdef IPA_TEST_HAVE_SMDP

/* ---- Direct download ---- */

static void test_direct_success(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    const struct sgp32_ipa_event *progress;
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, "LPA:" AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_installed(f);
    assert_int_equal(dl_profile_count(f), 1);
    /* the last progress event counts the whole package */
    progress = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS);
    assert_true(progress->code > 1000);
    /* ... and knows the package's size, from its first bytes on (a progress bar for the host) */
    assert_int_equal(progress->total, progress->code);
    assert_true(ipa_events_nth(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS, 0)->total == progress->total);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED), 0);
    ipa_fixture_free(f);
}

static void chunked(size_t chunk, uint32_t per_poll)
{
    struct ipa_fixture *f = dl_setup(NULL);
    f->config.http_timeout_ms = 600000; /* many polls per package */
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_http_peer_set_chunking(f->http, chunk, per_poll);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_installed(f);
    ipa_fixture_free(f);
}

static void test_direct_chunked(void **state)
{
    (void)state;
    chunked(1, 0);
    chunked(7, 0);
    chunked(333, 5);
    chunked(1021, 1);
}

static void test_direct_wrong_matching_id(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, "1$" IPA_FIXTURE_SMDP_ADDRESS "$NO-SUCH-ORDER", NULL), SGP32_OK);
    dl_run(f);
    /* refused at authenticateClient: the eUICC session is cancelled and the SM-DP+ told */
    dl_expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.2.6/3.8", 1);
    ipa_fixture_free(f);
}

static void test_direct_bad_activation_code(void **state)
{
    static const char *const bad[] = {"2$a$b", "1$", "1", "1$a$b$c$d$e", "$a$b"};
    struct ipa_fixture *f = dl_setup(NULL);
    size_t i;
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ipa_events_clear(&f->host.events);
        assert_int_equal(sgp32_ipa_download(f->ipa, bad[i], NULL), SGP32_OK);
        dl_run(f);
        assert_non_null(dl_done(f));
        assert_int_equal(dl_done(f)->status, SGP32_ERR_INVALID_ARGUMENT);
    }
    assert_int_equal(dl_smdp_calls(f, NULL), 0);
    ipa_fixture_free(f);
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
    struct ipa_fixture *f = dl_setup(NULL);
    struct refusing r = {f, "getBoundProfilePackage", "8.10.1", "3.9"};
    (void)state;
    assert_int_equal(ipa_http_peer_route(f->http, SMDP_PREFIX, refusing_handler, &r), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.10.1/3.9", 1);
    ipa_fixture_free(f);
}

/* The SM-DP+ with a broken serverSignature1: the eUICC refuses AuthenticateServer. */
static void forging_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_fixture *f = user;
    ipa_smdp_handler(f->smdp, request, reply);
    if (strstr(request->path, "initiateAuthentication") != NULL && reply->http_status == 200)
        assert_int_equal(ipa_es9_forge_signature1(reply), SGP32_OK);
}

static void test_direct_euicc_refuses_server(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    (void)state;
    assert_int_equal(ipa_http_peer_route(f->http, SMDP_PREFIX, forging_handler, f), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    /* invalidSignature (2): the refusal went to the SM-DP+ with authenticateClient; nothing to cancel */
    dl_expect_failed(f, SGP32_ERR_EUICC_RESULT, "AuthenticateServer: eUICC error 2", 0);
    assert_int_equal(dl_smdp_calls(f, "authenticateClient"), 1);
    assert_int_equal(dl_smdp_calls(f, "getBoundProfilePackage"), 0);
    ipa_fixture_free(f);
}

static void test_direct_confirmation_code(void **state)
{
    struct ipa_fixture_options options;
    struct ipa_fixture *f;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.confirmation_code = "4711";
    /* right code */
    f = dl_setup(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC "$$1", "4711"), SGP32_OK);
    dl_run(f);
    dl_expect_installed(f);
    ipa_fixture_free(f);
    /* none given: cancelled before PrepareDownload */
    f = dl_setup(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_failed(f, SGP32_ERR_INVALID_ARGUMENT, "confirmation code", 1);
    assert_int_equal(dl_smdp_calls(f, "getBoundProfilePackage"), 0);
    ipa_fixture_free(f);
    /* wrong: the SM-DP+ refuses the hash */
    f = dl_setup(&options);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, "1234"), SGP32_OK);
    dl_run(f);
    dl_expect_failed(f, SGP32_ERR_SERVER_STATUS, "8.2.7/3.8", 1);
    ipa_fixture_free(f);
}

static void test_direct_timeout_mid_download(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(ipa_http_peer_hang_next(f->http, SMDP_PREFIX "getBoundProfilePackage", 1), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_failed(f, SGP32_ERR_TIMEOUT, "getBoundProfilePackage", 1);
    ipa_fixture_free(f);
    /* the connection drops after part of the package reached the eUICC */
    f = dl_setup(NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(ipa_http_peer_drop_after(f->http, SMDP_PREFIX "getBoundProfilePackage", 3000), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_failed(f, SGP32_ERR_HTTP, "getBoundProfilePackage", 1);
    /* the eUICC is usable: the next download installs */
    ipa_events_clear(&f->host.events);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    assert_int_equal(dl_done(f)->status, SGP32_OK);
    assert_int_equal(dl_profile_count(f), 1);
    ipa_fixture_free(f);
}

static void test_direct_initiate_retried(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    (void)state;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    /* the first initiateAuthentication never reaches the SM-DP+: retried after the backoff */
    assert_int_equal(ipa_http_peer_fail_next(f->http, SMDP_PREFIX "initiateAuthentication", 1, SGP32_ERR_HTTP, 0,
                                             "connection refused"),
                     SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, AC, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_installed(f);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_RETRY), 1);
    ipa_fixture_free(f);
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
    f = dl_setup(&options);
    assert_int_equal(ipa_smds_new(f, PROFILE, &smds), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_download(f->ipa, NULL, NULL), SGP32_OK);
    dl_run(f);
    dl_expect_installed(f);
    assert_int_equal(ipa_smds_calls(smds, "initiateAuthentication"), 1);
    assert_int_equal(ipa_smds_calls(smds, "authenticateClient"), 1);
    ipa_smds_free(smds);
    ipa_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_success),           cmocka_unit_test(test_direct_chunked),
        cmocka_unit_test(test_direct_wrong_matching_id), cmocka_unit_test(test_direct_bad_activation_code),
        cmocka_unit_test(test_direct_expired_session),   cmocka_unit_test(test_direct_euicc_refuses_server),
        cmocka_unit_test(test_direct_confirmation_code), cmocka_unit_test(test_direct_timeout_mid_download),
        cmocka_unit_test(test_direct_initiate_retried),  cmocka_unit_test(test_smds_discovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif

#ifndef IPA_TEST_HAVE_SMDP /* without the JSON bindings: a direct download is refused cleanly */

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
