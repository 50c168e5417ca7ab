/* SPDX-License-Identifier: MIT */
/*
 * The streaming TLV reader, fed the input in chunks of pseudo-random sizes with pseudo-random decisions
 * (both derived from the input, so that the whole input stays the stream and the shared DER vectors
 * are good seeds). Invariants: no out-of-bounds access (the capture buffer is an exact-size heap block
 * and each chunk a private copy, freed after use), every event shows exactly the input bytes at its
 * offset and the events cover the consumed input without gaps; with enter-only decisions and a buffer
 * as large as the input, the reader accepts exactly what sgp32_tlv_check() accepts and refuses as
 * malformed what it refuses as malformed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgp32/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xorshift32: the chunking and decisions, seeded from the input. */
static uint32_t next_random(uint32_t *seed)
{
    uint32_t x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return x;
}

static void check_event(const struct sgp32_tlv_event *ev, const uint8_t *data, size_t consumed, size_t *covered)
{
    if (ev->data_len == 0)
        return;
    /* Only bytes already consumed, no gap after what earlier events showed, the same bytes. */
    if (ev->data == NULL || ev->offset > *covered || ev->offset + ev->data_len > consumed ||
        memcmp(ev->data, data + ev->offset, ev->data_len) != 0)
        abort();
    if (ev->offset + ev->data_len > *covered)
        *covered = ev->offset + ev->data_len;
}

/* A random decision on a HEADER; when it is refused, skip, then enter. 0 if nothing is allowed. */
static int decide(struct sgp32_tlv_reader *r, uint32_t *seed)
{
    uint32_t choice = next_random(seed) % 3u;
    enum sgp32_status st = SGP32_ERR_STATE;
    if (choice == 0)
        st = sgp32_tlv_reader_enter(r);
    else if (choice == 1)
        st = sgp32_tlv_reader_capture(r);
    if (st != SGP32_OK)
        st = sgp32_tlv_reader_skip(r);
    if (st != SGP32_OK)
        st = sgp32_tlv_reader_enter(r);
    return st == SGP32_OK;
}

/* Streams data[0..size) through a reader; random_decisions 0 leaves every HEADER undecided (entered).
 * Returns SGP32_OK for DONE, else the status that ended the run; *consumed_out the bytes consumed. */
static enum sgp32_status run(const uint8_t *data, size_t size, uint32_t seed, size_t capacity, unsigned max_depth,
                             int random_decisions, size_t *consumed_out)
{
    struct sgp32_tlv_reader r;
    uint8_t *buffer = malloc(capacity > 0 ? capacity : 1);
    size_t consumed = 0, covered = 0;
    enum sgp32_status st = SGP32_ERR_NEED_MORE;
    int done = 0;

    sgp32_tlv_reader_init(&r, buffer, capacity, max_depth);
    while (!done && st == SGP32_ERR_NEED_MORE && consumed < size) {
        size_t n = 1 + next_random(&seed) % 64u;
        uint8_t *piece;
        const uint8_t *in;
        size_t in_len;
        struct sgp32_tlv_event ev;

        if (n > size - consumed)
            n = size - consumed;
        piece = malloc(n);
        memcpy(piece, data + consumed, n);
        in = piece;
        in_len = n;
        for (;;) {
            st = sgp32_tlv_reader_next(&r, &in, &in_len, &ev);
            /* The reader consumes from the front of the chunk only. */
            if (in_len > n || in != piece + (n - in_len))
                abort();
            if (st == SGP32_ERR_TOO_LARGE) {
                /* A primitive too large for the buffer: its header is shown, skip() must work. */
                check_event(&ev, data, consumed + (n - in_len), &covered);
                if (ev.type != SGP32_TLV_EVENT_HEADER || sgp32_tlv_reader_skip(&r) != SGP32_OK)
                    abort();
                continue;
            }
            if (st != SGP32_OK)
                break;
            check_event(&ev, data, consumed + (n - in_len), &covered);
            if (ev.type == SGP32_TLV_EVENT_DONE) {
                done = 1;
                break;
            }
            if (ev.type == SGP32_TLV_EVENT_HEADER && random_decisions && !decide(&r, &seed)) {
                st = SGP32_ERR_STATE;
                break;
            }
        }
        consumed += n - in_len;
        free(piece);
    }
    if (done) {
        /* Every consumed byte has been shown by some event, and the stream may end here. */
        if (covered != consumed || sgp32_tlv_reader_finish(&r) != SGP32_OK)
            abort();
        st = SGP32_OK;
    } else if (st == SGP32_ERR_NEED_MORE) {
        st = sgp32_tlv_reader_finish(&r);
        if (st == SGP32_OK)
            abort(); /* complete, yet DONE never came */
    }
    free(buffer);
    *consumed_out = consumed;
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seed = 0x9E3779B9u ^ (uint32_t)size;
    size_t i, consumed = 0, element_len = 0;
    enum sgp32_status st, check;

    for (i = 0; i < size && i < 16; i++)
        seed = seed * 31u + data[i];
    if (seed == 0)
        seed = 1;

    /* Random chunks, decisions, buffer size and depth. */
    (void)run(data, size, seed, size == 0 ? 0 : seed % (size + 1), 1 + seed % SGP32_TLV_READER_DEPTH_CAP, 1, &consumed);

    /* Enter everything with a buffer as large as the input: the same verdict as the whole-buffer check. */
    st = run(data, size, seed, size, SGP32_TLV_READER_DEPTH_CAP, 0, &consumed);
    check = sgp32_tlv_check(data, size, SGP32_TLV_READER_DEPTH_CAP, 0, &element_len);
    if ((st == SGP32_OK) != (check == SGP32_OK))
        abort();
    if (st == SGP32_OK && consumed != element_len)
        abort();
    /* Malformed whatever follows for the whole-buffer check is malformed for the reader too (the reader
     * may say DECODE where the check says TRUNCATED: it knows the lengths before the bytes arrive). */
    if (check == SGP32_ERR_DECODE && st != SGP32_ERR_DECODE)
        abort();
    return 0;
}
