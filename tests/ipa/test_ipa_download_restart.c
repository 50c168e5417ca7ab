/* SPDX-License-Identifier: MIT */
/*
 * Profile downloads cut by a power failure after, and during, every save they make (direct over ES9+,
 * indirect for the eIM): storage, card and network stop together, a new IPA starts on what was
 * saved, and the end must be consistent.
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
    struct ipa_fixture *f = dl_setup(NULL);
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
        ipa_fixture_free(f);
        return 0;
    }
    power.cut = 0;
    power.cut_after = 0;
    assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
    dl_run(f);
    done = dl_done(f);
    installed = dl_profile_count(f);
    if (done == NULL) {
        /* only when the first save was lost: the request itself never became durable */
        assert_true(lost && k == 1);
        assert_int_equal(installed, 0);
        assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_INITIATE_AUTHENTICATION), 0);
        assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
        ipa_fixture_free(f);
        return 1;
    }
    if (done->status == SGP32_OK) {
        assert_int_equal(installed, 1);
        assert_true(dl_profile_listed(f, done->iccid));
    } else {
        if (installed != 0)
            fail_msg("restart after save %zu: failed (%s) but a profile is installed", k, done->detail);
        /* once the eUICC had a session, the SM-DP+ hears of its end (an SM-DP+ session that only saw
         * initiateAuthentication, its transactionId never recorded, expires on its own) */
        if (!indirect && dl_smdp_calls(f, "authenticateClient") > 0 && dl_smdp_calls(f, "cancelSession") == 0)
            fail_msg("restart after save %zu: the SM-DP+ session was not cancelled", k);
    }
    if (getenv("IPA_TEST_VERBOSE") != NULL)
        fprintf(stderr, "restart %s save %zu: %s, %s\n", lost ? "during" : "after", k, sgp32_strerror(done->status),
                done->detail);
    if (ipa_fixture_pending_notifications(f) != 0)
        fail_msg("restart after save %zu: a notification is left on the card", k);
    assert_null(ipa_storage_get(f->host.storage, "ipa.download", NULL));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    if (indirect) /* the eIM got the ProfileDownloadTriggerResult */
        assert_true(dl_trigger_results(f) >= 1);
    ipa_fixture_free(f);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_direct),
        cmocka_unit_test(test_restart_indirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
