/* SPDX-License-Identifier: MIT */
/*
 * The eIM package round trip through the IPA core (SGP.32 3.3 / 3.4, 2.11.1): GetEimPackage ->
 * ES10b.LoadEuiccPackage (an enable PSMO of a preloaded profile) -> ProvideEimPackageResult (the signed
 * result and the enable's notification) -> the eIM's acknowledgements -> RemoveNotificationFromList,
 * then the next GetEimPackage (none left). Once over the ESipa ASN.1 binding (6.1) and once over the
 * JSON binding (6.2), against the same scripted eIM: C-APDUs, bytes of each HTTP exchange, the IPA's
 * heap, and the JSON / ASN.1 body size ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_alloc.h"
#include "bench_meter.h"
#include "eim_core.h"
#include "remote/esipa_asn1.h"

/* ---- Budgets (measured on x86-64, docs/benchmarks.md; margins of about 30-60 %) ---- */
#define BUDGET_APDUS 16.0         /* C-APDUs of the whole round trip (measured 11, 7 of them STORE DATA) */
#define BUDGET_HTTP_REQUESTS 3.0  /* GetEimPackage, ProvideEimPackageResult, GetEimPackage: exactly */
#define BUDGET_ASN1_BYTES 2200.0  /* ASN.1 binding, body bytes up + down (measured 1561) */
#define BUDGET_JSON_RATIO 2.0     /* JSON over ASN.1 body bytes (base64 and names; measured 1.55) */
#define BUDGET_PEAK_BYTES 24000.0 /* the IPA's peak heap (measured 14.8 KB) */

static const uint8_t ICCID[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};

struct eim_run {
    struct bench_counts counts;
    struct bench_heap heap;
    size_t up, down; /* ESipa body bytes */
};

/* A disabled operational profile on the card whose notifications go to the eIM (SGP.22 ProfileInfo). */
static enum sgp32_status preload(struct ipa_fixture *f)
{
    static const uint8_t rest[] = {0x4F, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0x89, 0x00, 0x00, 0x10, 0x01, 0x95, 0x01, 0x02, /* profileClass operational */
                                   0xB6, 0x16, 0x30, 0x14, 0x80, 0x02, 0x04, 0xF0, 0x81, 0x0E, '1',  '2',
                                   '7',  '.',  '0',  '.',  '0',  '.',  '1',  ':',  '8',  '0',  '0',  '0'};
    uint8_t info[96];
    size_t n = 0;
    info[n++] = 0xE3;
    info[n++] = (uint8_t)(12 + sizeof(rest));
    info[n++] = 0x5A;
    info[n++] = 10;
    memcpy(info + n, ICCID, 10);
    n += 10;
    memcpy(info + n, rest, sizeof(rest));
    n += sizeof(rest);
    return sgp32_softeuicc_preload_profile(f->card, info, n);
}

static int run_binding(enum sgp32_ipa_binding binding, struct eim_run *run)
{
    const char *prefix = binding == SGP32_IPA_BINDING_JSON ? "/gsma/rsp2/esipa/" : "/gsma/rsp2/asn1";
    struct ipa_fixture *f = calloc(1, sizeof(*f));
    struct bench_meter *meter = calloc(1, sizeof(*meter));
    struct sgp32_eim_buffer psmo = {NULL, 0};
    struct bench_counts before;
    size_t first_request, first_received, i, k;
    int ok = 0;
    if (f == NULL || meter == NULL || ipa_fixture_setup(f, NULL) != SGP32_OK || preload(f) != SGP32_OK)
        goto out;
    f->config.binding = binding;
    bench_meter_install(meter, f);
    if (bench_meter_ipa_new(meter) != SGP32_OK || bench_meter_run(meter, 1000) != 0)
        goto out;
    /* the round trip proper */
    if (sgp32_eim_psmo_enable(ICCID, 0, &psmo) != SGP32_OK ||
        ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &psmo, 1, NULL) != SGP32_OK)
        goto out;
    before = meter->counts;
    first_request = ipa_http_peer_request_count(f->http);
    first_received = ipa_eim_received_count(f->eim);
    bench_alloc_reset(BENCH_OWNER_MEASURED);
    {
        enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
        enum sgp32_status st = sgp32_ipa_poll_eim_now(f->ipa);
        bench_alloc_owner(owner);
        if (st != SGP32_OK || bench_meter_run(meter, 1000) != 0)
            goto out;
    }
    bench_alloc_stats(BENCH_OWNER_MEASURED, &run->heap);
    if (ipa_eim_accepted_results(f->eim) != 1) {
        fprintf(stderr, "eim: the result was not accepted\n");
        goto out;
    }
    run->counts = bench_counts_since(&meter->counts, &before);
    run->up = run->down = 0;
    for (i = first_request, k = first_received; i < ipa_http_peer_request_count(f->http); i++) {
        const struct ipa_http_recorded *r = ipa_http_peer_request(f->http, i);
        const struct ipa_eim_received *received;
        if (strncmp(r->path, prefix, strlen(prefix)) != 0)
            continue;
        received = ipa_eim_received_at(f->eim, k++);
        printf("| %-5s | %-26s | %6zu | %6zu | %3d |\n", binding == SGP32_IPA_BINDING_JSON ? "JSON" : "ASN.1",
               received != NULL ? sgp32_esipa_message_name(received->message) : "?", r->body_len, r->delivered,
               r->http_status);
        run->up += r->body_len;
        run->down += r->delivered;
    }
    ok = 1;
out:
    sgp32_eim_buffer_free(&psmo);
    if (f != NULL && f->ipa != NULL && meter != NULL)
        bench_meter_ipa_free(meter);
    if (f != NULL)
        ipa_fixture_teardown(f);
    free(meter);
    free(f);
    return ok ? 0 : -1;
}

int bench_eim(const struct bench_options *options)
{
    struct eim_run asn1, json;
    int failures = 0;
    double ratio;
    printf("\n## eIM package round trip (enable PSMO, result + notification, acknowledgements)\n\n");
    printf("| %-5s | %-26s | %6s | %6s | %3s |\n", "bind.", "ESipa exchange", "B up", "B down", "HTTP");
    printf("|-------|----------------------------|--------|--------|-----|\n");
    memset(&asn1, 0, sizeof(asn1));
    memset(&json, 0, sizeof(json));
    if (run_binding(SGP32_IPA_BINDING_ASN1, &asn1) != 0 || run_binding(SGP32_IPA_BINDING_JSON, &json) != 0) {
        fprintf(stderr, "eim: the round trip failed\n");
        return -1;
    }
    ratio = (double)(json.up + json.down) / (double)(asn1.up + asn1.down);
    printf("\n| binding | APDUs | STORE | APDU B^ | APDU Bv | HTTP | body B^ | body Bv | allocs | peak B |\n");
    printf("|---------|-------|-------|---------|---------|------|---------|---------|--------|--------|\n");
    printf("| ASN.1   | %5zu | %5zu | %7zu | %7zu | %4zu | %7zu | %7zu | %6zu | %6zu |\n", asn1.counts.apdus,
           asn1.counts.store_data, asn1.counts.apdu_bytes_up, asn1.counts.apdu_bytes_down, asn1.counts.http_requests,
           asn1.up, asn1.down, asn1.heap.allocations, asn1.heap.peak);
    printf("| JSON    | %5zu | %5zu | %7zu | %7zu | %4zu | %7zu | %7zu | %6zu | %6zu |\n", json.counts.apdus,
           json.counts.store_data, json.counts.apdu_bytes_up, json.counts.apdu_bytes_down, json.counts.http_requests,
           json.up, json.down, json.heap.allocations, json.heap.peak);
    printf("\nJSON / ASN.1 body bytes: up x%.2f, down x%.2f, total x%.2f\n", (double)json.up / (double)asn1.up,
           (double)json.down / (double)asn1.down, ratio);
    failures += bench_budget(options, "eim ASN.1 APDUs", (double)asn1.counts.apdus, BUDGET_APDUS);
    failures += bench_budget(options, "eim JSON APDUs", (double)json.counts.apdus, BUDGET_APDUS);
    failures +=
        bench_budget(options, "eim ASN.1 HTTP requests", (double)asn1.counts.http_requests, BUDGET_HTTP_REQUESTS);
    failures +=
        bench_budget(options, "eim JSON HTTP requests", (double)json.counts.http_requests, BUDGET_HTTP_REQUESTS);
    failures += bench_budget(options, "eim ASN.1 body bytes", (double)(asn1.up + asn1.down), BUDGET_ASN1_BYTES);
    failures += bench_budget(options, "eim JSON/ASN.1 body bytes", ratio, BUDGET_JSON_RATIO);
    if (bench_alloc_enabled()) {
        failures += bench_budget(options, "eim ASN.1 IPA peak heap B", (double)asn1.heap.peak, BUDGET_PEAK_BYTES);
        failures += bench_budget(options, "eim JSON IPA peak heap B", (double)json.heap.peak, BUDGET_PEAK_BYTES);
    }
    return failures;
}
