/* SPDX-License-Identifier: MIT */
/* Deadlines for the POSIX transports (AT, QMI, PC/SC, vpcd): a monotonic clock in milliseconds and the
 * time left until a deadline, clamped so it fits poll()'s int and PC/SC's DWORD timeouts. */
#ifndef SGP32_TRANSPORTS_COMMON_DEADLINE_H
#define SGP32_TRANSPORTS_COMMON_DEADLINE_H

#include <stdint.h>
#include <time.h>

/* Longest single wait handed to the system (about 24 days: poll() takes an int). */
#define TRANSPORT_MAX_WAIT_MS 0x7FFFFFFFu

static inline uint64_t transport_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds left until `deadline` (a transport_now_ms() value), 0 once it has passed. */
static inline uint32_t transport_remaining_ms(uint64_t deadline)
{
    uint64_t now = transport_now_ms();
    if (now >= deadline)
        return 0;
    return deadline - now > TRANSPORT_MAX_WAIT_MS ? TRANSPORT_MAX_WAIT_MS : (uint32_t)(deadline - now);
}

#endif
