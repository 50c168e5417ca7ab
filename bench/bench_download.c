/* SPDX-License-Identifier: MIT */
/*
 * Direct profile download (SGP.22 3.1.3 through the IPA core, ES9+ JSON to the in-process SM-DP+, ES10b
 * to the software eUICC) of each TS.48 profile in shared/profiles, plus synthetic profiles 2x, 4x and 8x
 * the smallest one (its ProfileHeader followed by its other PEs repeated: the SM-DP+ and the card read
 * only the header's ICCID). Then the smallest and the 8x profile downloaded indirectly (SGP.32 3.2.3: a
 * ProfileDownloadTrigger from the eIM, every step over ESipa, the eIM relaying to the SM-DP+) over
 * both ESipa bindings. Per download: C-APDUs, STORE DATA blocks, HTTP requests and body bytes, and the
 * IPA's own heap (allocations and peak live bytes, bench_alloc.h). The IPA streams the Bound Profile
 * Package to the eUICC segment by segment, so its peak heap must not follow the profile size (direct,
 * ESipa ASN.1; the ESipa JSON binding collects the answer first: docs/ipa.md, reported, not budgeted).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_alloc.h"
#include "bench_meter.h"
#include "ipa_smdp.h"
#include "sgp32/tlv.h"

#define MAX_PROFILES 48
#define SMALLEST "TS48V1-A-UNIQUE"
#define ES9_PREFIX "/gsma/rsp2/es9plus/"

/* ---- Budgets (measured on x86-64, docs/benchmarks.md; margins of about 25-40 %) ---- */
/* The IPA's peak heap for the largest (8x) profile over the smallest one's: it must not grow with the
 * profile (measured 1.000). */
#define BUDGET_PEAK_GROWTH 1.10
/* The IPA's peak heap during a download, bytes (measured 27.4 KB). */
#define BUDGET_PEAK_BYTES 40000.0
/* C-APDUs and STORE DATA blocks per KB of profile (measured 6.7 and 6.3 for the smallest profile, 5.2
 * for the 8x one: the fixed part of the exchange weighs less in a larger profile). */
#define BUDGET_APDUS_PER_KB 8.0
#define BUDGET_STORE_DATA_PER_KB 7.5
/* HTTP body bytes down over the profile size (base64 in JSON is 4/3, plus protection and the other
 * answers; measured 1.61 for the smallest profile, 1.39 for the 8x one). */
#define BUDGET_HTTP_DOWN_RATIO 1.9

/* How the download is made: direct (ES9+ by the IPA), or indirect (SGP.32 3.2.3: the eIM's
 * ProfileDownloadTrigger, every step over ESipa, the eIM relaying to the SM-DP+). */
enum download_mode { MODE_DIRECT = 0, MODE_INDIRECT_ASN1 = 1, MODE_INDIRECT_JSON = 2 };

struct download_row {
    char name[64];
    size_t upp_len;
    struct bench_counts counts;
    enum download_mode mode;
    struct bench_heap heap;
    size_t baseline; /* the IPA's live heap when idle, before the download */
};

/* The harness's ESipa relay answers with the universal forms 30 { ... } / 02 code; the module's AUTOMATIC
 * TAGS (and the JSON binding's conversion) want [0] A0 for the ok alternative and [1] 81 ([2] 82 for
 * AuthenticateClient) for the error: put them on, as a real eIM encodes them. */
static void tagged_relay(void *smdp, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct sgp32_tlv_header top;
    uint8_t *first;
    ipa_smdp_esipa_relay(smdp, request, reply);
    if (reply->transport_status != SGP32_OK || reply->body == NULL ||
        sgp32_tlv_parse_header(reply->body, reply->body_len, &top) != SGP32_OK || top.header_len >= reply->body_len)
        return;
    first = reply->body + top.header_len;
    if (*first == 0x30)
        *first = 0xA0;
    else if (*first == 0x02)
        *first = top.tag == 0xBF3B ? 0x82 : 0x81;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The matching ids of shared/profiles (the "-UNIQUE" set: distinct ICCIDs), sorted. */
static size_t list_profiles(char **names, size_t cap)
{
    char dir_path[512];
    DIR *dir;
    struct dirent *entry;
    size_t n = 0;
    bench_shared_path("profiles", dir_path, sizeof(dir_path));
    dir = opendir(dir_path);
    if (dir == NULL)
        return 0;
    while ((entry = readdir(dir)) != NULL && n < cap) {
        size_t len = strlen(entry->d_name);
        if (len > 11 && strcmp(entry->d_name + len - 11, "-UNIQUE.der") == 0) {
            names[n] = malloc(len - 3);
            if (names[n] == NULL)
                break;
            memcpy(names[n], entry->d_name, len - 4);
            names[n][len - 4] = 0;
            n++;
        }
    }
    closedir(dir);
    qsort(names, n, sizeof(names[0]), compare_names);
    return n;
}

/* <dir>/<SMALLEST>-X<k>.der: the header PE, then the rest of the profile k times. */
static int write_synthetic(const char *dir, unsigned k, size_t *len_out)
{
    char path[512];
    uint8_t *upp = NULL;
    size_t len = 0, header_end;
    struct sgp32_tlv_header header;
    FILE *out;
    unsigned i;
    int ok;
    bench_shared_path("profiles/" SMALLEST ".der", path, sizeof(path));
    if (ipa_read_file(path, &upp, &len) != 0)
        return -1;
    if (sgp32_tlv_parse_header(upp, len, &header) != SGP32_OK || header.header_len + header.length > len) {
        free(upp);
        return -1;
    }
    header_end = header.header_len + header.length;
    snprintf(path, sizeof(path), "%s/%s-X%u.der", dir, SMALLEST, k);
    out = fopen(path, "wb");
    ok = out != NULL && fwrite(upp, 1, header_end, out) == header_end;
    for (i = 0; ok && i < k; i++)
        ok = fwrite(upp + header_end, 1, len - header_end, out) == len - header_end;
    if (out != NULL && fclose(out) != 0)
        ok = 0;
    *len_out = header_end + k * (len - header_end);
    free(upp);
    return ok ? 0 : -1;
}

/* One download of `name` on a fresh fixture; smdp_dir NULL: the fixture's own SM-DP+ (shared/profiles). */
static int run_one(const char *name, const char *smdp_dir, size_t upp_len, enum download_mode mode,
                   struct download_row *row)
{
    struct ipa_fixture *f = calloc(1, sizeof(*f));
    struct bench_meter *meter = calloc(1, sizeof(*meter));
    struct ipa_smdp *smdp = NULL;
    struct bench_counts before;
    const struct sgp32_ipa_event *done;
    struct bench_heap heap;
    char activation_code[160];
    size_t requests_before = 0, i;
    int ok = 0;
    if (f == NULL || meter == NULL)
        goto out;
    if (ipa_fixture_setup(f, NULL) != SGP32_OK) {
        fprintf(stderr, "download %s: fixture setup failed\n", name);
        goto out;
    }
    if (mode != MODE_DIRECT) {
        f->config.binding = mode == MODE_INDIRECT_JSON ? SGP32_IPA_BINDING_JSON : SGP32_IPA_BINDING_ASN1;
        ipa_eim_set_other_handler(f->eim, tagged_relay, f->smdp);
    }
    if (smdp_dir != NULL) {
        struct ipa_smdp_options o;
        memset(&o, 0, sizeof(o));
        o.pki_dir = f->pki_dir;
        o.profiles_dir = smdp_dir;
        o.address = f->smdp_address;
        if (ipa_smdp_new(&o, &smdp) != SGP32_OK ||
            ipa_http_peer_route(f->http, ES9_PREFIX, ipa_smdp_handler, smdp) != SGP32_OK)
            goto out;
        if (mode != MODE_DIRECT) { /* the eIM relays to this SM-DP+, and forwards the result to it */
            ipa_eim_set_other_handler(f->eim, tagged_relay, smdp);
            ipa_eim_set_notification_forward(f->eim, ipa_smdp_forward_notification, smdp);
        }
    }
    bench_meter_install(meter, f);
    if (bench_meter_ipa_new(meter) != SGP32_OK || bench_meter_run(meter, 1000) != 0) { /* the first eIM poll */
        fprintf(stderr, "download %s: the IPA did not start\n", name);
        goto out;
    }
    before = meter->counts;
    requests_before = ipa_http_peer_request_count(f->http);
    bench_alloc_stats(BENCH_OWNER_MEASURED, &heap);
    row->baseline = heap.live;
    bench_alloc_reset(BENCH_OWNER_MEASURED);
    snprintf(activation_code, sizeof(activation_code), "1$%s$%s", f->smdp_address, name);
    if (mode == MODE_DIRECT) {
        enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
        enum sgp32_status st = sgp32_ipa_download(f->ipa, activation_code, NULL);
        bench_alloc_owner(owner);
        if (st != SGP32_OK)
            goto out;
    } else {
        enum bench_owner owner;
        enum sgp32_status st = ipa_eim_queue_download_trigger(f->eim, activation_code);
        owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
        if (st == SGP32_OK)
            st = sgp32_ipa_poll_eim_now(f->ipa);
        bench_alloc_owner(owner);
        if (st != SGP32_OK)
            goto out;
    }
    if (bench_meter_run(meter, 100000) != 0)
        goto out;
    bench_alloc_stats(BENCH_OWNER_MEASURED, &row->heap);
    done = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    if (done == NULL || done->status != SGP32_OK) {
        fprintf(stderr, "download %s: not installed (%s)\n", name,
                done != NULL && done->detail != NULL ? done->detail : "no result");
        goto out;
    }
    snprintf(row->name, sizeof(row->name), "%s", name);
    row->upp_len = upp_len;
    row->counts = bench_counts_since(&meter->counts, &before);
    row->mode = mode;
    for (i = requests_before; i < ipa_http_peer_request_count(f->http); i++)
        if (ipa_http_peer_request(f->http, i)->status != SGP32_OK) {
            fprintf(stderr, "download %s: request %zu failed\n", name, i);
            goto out;
        }
    ok = 1;
out:
    if (f != NULL && f->ipa != NULL && meter != NULL)
        bench_meter_ipa_free(meter);
    if (f != NULL)
        ipa_fixture_teardown(f);
    ipa_smdp_free(smdp);
    free(meter);
    free(f);
    return ok ? 0 : -1;
}

static size_t file_size(const char *name)
{
    char path[512];
    uint8_t *data = NULL;
    size_t len = 0;
    char relative[160];
    snprintf(relative, sizeof(relative), "profiles/%s.der", name);
    bench_shared_path(relative, path, sizeof(path));
    if (ipa_read_file(path, &data, &len) != 0)
        return 0;
    free(data);
    return len;
}

static void print_row(const char *label, const struct download_row *r)
{
    printf("| %-34s | %6zu | %5zu | %5zu | %7zu | %4zu | %7zu | %7zu | %6zu | %6zu | %5.2f |\n", label, r->upp_len,
           r->counts.apdus, r->counts.store_data, r->counts.apdu_bytes_up, r->counts.http_requests,
           r->counts.http_bytes_up, r->counts.http_bytes_down, r->heap.allocations, r->heap.peak,
           r->upp_len != 0 ? (double)r->heap.peak / (double)r->upp_len : 0.0);
}

static void print_header(const char *title, const char *first)
{
    printf("\n## %s\n\n", title);
    printf("| %-34s | %6s | %5s | %5s | %7s | %4s | %7s | %7s | %6s | %6s | %5s |\n", first, "UPP B", "APDUs", "STORE",
           "APDU B^", "HTTP", "HTTP B^", "HTTP Bv", "allocs", "peak B", "pk/UP");
    printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------", "--------", "-------",
           "-------", "---------", "------", "---------", "---------", "--------", "--------", "-------");
}

/* The count budgets of one download. */
static int row_budgets(const struct bench_options *options, const struct download_row *r)
{
    static const char *const prefixes[] = {"download", "ESipa ASN.1", "ESipa JSON"};
    const char *prefix = prefixes[r->mode];
    char what[96];
    double kb = (double)r->upp_len / 1024.0;
    int failures = 0;
    snprintf(what, sizeof(what), "%s %.24s APDUs/KB", prefix, r->name);
    failures += bench_budget(options, what, (double)r->counts.apdus / kb, BUDGET_APDUS_PER_KB);
    snprintf(what, sizeof(what), "%s %.24s STORE DATA/KB", prefix, r->name);
    failures += bench_budget(options, what, (double)r->counts.store_data / kb, BUDGET_STORE_DATA_PER_KB);
    snprintf(what, sizeof(what), "%s %.24s HTTP down/UPP", prefix, r->name);
    failures +=
        bench_budget(options, what, (double)r->counts.http_bytes_down / (double)r->upp_len, BUDGET_HTTP_DOWN_RATIO);
    if (bench_alloc_enabled()) {
        snprintf(what, sizeof(what), "%s %.24s IPA peak heap B", prefix, r->name);
        failures += bench_budget(options, what, (double)r->heap.peak, BUDGET_PEAK_BYTES);
    }
    return failures;
}

static double peak_growth(const struct download_row *small, const struct download_row *large)
{
    return small->heap.peak != 0 ? (double)large->heap.peak / (double)small->heap.peak : 0.0;
}

/* Indirect downloads of the smallest profile and its 8x version over one binding: 0 or -1. */
static int run_indirect(enum download_mode mode, const char *dir, size_t x8_len, struct download_row *rows)
{
    char label[96];
    if (run_one(SMALLEST, NULL, file_size(SMALLEST), mode, &rows[0]) != 0 ||
        run_one(SMALLEST "-X8", dir, x8_len, mode, &rows[1]) != 0)
        return -1;
    snprintf(label, sizeof(label), "%s %s", mode == MODE_INDIRECT_JSON ? "JSON" : "ASN.1", rows[0].name);
    print_row(label, &rows[0]);
    snprintf(label, sizeof(label), "%s %s", mode == MODE_INDIRECT_JSON ? "JSON" : "ASN.1", rows[1].name);
    print_row(label, &rows[1]);
    return 0;
}

int bench_download(const struct bench_options *options)
{
    static const unsigned factors[] = {2, 4, 8};
    size_t synthetic_len[3] = {0, 0, 0};
    char *names[MAX_PROFILES];
    struct download_row *rows = calloc(MAX_PROFILES + 3, sizeof(*rows));
    struct download_row indirect[4];
    char dir[] = "/tmp/sgp32-bench-XXXXXX";
    size_t count = 0, n, i, smallest = 0, largest = 0;
    int failures = 0, error = 0;
    n = list_profiles(names, MAX_PROFILES);
    if (rows == NULL || n == 0 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "download: no profiles or no temp dir\n");
        free(rows);
        return -1;
    }
    for (i = 0; i < 3 && !error; i++)
        error = write_synthetic(dir, factors[i], &synthetic_len[i]) != 0;
    print_header("Direct profile download (IPA core, ES9+ JSON, software eUICC)", "profile");
    for (i = 0; i < n && !error; i++) {
        if (options->quick && strcmp(names[i], SMALLEST) != 0)
            continue;
        error = run_one(names[i], NULL, file_size(names[i]), MODE_DIRECT, &rows[count]) != 0;
        if (!error) {
            print_row(rows[count].name, &rows[count]);
            count++;
        }
    }
    for (i = 0; i < 3 && !error; i++) {
        char name[96];
        if (options->quick && factors[i] != 8)
            continue;
        snprintf(name, sizeof(name), "%s-X%u", SMALLEST, factors[i]);
        error = run_one(name, dir, synthetic_len[i], MODE_DIRECT, &rows[count]) != 0;
        if (!error) {
            print_row(rows[count].name, &rows[count]);
            count++;
        }
    }
    for (i = 0; i < count; i++) {
        if (rows[i].upp_len < rows[smallest].upp_len)
            smallest = i;
        if (rows[i].upp_len > rows[largest].upp_len)
            largest = i;
    }
    if (!error && count > 0)
        printf("\nUPP B: profile size; APDU B^: C-APDU bytes; HTTP B^ / Bv: request / response body bytes; allocs,\n"
               "peak B: the IPA's own allocations and peak live heap during the download (the IPA idle before it:\n"
               "%zu B live); pk/UP: peak heap over profile size. Largest/smallest profile: size x%.2f, IPA peak\n"
               "heap x%.3f.\n",
               rows[smallest].baseline, (double)rows[largest].upp_len / (double)rows[smallest].upp_len,
               peak_growth(&rows[smallest], &rows[largest]));
    if (!error) {
        print_header("Indirect profile download (eIM trigger, ESipa, the eIM relaying to the SM-DP+)",
                     "binding profile");
        error = run_indirect(MODE_INDIRECT_ASN1, dir, synthetic_len[2], &indirect[0]) != 0 ||
                run_indirect(MODE_INDIRECT_JSON, dir, synthetic_len[2], &indirect[2]) != 0;
    }
    if (!error)
        printf("\nIPA peak heap, 8x profile over the smallest: ESipa ASN.1 x%.3f (streamed), ESipa JSON x%.3f (the\n"
               "JSON answer is collected whole before it is walked: docs/ipa.md).\n",
               peak_growth(&indirect[0], &indirect[1]), peak_growth(&indirect[2], &indirect[3]));
    for (i = 0; i < 3; i++) {
        char path[96];
        snprintf(path, sizeof(path), "%s/%s-X%u.der", dir, SMALLEST, factors[i]);
        remove(path);
    }
    rmdir(dir);
    for (i = 0; i < n; i++)
        free(names[i]);
    if (error || count == 0) {
        free(rows);
        return -1;
    }
    for (i = 0; i < count; i++)
        failures += row_budgets(options, &rows[i]);
    failures += row_budgets(options, &indirect[0]) + row_budgets(options, &indirect[1]);
    if (bench_alloc_enabled()) {
        failures += bench_budget(options, "download direct peak heap largest/smallest",
                                 peak_growth(&rows[smallest], &rows[largest]), BUDGET_PEAK_GROWTH);
        failures += bench_budget(options, "download ESipa ASN.1 peak heap 8x/smallest",
                                 peak_growth(&indirect[0], &indirect[1]), BUDGET_PEAK_GROWTH);
    }
    free(rows);
    return failures;
}
