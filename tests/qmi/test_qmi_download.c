/* SPDX-License-Identifier: MIT */
/*
 * A modem reset in the middle of a real profile download over QMI: the fake QMUX device restarts on
 * the N-th UIM Send APDU of the download (no answer, the card is reset, every client id forgotten).
 * N runs over the download: the last PrepareDownload block, the first BPP block (BF36 + BF23), and
 * blocks a quarter, half, three quarters in and the very last one. Two kinds of restart:
 * - announced with a CTL Sync indication (what a QMI modem sends when it comes up): the transport
 *   fails the request in flight at once;
 * - silent: the request in flight ends at its deadline, and the modem then refuses the old client id.
 * Either way the download fails within the APDU deadline, sgp32_es10_connect() alone recovers (the
 * transport allocates a new client id), GetProfilesInfo shows no profile, and a second download
 * installs it. The download is the conformance suite's (SM-DP+ from examples/servers/smdp, the BPP
 * loader).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "conformance_card.h"
#include "download_reset_points.h"
#include "es10_conformance.h"
#include "fake_qmi_device.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_qmi.h"

#define APDU_TIMEOUT_MS 1500u
/* Scheduling slack on a loaded machine; a hang would be far beyond. */
#define SLACK_MS 2000u

static struct conformance_card card;

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

static unsigned requests(struct fixture *f)
{
    struct fake_qmi_counters counters;
    fake_qmi_device_counters(f->device, &counters);
    return counters.requests;
}

static void start(struct fixture *f)
{
    struct fake_qmi_config config;
    struct sgp32_es10_options options;
    memset(f, 0, sizeof(*f));
    memset(&config, 0, sizeof(config));
    config.eid = card.identity.eid;
    config.identity = &card.identity;
    assert_int_equal(fake_qmi_device_start(&config, &f->device, &f->fd), 0);
    assert_int_equal(sgp32_qmi_new_fd(f->fd, NULL, &f->qmi), SGP32_OK);
    sgp32_qmi_transport(f->qmi, &f->transport);
    assert_int_equal(f->transport.ops->open(f->transport.user, NULL, 0, NULL, 2000), SGP32_OK);
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.apdu_timeout_ms = APDU_TIMEOUT_MS;
    assert_int_equal(sgp32_es10_new(&f->transport, &options, &f->session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f->session), SGP32_OK);
}

static void stop(struct fixture *f)
{
    struct fake_qmi_counters counters;
    sgp32_es10_free(f->session);
    sgp32_qmi_free(f->qmi);
    fake_qmi_device_counters(f->device, &counters);
    assert_int_equal(counters.channels, 0);
    assert_int_equal(counters.clients, 0);
    fake_qmi_device_stop(f->device);
}

/* Counts the device's requests when the BPP loader starts. */
struct marker {
    struct fixture *f;
    unsigned at_bpp;
};

static void mark_bpp(void *user)
{
    struct marker *marker = user;
    marker->at_bpp = requests(marker->f);
}

static enum sgp32_status download(struct fixture *f, struct marker *marker, int *success, const char **step)
{
    uint8_t iccid[10];
    return es10_conformance_download(f->session, card.curve_dir, marker != NULL ? mark_bpp : NULL, marker, iccid,
                                     success, step);
}

/* The Send APDUs of a whole download (the channel is open: nothing else goes to the device), how
 * many come before the BPP, and how long it takes, on a fresh card. */
static void measure(unsigned *before_bpp, unsigned *total, uint64_t *duration_ms)
{
    struct fixture f;
    struct marker marker;
    const char *step = "";
    int success = 0;
    unsigned first;
    uint64_t started;
    enum sgp32_status st;
    start(&f);
    marker.f = &f;
    first = requests(&f);
    started = now_ms();
    st = download(&f, &marker, &success, &step);
    *duration_ms = now_ms() - started;
    if (st != SGP32_OK || !success)
        fail_msg("download: %s at %s", sgp32_status_name(st), step);
    *before_bpp = marker.at_bpp - first;
    *total = requests(&f) - first;
    stop(&f);
    assert_true(*before_bpp > 4 && *total > *before_bpp + 8);
}

/* The modem restarts on the n-th Send APDU of the download. */
static void reset_at(unsigned n, int announce, uint64_t duration_ms)
{
    struct fixture f;
    struct fake_qmi_counters counters;
    const char *step = "";
    int success = 1, count = -1;
    uint64_t started, elapsed;
    unsigned first;
    enum sgp32_status st;

    start(&f);
    first = requests(&f);
    fake_qmi_device_reboot_after(f.device, n, announce);
    started = now_ms();
    st = download(&f, NULL, &success, &step);
    elapsed = now_ms() - started;
    printf("%s restart on Send APDU %u: %s at %s after %u ms (%s)\n", announce ? "announced" : "silent", n,
           sgp32_status_name(st), step, (unsigned)elapsed, sgp32_qmi_last_error(f.qmi)->reason);
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.reboots, 1);
    assert_int_equal(counters.requests - first, n); /* nothing was sent after the lost request */
    assert_false(success);
    if (announce) {
        /* The CTL Sync indication ends the request in flight at once, and the client id is gone. */
        assert_int_equal(st, SGP32_ERR_TRANSPORT);
        assert_string_equal(sgp32_qmi_last_error(f.qmi)->reason, "modem restarted (CTL sync)");
        assert_int_equal(sgp32_qmi_client_id(f.qmi), 0);
        assert_true(elapsed < duration_ms + SLACK_MS);
    } else {
        assert_int_equal(st, SGP32_ERR_TIMEOUT);
        assert_true(elapsed >= APDU_TIMEOUT_MS - 20 && elapsed < duration_ms + APDU_TIMEOUT_MS + SLACK_MS);
    }

    /* The IPA reconnects: a new client id (the old one is refused by the restarted modem), a channel. */
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_int_not_equal(sgp32_qmi_client_id(f.qmi), 0);
    fake_qmi_device_counters(f.device, &counters);
    assert_int_equal(counters.clients, 1);
    assert_int_equal(counters.channels, 1);
    assert_int_equal(es10_conformance_profile_count(f.session, &count), SGP32_OK);
    assert_int_equal(count, 0);
    st = download(&f, NULL, &success, &step);
    if (st != SGP32_OK || !success)
        fail_msg("second download: %s at %s", sgp32_status_name(st), step);
    assert_int_equal(es10_conformance_profile_count(f.session, &count), SGP32_OK);
    assert_int_equal(count, 1);
    stop(&f);
}

static void run(int announce)
{
    unsigned before_bpp = 0, total = 0, i;
    unsigned points[DOWNLOAD_RESET_POINTS];
    uint64_t duration_ms = 0;
    measure(&before_bpp, &total, &duration_ms);
    printf("download: %u Send APDUs in %u ms, the BPP from %u on\n", total, (unsigned)duration_ms, before_bpp + 1);
    download_reset_points(before_bpp, total, points);
    for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        reset_at(points[i], announce, duration_ms);
}

static void test_announced_restart_mid_download(void **state)
{
    (void)state;
    run(1);
}

static void test_silent_restart_mid_download(void **state)
{
    (void)state;
    run(0);
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
        cmocka_unit_test(test_announced_restart_mid_download),
        cmocka_unit_test(test_silent_restart_mid_download),
    };
    return cmocka_run_group_tests(tests, make_card, remove_card);
}
