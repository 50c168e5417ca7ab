/* SPDX-License-Identifier: MIT */
/*
 * A meter in front of an IPA fixture's platform (tests/ipa/support/ipa_fixture.h): it counts the
 * C-APDUs the IPA sends (STORE DATA apart) with their bytes, the HTTP requests with the bytes up
 * (request bodies) and down (bytes the IPA's sink received), and keeps the allocation owner
 * (bench_alloc.h) on "measured" while the IPA's own code runs and on "other" inside the card, the
 * HTTP peer (the eIM / SM-DP+ answer from its poll) and the host callbacks.
 */
#ifndef SGP32_BENCH_METER_H
#define SGP32_BENCH_METER_H

#include <stddef.h>
#include <stdint.h>

#include "ipa_fixture.h"

struct bench_counts {
    size_t apdus;           /* C-APDUs transmitted */
    size_t store_data;      /* of which STORE DATA (INS E2) */
    size_t apdu_bytes_up;   /* C-APDU bytes */
    size_t apdu_bytes_down; /* R-APDU bytes (SW included) */
    size_t http_requests;
    size_t http_bytes_up;   /* request bodies */
    size_t http_bytes_down; /* response body bytes delivered to the IPA */
    size_t polls;           /* sgp32_ipa_poll() calls by bench_meter_run() */
};

#define BENCH_METER_SINKS 16u

struct bench_sink_slot {
    struct bench_meter *meter;
    sgp32_http_body_sink sink;
    void *sink_user;
    int used;
};

struct bench_meter {
    struct ipa_fixture *f;
    struct sgp32_platform inner; /* the fixture's platform as it was */
    struct sgp32_apdu_transport_ops apdu_ops;
    struct sgp32_http_ops http_ops;
    struct bench_counts counts;
    struct bench_sink_slot sinks[BENCH_METER_SINKS];
};

/* Puts the meter in front of f->platform (before ipa_fixture_ipa_new()); it must stay in place (and
 * the fixture alive) as long as that IPA. */
void bench_meter_install(struct bench_meter *meter, struct ipa_fixture *f);
/* ipa_fixture_ipa_new() with the IPA's allocations charged to the measured owner. */
enum sgp32_status bench_meter_ipa_new(struct bench_meter *meter);
/* sgp32_ipa_free() likewise. */
void bench_meter_ipa_free(struct bench_meter *meter);
/* Polls (measured owner) until the IPA is idle, FAILED polls included, advancing the fake clock by
 * each wait_ms: 0, or -1 if it is still busy after max_polls. */
int bench_meter_run(struct bench_meter *meter, long max_polls);
/* The counts from before to now (each field now - before): what one measured step cost. */
struct bench_counts bench_counts_since(const struct bench_counts *now, const struct bench_counts *before);

#endif
