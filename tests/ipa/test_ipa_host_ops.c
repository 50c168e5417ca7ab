/* SPDX-License-Identifier: MIT */
/*
 * The IPA's immediate host operations (lib/ipa/proc_host_ops.c) and what the eIM learns of them:
 * fallback and return, emergency profile, memory reset, AddInitialEim on a card without eIM,
 * operations refused while a procedure is in flight, the state change (notifyStateChange with its
 * stateChangeCause) persisted across a restart, the rPLMN given by the host.
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

static const uint8_t ICCID_MAIN[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
static const uint8_t ICCID_FALLBACK[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x64, 0xF7};
static const uint8_t ICCID_EMERGENCY[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x74, 0xF8};

/* StateChangeCause (SGP.32 6.3.2.6). */
#define CAUSE_FALLBACK 1
#define CAUSE_EMERGENCY 2
#define CAUSE_RESET 4

static void enable_main(struct ipa_fixture *f)
{
    struct sgp32_es10 *es10 = NULL;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_enable_profile(es10, SGP32_ES10_PROFILE_ICCID, ICCID_MAIN, 10, 0), SGP32_OK);
    sgp32_es10_free(es10);
}

static int setup_with(void **state, const struct ipa_fixture_options *options)
{
    struct ipa_fixture *f = ipa_fixture_new(options);
    if (f == NULL)
        return -1;
    assert_int_equal(ipa_fixture_preload(f, ICCID_MAIN, 1, 0, NULL), SGP32_OK);
    assert_int_equal(ipa_fixture_preload(f, ICCID_FALLBACK, 2, 0x9F26, NULL), SGP32_OK);
    assert_int_equal(ipa_fixture_preload(f, ICCID_EMERGENCY, 3, 0x9F7B, NULL), SGP32_OK);
    enable_main(f);
    f->config.poll_interval_ms = 60000;
    f->config.retry_limit = 3;
    f->config.retry_initial_ms = 1000;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, NULL);
}

static int teardown(void **state)
{
    ipa_fixture_free(*state);
    return 0;
}

/* The IPA, started and idle. */
static void start(struct ipa_fixture *f)
{
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
}

/* The next GetEimPackage (asked at once) and its notifyStateChange / cause. */
static const struct ipa_eim_received *next_get_package(struct ipa_fixture *f)
{
    size_t before = ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    assert_true(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE) > before);
    return ipa_eim_last(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE);
}

static void test_fallback_and_return(void **state)
{
    struct ipa_fixture *f = *state;
    const struct ipa_eim_received *got;
    const struct sgp32_ipa_event *event;
    start(f);
    assert_int_equal(sgp32_ipa_execute_fallback(f->ipa), SGP32_OK);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_FALLBACK), 1);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_MAIN), 0);
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED);
    assert_non_null(event);
    assert_int_equal(event->code, CAUSE_FALLBACK);
    got = next_get_package(f);
    assert_true(got->notify_state_change);
    assert_int_equal(got->state_change_cause, CAUSE_FALLBACK);
    /* Told once: the next poll carries no state change. */
    sgp32_ipa_poll_eim_now(f->ipa);
    got = next_get_package(f);
    assert_false(got->notify_state_change);
    assert_int_equal(sgp32_ipa_return_from_fallback(f->ipa), SGP32_OK);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_MAIN), 1);
    got = next_get_package(f);
    assert_int_equal(got->state_change_cause, CAUSE_FALLBACK);
}

static void test_emergency_profile(void **state)
{
    struct ipa_fixture *f = *state;
    const struct ipa_eim_received *got;
    start(f);
    assert_int_equal(sgp32_ipa_enable_emergency_profile(f->ipa), SGP32_OK);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_EMERGENCY), 1);
    got = next_get_package(f);
    assert_int_equal(got->state_change_cause, CAUSE_EMERGENCY);
    assert_int_equal(sgp32_ipa_disable_emergency_profile(f->ipa), SGP32_OK);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_EMERGENCY), 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_MAIN), 1);
    /* Disabling it again: profileNotInEnabledState, nothing reported. */
    assert_int_equal(sgp32_ipa_disable_emergency_profile(f->ipa), SGP32_ERR_EUICC_RESULT);
    assert_non_null(strstr(sgp32_ipa_last_error(f->ipa), "DisableEmergencyProfile"));
}

static void test_refused_operation_changes_nothing(void **state)
{
    struct ipa_fixture *f = *state;
    start(f);
    /* Not in fallback: ReturnFromFallback answers an error and no state change is queued. */
    assert_int_equal(sgp32_ipa_return_from_fallback(f->ipa), SGP32_ERR_EUICC_RESULT);
    assert_int_equal(ipa_events_count(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED), 0);
    assert_null(ipa_storage_get(f->host.storage, "ipa.change", NULL));
    assert_true(sgp32_ipa_is_idle(f->ipa));
}

static void test_refused_while_busy(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_ipa_poll_result r;
    uint8_t *answer = NULL;
    size_t len = 0;
    static const uint8_t request[] = {0xBF, 0x57, 0x00};
    ipa_http_peer_set_latency(f->http, 5);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_int_equal(sgp32_ipa_poll(f->ipa, &r), SGP32_OK);
    assert_int_equal(r.activity, SGP32_IPA_WORKING); /* GetEimPackage in flight */
    assert_int_equal(sgp32_ipa_execute_fallback(f->ipa), SGP32_ERR_STATE);
    assert_int_equal(sgp32_ipa_enable_emergency_profile(f->ipa), SGP32_ERR_STATE);
    assert_int_equal(sgp32_ipa_memory_reset(f->ipa, SGP32_ES10_RESET_OPERATIONAL_PROFILES), SGP32_ERR_STATE);
    assert_int_equal(sgp32_ipa_add_initial_eim(f->ipa, request, sizeof(request), &answer, &len), SGP32_ERR_STATE);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_MAIN), 1);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    assert_int_equal(sgp32_ipa_execute_fallback(f->ipa), SGP32_OK);
    /* Bad arguments. */
    assert_int_equal(sgp32_ipa_add_initial_eim(f->ipa, NULL, 0, NULL, NULL), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_ipa_execute_fallback(NULL), SGP32_ERR_INVALID_ARGUMENT);
}

static void test_memory_reset_reported(void **state)
{
    struct ipa_fixture *f = *state;
    const struct ipa_eim_received *got;
    start(f);
    assert_int_equal(sgp32_ipa_memory_reset(f->ipa, SGP32_ES10_RESET_OPERATIONAL_PROFILES), SGP32_OK);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_MAIN), -1);
    got = next_get_package(f);
    assert_int_equal(got->state_change_cause, CAUSE_RESET);
}

static void test_state_change_survives_restart(void **state)
{
    struct ipa_fixture *f = *state;
    const struct ipa_eim_received *got;
    start(f);
    assert_int_equal(sgp32_ipa_execute_fallback(f->ipa), SGP32_OK);
    assert_non_null(ipa_storage_get(f->host.storage, "ipa.change", NULL));
    /* Power cut before the eIM heard of it. */
    assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
    got = next_get_package(f);
    assert_true(got->notify_state_change);
    assert_int_equal(got->state_change_cause, CAUSE_FALLBACK);
    assert_null(ipa_storage_get(f->host.storage, "ipa.change", NULL));
}

static void test_rplmn_and_network(void **state)
{
    struct ipa_fixture *f = *state;
    static const uint8_t rplmn[3] = {0x22, 0xF2, 0x10}; /* MCC 222, MNC 01 */
    struct sgp32_ipa_poll_result r;
    const struct ipa_eim_received *got;
    size_t before;
    start(f);
    /* Network down: nothing asked, even when due. */
    assert_int_equal(sgp32_ipa_network_changed(f->ipa, 0, NULL), SGP32_OK);
    before = ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE);
    ipa_clock_advance(&f->host.clock, 120000);
    assert_int_equal(sgp32_ipa_poll(f->ipa, &r), SGP32_OK);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), before);
    /* Up again, on a network: asked at once, with the rPLMN. */
    assert_int_equal(sgp32_ipa_network_changed(f->ipa, 1, rplmn), SGP32_OK);
    got = next_get_package(f);
    assert_true(got->has_rplmn);
    assert_memory_equal(got->rplmn, rplmn, 3);
}

static int setup_without_eim(void **state)
{
    struct ipa_fixture_options options;
    memset(&options, 0, sizeof(options));
    options.no_initial_eim = 1;
    return setup_with(state, &options);
}

static void test_add_initial_eim_then_poll(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer request = {NULL, 0};
    uint8_t *answer = NULL;
    size_t len = 0;
    start(f);
    assert_false(sgp32_ipa_has_eim(f->ipa));
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_NONE), 0);
    assert_int_equal(ipa_fixture_eim_configuration(f, NULL, 1, 1, &request), SGP32_OK);
    assert_int_equal(sgp32_ipa_add_initial_eim(f->ipa, request.data, request.len, &answer, &len), SGP32_OK);
    assert_non_null(answer);
    assert_int_equal(answer[0], 0xBF);
    assert_int_equal(answer[1], 0x57);
    assert_true(sgp32_ipa_has_eim(f->ipa));
    sgp32_buffer_free(answer);
    sgp32_eim_buffer_free(&request);
    /* The new eIM is asked at once. */
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fallback_and_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emergency_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_operation_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_while_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_reset_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_change_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rplmn_and_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_initial_eim_then_poll, setup_without_eim, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
