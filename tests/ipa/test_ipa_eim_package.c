/* SPDX-License-Identifier: MIT */
/*
 * The IPA core's eIM package procedures (lib/ipa: proc_eim_package.c, proc_report.c) against the
 * software eUICC and the scripted eIM: GetEimPackage -> LoadEuiccPackage -> ProvideEimPackageResult
 * -> acknowledgements -> RemoveNotificationFromList; the error branches (eimPackageError, HTTP
 * failures with backoff, results not acknowledged, eIM errors, eUICC error results); rollback when
 * the eIM stays unreachable after an enable with rollbackFlag; TransferEimPackage from the host; and
 * a power cut after every durable save, ending consistent (executed once, reported once, nothing
 * removed before delivery).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#ifdef SGP32_HAVE_JSON
#include "remote/esipa_json.h"
#endif

static const uint8_t ICCID_A[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
static const uint8_t ICCID_B[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x64, 0xF7};

/* ---- A power cut: after save #crash_after, storage, card and network refuse everything ---- */
struct crash {
    struct sgp32_platform inner;
    size_t saves;
    size_t crash_after; /* 0: never */
    int crashed;
};

static enum sgp32_status crash_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct crash *c = user;
    enum sgp32_status st;
    if (c->crashed)
        return SGP32_ERR_STORAGE;
    st = c->inner.save(c->inner.user, name, data, len);
    if (++c->saves == c->crash_after)
        c->crashed = 1;
    return st;
}

static enum sgp32_status crash_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct crash *c = user;
    return c->inner.load(c->inner.user, name, buf, cap, len);
}

static uint64_t crash_now(void *user)
{
    struct crash *c = user;
    return c->inner.now_ms(c->inner.user);
}

static void crash_log(void *user, int level, const char *message)
{
    struct crash *c = user;
    c->inner.log(c->inner.user, level, message);
}

static void crash_event(void *user, const struct sgp32_ipa_event *event)
{
    struct crash *c = user;
    if (!c->crashed)
        c->inner.event(c->inner.user, event);
}

static enum sgp32_status crash_random(void *user, uint8_t *out, size_t len)
{
    struct crash *c = user;
    return c->inner.random(c->inner.user, out, len);
}

/* The APDU transport and HTTP client are the fixture's own with a gate in front. */
static struct crash *gate_owner;
static struct sgp32_apdu_transport_ops gated_apdu;
static struct sgp32_http_ops gated_http;

static enum sgp32_status gated_open(void *user, uint8_t *atr, size_t cap, size_t *len, uint32_t timeout)
{
    return gate_owner->crashed ? SGP32_ERR_TRANSPORT : gate_owner->inner.apdu.ops->open(user, atr, cap, len, timeout);
}

static enum sgp32_status gated_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                        size_t cap, size_t *response_len, uint32_t timeout)
{
    return gate_owner->crashed
               ? SGP32_ERR_TRANSPORT
               : gate_owner->inner.apdu.ops->transmit(user, command, command_len, response, cap, response_len, timeout);
}

static enum sgp32_status gated_start(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                                     void *sink_user, uint32_t *id)
{
    return gate_owner->crashed ? SGP32_ERR_HTTP : gate_owner->inner.http.ops->start(user, request, sink, sink_user, id);
}

static void crash_install(struct ipa_fixture *f, struct crash *c, size_t crash_after)
{
    memset(c, 0, sizeof(*c));
    c->inner = f->platform;
    c->crash_after = crash_after;
    gate_owner = c;
    gated_apdu = *f->platform.apdu.ops;
    gated_apdu.open = gated_open;
    gated_apdu.transmit = gated_transmit;
    gated_http = *f->platform.http.ops;
    gated_http.start = gated_start;
    f->platform.apdu.ops = &gated_apdu;
    f->platform.http.ops = &gated_http;
    f->platform.save = crash_save;
    f->platform.load = crash_load;
    f->platform.now_ms = crash_now;
    f->platform.log = crash_log;
    f->platform.event = crash_event;
    f->platform.random = c->inner.random != NULL ? crash_random : NULL;
    f->platform.user = c;
}

/* The eIM route with a scriptable outage: `pass` requests reach the eIM, then `fail` fail. */
struct flaky {
    struct ipa_eim *eim;
    long pass;
    long fail;
    enum sgp32_status status;
};
static struct flaky flaky;

static void flaky_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct flaky *fl = user;
    if (fl->pass > 0) {
        fl->pass--;
    } else if (fl->fail > 0) {
        fl->fail--;
        ipa_http_reply_fail(reply, fl->status, "eIM unreachable");
        return;
    }
    ipa_eim_handler(fl->eim, request, reply);
}

static void outage(struct ipa_fixture *f, long pass, long fail, enum sgp32_status status)
{
    flaky.eim = f->eim;
    flaky.pass = pass;
    flaky.fail = fail;
    flaky.status = status;
    assert_int_equal(ipa_http_peer_route(f->http, "/gsma/rsp2/asn1", flaky_handler, &flaky), SGP32_OK);
}

static void queue_psmo(struct ipa_fixture *f, struct sgp32_eim_buffer *psmo, long *counter)
{
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, psmo, 1, counter), SGP32_OK);
    sgp32_eim_buffer_free(psmo);
}

static void queue_enable(struct ipa_fixture *f, const uint8_t iccid[10], int rollback, long *counter)
{
    struct sgp32_eim_buffer psmo = {NULL, 0};
    assert_int_equal(sgp32_eim_psmo_enable(iccid, rollback, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, counter);
}

static int setup(void **state)
{
    struct ipa_fixture *f = ipa_fixture_new(NULL);
    if (f == NULL)
        return -1;
    assert_int_equal(ipa_fixture_preload(f, ICCID_A, 0x01, 0, IPA_FIXTURE_EIM_FQDN), SGP32_OK);
    assert_int_equal(ipa_fixture_preload(f, ICCID_B, 0x02, 0, IPA_FIXTURE_EIM_FQDN), SGP32_OK);
    f->config.poll_interval_ms = 60000;
    f->config.retry_initial_ms = 1000;
    f->config.retry_max_ms = 8000;
    f->config.retry_limit = 4;
    f->config.rollback_timeout_ms = 30000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    ipa_fixture_free(*state);
    return 0;
}

static long run(struct ipa_fixture *f, struct sgp32_ipa_poll_result *last)
{
    return ipa_fixture_run_logged(f, 400, 0, last);
}

/* ---- Tests ---- */

static void test_enable_executed_reported_acknowledged(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *event;
    size_t notifications, results;
    long counter = 0;
    queue_enable(f, ICCID_A, 0, &counter);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(run(f, &last) > 0);
    assert_string_equal(last.state, "idle");

    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->verify_status, SGP32_OK);
    assert_int_equal(report->counter_value, counter);
    /* The enable produced a notification: it travelled with the result, was acknowledged, removed. */
    assert_int_equal(report->result_kind, IPA_EIM_EPR_AND_NOTIFICATIONS);
    assert_true(report->ack_count >= 2);
    assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, &results), SGP32_OK);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);

    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_PACKAGE_EXECUTED);
    assert_non_null(event);
    assert_int_equal(event->status, SGP32_OK);
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED);
    assert_non_null(event);
    assert_true(event->has_iccid);
    assert_memory_equal(event->iccid, ICCID_A, 10);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED), report->ack_count);
    /* Nothing left in storage; the eIM was asked again after the report (queue drained). */
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
    assert_null(ipa_storage_get(f->host.storage, "ipa.acks", NULL));
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 2);
    assert_true(sgp32_ipa_is_idle(f->ipa));
    assert_true(sgp32_ipa_has_eim(f->ipa));
    /* The new profile's connectivity parameters went to the host: this preloaded one has none. */
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_CONNECTIVITY_PARAMETERS);
    assert_non_null(event);
    assert_int_equal(event->status, SGP32_ERR_NOT_FOUND);
    assert_false(sgp32_ipa_has_eim(NULL));
}

static void test_several_packages_in_one_go(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo = {NULL, 0};
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(sgp32_eim_psmo_disable(ICCID_A, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    queue_enable(f, ICCID_B, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 3);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_B), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 4);
}

static void test_no_package_then_period(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(run(f, &last) > 0);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 1);
    /* Idle until the period: one poll now does nothing and asks to wait for it. */
    assert_int_equal(sgp32_ipa_poll(f->ipa, &last), SGP32_OK);
    assert_int_equal(last.activity, SGP32_IPA_IDLE);
    assert_true(last.wait_ms > 50000 && last.wait_ms <= 60000);
    ipa_clock_advance(&f->host.clock, last.wait_ms);
    queue_enable(f, ICCID_A, 0, NULL);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    /* The eIM can also be asked now. */
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 4);
}

static void test_eim_package_errors(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    assert_int_equal(ipa_eim_queue_error(f->eim, 2), SGP32_OK); /* eidNotFound */
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_fixture_run(f, 400, 0, &last);
    assert_int_equal(last.status, SGP32_ERR_SERVER_STATUS);
    assert_non_null(strstr(last.detail, "eidNotFound"));
    assert_non_null(strstr(sgp32_ipa_last_error(f->ipa), "eidNotFound"));
    /* A body that is no ESipa message at all is refused without crashing. */
    {
        static const uint8_t junk[] = {0xBF, 0x4F, 0x03, 0x30, 0x01, 0x00};
        assert_int_equal(ipa_eim_queue_raw(f->eim, junk, sizeof(junk)), SGP32_OK);
        sgp32_ipa_poll_eim_now(f->ipa);
        ipa_fixture_run(f, 400, 0, &last);
        assert_int_not_equal(last.status, SGP32_OK);
    }
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
}

static void test_unreachable_eim_backs_off(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    uint32_t waits[3] = {0, 0, 0};
    size_t i, n = 0;
    assert_int_equal(ipa_http_peer_fail_next(f->http, "/gsma/rsp2/asn1", 3, SGP32_ERR_HTTP, 0, "connection refused"),
                     SGP32_OK);
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    for (i = 0; i < 200 && n < 3; i++) {
        sgp32_ipa_poll(f->ipa, &last);
        if (last.activity == SGP32_IPA_BACKOFF)
            waits[n++] = last.wait_ms;
        ipa_clock_advance(&f->host.clock, last.wait_ms);
    }
    assert_int_equal(n, 3);
    assert_int_equal(waits[0], 1000);
    assert_int_equal(waits[1], 2000);
    assert_int_equal(waits[2], 4000);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_RETRY), 3);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
}

static void test_result_kept_until_acknowledged(void **state)
{
    struct ipa_fixture *f = *state;
    size_t notifications, results;
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_NONE, 0);
    /* GetEimPackage, ProvideEimPackageResult, GetEimPackage pass; the notification's own delivery
     * (HandleNotification) then fails, again and again. */
    outage(f, 3, 100000, SGP32_ERR_HTTP);
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_fixture_run(f, 400, 0, NULL);
    ipa_fixture_run(f, 400, 0, NULL);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    /* Not acknowledged, not delivered: the eUICC keeps the result and the notification. */
    assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, &results), SGP32_OK);
    assert_int_equal(notifications, 1);
    assert_int_equal(results, 1);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED), 0);
}

static void test_unacknowledged_notification_delivered_alone(void **state)
{
    struct ipa_fixture *f = *state;
    size_t notifications, results;
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_NONE, 0);
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f, NULL);
    /* The eIM did not acknowledge: the notification goes again, by itself (HandleNotification),
     * and only then leaves the eUICC. The package result stays until acknowledged. */
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION), 1);
    assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, &results), SGP32_OK);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 1);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED), 1);
}

static void test_report_refused_by_eim(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_ERROR, 127);
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    ipa_fixture_run(f, 400, 0, &last);
    assert_non_null(strstr(sgp32_ipa_last_error(f->ipa), "provideEimPackageResultError"));
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
}

static void test_report_retried_until_delivered(void **state)
{
    struct ipa_fixture *f = *state;
    int i;
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    /* GetEimPackage passes, then 6 failures: the report outlives its retry budget (4) and comes back
     * at the next period, still from storage. */
    outage(f, 1, 6, SGP32_ERR_TIMEOUT);
    for (i = 0; i < 5 && ipa_eim_accepted_results(f->eim) == 0; i++) {
        ipa_fixture_run(f, 400, 0, NULL);
        ipa_clock_advance(&f->host.clock, 60000);
    }
    assert_true(ipa_log_find(&f->host.log, 0, SGP32_LOG_WARNING, "SGP32_ERR_TIMEOUT") >= 0);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
}

static void test_euicc_error_result_reported(void **state)
{
    struct ipa_fixture *f = *state;
    const struct ipa_eim_received *report;
    static const uint8_t unknown[10] = {0x98, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0xF9};
    queue_enable(f, unknown, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f, NULL);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->verify_status, SGP32_OK);
    assert_int_equal(report->result.item_count, 1);
    assert_int_equal(report->result.items[0].value, 1); /* iccidOrAidNotFound */
    assert_int_equal(ipa_events_last(&f->host.events, SGP32_IPA_EVENT_PACKAGE_EXECUTED)->code, 1);
}

static void test_rollback_when_eim_unreachable(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result last;
    const struct ipa_eim_received *report;
    long i;
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f, NULL);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    /* Now enable B with rollbackFlag; after that the eIM is gone for good (the new profile has no
     * connectivity): past the deadline the IPA rolls back to A. */
    queue_enable(f, ICCID_B, 1, NULL);
    outage(f, 1, 100000, SGP32_ERR_HTTP);
    sgp32_ipa_poll_eim_now(f->ipa);
    for (i = 0; i < 400 && ipa_events_count(&f->host.events, SGP32_IPA_EVENT_ROLLBACK) == 0; i++) {
        sgp32_ipa_poll(f->ipa, &last);
        ipa_clock_advance(&f->host.clock, last.wait_ms);
    }
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_ROLLBACK), 1);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_B), 0);
    /* The eIM comes back: it gets the rollback's result, and learns of the state change. */
    outage(f, 0, 0, SGP32_OK);
    run(f, NULL);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->verify_status, SGP32_OK);
    /* The report the eIM gets is the rollback's own result, in place of the enable's. */
    assert_int_equal(report->result.items[0].tag, 0x8C); /* the eUICC's own rollbackResult */
    /* ... and a GetEimPackage told it of the state change (notifyStateChange, cause undefined). */
    {
        size_t k, told = 0;
        for (k = 0; k < ipa_eim_received_count(f->eim); k++) {
            const struct ipa_eim_received *m = ipa_eim_received_at(f->eim, k);
            if (m->message == SGP32_ESIPA_GET_EIM_PACKAGE && m->notify_state_change && m->state_change_cause == 127)
                told++;
        }
        assert_int_equal(told, 1);
    }
}

static void test_transfer_eim_package(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo = {NULL, 0}, request = {NULL, 0};
    uint8_t *wrapped;
    const struct sgp32_ipa_event *event;
    struct sgp32_eim_result checked;
    size_t len;
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_A, 0, &psmo), SGP32_OK);
    assert_int_equal(ipa_eim_make_package(f->eim, SGP32_EIM_PSMO_LIST, &psmo, 1, &request, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&psmo);
    /* BF4E { BF51 ... } */
    len = request.len + 4;
    wrapped = malloc(len);
    assert_non_null(wrapped);
    wrapped[0] = 0xBF;
    wrapped[1] = 0x4E;
    wrapped[2] = 0x81;
    wrapped[3] = (uint8_t)request.len;
    assert_true(request.len < 256);
    memcpy(wrapped + 4, request.data, request.len);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    run(f, NULL);
    assert_int_equal(sgp32_ipa_inject_eim_package(f->ipa, wrapped, len), SGP32_OK);
    run(f, NULL);
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_TRANSFER_RESPONSE);
    assert_non_null(event);
    assert_int_equal(event->data[0], 0xBF);
    assert_int_equal(event->data[1], 0x4E);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    {
        /* The result inside verifies at the eIM. */
        const uint8_t *element = NULL;
        size_t element_len = 0, at;
        for (at = 2; at + 2 < event->len; at++)
            if (event->data[at] == 0xBF && event->data[at + 1] == 0x51) {
                element = event->data + at;
                element_len = event->len - at;
                break;
            }
        assert_non_null(element);
        {
            struct sgp32_tlv_header h;
            assert_int_equal(sgp32_tlv_parse_header(element, element_len, &h), SGP32_OK);
            element_len = h.header_len + h.length;
        }
        assert_int_equal(ipa_eim_verify(f->eim, element, element_len, &checked, NULL), SGP32_OK);
    }
    /* Malformed injection: an eimPackageError answer, no crash. */
    wrapped[3] = 0x05;
    assert_int_equal(sgp32_ipa_inject_eim_package(f->ipa, wrapped, 6), SGP32_OK);
    run(f, NULL);
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_TRANSFER_RESPONSE);
    assert_int_not_equal(event->status, SGP32_OK);
    free(wrapped);
    sgp32_eim_buffer_free(&request);
}

/* A power cut right after each durable save: the device restarts and ends consistent. */
static void test_power_cut_after_each_save(void **state)
{
    struct ipa_fixture *probe = *state;
    size_t total, k;
    static struct crash probe_crash; /* outlives the test: the teardown still uses its gate */
    struct crash c;
    /* How many saves does the whole procedure make? */
    crash_install(probe, &probe_crash, 0);
    queue_enable(probe, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(probe), SGP32_OK);
    run(probe, NULL);
    total = probe_crash.saves;
    assert_true(total >= 4);
    for (k = 1; k <= total; k++) {
        struct ipa_fixture *f;
        size_t notifications, results;
        void *s = NULL;
        assert_int_equal(setup(&s), 0);
        f = s;
        crash_install(f, &c, k);
        queue_enable(f, ICCID_A, 0, NULL);
        assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
        ipa_fixture_run(f, 100, 0, NULL);
        assert_true(c.crashed);
        /* Power back: card and network answer again. */
        c.crashed = 0;
        c.crash_after = 0;
        sgp32_softeuicc_reset(f->card, NULL, 0, NULL);
        assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
        assert_true(run(f, NULL) > 0);
        assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
        /* Executed once: exactly one distinct result accepted; acknowledged ones removed. */
        assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
        assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, &results), SGP32_OK);
        assert_int_equal(results, 0);
        assert_int_equal(notifications, 0);
        assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
        teardown(&s);
    }
    gate_owner = &probe_crash; /* the probe's teardown still talks to its card */
}

static void test_several_contexts_in_one_process(void **state)
{
    struct ipa_fixture *a = *state;
    struct ipa_fixture *b;
    void *s = NULL;
    assert_int_equal(setup(&s), 0);
    b = s;
    queue_enable(a, ICCID_A, 0, NULL);
    queue_enable(b, ICCID_B, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(a), SGP32_OK);
    assert_int_equal(ipa_fixture_ipa_new(b), SGP32_OK);
    run(a, NULL);
    run(b, NULL);
    assert_int_equal(ipa_fixture_profile_state(a, ICCID_A), 1);
    assert_int_equal(ipa_fixture_profile_state(a, ICCID_B), 0);
    assert_int_equal(ipa_fixture_profile_state(b, ICCID_B), 1);
    assert_int_equal(ipa_fixture_profile_state(b, ICCID_A), 0);
    teardown(&s);
}

#ifdef SGP32_HAVE_JSON
/* The scripted eIM behind the ESipa JSON binding: JSON in, ASN.1 to the eIM, JSON out. */
static void json_eim_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_fixture *f = user;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_result result;
    struct sgp32_remote_response response;
    struct ipa_http_recorded inner = *request;
    struct ipa_http_reply asn1;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE, answer_kind;
    uint8_t *message = NULL;
    size_t message_len = 0;
    ipa_http_incoming(request, &incoming);
    assert_int_equal(sgp32_esipa_json_parse_request(&incoming, &kind, &message, &message_len, NULL, &result), SGP32_OK);
    inner.path = (char *)"/gsma/rsp2/asn1";
    {
        size_t i;
        for (i = 0; i < inner.header_count; i++)
            if (strcasecmp(inner.headers[i].name, "Content-Type") == 0)
                inner.headers[i].value = "application/x-gsma-rsp-asn1";
    }
    inner.body = message;
    inner.body_len = message_len;
    memset(&asn1, 0, sizeof(asn1));
    ipa_eim_handler(f->eim, &inner, &asn1);
    sgp32_esipa_json_message_free(message);
    assert_int_equal(asn1.transport_status, SGP32_OK);
    assert_int_equal(sgp32_esipa_json_build_response(kind, asn1.http_status == 204 ? NULL : asn1.body, asn1.body_len,
                                                     NULL, &answer_kind, &response),
                     SGP32_OK);
    free(asn1.body);
    assert_int_equal(ipa_http_reply_set(reply, response.http_status,
                                        response.http_status == 204 ? NULL : "application/json", response.body,
                                        response.body_len),
                     SGP32_OK);
    sgp32_remote_response_release(&response);
}

static void test_json_binding(void **state)
{
    struct ipa_fixture *f = *state;
    size_t notifications, results;
    assert_int_equal(ipa_http_peer_route(f->http, "/gsma/rsp2/esipa/", json_eim_handler, f), SGP32_OK);
    f->config.binding = SGP32_IPA_BINDING_JSON;
    queue_enable(f, ICCID_A, 0, NULL);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/asn1"), 0);
    assert_true(ipa_http_peer_count(f->http, "/gsma/rsp2/esipa/getEimPackage") >= 2);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/esipa/provideEimPackageResult"), 1);
    assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, &results), SGP32_OK);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
}
#endif

/* A request that cannot even be built (an eIM address longer than any URL) backs off: no spinning. */
static void test_unbuildable_request_backs_off(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result r;
    static char address[400];
    int i, backoffs = 0;
    memset(address, 'a', sizeof(address) - 1);
    f->config.eim_address = address;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    for (i = 0; i < 50; i++) {
        sgp32_ipa_poll(f->ipa, &r);
        if (r.activity == SGP32_IPA_BACKOFF) {
            backoffs++;
            assert_true(r.wait_ms >= 1000);
        }
    }
    /* Without time passing the IPA only waits: one failure, then its backoff. */
    assert_true(backoffs >= 1);
    assert_true(ipa_log_count_level(&f->host.log, SGP32_LOG_WARNING) < 5);
    assert_int_equal(ipa_http_peer_request_count(f->http), 0);
}

static void test_bad_arguments(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa *ipa = NULL;
    struct sgp32_platform platform = f->platform;
    assert_int_equal(sgp32_ipa_new(NULL, NULL, &ipa), SGP32_ERR_INVALID_ARGUMENT);
    platform.save = NULL;
    assert_int_equal(sgp32_ipa_new(NULL, &platform, &ipa), SGP32_ERR_INVALID_ARGUMENT);
    platform = f->platform;
    platform.version = 99;
    assert_int_equal(sgp32_ipa_new(NULL, &platform, &ipa), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(ipa);
    assert_int_equal(sgp32_ipa_poll(NULL, NULL), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_ipa_inject_eim_package(NULL, NULL, 0), SGP32_ERR_INVALID_ARGUMENT);
    sgp32_ipa_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enable_executed_reported_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_packages_in_one_go, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_package_then_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eim_package_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_eim_backs_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_kept_until_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unacknowledged_notification_delivered_alone, setup, teardown),
#ifdef SGP32_HAVE_JSON
        cmocka_unit_test_setup_teardown(test_json_binding, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_report_refused_by_eim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_retried_until_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_euicc_error_result_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_when_eim_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_eim_package, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_after_each_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_contexts_in_one_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbuildable_request_backs_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
