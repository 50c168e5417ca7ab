/* SPDX-License-Identifier: MIT */
/*
 * A modem reset in the middle of a real profile download over AT, in CCHO/CGLA and in CSIM mode: the
 * modem emulator reboots on the N-th AT command of the download (no answer, the card is reset, "RDY"
 * follows). N runs over the download: the last PrepareDownload block, the first BPP block
 * (BF36 + BF23), and blocks a quarter, half, three quarters in and the very last one. Each time the
 * download must fail within the STORE DATA deadline (never hang), sgp32_es10_connect() must recover
 * the session, GetProfilesInfo must show no profile, and a second download must install it.
 * The download is the conformance suite's (SM-DP+ from examples/servers/smdp, the BPP loader).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "at_fixture.h"
#include "conformance_card.h"
#include "download_reset_points.h"
#include "es10_conformance.h"

#define COMMAND_TIMEOUT_MS 1000u
#define STORE_DATA_TIMEOUT_MS 2000u
/* Scheduling slack on a loaded machine; a hang would be far beyond. */
#define SLACK_MS 2000u

static struct conformance_card card;

/* Counts AT command lines when the BPP loader starts. */
struct marker {
    struct modem_emulator *em;
    unsigned at_bpp;
};

static void mark_bpp(void *user)
{
    struct marker *marker = user;
    marker->at_bpp = modem_emulator_count(marker->em, "");
}

static void start(struct at_fixture *f, enum sgp32_at_mode mode)
{
    at_fixture_start_identity(f, &card.identity, NULL, mode, COMMAND_TIMEOUT_MS, STORE_DATA_TIMEOUT_MS);
    assert_int_equal(sgp32_es10_connect(f->session), SGP32_OK);
}

/* A download that must succeed; the profile is then the only one. */
static void download_ok(struct at_fixture *f)
{
    uint8_t iccid[10];
    const char *step = "";
    int success = 0, count = -1;
    enum sgp32_status st = es10_conformance_download(f->session, card.curve_dir, NULL, NULL, iccid, &success, &step);
    if (st != SGP32_OK || !success)
        fail_msg("download: %s at %s", sgp32_status_name(st), step);
    assert_int_equal(es10_conformance_profile_count(f->session, &count), SGP32_OK);
    assert_int_equal(count, 1);
}

/* The commands of a whole download, and how many come before the BPP, on a fresh card. */
static void measure(enum sgp32_at_mode mode, unsigned *before_bpp, unsigned *total, uint64_t *duration_ms)
{
    struct at_fixture f;
    struct marker marker;
    unsigned start_count;
    uint64_t started;
    uint8_t iccid[10];
    const char *step = "";
    int success = 0;
    enum sgp32_status st;
    start(&f, mode);
    marker.em = f.em;
    start_count = modem_emulator_count(f.em, "");
    started = at_test_now_ms();
    st = es10_conformance_download(f.session, card.curve_dir, mark_bpp, &marker, iccid, &success, &step);
    *duration_ms = at_test_now_ms() - started;
    if (st != SGP32_OK || !success)
        fail_msg("download: %s at %s", sgp32_status_name(st), step);
    *before_bpp = marker.at_bpp - start_count;
    *total = modem_emulator_count(f.em, "") - start_count;
    at_fixture_stop(&f);
    assert_true(*before_bpp > 4 && *total > *before_bpp + 8);
}

/* The modem reboots on the n-th command of the download; a whole download takes about duration_ms. */
static void reset_at(enum sgp32_at_mode mode, unsigned n, uint64_t duration_ms)
{
    struct at_fixture f;
    struct modem_quirks q;
    uint8_t iccid[10];
    const char *step = "";
    int success = 1, count = -1;
    uint64_t started, elapsed;
    unsigned commands;
    enum sgp32_status st;

    start(&f, mode);
    memset(&q, 0, sizeof(q));
    q.reboot_after = n;
    commands = modem_emulator_count(f.em, "");
    modem_emulator_set_quirks(f.em, &q);
    started = at_test_now_ms();
    st = es10_conformance_download(f.session, card.curve_dir, NULL, NULL, iccid, &success, &step);
    elapsed = at_test_now_ms() - started;
    printf("reboot on command %u: %s at %s after %u ms\n", n, sgp32_status_name(st), step, (unsigned)elapsed);
    /* The rebooting command is the last one the download sent: nothing after it. */
    assert_int_equal(modem_emulator_count(f.em, "") - commands, n);
    assert_int_equal(st, SGP32_ERR_TIMEOUT);
    assert_false(success);
    /* Only the one command waited for its deadline. */
    assert_true(elapsed < duration_ms + STORE_DATA_TIMEOUT_MS + SLACK_MS);

    memset(&q, 0, sizeof(q));
    modem_emulator_set_quirks(f.em, &q);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_int_equal(es10_conformance_profile_count(f.session, &count), SGP32_OK);
    assert_int_equal(count, 0);
    download_ok(&f);
    at_fixture_stop(&f);
}

static void run_mode(enum sgp32_at_mode mode)
{
    unsigned before_bpp = 0, total = 0, i;
    unsigned points[DOWNLOAD_RESET_POINTS];
    uint64_t duration_ms = 0;
    measure(mode, &before_bpp, &total, &duration_ms);
    printf("download: %u AT commands in %u ms, the BPP from command %u on\n", total, (unsigned)duration_ms,
           before_bpp + 1);
    download_reset_points(before_bpp, total, points);
    for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        reset_at(mode, points[i], duration_ms);
}

static void test_reset_mid_download_ccho(void **state)
{
    (void)state;
    run_mode(SGP32_AT_MODE_CCHO);
}

static void test_reset_mid_download_csim(void **state)
{
    (void)state;
    run_mode(SGP32_AT_MODE_CSIM);
}

static int make_card(void **state)
{
    (void)state;
    return conformance_card_init(&card, NULL);
}

static int remove_card(void **state)
{
    (void)state;
    conformance_card_cleanup(&card);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_mid_download_ccho),
        cmocka_unit_test(test_reset_mid_download_csim),
    };
    return cmocka_run_group_tests(tests, make_card, remove_card);
}
