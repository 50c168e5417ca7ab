/* SPDX-License-Identifier: MIT */
/* What the PC/SC check programs (pcsc_es10_check, pcsc_timeout_check) share: CHECK, which prints
 * "ok: ..." or "FAIL (file:line): ..." and counts failures in the program's own `failures`, and a
 * monotonic clock in milliseconds. Include after defining _POSIX_C_SOURCE (clock_gettime). */
#ifndef PCSC_CHECK_H
#define PCSC_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            printf("ok: ");                                                                                            \
        } else {                                                                                                       \
            printf("FAIL (%s:%d): ", __FILE__, __LINE__);                                                              \
            failures++;                                                                                                \
        }                                                                                                              \
        printf(__VA_ARGS__);                                                                                           \
        printf("\n");                                                                                                  \
        fflush(stdout);                                                                                                \
    } while (0)

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif
