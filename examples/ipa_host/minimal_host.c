/* SPDX-License-Identifier: MIT */
/* The smallest complete IPA host (docs/ipa.md): a software eUICC, libcurl, files for storage.
 * Usage: minimal_host <card dir> <state dir> <CA pem> [eIM base URL]   (runs until SIGINT) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sgp32/http_curl.h>
#include <sgp32/ipa.h>
#include <sgp32/softeuicc.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}
static uint64_t now_ms(void *u)
{
    struct timespec t;
    (void)u;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}
static void path_of(void *dir, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", (const char *)dir, name);
}
static enum sgp32_status load(void *dir, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    char path[512];
    FILE *f;
    long size;
    path_of(dir, name, path, sizeof(path));
    if ((f = fopen(path, "rb")) == NULL)
        return SGP32_ERR_NOT_FOUND;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    *len = (size_t)size;
    if ((size_t)size > cap) {
        fclose(f);
        return SGP32_ERR_BUFFER_TOO_SMALL;
    }
    size = (long)fread(buf, 1, (size_t)size, f);
    fclose(f);
    return (size_t)size == *len ? SGP32_OK : SGP32_ERR_STORAGE;
}
static enum sgp32_status save(void *dir, const char *name, const uint8_t *data, size_t len)
{ /* atomic: write a temporary file, then rename it over the record */
    char path[512], tmp[520];
    FILE *f;
    int ok;
    path_of(dir, name, path, sizeof(path));
    if (data == NULL)
        return remove(path) == 0 ? SGP32_OK : SGP32_ERR_NOT_FOUND;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if ((f = fopen(tmp, "wb")) == NULL)
        return SGP32_ERR_STORAGE;
    ok = fwrite(data, 1, len, f) == len && fflush(f) == 0;
    ok = (fclose(f) == 0) && ok;
    return ok && rename(tmp, path) == 0 ? SGP32_OK : SGP32_ERR_STORAGE;
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
    platform.load = load;
    platform.save = save;
    platform.now_ms = now_ms;
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
