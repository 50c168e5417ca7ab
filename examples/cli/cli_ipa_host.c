/* SPDX-License-Identifier: MIT */
/* The CLI's IPA host: the platform services of include/sgp32/ipa.h over the card of --transport,
 * libcurl, files and CLOCK_MONOTONIC, and the narration of the IPA's events (docs/cli.md "IPA"). */
#define _POSIX_C_SOURCE 200809L
#include "cli_ipa_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Storage: one file per record, written to "<name>.tmp", flushed to disk and renamed over the
 * record, so that a power cut leaves the old record or the new one (ipa.h: save() must be atomic). */

static int record_path(const struct cli_ipa_host *host, const char *name, char *out, size_t cap)
{
    size_t i;
    /* The IPA's names are short ASCII ("ipa.job"); anything else must not leave the directory. */
    if (name[0] == '\0' || name[0] == '.')
        return -1;
    for (i = 0; name[i] != '\0'; i++)
        if (name[i] == '/' || name[i] == '\\')
            return -1;
    return snprintf(out, cap, "%s/%s", host->state_dir, name) < (int)cap ? 0 : -1;
}

static enum sgp32_status load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct cli_ipa_host *host = user;
    char path[600];
    struct stat st;
    FILE *f;
    size_t got;
    if (record_path(host, name, path, sizeof(path)) != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    if ((f = fopen(path, "rb")) == NULL)
        return errno == ENOENT ? SGP32_ERR_NOT_FOUND : SGP32_ERR_STORAGE;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return SGP32_ERR_STORAGE;
    }
    *len = (size_t)st.st_size;
    if (*len > cap) {
        fclose(f);
        return SGP32_ERR_BUFFER_TOO_SMALL;
    }
    got = fread(buf, 1, *len, f);
    fclose(f);
    return got == *len ? SGP32_OK : SGP32_ERR_STORAGE;
}

static enum sgp32_status save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct cli_ipa_host *host = user;
    char path[600], tmp[610];
    FILE *f;
    int ok;
    if (record_path(host, name, path, sizeof(path)) != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (data == NULL)
        return remove(path) == 0 || errno == ENOENT ? SGP32_OK : SGP32_ERR_STORAGE;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if ((f = fopen(tmp, "wb")) == NULL)
        return SGP32_ERR_STORAGE;
    ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return SGP32_ERR_STORAGE;
    }
    return SGP32_OK;
}

static uint64_t now_ms(void *user)
{
    struct timespec t;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int cli_ipa_log_level(const char *name)
{
    int i;
    if (strcmp(name, "none") == 0)
        return -1;
    for (i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -2;
}

static void log_line(void *user, int level, const char *message)
{
    struct cli_ipa_host *host = user;
    if (level > host->log_level || level < 0 || level >= 4)
        return;
    if (host->progress_open) { /* the bar's line ends before the message (same terminal) */
        printf("\n");
        fflush(stdout);
        host->progress_open = 0;
    }
    fprintf(stderr, "sgp32 %s: %s: %s\n", host->call->name, level_names[level], message);
}

static void curl_log(void *user, const char *message)
{
    fprintf(stderr, "sgp32: http: %s\n", message);
    (void)user;
}

/* ---- Events */

void cli_ipa_iccid_text(const uint8_t iccid[10], char out[21])
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < 10; i++) {
        out[2 * i] = digits[iccid[i] >> 4];
        out[2 * i + 1] = digits[iccid[i] & 15];
    }
    out[20] = '\0';
}

/* The name of an EuiccResultData alternative by its tag number (SGP.32 2.11.2.1). */
static const char *result_name(uint32_t number, int universal)
{
    static const struct {
        uint32_t number;
        const char *name;
    } names[] = {{3, "enable"},
                 {4, "disable"},
                 {5, "delete"},
                 {45, "listProfileInfo"},
                 {6, "getRAT"},
                 {7, "configureImmediateEnable"},
                 {8, "addEim"},
                 {9, "deleteEim"},
                 {10, "updateEim"},
                 {11, "listEim"},
                 {12, "rollback"},
                 {13, "setFallbackAttribute"},
                 {14, "unsetFallbackAttribute"},
                 {101, "setDefaultDpAddress"}};
    size_t i;
    if (universal)
        return number == 2 ? "processingTerminated" : "?";
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].number == number)
            return names[i].name;
    return "?";
}

static void append(char *out, size_t cap, const char *text)
{
    size_t n = strlen(out);
    if (n + 1 < cap)
        snprintf(out + n, cap - n, "%s", text);
}

/* "enable: ok, listProfileInfo" from an EuiccPackageResult (BF51 { A0 { 30 { ..., 30 { results } } } }). */
static void package_summary(const uint8_t *data, size_t len, char *out, size_t cap)
{
    const uint8_t *choice, *signed_data, *list = NULL, *v;
    size_t choice_len, signed_len, list_len = 0, at, v_len;
    struct sgp32_tlv_header h;
    out[0] = '\0';
    if (cli_tlv_value(data, len, 0xBF51, &choice, &choice_len) != 0 ||
        cli_tlv_value(choice, choice_len, 0xA0, &v, &v_len) != 0 ||
        cli_tlv_value(v, v_len, 0x30, &signed_data, &signed_len) != 0)
        return;
    /* euiccResult: the SEQUENCE OF, the last element of EuiccPackageResultDataSigned */
    for (at = 0; at < signed_len; at += h.header_len + h.length) {
        if (sgp32_tlv_parse_header(signed_data + at, signed_len - at, &h) != SGP32_OK ||
            h.length > signed_len - at - h.header_len)
            return;
        if (h.tag == 0x30) {
            list = signed_data + at + h.header_len;
            list_len = h.length;
        }
    }
    for (at = 0; list != NULL && at < list_len; at += h.header_len + h.length) {
        char item[96];
        uint32_t number;
        int universal;
        if (sgp32_tlv_parse_header(list + at, list_len - at, &h) != SGP32_OK || h.length > list_len - at - h.header_len)
            return;
        number = h.tag > 0xFF ? (h.tag & 0x7F) : (h.tag & 0x1F);
        universal = (h.tag & 0xC0) == 0 && h.tag <= 0xFF;
        if ((h.tag & 0x20) == 0 || (h.tag <= 0xFF && (h.tag & 0xC0) == 0)) {
            long code = cli_integer(list + at + h.header_len, h.length);
            if (code == 0)
                snprintf(item, sizeof(item), "%s%s: ok", out[0] ? ", " : "", result_name(number, universal));
            else
                snprintf(item, sizeof(item), "%s%s: result %ld", out[0] ? ", " : "", result_name(number, universal),
                         code);
        } else {
            snprintf(item, sizeof(item), "%s%s", out[0] ? ", " : "", result_name(number, universal));
        }
        append(out, cap, item);
    }
}

static const char *const event_names[] = {"?",
                                          "package-executed",
                                          "profile-changed",
                                          "rollback",
                                          "download-progress",
                                          "download-done",
                                          "notification-delivered",
                                          "transfer-response",
                                          "euicc-data-sent",
                                          "retry"};

static void json_event(const struct cli_ipa_host *host, const struct sgp32_ipa_event *e)
{
    const char *name = e->type < sizeof(event_names) / sizeof(event_names[0]) ? event_names[e->type] : "?";
    printf("{\"type\":\"event\",\"event\":\"%s\",\"status\":\"%s\",\"code\":%ld", name, sgp32_status_name(e->status),
           e->code);
    if (e->has_iccid) {
        char iccid[21];
        cli_ipa_iccid_text(e->iccid, iccid);
        printf(",\"iccid\":\"%s\"", iccid);
    } else if (e->type == SGP32_IPA_EVENT_PROFILE_CHANGED) {
        printf(",\"iccid\":null");
    }
    if (e->type == SGP32_IPA_EVENT_DOWNLOAD_PROGRESS)
        printf(",\"total\":%ld", e->total);
    printf(",\"detail\":");
    cli_json_string(e->detail, strlen(e->detail));
    if (e->data != NULL && e->len > 0) {
        printf(",\"hex\":\"");
        cli_print_hex(stdout, e->data, e->len);
        printf("\"");
        if (e->type == SGP32_IPA_EVENT_PACKAGE_EXECUTED) {
            printf(",\"result\":");
            (void)cli_print_value(host->call, "EuiccPackageResult", NULL, e->data, e->len);
        }
    }
    printf("}\n");
}

static void text_event(const struct sgp32_ipa_event *e)
{
    char iccid[21], summary[160];
    if (e->has_iccid)
        cli_ipa_iccid_text(e->iccid, iccid);
    switch (e->type) {
    case SGP32_IPA_EVENT_PACKAGE_EXECUTED:
        package_summary(e->data, e->len, summary, sizeof(summary));
        if (e->status == SGP32_OK)
            printf("eIM %s: package executed (%s)\n", e->detail, summary[0] ? summary : "no result");
        else
            printf("eIM %s: package refused by the eUICC (error code %ld)\n", e->detail, e->code);
        break;
    case SGP32_IPA_EVENT_PROFILE_CHANGED:
        if (e->has_iccid)
            printf("profile changed: now %s enabled (%s)\n", iccid, e->detail);
        else
            printf("profile changed: %s\n", e->detail);
        break;
    case SGP32_IPA_EVENT_ROLLBACK:
        printf("rollback: %s\n", e->detail);
        break;
    case SGP32_IPA_EVENT_DOWNLOAD_PROGRESS:
        printf("download: %ld bytes of the Bound Profile Package loaded%s\n", e->code,
               strcmp(e->detail, "loaded") == 0 ? " (all of it)" : "");
        break;
    case SGP32_IPA_EVENT_DOWNLOAD_DONE:
        if (e->status == SGP32_OK)
            printf("download: profile %s installed\n", e->has_iccid ? iccid : "(ICCID unknown)");
        else
            printf("download failed: %s (%s)\n", e->detail, sgp32_status_name(e->status));
        break;
    case SGP32_IPA_EVENT_NOTIFICATION_DELIVERED:
        printf("notification %ld delivered (%s)\n", e->code, e->detail);
        break;
    case SGP32_IPA_EVENT_TRANSFER_RESPONSE:
        printf("TransferEimPackageResponse: ");
        cli_print_hex(stdout, e->data, e->len);
        printf("\n");
        break;
    case SGP32_IPA_EVENT_EUICC_DATA_SENT:
        printf("eUICC data sent to the eIM (%s)\n", sgp32_status_name(e->status));
        break;
    case SGP32_IPA_EVENT_RETRY:
        printf("retry %ld: %s (%s)\n", e->code, e->detail, sgp32_status_name(e->status));
        break;
    default:
        printf("event %u: %s (%s)\n", (unsigned)e->type, e->detail, sgp32_status_name(e->status));
    }
}

void cli_ipa_note_failure(struct cli_ipa_outcome *o, enum sgp32_status status, const char *detail, int final)
{
    o->failure = 1;
    o->failures++;
    o->final_failure = final;
    o->failure_status = status;
    snprintf(o->failure_detail, sizeof(o->failure_detail), "%s", detail[0] != '\0' ? detail : "failed");
}

static void record(struct cli_ipa_outcome *o, const struct sgp32_ipa_event *e)
{
    char detail[192];
    o->events++;
    switch (e->type) {
    case SGP32_IPA_EVENT_DOWNLOAD_DONE:
        o->download_done = 1;
        o->download_status = e->status;
        o->download_code = e->code;
        o->download_has_iccid = e->has_iccid;
        if (e->has_iccid)
            memcpy(o->download_iccid, e->iccid, sizeof(o->download_iccid));
        snprintf(o->download_detail, sizeof(o->download_detail), "%s", e->detail);
        snprintf(detail, sizeof(detail), "download failed: %s", e->detail);
        break;
    case SGP32_IPA_EVENT_TRANSFER_RESPONSE:
        o->transfer_responses++;
        free(o->transfer_response);
        o->transfer_response = NULL;
        o->transfer_response_len = 0;
        if (e->len > 0 && (o->transfer_response = malloc(e->len)) != NULL) {
            memcpy(o->transfer_response, e->data, e->len);
            o->transfer_response_len = e->len;
        }
        /* BF4E 03 02 01 <eimPackageError> */
        snprintf(detail, sizeof(detail), "TransferEimPackageRequest refused: eimPackageError %d",
                 e->len == 6 && e->data[3] == 0x02 ? (int)e->data[5] : -1);
        break;
    case SGP32_IPA_EVENT_PACKAGE_EXECUTED:
        snprintf(detail, sizeof(detail), "eIM %s: the eUICC refused the package (error code %ld)", e->detail, e->code);
        break;
    case SGP32_IPA_EVENT_NOTIFICATION_DELIVERED:
        if (e->status == SGP32_OK)
            o->notifications_delivered++;
        snprintf(detail, sizeof(detail), "%s", e->detail);
        break;
    case SGP32_IPA_EVENT_EUICC_DATA_SENT:
        snprintf(detail, sizeof(detail), "%s", e->detail);
        break;
    case SGP32_IPA_EVENT_RETRY: /* the last exchange failed; the procedure goes on after the backoff */
        cli_ipa_note_failure(o, e->status, e->detail, 0);
        return;
    default:
        return;
    }
    if (e->status == SGP32_OK)
        o->failure = 0; /* a procedure ended well */
    else
        cli_ipa_note_failure(o, e->status, detail, 1);
}

/* Ends the line of a drawn progress bar before anything else is printed. */
static void end_progress(struct cli_ipa_host *host)
{
    if (host->progress_open)
        printf("\n");
    host->progress_open = 0;
}

/* "download [##########..........]  50%  14000/28000 bytes", redrawn in place; only bytes until the
 * package's size is known (total 0). */
static void draw_progress(struct cli_ipa_host *host, const struct sgp32_ipa_event *e)
{
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    long percent = e->total > 0 ? e->code * 100 / e->total : 0;
    int filled;
    if (percent > 100)
        percent = 100;
    filled = (int)(percent * WIDTH / 100);
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(WIDTH - filled));
    bar[WIDTH] = '\0';
    if (e->total > 0)
        printf("\rdownload [%s] %3ld%%  %ld/%ld bytes", bar, percent, e->code, e->total);
    else
        printf("\rdownload %ld bytes", e->code);
    host->progress_open = 1;
    if (strcmp(e->detail, "loaded") == 0)
        end_progress(host);
}

static void on_event(void *user, const struct sgp32_ipa_event *e)
{
    struct cli_ipa_host *host = user;
    record(&host->outcome, e);
    if (host->call->json) {
        json_event(host, e);
    } else if (host->progress_bar && e->type == SGP32_IPA_EVENT_DOWNLOAD_PROGRESS) {
        draw_progress(host, e);
    } else {
        end_progress(host);
        text_event(e);
    }
    fflush(stdout);
}

/* ---- Opening */

/* mkdir -p for the default state directory. */
static int make_dirs(char *path)
{
    char *p;
    for (p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int choose_state_dir(struct cli_ipa_host *host, const char *given)
{
    const char *env = getenv("SGP32_IPA_STATE"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    if (given != NULL)
        n = snprintf(host->state_dir, sizeof(host->state_dir), "%s", given);
    else if (env != NULL && env[0] != '\0')
        n = snprintf(host->state_dir, sizeof(host->state_dir), "%s", env);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(host->state_dir, sizeof(host->state_dir), "%s/sgp32", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(host->state_dir, sizeof(host->state_dir), "%s/.local/state/sgp32", home);
    else
        return cli_usage_error(host->call, "no state directory: give --state <dir>", NULL);
    if (n < 0 || (size_t)n >= sizeof(host->state_dir) || host->state_dir[0] == '\0')
        return cli_usage_error(host->call, "state directory path too long", NULL);
    if (make_dirs(host->state_dir) != 0) {
        fprintf(stderr, "sgp32 %s: cannot create the state directory '%s': %s\n", host->call->name, host->state_dir,
                strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int cli_ipa_host_open(struct cli_ipa_host *host, struct cli_call *call, const struct cli_ipa_host_options *options,
                      const struct sgp32_ipa_config *config)
{
    struct sgp32_http_curl_options http;
    enum sgp32_status st;
    int rc;

    memset(host, 0, sizeof(*host));
    host->call = call;
    host->log_level = options->log_level;
    host->progress_bar = !call->json && isatty(STDOUT_FILENO);
    rc = choose_state_dir(host, options->state_dir);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* The caller reached the card once already (cli_connect: exit 3 when it cannot). The IPA gets it
     * closed: it opens it at its first poll and reconnects after a failure. */
    st = cli_transport_open(call->globals->transport, call->globals->timeout_ms, &host->card);
    if (st != SGP32_OK)
        return cli_fail(call, "open transport", st, 0);
    host->card.transport.ops->close(host->card.transport.user);
    host->card.opened = 0;

    memset(&http, 0, sizeof(http));
    http.size = sizeof(http);
    http.ca_file = options->ca_file;
    http.log = curl_log;
    st = sgp32_http_curl_new(&http, &host->curl);
    if (st != SGP32_OK) {
        cli_ipa_host_close(host);
        return cli_fail(call, "HTTP client", st, 0);
    }

    memset(&host->platform, 0, sizeof(host->platform));
    host->platform.version = SGP32_PLATFORM_VERSION;
    host->platform.size = sizeof(host->platform);
    if (call->globals->verbose) {
        cli_trace_wrap(&host->trace, &host->card.transport);
        host->platform.apdu = host->trace.transport;
    } else {
        host->platform.apdu = host->card.transport;
    }
    sgp32_http_curl_client(host->curl, &host->platform.http);
    if (call->globals->verbose) {
        cli_http_trace_wrap(&host->http_trace, &host->platform.http);
        host->platform.http = host->http_trace.client;
    }
    host->platform.load = load;
    host->platform.save = save;
    host->platform.now_ms = now_ms;
    host->platform.log = log_line;
    host->platform.event = on_event;
    host->platform.user = host;
    st = sgp32_ipa_new(config, &host->platform, &host->ipa);
    if (st != SGP32_OK) {
        cli_ipa_host_close(host);
        return cli_fail(call, "IPA", st, 0);
    }
    return CLI_EXIT_OK;
}

void cli_ipa_host_close(struct cli_ipa_host *host)
{
    end_progress(host);
    sgp32_ipa_free(host->ipa); /* closes the card if it is open */
    host->ipa = NULL;
    sgp32_http_curl_free(host->curl);
    host->curl = NULL;
    host->card.opened = 0;
    cli_transport_close(&host->card); /* releases the backend */
    free(host->outcome.transfer_response);
    host->outcome.transfer_response = NULL;
}
