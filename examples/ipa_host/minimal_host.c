/* SPDX-License-Identifier: MIT */
/* The smallest complete IPA host (docs/ipa.md): a software eUICC, libcurl, a directory for storage.
 * Usage: minimal_host <card dir> <state dir> <CA pem> [eIM base URL]   (runs until SIGINT) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sgp32/host_posix.h>
#include <sgp32/http_curl.h>
#include <sgp32/ipa.h>
#include <sgp32/softeuicc.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}
static void log_line(void *u, int level, const char *m)
{
    (void)u;
    if (level <= SGP32_LOG_INFO)
        fprintf(stderr, "ipa: %s\n", m);
}
static void on_event(void *u, const struct sgp32_ipa_event *e)
{
    (void)u;
    printf("event %u: %s (%s)\n", (unsigned)e->type, e->detail, sgp32_strerror(e->status));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct sgp32_softeuicc *card = NULL;
    struct sgp32_http_curl *curl = NULL;
    struct sgp32_ipa *ipa = NULL;
    struct sgp32_http_curl_options http;
    struct sgp32_platform platform;
    struct sgp32_ipa_config config;
    if (argc < 4) {
        fprintf(stderr, "usage: %s <card dir> <state dir> <CA pem> [eIM URL]\n", argv[0]);
        return 2;
    }
    memset(&http, 0, sizeof(http));
    memset(&platform, 0, sizeof(platform));
    memset(&config, 0, sizeof(config));
    http.size = sizeof(http);
    platform.version = SGP32_PLATFORM_VERSION;
    platform.size = sizeof(platform);
    config.size = sizeof(config);
    http.ca_file = argv[3];
    config.eim_address = argc > 4 ? argv[4] : NULL; /* NULL: the eimFqdn configured on the eUICC */
    config.poll_interval_ms = 10000;
    if (sgp32_softeuicc_open(argv[1], NULL, &card) != SGP32_OK || sgp32_http_curl_new(&http, &curl) != SGP32_OK)
        return 1;
    sgp32_softeuicc_transport(card, &platform.apdu);
    sgp32_http_curl_client(curl, &platform.http);
    platform.load = sgp32_host_dir_load; /* one file per record, saved atomically */
    platform.save = sgp32_host_dir_save;
    platform.now_ms = sgp32_host_now_ms;
    platform.log = log_line;
    platform.event = on_event;
    platform.user = argv[2];
    if (sgp32_ipa_new(&config, &platform, &ipa) != SGP32_OK)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop) { /* the host loop: poll, then wait as long as the IPA says (or for the host's own events) */
        struct sgp32_ipa_poll_result r;
        struct timespec pause;
        sgp32_ipa_poll(ipa, &r);
        pause.tv_sec = r.wait_ms / 1000u;
        pause.tv_nsec = (long)(r.wait_ms % 1000u) * 1000000L;
        nanosleep(&pause, NULL);
    }
    sgp32_ipa_free(ipa);
    sgp32_http_curl_free(curl);
    sgp32_softeuicc_free(card);
    return 0;
}
