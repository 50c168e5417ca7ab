/* SPDX-License-Identifier: MIT */
/*
 * Direct profile download (SGP.22 3.1.3 through the IPA core, ES9+ JSON to the in-process SM-DP+, ES10b
 * to the software eUICC) of each TS.48 profile in shared/profiles, plus synthetic profiles 2x, 4x and 8x
 * the smallest one (its ProfileHeader followed by its other PEs repeated: the SM-DP+ and the card read
 * only the header's ICCID). Per download: C-APDUs, STORE DATA blocks, HTTP requests and body bytes, and
 * the IPA's own heap (allocations and peak live bytes, bench_alloc.h). The IPA streams the Bound
 * Profile Package to the eUICC segment by segment, so its peak heap must not follow the profile size.
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

struct download_row {
    char name[64];
    size_t upp_len;
    struct bench_counts counts;
    size_t es9_requests;
    struct bench_heap heap;
    size_t baseline; /* the IPA's live heap when idle, before the download */
};

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
static int run_one(const char *name, const char *smdp_dir, size_t upp_len, struct download_row *row)
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
    if (smdp_dir != NULL) {
        struct ipa_smdp_options o;
        memset(&o, 0, sizeof(o));
        o.pki_dir = f->pki_dir;
        o.profiles_dir = smdp_dir;
        o.address = f->smdp_address;
        if (ipa_smdp_new(&o, &smdp) != SGP32_OK ||
            ipa_http_peer_route(f->http, ES9_PREFIX, ipa_smdp_handler, smdp) != SGP32_OK)
            goto out;
    }
    bench_meter_install(meter, f);
    if (bench_meter_ipa_new(meter) != SGP32_OK || bench_meter_run(meter, 1000) != 0) { /* the first eIM poll */
        fprintf(stderr, "download %s: the IPA did not start\n", name);
        goto out;
    }
    before = meter->counts;
    requests_before = ipa_http_peer_count(f->http, ES9_PREFIX);
    bench_alloc_stats(BENCH_OWNER_MEASURED, &heap);
    row->baseline = heap.live;
    bench_alloc_reset(BENCH_OWNER_MEASURED);
    snprintf(activation_code, sizeof(activation_code), "1$%s$%s", f->smdp_address, name);
    {
        enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
        enum sgp32_status st = sgp32_ipa_download(f->ipa, activation_code, NULL);
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
    row->counts = meter->counts;
    row->counts.apdus -= before.apdus;
    row->counts.store_data -= before.store_data;
    row->counts.apdu_bytes_up -= before.apdu_bytes_up;
    row->counts.apdu_bytes_down -= before.apdu_bytes_down;
    row->counts.http_requests -= before.http_requests;
    row->counts.http_bytes_up -= before.http_bytes_up;
    row->counts.http_bytes_down -= before.http_bytes_down;
    row->counts.polls -= before.polls;
    row->es9_requests = ipa_http_peer_count(f->http, ES9_PREFIX) - requests_before;
    for (i = 0; i < ipa_http_peer_request_count(f->http); i++)
        if (ipa_http_peer_request(f->http, i)->status != SGP32_OK)
            fprintf(stderr, "download %s: request %zu failed\n", name, i);
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

static void print_row(const struct download_row *r)
{
    printf("| %-34s | %6zu | %5zu | %5zu | %7zu | %4zu | %7zu | %7zu | %6zu | %6zu | %5.2f |\n", r->name, r->upp_len,
           r->counts.apdus, r->counts.store_data, r->counts.apdu_bytes_up, r->counts.http_requests,
           r->counts.http_bytes_up, r->counts.http_bytes_down, r->heap.allocations, r->heap.peak,
           r->upp_len != 0 ? (double)r->heap.peak / (double)r->upp_len : 0.0);
}

int bench_download(const struct bench_options *options)
{
    static const unsigned factors[] = {2, 4, 8};
    char *names[MAX_PROFILES];
    struct download_row *rows = calloc(MAX_PROFILES + 3, sizeof(*rows));
    char dir[] = "/tmp/sgp32-bench-XXXXXX";
    size_t count = 0, n, i, smallest = 0, largest = 0;
    int failures = 0, error = 0;
    n = list_profiles(names, MAX_PROFILES);
    if (rows == NULL || n == 0 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "download: no profiles or no temp dir\n");
        free(rows);
        return -1;
    }
    printf("\n## Direct profile download (IPA core, ES9+ JSON, software eUICC)\n\n");
    printf("| %-34s | %6s | %5s | %5s | %7s | %4s | %7s | %7s | %6s | %6s | %5s |\n", "profile", "UPP B", "APDUs",
           "STORE", "APDU B^", "HTTP", "HTTP B^", "HTTP Bv", "allocs", "peak B", "pk/UP");
    printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------", "--------", "-------",
           "-------", "---------", "------", "---------", "---------", "--------", "--------", "-------");
    for (i = 0; i < n && !error; i++) {
        if (options->quick && strcmp(names[i], SMALLEST) != 0)
            continue;
        if (run_one(names[i], NULL, file_size(names[i]), &rows[count]) != 0)
            error = 1;
        else
            print_row(&rows[count++]);
    }
    for (i = 0; i < sizeof(factors) / sizeof(factors[0]) && !error; i++) {
        char name[96];
        size_t len = 0;
        if (options->quick && factors[i] != 8)
            continue;
        snprintf(name, sizeof(name), "%s-X%u", SMALLEST, factors[i]);
        if (write_synthetic(dir, factors[i], &len) != 0 || run_one(name, dir, len, &rows[count]) != 0)
            error = 1;
        else
            print_row(&rows[count++]);
        snprintf(name, sizeof(name), "%s/%s-X%u.der", dir, SMALLEST, factors[i]);
        remove(name);
    }
    rmdir(dir);
    for (i = 0; i < n; i++)
        free(names[i]);
    if (error || count == 0) {
        free(rows);
        return -1;
    }
    for (i = 0; i < count; i++) {
        if (rows[i].upp_len < rows[smallest].upp_len)
            smallest = i;
        if (rows[i].upp_len > rows[largest].upp_len)
            largest = i;
    }
    printf(
        "\nUPP B: profile size; APDU B^: C-APDU bytes; HTTP B^ / Bv: request / response body bytes; allocs, peak B:\n"
        "the IPA's own allocations and peak live heap during the download (IPA idle before it: %zu B live);\n"
        "pk/UP: peak heap over profile size. Largest/smallest profile: size x%.2f, IPA peak heap x%.3f.\n",
        rows[smallest].baseline, (double)rows[largest].upp_len / (double)rows[smallest].upp_len,
        rows[smallest].heap.peak != 0 ? (double)rows[largest].heap.peak / (double)rows[smallest].heap.peak : 0.0);
    for (i = 0; i < count; i++) {
        char what[96];
        double kb = (double)rows[i].upp_len / 1024.0;
        snprintf(what, sizeof(what), "download %.24s APDUs/KB", rows[i].name);
        failures += bench_budget(options, what, (double)rows[i].counts.apdus / kb, BUDGET_APDUS_PER_KB);
        snprintf(what, sizeof(what), "download %.24s STORE DATA/KB", rows[i].name);
        failures += bench_budget(options, what, (double)rows[i].counts.store_data / kb, BUDGET_STORE_DATA_PER_KB);
        snprintf(what, sizeof(what), "download %.24s HTTP down/UPP", rows[i].name);
        failures += bench_budget(options, what, (double)rows[i].counts.http_bytes_down / (double)rows[i].upp_len,
                                 BUDGET_HTTP_DOWN_RATIO);
        if (bench_alloc_enabled()) {
            snprintf(what, sizeof(what), "download %.24s IPA peak heap B", rows[i].name);
            failures += bench_budget(options, what, (double)rows[i].heap.peak, BUDGET_PEAK_BYTES);
        }
    }
    if (bench_alloc_enabled())
        failures +=
            bench_budget(options, "download peak heap largest/smallest profile",
                         (double)rows[largest].heap.peak / (double)rows[smallest].heap.peak, BUDGET_PEAK_GROWTH);
    free(rows);
    return failures;
}
