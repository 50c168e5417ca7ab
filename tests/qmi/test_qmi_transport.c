/* SPDX-License-Identifier: MIT */
/* ES10 over QMI: lib/es10 sessions through the QMI transport (transports/qmi) to a fake QMUX device
 * (socketpair + thread) in front of a software eUICC: what is specific to QMI (client ids, slots, the
 * basic channel, framing), then every device fault: each ends in a clear error within its deadline,
 * and the link works again once the fault is gone. The ES10-level checks (long requests and answers,
 * status words, five and more channels) run in the shared suite: tests/conformance. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fake_qmi_device.h"
#include "es10_conformance.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_qmi.h"

#define APDU_TIMEOUT_MS 400u
/* A fault must end well before this (deadline + scheduling slack on a loaded machine). */
#define FAULT_BOUND_MS 3000u

static const uint8_t test_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x00, 0x11, 0x22, 0x33,
                                     0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0x00, 0x40};
/* GetEuiccDataRequest { tagList 5A } -> GetEuiccDataResponse { eidValue } */
static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};

struct fixture {
    struct fake_qmi_device *device;
    int fd;
    struct sgp32_qmi *qmi;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Starts the device (card in device_slot) and a QMI transport for transport_slot (0: default). */
static void start(struct fixture *f, uint8_t device_slot, uint8_t transport_slot)
{
    struct fake_qmi_config config;
    struct sgp32_qmi_options options;
    memset(f, 0, sizeof(*f));
    memset(&config, 0, sizeof(config));
    config.slot = device_slot;
    config.eid = test_eid;
    assert_int_equal(fake_qmi_device_start(&config, &f->device, &f->fd), 0);
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.slot = transport_slot;
    options.close_timeout_ms = 300;
    assert_int_equal(sgp32_qmi_new_fd(f->fd, &options, &f->qmi), SGP32_OK);
    sgp32_qmi_transport(f->qmi, &f->transport);
    assert_int_equal(f->transport.ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS, SGP32_TRANSPORT_OWNS_CHANNELS);
}

static void open_transport(struct fixture *f)
{
    assert_int_equal(f->transport.ops->open(f->transport.user, NULL, 0, NULL, 2000), SGP32_OK);
    assert_int_not_equal(sgp32_qmi_client_id(f->qmi), 0);
}

static void new_session(struct fixture *f)
{
    struct sgp32_es10_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.apdu_timeout_ms = APDU_TIMEOUT_MS;
    assert_int_equal(sgp32_es10_new(&f->transport, &options, &f->session), SGP32_OK);
}

static void connect_session(struct fixture *f)
{
    open_transport(f);
    new_session(f);
    assert_int_equal(sgp32_es10_connect(f->session), SGP32_OK);
}

static void stop(struct fixture *f)
{
    sgp32_es10_free(f->session);
    sgp32_qmi_free(f->qmi);
    fake_qmi_device_stop(f->device);
}

static void check_eid(struct sgp32_es10 *session)
{
    assert_true(es10_conformance_eid_matches(session, test_eid));
}

/* Runs GetEID under a fault: returns its status, checks that it took less than FAULT_BOUND_MS. */
static enum sgp32_status eid_under_fault(struct fixture *f, enum fake_qmi_fault fault)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    uint64_t start_ms;
    enum sgp32_status st;
    fake_qmi_device_set_fault(f->device, fault, 0);
    start_ms = now_ms();
    st = sgp32_es10_transceive(f->session, get_eid, sizeof(get_eid), &answer, &len);
    assert_true(now_ms() - start_ms < FAULT_BOUND_MS);
    assert_null(answer);
    fake_qmi_device_set_fault(f->device, FAKE_QMI_FAULT_NONE, 0);
    return st;
}

static void test_get_eid_and_clean_release(void **state)
{
    struct fake_qmi_counters counters;
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    connect_session(&f);
    assert_true(sgp32_es10_channel(f.session) >= 1);
    check_eid(f.session);
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.clients, 1);
    assert_int_equal(counters.channels, 1);
    assert_int_equal(counters.cla_mismatches, 0);
    /* The session closes its channel (UIM Logical Channel), free releases the client id (CTL). */
    sgp32_es10_free(f.session);
    f.session = NULL;
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.channels, 0);
    sgp32_qmi_free(f.qmi);
    f.qmi = NULL;
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.clients, 0);
    stop(&f);
}

/* The slot option: the card sits in slot 2; slot 2 works, the default slot 1 is refused by the modem
 * with its QMI error kept in the detail. */
static void test_slot_option(void **state)
{
    struct fixture f;
    (void)state;
    start(&f, 2, 2);
    connect_session(&f);
    check_eid(f.session);
    stop(&f);

    start(&f, 2, 0);
    open_transport(&f);
    new_session(&f);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_TRANSPORT);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "open logical channel");
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->status, SGP32_ERR_TRANSPORT);
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->message, 0x0042);
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->qmi_error, SGP32_QMI_ERR_INVALID_ARGUMENT);
    stop(&f);
}

/* transmit() without a channel: Send APDU on the basic channel (MANAGE CHANNEL open and close). */
static void test_basic_channel_transmit(void **state)
{
    static const uint8_t manage_open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    uint8_t manage_close[] = {0x00, 0x70, 0x80, 0x00};
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t len = 0;
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    open_transport(&f);
    assert_int_equal(f.transport.ops->transmit(f.transport.user, manage_open, sizeof(manage_open), response,
                                               sizeof(response), &len, 1000),
                     SGP32_OK);
    assert_int_equal(len, 3);
    assert_true(response[0] >= 1);
    assert_int_equal(response[1], 0x90);
    assert_int_equal(response[2], 0x00);
    manage_close[3] = response[0];
    assert_int_equal(f.transport.ops->transmit(f.transport.user, manage_close, sizeof(manage_close), response,
                                               sizeof(response), &len, 1000),
                     SGP32_OK);
    assert_int_equal(len, 2);
    assert_int_equal(response[0], 0x90);
    /* A caller buffer too small for the answer is refused, not overrun. */
    assert_int_equal(
        f.transport.ops->transmit(f.transport.user, manage_open, sizeof(manage_open), response, 2, &len, 1000),
        SGP32_ERR_BUFFER_TOO_SMALL);
    stop(&f);
}

/* Indications, another client's answer with the same transaction id and a CTL broadcast arrive before
 * every answer (partly in one read): all are skipped. */
static void test_indications_interleaved(void **state)
{
    struct fake_qmi_counters counters;
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_INDICATIONS, 0);
    connect_session(&f);
    check_eid(f.session);
    fake_qmi_device_counters(f.device, &counters);
    assert_true(counters.indications_sent >= 12);
    stop(&f);
}

/* Answers split over several reads (cdc-wdm is a stream when messages queue up): joined by the QMUX
 * length. */
static void test_split_frames_are_joined(void **state)
{
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_SPLIT, 0);
    connect_session(&f);
    check_eid(f.session);
    stop(&f);
}

/* A silent modem: the client id allocation times out. */
static void test_silent_device_at_open(void **state)
{
    struct fixture f;
    uint64_t start_ms;
    (void)state;
    start(&f, 1, 0);
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_SILENT, 0);
    start_ms = now_ms();
    assert_int_equal(f.transport.ops->open(f.transport.user, NULL, 0, NULL, 300), SGP32_ERR_TIMEOUT);
    assert_true(now_ms() - start_ms >= 290);
    assert_true(now_ms() - start_ms < FAULT_BOUND_MS);
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->message, 0x0022);
    assert_int_equal(sgp32_qmi_client_id(f.qmi), 0);
    stop(&f);
}

/* A silent modem during an ES10 command: timeout, then the link works again. */
static void test_silent_device_during_command(void **state)
{
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    connect_session(&f);
    assert_int_equal(eid_under_fault(&f, FAKE_QMI_FAULT_SILENT), SGP32_ERR_TIMEOUT);
    assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_ERR_TIMEOUT);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "store data");
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->message, 0x003B);
    check_eid(f.session);
    stop(&f);
}

/* One fault during GetEID on a connected session: `expected` within bound_ms, a reason naming the
 * fault, then the link works again. */
static void check_fault(enum fake_qmi_fault fault, enum sgp32_status expected, const char *reason, uint64_t bound_ms)
{
    struct fixture f;
    uint64_t start_ms;
    start(&f, 1, 0);
    connect_session(&f);
    start_ms = now_ms();
    assert_int_equal(eid_under_fault(&f, fault), expected);
    assert_true(now_ms() - start_ms < bound_ms);
    assert_non_null(strstr(sgp32_qmi_last_error(f.qmi)->reason, reason));
    check_eid(f.session);
    stop(&f);
}

/* Answers with a wrong transaction id are never taken for ours: timeout, naming what arrived. */
static void test_wrong_transaction_id(void **state)
{
    (void)state;
    check_fault(FAKE_QMI_FAULT_WRONG_TID, SGP32_ERR_TIMEOUT, "transaction id", FAULT_BOUND_MS);
}

/* A frame shorter than its QMUX length: the rest never comes, the wait ends at the deadline. */
static void test_truncated_frame(void **state)
{
    (void)state;
    check_fault(FAKE_QMI_FAULT_TRUNCATED, SGP32_ERR_TIMEOUT, "incomplete", FAULT_BOUND_MS);
}

/* Bytes that are no QMUX frame: a protocol error at once, not a wait (before the APDU deadline). */
static void test_garbage_frame(void **state)
{
    (void)state;
    check_fault(FAKE_QMI_FAULT_GARBAGE, SGP32_ERR_PROTOCOL, "garbage", APDU_TIMEOUT_MS);
}

/* A TLV running past the end of its message. */
static void test_malformed_tlv(void **state)
{
    (void)state;
    check_fault(FAKE_QMI_FAULT_BAD_TLV, SGP32_ERR_PROTOCOL, "malformed", FAULT_BOUND_MS);
}

/* The modem refuses the channel: SGP32_ERR_TRANSPORT with QMI_ERR_INSUFFICIENT_RESOURCES kept. */
static void test_open_channel_refused(void **state)
{
    struct fake_qmi_counters counters;
    struct fixture f;
    (void)state;
    start(&f, 1, 0);
    open_transport(&f);
    new_session(&f);
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_OPEN_ERROR, SGP32_QMI_ERR_INSUFFICIENT_RESOURCES);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_TRANSPORT);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "open logical channel");
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->status, SGP32_ERR_TRANSPORT);
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->message, 0x0042);
    assert_int_equal(sgp32_qmi_last_error(f.qmi)->qmi_error, SGP32_QMI_ERR_INSUFFICIENT_RESOURCES);
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.channels, 0);
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_NONE, 0);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    check_eid(f.session);
    stop(&f);
}

/* The device goes away in the middle of a command (modem reset, USB unplugged): a transport error at
 * once, and every later call fails fast too (no hang in close or free). */
static void test_device_closes_mid_command(void **state)
{
    struct fixture f;
    uint64_t start_ms;
    (void)state;
    start(&f, 1, 0);
    connect_session(&f);
    start_ms = now_ms();
    fake_qmi_device_set_fault(f.device, FAKE_QMI_FAULT_CLOSE_MID_COMMAND, 0);
    {
        uint8_t *answer = NULL;
        size_t len = 0;
        assert_int_equal(sgp32_es10_transceive(f.session, get_eid, sizeof(get_eid), &answer, &len),
                         SGP32_ERR_TRANSPORT);
        assert_null(answer);
    }
    assert_true(now_ms() - start_ms < APDU_TIMEOUT_MS);
    assert_string_equal(sgp32_qmi_last_error(f.qmi)->reason, "device closed");
    start_ms = now_ms();
    sgp32_es10_free(f.session);
    f.session = NULL;
    sgp32_qmi_free(f.qmi);
    f.qmi = NULL;
    assert_true(now_ms() - start_ms < APDU_TIMEOUT_MS);
    stop(&f);
}

static void test_bad_arguments(void **state)
{
    struct sgp32_qmi *qmi = (struct sgp32_qmi *)&qmi;
    struct sgp32_qmi_options options;
    (void)state;
    assert_int_equal(sgp32_qmi_new_fd(-1, NULL, &qmi), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(qmi);
    memset(&options, 0, sizeof(options));
    options.size = 1;
    assert_int_equal(sgp32_qmi_new_fd(0, &options, &qmi), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_qmi_new_device("/nonexistent/cdc-wdm9", NULL, &qmi), SGP32_ERR_NOT_FOUND);
    assert_null(qmi);
    sgp32_qmi_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_eid_and_clean_release),
        cmocka_unit_test(test_slot_option),
        cmocka_unit_test(test_basic_channel_transmit),
        cmocka_unit_test(test_indications_interleaved),
        cmocka_unit_test(test_split_frames_are_joined),
        cmocka_unit_test(test_silent_device_at_open),
        cmocka_unit_test(test_silent_device_during_command),
        cmocka_unit_test(test_wrong_transaction_id),
        cmocka_unit_test(test_truncated_frame),
        cmocka_unit_test(test_garbage_frame),
        cmocka_unit_test(test_malformed_tlv),
        cmocka_unit_test(test_open_channel_refused),
        cmocka_unit_test(test_device_closes_mid_command),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
