/* SPDX-License-Identifier: MIT */
/*
 * Heap accounting for the benchmarks: bench_alloc.c replaces malloc / free / calloc / realloc (and the
 * aligned variants) for the whole process (glibc allows an executable to do so), puts a small header in
 * front of every block and charges it to the "owner" current at allocation time. The benchmarks switch
 * the owner around the code they measure (the IPA core) and around what it calls (the card, the HTTP
 * peer and the servers behind it, the host's storage and log), so the IPA's own heap (its state, the
 * ASN.1 runtime's values, its buffers) is counted apart from the in-process peers'.
 *
 * Sanitizer builds keep their own allocator: bench_alloc_enabled() is then 0 and every figure is 0.
 */
#ifndef SGP32_BENCH_ALLOC_H
#define SGP32_BENCH_ALLOC_H

#include <stddef.h>

enum bench_owner {
    BENCH_OWNER_OTHER = 0, /* the harness: card, peers, servers, host (the default) */
    BENCH_OWNER_MEASURED = 1,
    BENCH_OWNER_COUNT = 2
};

struct bench_heap {
    size_t allocations; /* malloc / calloc / realloc / aligned calls that returned a block */
    size_t frees;       /* blocks released (free, or realloc moving / shrinking to 0) */
    size_t bytes;       /* requested bytes in total (a realloc counts its new size) */
    size_t live;        /* requested bytes of the blocks still allocated */
    size_t peak;        /* highest `live` since the last bench_alloc_reset() */
};

/* 1 when the interposer is active (not a sanitizer build). */
int bench_alloc_enabled(void);
/* Sets the owner of the allocations that follow; returns the previous one. */
enum bench_owner bench_alloc_owner(enum bench_owner owner);
/* Counters of one owner. */
void bench_alloc_stats(enum bench_owner owner, struct bench_heap *out);
/* Zeroes allocations / frees / bytes and sets peak = live (the live blocks stay accounted). */
void bench_alloc_reset(enum bench_owner owner);

#endif
