/* SPDX-License-Identifier: MIT */
/*
 * Indirect profile download (SGP.32 v1.2 3.2.3): a ProfileDownloadTriggerRequest from the scripted eIM,
 * the download over ESipa (ASN.1 and JSON bindings) relayed by the eIM to the in-process SM-DP+, the
 * ProfileDownloadTriggerResult back to the eIM; refusals, a malformed trigger, contactSmds (the IPA asks
 * the SM-DS over ES11 and downloads directly).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_ipa_download_common.h"

/* ---- Indirect download (ESipa through the eIM) ---- */

/* The eIM's last ProvideEimPackageResult: a ProfileDownloadTriggerResult. */
static const struct ipa_eim_received *trigger_report(struct ipa_fixture *f)
{
    const struct ipa_eim_received *report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->result_kind, IPA_EIM_DOWNLOAD_TRIGGER_RESULT);
    return report;
}

static void indirect(enum sgp32_ipa_binding binding, int universal_forms)
{
    struct ipa_fixture *f = dl_setup(NULL);
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *done;
    if (universal_forms)
        ipa_eim_set_other_handler(f->eim, ipa_smdp_esipa_relay, f->smdp);
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    f->config.binding = binding;
    f->config.http_timeout_ms = 600000; /* many polls per package */
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_http_peer_set_chunking(f->http, 13, 2);
    dl_run(f);
    done = dl_done(f);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("indirect download failed: %s", done->detail);
    assert_true(dl_profile_listed(f, done->iccid));
    /* every step went over ESipa (the relay made the ES9+ calls) */
    assert_int_equal(ipa_http_peer_count(f->http, SMDP_PREFIX), 0);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_AUTHENTICATE_CLIENT), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_CANCEL_SESSION), 0);
    assert_int_equal(dl_smdp_calls(f, "getBoundProfilePackage"), 1);
    assert_int_equal(dl_smdp_calls(f, "handleNotification"), 1); /* forwarded by the eIM */
    /* the ProfileDownloadTriggerResult carries the eIM's transactionId and the result */
    report = trigger_report(f);
    assert_true(dl_contains(report->data, report->len, "\x82\x04\xD1", 3));
    assert_true(dl_contains(report->data, report->len, "\xBF\x37", 2));
    assert_true(dl_contains(report->data, report->len, done->iccid, 10));
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
    ipa_fixture_free(f);
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
    struct ipa_fixture *f = dl_setup(NULL);
    const struct ipa_eim_received *report;
    (void)state;
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, "1$" IPA_FIXTURE_SMDP_ADDRESS "$NO-SUCH-ORDER"), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    dl_run(f);
    assert_non_null(dl_done(f));
    if (dl_done(f)->status != SGP32_ERR_SERVER_STATUS || dl_done(f)->code != 6)
        fail_msg("%s (%ld): %s", sgp32_strerror(dl_done(f)->status), dl_done(f)->code,
                 dl_done(f)->detail); /* authenticateClientErrorEsipa matchingIdRefused */
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_CANCEL_SESSION), 1);
    assert_int_equal(dl_smdp_calls(f, "cancelSession"), 1);
    report = trigger_report(f);
    /* profileDownloadError { profileDownloadErrorReason undefinedError, errorResponse: the eIM's
     * authenticateClientErrorEsipa matchingIdRefused as received (BF3B 03 82 01 06) } */
    assert_true(dl_contains(report->data, report->len, "\x30\x0B\x80\x01\x7F\x04\x06\xBF\x3B\x03\x82\x01\x06", 13));
    assert_int_equal(dl_profile_count(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    ipa_fixture_free(f);
}

/* The eIM relays, but answers GetBoundProfilePackage with getBoundProfilePackageErrorEsipa
 * downloadOrderExpired (6): cancelled on the eUICC and, through the eIM, at the SM-DP+. */
static void expiring_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    static const uint8_t expired[] = {0xBF, 0x3A, 0x03, 0x81, 0x01, 0x06};
    if (request->body_len > 2 && request->body[0] == 0xBF && request->body[1] == 0x3A) {
        ipa_eim_reply(reply, expired, sizeof(expired));
        return;
    }
    dl_tagged_relay(user, request, reply);
}

static void test_indirect_bpp_refused(void **state)
{
    struct ipa_fixture *f = dl_setup(NULL);
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *done;
    (void)state;
    ipa_eim_set_other_handler(f->eim, expiring_relay, f);
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, AC), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    dl_run(f);
    done = dl_done(f);
    assert_non_null(done);
    if (done->status != SGP32_ERR_SERVER_STATUS || done->code != 6)
        fail_msg("%s (%ld): %s", sgp32_strerror(done->status), done->code, done->detail);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_CANCEL_SESSION), 1); /* after PrepareDownload */
    assert_int_equal(dl_smdp_calls(f, "cancelSession"), 1);
    assert_int_equal(dl_profile_count(f), 0);
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    /* ... with getBoundProfilePackageErrorEsipa downloadOrderExpired as the errorResponse */
    assert_true(dl_contains(report->data, report->len, "\x30\x0B\x80\x01\x7F\x04\x06\xBF\x3A\x03\x81\x01\x06", 13));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    ipa_fixture_free(f);
}

static void test_indirect_malformed_trigger(void **state)
{
    static const uint8_t trigger[] = {0xBF, 0x4F, 0x0A, 0xBF, 0x54, 0x07, 0xA0, 0x03, 0x83, 0x01, 0x00, 0x82, 0x00};
    struct ipa_fixture *f = dl_setup(NULL);
    (void)state;
    assert_int_equal(ipa_eim_queue_raw(f->eim, trigger, sizeof(trigger)), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    dl_run(f);
    assert_non_null(dl_done(f));
    assert_int_not_equal(dl_done(f)->status, SGP32_OK);
    trigger_report(f);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 0);
    ipa_fixture_free(f);
}

/* contactSmds: the IPA asks the eUICC's root SM-DS itself (ES11), downloads from the event's SM-DP+
 * (ES9+) and reports the ProfileDownloadTriggerResult to the eIM. */
static void test_indirect_contact_smds(void **state)
{
    /* GetEimPackageResponse BF4F { BF54 { A0 { contactSmds A2 {} }, 82 eimTransactionId } } */
    static const uint8_t trigger[] = {0xBF, 0x4F, 0x0D, 0xBF, 0x54, 0x0A, 0xA0, 0x02,
                                      0xA2, 0x00, 0x82, 0x04, 0xD1, 0x00, 0x00, 0x09};
    struct ipa_fixture *f = dl_setup(NULL);
    struct ipa_smds *smds = NULL;
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *done;
    (void)state;
    assert_int_equal(ipa_smds_new(f, PROFILE, &smds), SGP32_OK);
    assert_int_equal(ipa_eim_queue_raw(f->eim, trigger, sizeof(trigger)), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    dl_run(f);
    done = dl_done(f);
    assert_non_null(done);
    if (done->status != SGP32_OK)
        fail_msg("contactSmds download failed: %s", done->detail);
    assert_true(dl_profile_listed(f, done->iccid));
    assert_int_equal(ipa_smds_calls(smds, "authenticateClient"), 1);
    assert_int_equal(ipa_http_peer_count(f->http, SMDP_PREFIX "getBoundProfilePackage"), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 0);
    report = trigger_report(f);
    assert_true(dl_contains(report->data, report->len, "\x82\x04\xD1\x00\x00\x09\xBF\x37", 8));
    assert_int_equal(ipa_fixture_pending_notifications(f), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    ipa_smds_free(smds);
    ipa_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indirect_success),           cmocka_unit_test(test_indirect_json_binding),
        cmocka_unit_test(test_indirect_universal_forms),   cmocka_unit_test(test_indirect_refused),
        cmocka_unit_test(test_indirect_malformed_trigger), cmocka_unit_test(test_indirect_contact_smds),
        cmocka_unit_test(test_indirect_bpp_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
