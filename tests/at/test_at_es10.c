/* SPDX-License-Identifier: MIT */
/* The ES10 session over the AT transport, through a real pty to the modem emulator in front of the
 * software eUICC: each modem quirk switched on in CCHO/CGLA mode (the modem owns the channel) and in
 * CSIM mode (MANAGE CHANNEL and SELECT by lib/es10), with the shared ES10 conformance suite
 * (tests/conformance) run through the quirky modem, and AUTO mode resolution. The plain modem's
 * conformance runs are tests/conformance/test_conformance_at.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "at_fixture.h"
#include "conformance_card.h"
#include "es10_conformance.h"

/* The conformance card's identity (a test PKI for at_test_eid), made once for all tests. */
static struct conformance_card identity;

/* The shared conformance suite through the modem (its report equals the reference of every path),
 * every channel closed again; then the fixture's session connects for the path-specific checks.
 * `apdu_command` is the AT command that must have carried the APDUs. */
static void conformance(struct at_fixture *f, const char *apdu_command)
{
    assert_int_equal(es10_conformance_check_path(&f->transport, at_test_eid, identity.curve_dir,
                                                 CONFORMANCE_EXPECTED_REPORT, apdu_command),
                     0);
    assert_true(modem_emulator_count(f->em, apdu_command) >= 3);
    assert_int_equal(modem_emulator_open_sessions(f->em), 0);
    assert_int_equal(sgp32_es10_connect(f->session), SGP32_OK);
    at_check_eid(f->session);
}

static void run_ccho(const struct modem_quirks *quirks)
{
    struct at_fixture f;
    unsigned closed;
    at_fixture_start_identity(&f, &identity.identity, quirks, SGP32_AT_MODE_CCHO, 2000, 5000);
    assert_true(f.transport.ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS);
    conformance(&f, "AT+CGLA");
    /* The handle is the modem's session id; the modem, not the transport, set the CLA channel bits. */
    if (quirks != NULL && quirks->hex_session_ids)
        assert_int_equal(sgp32_es10_channel(f.session), 0x0385A701u);
    else
        assert_int_equal(sgp32_es10_channel(f.session), (quirks != NULL ? quirks->session_base : 0) + 1);
    assert_int_equal(modem_emulator_last_cla(f.em), 0x81);
    assert_int_equal(modem_emulator_count(f.em, "AT+CSIM"), 0);
    assert_int_equal(modem_emulator_open_sessions(f.em), 1);
    closed = modem_emulator_count(f.em, "AT+CCHC");
    sgp32_es10_disconnect(f.session);
    assert_int_equal(modem_emulator_open_sessions(f.em), 0);
    assert_int_equal(modem_emulator_count(f.em, "AT+CCHC"), closed + 1);
    at_fixture_stop(&f);
}

static void run_csim(const struct modem_quirks *quirks)
{
    struct at_fixture f;
    at_fixture_start_identity(&f, &identity.identity, quirks, SGP32_AT_MODE_CSIM, 2000, 5000);
    assert_int_equal(f.transport.ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS, 0);
    conformance(&f, "AT+CSIM");
    assert_int_equal(sgp32_es10_channel(f.session), 1);
    assert_int_equal(modem_emulator_last_cla(f.em), 0x81);
    assert_int_equal(modem_emulator_count(f.em, "AT+CCHO"), 0);
    assert_int_equal(modem_emulator_count(f.em, "AT+CGLA"), 0);
    at_fixture_stop(&f);
}

static struct modem_quirks quirks_none(void)
{
    struct modem_quirks q;
    memset(&q, 0, sizeof(q));
    return q;
}

static void test_echo_on(void **state)
{
    struct modem_quirks q = quirks_none();
    (void)state;
    q.echo = 1;
    run_ccho(&q);
    run_csim(&q);
}

/* 27.007's own +CCHO answer is the bare session id; it works like the prefixed one. */
static void test_bare_ccho_answer(void **state)
{
    struct modem_quirks q = quirks_none();
    (void)state;
    q.bare_ccho = 1;
    run_ccho(&q);
}

/* The session id is not a channel number: it is passed back to +CGLA/+CCHC unchanged. */
static void test_session_id_is_not_channel(void **state)
{
    struct modem_quirks q = quirks_none();
    (void)state;
    q.session_base = 1000;
    run_ccho(&q);
    q.bare_ccho = 1;
    q.session_base = 4000000000u;
    run_ccho(&q);
    /* Ids printed as 16 hex digits go back to the modem exactly as printed. */
    q.bare_ccho = 0;
    q.session_base = 0;
    q.hex_session_ids = 1;
    run_ccho(&q);
}

/* +CSIM / +CGLA answers without their prefix. */
static void test_bare_apdu_answers(void **state)
{
    struct modem_quirks q = quirks_none();
    (void)state;
    q.bare_apdu = 1;
    q.bare_ccho = 1;
    run_ccho(&q);
    run_csim(&q);
}

/* Modems that refuse lower-case hex: the transport always sends upper case. */
static void test_uppercase_only(void **state)
{
    struct modem_quirks q = quirks_none();
    struct at_fixture f;
    (void)state;
    q.uppercase_only = 1;
    run_ccho(&q);
    run_csim(&q);
    /* The emulator does refuse lower case (so the runs above prove something). */
    at_fixture_start(&f, &q, SGP32_AT_MODE_CSIM, 2000, 5000);
    assert_int_equal(sgp32_at_command(f.at, "AT+CSIM=14,\"00a40000023f00\"", NULL, 0, 0), SGP32_ERR_TRANSPORT);
    assert_string_equal(sgp32_at_last_error(f.at)->final_line, "ERROR");
    at_fixture_stop(&f);
}

static void test_urcs_interleaved(void **state)
{
    struct modem_quirks q = quirks_none();
    struct at_fixture f;
    (void)state;
    q.urc_before = 1;
    q.urc_after = 1;
    q.echo = 1;
    run_ccho(&q);
    run_csim(&q);
    at_fixture_start(&f, &q, SGP32_AT_MODE_CCHO, 2000, 5000);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    at_check_eid(f.session);
    assert_true(sgp32_at_urc_count(f.at) >= 3);
    assert_true(strcmp(sgp32_at_last_urc(f.at), "+CREG: 1") == 0 ||
                strcmp(sgp32_at_last_urc(f.at), "+CIEV: \"signal\",3") == 0);
    at_fixture_stop(&f);
}

/* Echo switched on and off in the middle of a session (ATE1 / ATE0). */
static void test_echo_switched_mid_session(void **state)
{
    struct at_fixture f;
    (void)state;
    at_fixture_start(&f, NULL, SGP32_AT_MODE_CCHO, 2000, 5000);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_int_equal(sgp32_at_command(f.at, "ATE1", NULL, 0, 0), SGP32_OK);
    at_check_eid(f.session);
    assert_int_equal(at_send_long_request(f.session), SGP32_OK);
    assert_int_equal(sgp32_at_command(f.at, "ATE0", NULL, 0, 0), SGP32_OK);
    at_check_eid(f.session);
    at_fixture_stop(&f);
}

/* AUTO mode picks CCHO where the modem has it and falls back to CSIM where it does not. */
static void test_auto_mode(void **state)
{
    struct modem_quirks q = quirks_none();
    struct at_fixture f;
    (void)state;
    at_fixture_start_identity(&f, &identity.identity, &q, SGP32_AT_MODE_AUTO, 2000, 5000);
    assert_int_equal(sgp32_at_active_mode(f.at), SGP32_AT_MODE_CCHO);
    conformance(&f, "AT+CGLA");
    at_fixture_stop(&f);

    q.no_ccho = 1;
    at_fixture_start_identity(&f, &identity.identity, &q, SGP32_AT_MODE_AUTO, 2000, 5000);
    assert_int_equal(sgp32_at_active_mode(f.at), SGP32_AT_MODE_CSIM);
    conformance(&f, "AT+CSIM");
    at_fixture_stop(&f);
}

/* Several ES10 sessions over one modem: each gets its own +CCHO session. */
static void test_two_sessions(void **state)
{
    struct sgp32_es10 *second = NULL;
    struct at_fixture f;
    (void)state;
    at_fixture_start(&f, NULL, SGP32_AT_MODE_CCHO, 2000, 5000);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &second), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(second), SGP32_OK);
    assert_int_not_equal(sgp32_es10_channel(f.session), sgp32_es10_channel(second));
    assert_int_equal(modem_emulator_open_sessions(f.em), 2);
    at_check_eid(second);
    at_check_eid(f.session);
    sgp32_es10_free(second);
    assert_int_equal(modem_emulator_open_sessions(f.em), 1);
    at_fixture_stop(&f);
}

static int make_identity(void **state)
{
    (void)state;
    return conformance_card_init(&identity, at_test_eid);
}

static int remove_identity(void **state)
{
    (void)state;
    conformance_card_cleanup(&identity);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_on),
        cmocka_unit_test(test_bare_ccho_answer),
        cmocka_unit_test(test_session_id_is_not_channel),
        cmocka_unit_test(test_bare_apdu_answers),
        cmocka_unit_test(test_uppercase_only),
        cmocka_unit_test(test_urcs_interleaved),
        cmocka_unit_test(test_echo_switched_mid_session),
        cmocka_unit_test(test_auto_mode),
        cmocka_unit_test(test_two_sessions),
    };
    return cmocka_run_group_tests(tests, make_identity, remove_identity);
}
