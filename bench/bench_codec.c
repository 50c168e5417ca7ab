/* SPDX-License-Identifier: MIT */
/*
 * The codec (lib/codec over the asn1c runtime) on the known vectors of shared/vectors and shared/certs:
 * strict DER decode and re-encode of an AddInitialEimRequest, the eIM's certificate, a complete Bound
 * Profile Package and its unprotected profile (a sequence of ProfileElements, decoded one by one as the
 * card does). Counted: heap allocations and bytes of the decode (the value tree) and of the encode, the
 * peak live heap, and whether the re-encoding is byte-identical. Instruction counts need a profiler
 * (callgrind: docs/benchmarks.md); these counts need none. Each vector is measured on its second round
 * trip (the first one also builds the runtime's lazily initialised tables).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_alloc.h"
#include "codec/pem.h"
#include "ipa_fixture.h"
#include "sgp32/codec.h"

struct vector {
    const char *type;
    const char *file; /* in shared/ */
    int pem;          /* a PEM certificate */
    int sequence;     /* a concatenation of `type` values (a UPP: ProfileElements) */
    /* budgets (measured on x86-64 with about 30 % margin, docs/benchmarks.md) */
    size_t max_decode_allocs;
    size_t max_peak;
};

static const struct vector vectors[] = {
    {"AddInitialEimRequest", "vectors/sample_eim_cfg.AddInitialEimRequest.ber", 0, 0, 24, 2000},     /* 16, 1371 */
    {"Certificate", "certs/eim-sample/sample_eim_cert_nist.crt", 1, 0, 112, 4500},                   /* 84, 3250 */
    {"BoundProfilePackage", "vectors/bsp/bpp_decode_test.BoundProfilePackage.der", 0, 0, 64, 52000}, /* 44 */
    {"ProfileElement", "vectors/bsp/bpp_decode_test.expected_upp.der", 0, 1, 5400, 50000},           /* 4128 */
};

struct codec_row {
    size_t input, values, decode_allocs, decode_bytes, encode_allocs, encode_bytes, peak;
    int identical;
};

/* Decodes one value at data, re-encodes it, compares; *consumed: its length. */
static int round_trip(const struct sgp32_codec_type *type, const uint8_t *data, size_t len, size_t *consumed,
                      struct codec_row *row)
{
    const struct sgp32_decode_options options = {SGP32_DECODE_DER | SGP32_DECODE_ALLOW_TRAILING, 0, 1024u * 1024u};
    struct bench_heap heap;
    void *value = NULL;
    uint8_t *again = NULL;
    size_t again_len = 0;
    enum sgp32_status st;
    enum bench_owner owner;
    bench_alloc_stats(BENCH_OWNER_MEASURED, &heap);
    owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    st = sgp32_decode(type, data, len, &options, &value, consumed);
    bench_alloc_owner(owner);
    {
        struct bench_heap after;
        bench_alloc_stats(BENCH_OWNER_MEASURED, &after);
        row->decode_allocs += after.allocations - heap.allocations;
        row->decode_bytes += after.bytes - heap.bytes;
        heap = after;
    }
    if (st != SGP32_OK || *consumed == 0)
        return -1;
    owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    st = sgp32_encode_der_alloc(type, value, &again, &again_len);
    bench_alloc_owner(owner);
    {
        struct bench_heap after;
        bench_alloc_stats(BENCH_OWNER_MEASURED, &after);
        row->encode_allocs += after.allocations - heap.allocations;
        row->encode_bytes += after.bytes - heap.bytes;
    }
    if (st == SGP32_OK && (again_len != *consumed || memcmp(again, data, again_len) != 0))
        row->identical = 0;
    owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    sgp32_buffer_free(again);
    sgp32_codec_free(type, value);
    bench_alloc_owner(owner);
    row->values++;
    return st == SGP32_OK ? 0 : -1;
}

static int run_vector(const struct vector *v, struct codec_row *row)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(v->type);
    char path[512];
    uint8_t *data = NULL;
    size_t len = 0, at = 0;
    struct bench_heap heap;
    int ok = 1;
    memset(row, 0, sizeof(*row));
    row->identical = 1;
    bench_shared_path(v->file, path, sizeof(path));
    if (type == NULL || ipa_read_file(path, &data, &len) != 0)
        return -1;
    if (v->pem && (!sgp32_pem_present((const char *)data, len) ||
                   sgp32_pem_decode((const char *)data, len, "CERTIFICATE", data, len, &len) != SGP32_OK)) {
        free(data);
        return -1;
    }
    row->input = len;
    bench_alloc_reset(BENCH_OWNER_MEASURED);
    bench_alloc_stats(BENCH_OWNER_MEASURED, &heap);
    while (ok && at < len) {
        size_t consumed = 0;
        ok = round_trip(type, data + at, len - at, &consumed, row) == 0;
        at += consumed;
        if (!v->sequence)
            break;
    }
    if (at != len)
        ok = 0;
    {
        struct bench_heap after;
        bench_alloc_stats(BENCH_OWNER_MEASURED, &after);
        row->peak = after.peak - heap.live;
    }
    free(data);
    return ok ? 0 : -1;
}

int bench_codec(const struct bench_options *options)
{
    struct codec_row rows[sizeof(vectors) / sizeof(vectors[0])];
    size_t i;
    int failures = 0;
    printf("\n## Codec: strict DER decode + re-encode of the known vectors\n\n");
    printf("| %-20s | %6s | %4s | %6s | %7s | %6s | %7s | %6s | %7s | %5s | %4s |\n", "type", "in B", "vals", "d allc",
           "d B", "e allc", "e B", "peak B", "allc/KB", "pk/in", "same");
    printf("|----------------------|--------|------|--------|---------|--------|---------|--------|---------|-------|"
           "------|\n");
    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        struct codec_row *r = &rows[i];
        /* the first round trip of a type also fills the runtime's lazily built tables: measure the
         * second (the steady state), so the figures do not depend on what ran before */
        if (run_vector(&vectors[i], r) != 0 || run_vector(&vectors[i], r) != 0) {
            fprintf(stderr, "codec: %s (%s) does not decode and re-encode\n", vectors[i].type, vectors[i].file);
            return -1;
        }
        printf("| %-20s | %6zu | %4zu | %6zu | %7zu | %6zu | %7zu | %6zu | %7.2f | %5.2f | %4s |\n", vectors[i].type,
               r->input, r->values, r->decode_allocs, r->decode_bytes, r->encode_allocs, r->encode_bytes, r->peak,
               (double)r->decode_allocs * 1024.0 / (double)r->input, (double)r->peak / (double)r->input,
               r->identical ? "yes" : "NO");
    }
    printf("\nd / e: decode / encode; allocs and bytes requested; peak B: live heap above the start; allc/KB:\n"
           "decode allocations per KB of input; pk/in: peak over input; same: re-encoding byte-identical.\n");
    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        char what[96];
        snprintf(what, sizeof(what), "codec %s re-encodes identical", vectors[i].type);
        failures += bench_budget(options, what, rows[i].identical ? 0.0 : 1.0, 0.0);
    }
    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]) && bench_alloc_enabled(); i++) {
        char what[96];
        snprintf(what, sizeof(what), "codec %s decode allocations", vectors[i].type);
        failures += bench_budget(options, what, (double)rows[i].decode_allocs, (double)vectors[i].max_decode_allocs);
        snprintf(what, sizeof(what), "codec %s peak heap B", vectors[i].type);
        failures += bench_budget(options, what, (double)rows[i].peak, (double)vectors[i].max_peak);
    }
    return failures;
}
