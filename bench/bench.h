/* SPDX-License-Identifier: MIT */
/*
 * sgp32-bench: deterministic benchmarks of libsgp32 (docs/benchmarks.md). Everything is a count (APDUs,
 * STORE DATA blocks, HTTP bytes, allocations, peak heap bytes) or a ratio of counts, never a time:
 * the same build gives the same figures on any machine, so budgets on them can be checked in ctest.
 */
#ifndef SGP32_BENCH_H
#define SGP32_BENCH_H

#include <stddef.h>

struct bench_options {
    int check; /* 1: check the budgets, print every violation */
    int quick; /* 1: the smoke subset (smallest profile and the largest synthetic one) */
};

/* Each prints its table and returns the number of budgets exceeded (checked only with options->check),
 * or -1 when the scenario itself failed (a download not installed, a vector not re-encoding ...). */
int bench_download(const struct bench_options *options);
int bench_eim(const struct bench_options *options);
int bench_codec(const struct bench_options *options);

/* A budget: prints "budget <what>: <value> <= <limit> ok|EXCEEDED" and returns 0 or 1. */
int bench_budget(const struct bench_options *options, const char *what, double value, double limit);

/* The path of a file in the shared reference directory (SGP32_SHARED_DIR). */
void bench_shared_path(const char *relative, char *out, size_t cap);

#endif
