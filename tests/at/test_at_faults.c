/* SPDX-License-Identifier: MIT */
/* Faults on the AT path, in both modes: a silent modem (every command ends at its own deadline, the
 * STORE DATA one being longer), garbage lines and malformed answers, a modem that reboots in the
 * middle of a multi-block command, a line that vanishes (USB modem reset), a refused channel open
 * (+CME ERROR). Nothing may hang and the session must recover once the modem is back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "at_fixture.h"

#define COMMAND_TIMEOUT_MS 300u
#define STORE_DATA_TIMEOUT_MS 900u

static const enum sgp32_at_mode modes[] = {SGP32_AT_MODE_CCHO, SGP32_AT_MODE_CSIM};

static const char *apdu_command(enum sgp32_at_mode mode)
{
    return mode == SGP32_AT_MODE_CCHO ? "AT+CGLA" : "AT+CSIM";
}

static struct modem_quirks quirks_none(void)
{
    struct modem_quirks q;
    memset(&q, 0, sizeof(q));
    return q;
}

static void start_connected(struct at_fixture *f, enum sgp32_at_mode mode)
{
    at_fixture_start(f, NULL, mode, COMMAND_TIMEOUT_MS, STORE_DATA_TIMEOUT_MS);
    assert_int_equal(sgp32_es10_connect(f->session), SGP32_OK);
    at_check_eid(f->session);
}

/* A modem that never answers: opening fails at the first command's deadline. */
static void test_silent_modem_at_open(void **state)
{
    struct modem_quirks q = quirks_none();
    struct sgp32_at_options options;
    struct modem_emulator *em = NULL;
    struct sgp32_at *at = NULL;
    uint64_t start, elapsed;
    (void)state;
    q.silent = 1;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.command_timeout_ms = COMMAND_TIMEOUT_MS;
    assert_int_equal(modem_emulator_start_pty(at_test_eid, &q, &em), 0);
    start = at_test_now_ms();
    assert_int_equal(sgp32_at_open_path(modem_emulator_tty(em), &options, &at), SGP32_ERR_TIMEOUT);
    elapsed = at_test_now_ms() - start;
    assert_null(at);
    assert_true(elapsed >= COMMAND_TIMEOUT_MS - 20 && elapsed < COMMAND_TIMEOUT_MS + 2000);
    modem_emulator_stop(em);
}

/* The modem goes silent in the middle of a session: a STORE DATA ends at the STORE DATA deadline,
 * other commands (channel close/open) at the command deadline; once the modem answers again, the
 * session connects again. */
static void test_silent_modem_mid_session(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct modem_quirks q = quirks_none();
        struct at_fixture f;
        uint8_t *answer = NULL;
        size_t len = 0;
        uint64_t start, elapsed;
        start_connected(&f, modes[i]);
        q.silent = 1;
        modem_emulator_set_quirks(f.em, &q);

        start = at_test_now_ms();
        assert_int_equal(sgp32_es10_transceive(f.session, at_get_eid, sizeof(at_get_eid), &answer, &len),
                         SGP32_ERR_TIMEOUT);
        elapsed = at_test_now_ms() - start;
        assert_null(answer);
        assert_true(elapsed >= STORE_DATA_TIMEOUT_MS - 20 && elapsed < STORE_DATA_TIMEOUT_MS + 2000);
        assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_ERR_TIMEOUT);
        assert_string_equal(sgp32_es10_last_error(f.session)->step, "store data");
        assert_int_equal(sgp32_at_last_error(f.at)->status, SGP32_ERR_TIMEOUT);
        assert_string_equal(sgp32_at_last_error(f.at)->command, apdu_command(modes[i]));

        /* Reconnecting: the channel close and the open each time out at the command deadline. */
        start = at_test_now_ms();
        assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_TIMEOUT);
        elapsed = at_test_now_ms() - start;
        assert_true(elapsed >= COMMAND_TIMEOUT_MS - 20 && elapsed < 2 * COMMAND_TIMEOUT_MS + 2000);

        /* A plain AT command too. */
        start = at_test_now_ms();
        assert_int_equal(sgp32_at_command(f.at, "AT", NULL, 0, 0), SGP32_ERR_TIMEOUT);
        elapsed = at_test_now_ms() - start;
        assert_true(elapsed >= COMMAND_TIMEOUT_MS - 20 && elapsed < COMMAND_TIMEOUT_MS + 2000);

        q.silent = 0;
        modem_emulator_set_quirks(f.em, &q);
        assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
        at_check_eid(f.session);
        at_fixture_stop(&f);
    }
}

/* GetEID with the modem under quirks q: `expected`, never a made-up answer. */
static void eid_fails(struct at_fixture *f, const struct modem_quirks *q, enum sgp32_status expected)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    modem_emulator_set_quirks(f->em, q);
    assert_int_equal(sgp32_es10_transceive(f->session, at_get_eid, sizeof(at_get_eid), &answer, &len), expected);
    assert_null(answer);
}

/* Binary garbage among the answer lines, or a malformed hex answer: a protocol error, never a
 * made-up response; the session works again once the line is clean. */
static void test_garbage(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct modem_quirks q = quirks_none();
        struct at_fixture f;
        start_connected(&f, modes[i]);

        q.garbage = 1;
        eid_fails(&f, &q, SGP32_ERR_PROTOCOL);
        assert_int_equal(sgp32_at_last_error(f.at)->status, SGP32_ERR_PROTOCOL);

        q.garbage = 0;
        q.garbage_answer = 1;
        eid_fails(&f, &q, SGP32_ERR_PROTOCOL);
        assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_ERR_PROTOCOL);

        q.garbage_answer = 0;
        modem_emulator_set_quirks(f.em, &q);
        at_check_eid(f.session);
        at_fixture_stop(&f);
    }
}

/* The modem reboots while the second STORE DATA block of a 3-block command is in flight: the block
 * is never answered (deadline), the card lost its channels; connecting again recovers. */
static void test_modem_reboot_mid_command(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct modem_quirks q = quirks_none();
        struct at_fixture f;
        uint64_t start, elapsed;
        unsigned before;
        start_connected(&f, modes[i]);
        before = modem_emulator_count(f.em, apdu_command(modes[i]));
        q.reboot_after = 2;
        modem_emulator_set_quirks(f.em, &q);

        start = at_test_now_ms();
        assert_int_equal(at_send_long_request(f.session), SGP32_ERR_TIMEOUT);
        elapsed = at_test_now_ms() - start;
        assert_true(elapsed >= STORE_DATA_TIMEOUT_MS - 20 && elapsed < STORE_DATA_TIMEOUT_MS + 2000);
        assert_int_equal(modem_emulator_count(f.em, apdu_command(modes[i])) - before, 2);
        assert_string_equal(sgp32_es10_last_error(f.session)->step, "store data");

        assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
        at_check_eid(f.session);
        assert_int_equal(at_send_long_request(f.session), SGP32_OK);
        at_fixture_stop(&f);
    }
}

/* The line vanishes mid-command (a USB modem resetting takes its tty with it): a transport error at
 * once, not at the deadline, and again for every later command. */
static void test_line_hangup_mid_command(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct modem_quirks q = quirks_none();
        struct at_fixture f;
        uint64_t start, elapsed;
        start_connected(&f, modes[i]);
        q.hangup_after = 2;
        modem_emulator_set_quirks(f.em, &q);

        start = at_test_now_ms();
        assert_int_equal(at_send_long_request(f.session), SGP32_ERR_TRANSPORT);
        elapsed = at_test_now_ms() - start;
        assert_true(elapsed < STORE_DATA_TIMEOUT_MS - 100);
        assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_ERR_TRANSPORT);
        assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_TRANSPORT);
        at_fixture_stop(&f);
    }
}

/* The modem refuses the channel: +CME ERROR with its code kept for the caller. */
static void test_channel_open_refused(void **state)
{
    struct modem_quirks q = quirks_none();
    struct at_fixture f;
    (void)state;
    q.refuse_ccho = 3; /* operation not allowed */
    at_fixture_start(&f, &q, SGP32_AT_MODE_CCHO, COMMAND_TIMEOUT_MS, STORE_DATA_TIMEOUT_MS);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_TRANSPORT);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "open logical channel");
    assert_int_equal(sgp32_at_last_error(f.at)->status, SGP32_ERR_TRANSPORT);
    assert_int_equal(sgp32_at_last_error(f.at)->cme_error, 3);
    assert_int_equal(sgp32_at_last_error(f.at)->cms_error, -1);
    assert_string_equal(sgp32_at_last_error(f.at)->command, "AT+CCHO");
    assert_string_equal(sgp32_at_last_error(f.at)->final_line, "+CME ERROR: 3");

    /* The modem accepts again: the session opens, and the error detail is cleared. */
    q.refuse_ccho = 0;
    modem_emulator_set_quirks(f.em, &q);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_int_equal(sgp32_at_last_error(f.at)->status, SGP32_OK);
    assert_int_equal(sgp32_at_last_error(f.at)->cme_error, -1);
    at_check_eid(f.session);
    at_fixture_stop(&f);
}

/* The card is removed during a session: SGP32_ERR_NO_CARD (CME 10) in both modes; once it is back,
 * the session connects again (the card was reset: its channels are gone). */
static void test_card_removed(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct modem_quirks q = quirks_none();
        struct at_fixture f;
        start_connected(&f, modes[i]);
        q.sim_removed = 1;
        eid_fails(&f, &q, SGP32_ERR_NO_CARD);
        assert_int_equal(sgp32_at_last_error(f.at)->cme_error, 10);
        assert_int_equal(sgp32_es10_connect(f.session), SGP32_ERR_NO_CARD);

        q.sim_removed = 0;
        modem_emulator_set_quirks(f.em, &q);
        assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
        at_check_eid(f.session);
        at_fixture_stop(&f);
    }
}

/* A session id the modem does not know (the modem rebooted and forgot it): +CME ERROR. */
static void test_stale_session_id(void **state)
{
    static const uint8_t select_mf[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t len = 0;
    struct at_fixture f;
    (void)state;
    at_fixture_start(&f, NULL, SGP32_AT_MODE_CCHO, COMMAND_TIMEOUT_MS, STORE_DATA_TIMEOUT_MS);
    assert_int_equal(f.transport.ops->transmit_on_channel(f.transport.user, 7, select_mf, sizeof(select_mf), response,
                                                          sizeof(response), &len, 1000),
                     SGP32_ERR_TRANSPORT);
    assert_int_equal(sgp32_at_last_error(f.at)->cme_error, 21);
    assert_int_equal(len, 0);
    /* Malformed APDUs never reach the modem. */
    assert_int_equal(f.transport.ops->transmit(f.transport.user, select_mf, 3, response, sizeof(response), &len, 1000),
                     SGP32_ERR_INVALID_ARGUMENT);
    at_fixture_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silent_modem_at_open),
        cmocka_unit_test(test_silent_modem_mid_session),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_modem_reboot_mid_command),
        cmocka_unit_test(test_line_hangup_mid_command),
        cmocka_unit_test(test_channel_open_refused),
        cmocka_unit_test(test_card_removed),
        cmocka_unit_test(test_stale_session_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
