/* SPDX-License-Identifier: MIT */
/*
 * The streaming BER-TLV reader: a real Bound Profile Package split into the SGP.22 2.5.5 segments
 * whatever the chunking, with a capture buffer the size of the largest segment; then the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgp32/tlv.h"

#define BPP_PATH SGP32_SHARED_DIR "/vectors/bsp/bpp_decode_test.BoundProfilePackage.der"
#define BPP_SIZE 12928u
/* The largest segment of that BPP: an 86 (a protected profile element block) of 4 + 1036 bytes. */
#define BPP_LARGEST_SEGMENT 1040u
#define MAX_SEGMENTS 64

static uint8_t *bpp;
static size_t bpp_len;

/* One SGP.22 2.5.5 segment: a header-only segment (an entered element) or a whole element. */
struct segment {
    int header_only;
    uint32_t tag;
    size_t offset;
    size_t len;
};

/* What a run saw: segments, END / DONE / PART counts, and the stream rebuilt from the events. */
struct run {
    struct segment segments[MAX_SEGMENTS];
    size_t segment_count;
    size_t ends;
    size_t parts;
    int done;
    uint8_t *rebuilt;
    size_t covered; /* rebuilt[0..covered) is known */
    enum sgp32_status final;
};

static int load_bpp(void **state)
{
    FILE *f = fopen(BPP_PATH, "rb");
    (void)state;
    if (f == NULL)
        return -1;
    bpp = malloc(BPP_SIZE + 1);
    bpp_len = fread(bpp, 1, BPP_SIZE + 1, f);
    fclose(f);
    return bpp_len == BPP_SIZE ? 0 : -1;
}

static int free_bpp(void **state)
{
    (void)state;
    free(bpp);
    return 0;
}

/* Every event shows stream bytes at its offset, without gaps: record them and compare with the source. */
static void record_bytes(struct run *run, const struct sgp32_tlv_event *ev, const uint8_t *source, size_t source_len)
{
    if (ev->data_len == 0)
        return;
    assert_non_null(ev->data);
    assert_true(ev->offset <= run->covered);
    assert_true(ev->offset + ev->data_len <= source_len);
    assert_memory_equal(ev->data, source + ev->offset, ev->data_len);
    memcpy(run->rebuilt + ev->offset, ev->data, ev->data_len);
    if (ev->offset + ev->data_len > run->covered)
        run->covered = ev->offset + ev->data_len;
}

static void add_segment(struct run *run, int header_only, const struct sgp32_tlv_event *ev)
{
    struct segment *s;
    assert_true(run->segment_count < MAX_SEGMENTS);
    s = &run->segments[run->segment_count++];
    s->header_only = header_only;
    s->tag = ev->header.tag;
    s->offset = ev->offset;
    s->len = ev->data_len;
}

/* The IPA's decisions (SGP.22 2.5.5): enter BF36, A1 and A3; capture BF23, A0 and A2 whole. A
 * primitive too large for the buffer is skipped (and so is a constructed element if skip_large). */
static void handle_event(struct sgp32_tlv_reader *r, struct run *run, const struct sgp32_tlv_event *ev,
                         enum sgp32_status st)
{
    if (st == SGP32_ERR_TOO_LARGE) {
        assert_int_equal(ev->type, SGP32_TLV_EVENT_HEADER);
        assert_int_equal(sgp32_tlv_reader_skip(r), SGP32_OK);
        return;
    }
    switch (ev->type) {
    case SGP32_TLV_EVENT_HEADER:
        assert_true(ev->header.constructed);
        if (ev->header.tag == 0xBF36 || ev->header.tag == 0xA1 || ev->header.tag == 0xA3) {
            assert_int_equal(sgp32_tlv_reader_enter(r), SGP32_OK);
            add_segment(run, 1, ev);
        } else {
            st = sgp32_tlv_reader_capture(r);
            if (st == SGP32_ERR_TOO_LARGE)
                st = sgp32_tlv_reader_skip(r);
            assert_int_equal(st, SGP32_OK);
        }
        break;
    case SGP32_TLV_EVENT_ELEMENT:
        assert_int_equal(ev->data_len, ev->header.header_len + ev->header.length);
        add_segment(run, 0, ev);
        break;
    case SGP32_TLV_EVENT_PART:
        run->parts++;
        break;
    case SGP32_TLV_EVENT_END:
        run->ends++;
        break;
    case SGP32_TLV_EVENT_DONE:
        run->done++;
        break;
    default:
        fail_msg("unknown event %d", (int)ev->type);
    }
}

/* Streams source in chunks of `chunk` bytes (0: all at once) through a reader whose capture buffer is
 * a heap block of exactly `capacity` bytes (so that ASan sees any overrun). */
static void stream(struct run *run, const uint8_t *source, size_t source_len, size_t chunk, size_t capacity,
                   unsigned max_depth)
{
    struct sgp32_tlv_reader r;
    uint8_t *buffer = malloc(capacity > 0 ? capacity : 1);
    size_t fed = 0;

    memset(run, 0, sizeof(*run));
    run->rebuilt = calloc(source_len + 1, 1);
    sgp32_tlv_reader_init(&r, buffer, capacity, max_depth);
    run->final = SGP32_ERR_NEED_MORE;
    while (fed < source_len && run->final == SGP32_ERR_NEED_MORE) {
        size_t n = (chunk == 0 || chunk > source_len - fed) ? source_len - fed : chunk;
        /* A private copy of each chunk, freed afterwards: PART data must not outlive its input. */
        uint8_t *piece = malloc(n);
        const uint8_t *in = piece;
        size_t in_len = n;
        struct sgp32_tlv_event ev;
        enum sgp32_status st;

        memcpy(piece, source + fed, n);
        while ((st = sgp32_tlv_reader_next(&r, &in, &in_len, &ev)) == SGP32_OK || st == SGP32_ERR_TOO_LARGE) {
            record_bytes(run, &ev, source, source_len);
            handle_event(&r, run, &ev, st);
        }
        fed += n - in_len;
        free(piece);
        run->final = st;
        if (st == SGP32_ERR_NEED_MORE)
            assert_int_equal(in_len, 0);
    }
    if (run->final == SGP32_ERR_NEED_MORE)
        run->final = sgp32_tlv_reader_finish(&r);
    free(buffer);
}

static void run_free(struct run *run)
{
    free(run->rebuilt);
}

/* The BPP of the vectors: BF36 { BF23 (178), A0 (30), A1 { 88 (55) }, A3 { 12 x 86 (1040), 86 (174) } }
 * (no A2), as `openssl asn1parse` lists it. */
static void check_bpp_segments(const struct run *run)
{
    size_t i;
    assert_int_equal(run->final, SGP32_OK);
    assert_int_equal(run->segment_count, 5 + 1 + 13);
    assert_int_equal(run->segments[0].header_only, 1);
    assert_int_equal(run->segments[0].tag, 0xBF36);
    assert_int_equal(run->segments[0].len, 5);
    assert_int_equal(run->segments[1].header_only, 0);
    assert_int_equal(run->segments[1].tag, 0xBF23);
    assert_int_equal(run->segments[1].offset, 5);
    assert_int_equal(run->segments[1].len, 178);
    assert_int_equal(run->segments[2].tag, 0xA0);
    assert_int_equal(run->segments[2].header_only, 0);
    assert_int_equal(run->segments[2].len, 30);
    assert_int_equal(run->segments[3].tag, 0xA1);
    assert_int_equal(run->segments[3].header_only, 1);
    assert_int_equal(run->segments[3].len, 2);
    assert_int_equal(run->segments[4].tag, 0x88);
    assert_int_equal(run->segments[4].header_only, 0);
    assert_int_equal(run->segments[4].len, 55);
    assert_int_equal(run->segments[5].tag, 0xA3);
    assert_int_equal(run->segments[5].header_only, 1);
    assert_int_equal(run->segments[5].offset, 270);
    assert_int_equal(run->segments[5].len, 4);
    for (i = 0; i < 13; i++) {
        const struct segment *s = &run->segments[6 + i];
        assert_int_equal(s->tag, 0x86);
        assert_int_equal(s->header_only, 0);
        assert_int_equal(s->offset, 274 + i * BPP_LARGEST_SEGMENT);
        assert_int_equal(s->len, i < 12 ? BPP_LARGEST_SEGMENT : 174);
    }
    /* Segments tile the file: each starts where the previous one ended. */
    for (i = 1; i < run->segment_count; i++)
        assert_int_equal(run->segments[i].offset, run->segments[i - 1].offset + run->segments[i - 1].len);
    assert_int_equal(run->ends, 3); /* A1, A3, BF36 */
    assert_int_equal(run->done, 1);
    assert_int_equal(run->parts, 0);
    assert_int_equal(run->covered, bpp_len);
    assert_memory_equal(run->rebuilt, bpp, bpp_len);
}

static void test_bpp_segments_any_chunking(void **state)
{
    static const size_t chunks[] = {1, 2, 3, 7, 100, 1000, 0};
    size_t i;
    (void)state;
    /* The memory bound: the capture buffer is a twelfth of the package. */
    assert_true(BPP_LARGEST_SEGMENT * 12 < bpp_len);
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct run run;
        stream(&run, bpp, bpp_len, chunks[i], BPP_LARGEST_SEGMENT, 3);
        check_bpp_segments(&run);
        run_free(&run);
    }
}

/* One byte less than the largest segment: each full 86 is refused (TOO_LARGE, skipped as PARTs), the
 * rest is unchanged and the bytes still all come through. */
static void test_bpp_buffer_too_small(void **state)
{
    struct run run;
    size_t i, whole_86 = 0;
    (void)state;
    stream(&run, bpp, bpp_len, 7, BPP_LARGEST_SEGMENT - 1, 3);
    assert_int_equal(run.final, SGP32_OK);
    for (i = 0; i < run.segment_count; i++)
        if (run.segments[i].tag == 0x86)
            whole_86++;
    assert_int_equal(whole_86, 1); /* only the last, short one */
    assert_true(run.parts >= 12);
    assert_int_equal(run.covered, bpp_len);
    assert_memory_equal(run.rebuilt, bpp, bpp_len);
    run_free(&run);

    /* Too small for BF23: capture() refuses it, the element is skipped, the walk goes on. */
    stream(&run, bpp, bpp_len, 100, 100, 3);
    assert_int_equal(run.final, SGP32_OK);
    assert_int_equal(run.segments[1].tag, 0xA0);
    assert_memory_equal(run.rebuilt, bpp, bpp_len);
    run_free(&run);
}

static void test_bpp_truncated(void **state)
{
    static const size_t cuts[] = {0, 1, 3, 5, 183, 274, BPP_SIZE - 1};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        struct run run;
        stream(&run, bpp, cuts[i], 3, BPP_LARGEST_SEGMENT, 3);
        assert_int_equal(run.final, SGP32_ERR_TRUNCATED);
        assert_int_equal(run.done, 0);
        run_free(&run);
    }
}

/* A length one byte short: a child overruns its parent. Detected at the child's header, sticky. */
static void test_bpp_child_overruns_parent(void **state)
{
    uint8_t *bad = malloc(bpp_len);
    struct run run;
    (void)state;

    /* A3 82 31 6E -> 31 6D: the last 86 crosses the end of A3. */
    memcpy(bad, bpp, bpp_len);
    assert_int_equal(bad[270], 0xA3);
    bad[273] = (uint8_t)(bad[273] - 1);
    stream(&run, bad, bpp_len, 1000, BPP_LARGEST_SEGMENT, 3);
    assert_int_equal(run.final, SGP32_ERR_DECODE);
    assert_int_equal(run.segment_count, 6 + 12); /* everything before the last 86 */
    run_free(&run);

    /* BF36 82 32 7B -> 32 7A: A3 as a whole crosses the end of BF36. */
    memcpy(bad, bpp, bpp_len);
    assert_int_equal(bad[2], 0x82);
    bad[4] = (uint8_t)(bad[4] - 1);
    stream(&run, bad, bpp_len, 1, BPP_LARGEST_SEGMENT, 3);
    assert_int_equal(run.final, SGP32_ERR_DECODE);
    assert_int_equal(run.segment_count, 5);
    assert_int_equal(run.covered, 270); /* nothing of A3 was delivered */
    run_free(&run);
    free(bad);
}

static void test_bpp_too_deep(void **state)
{
    struct sgp32_tlv_reader r;
    struct sgp32_tlv_event ev;
    uint8_t buffer[BPP_LARGEST_SEGMENT];
    const uint8_t *in = bpp;
    size_t in_len = bpp_len;
    struct run run;
    (void)state;

    /* max_depth 1: BF36 can be entered, A1 cannot; next() without a decision refuses too. */
    sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 1);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.header.tag, 0xBF36);
    assert_int_equal(sgp32_tlv_reader_enter(&r), SGP32_OK);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.header.tag, 0xBF23);
    assert_int_equal(sgp32_tlv_reader_capture(&r), SGP32_ERR_TOO_DEEP);
    assert_int_equal(sgp32_tlv_reader_enter(&r), SGP32_ERR_TOO_DEEP);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_TOO_DEEP);
    assert_int_equal(sgp32_tlv_reader_skip(&r), SGP32_OK); /* not sticky: another decision works */
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_PART);

    /* max_depth 2: BF23 holds an A6, three levels in all: its capture fails once collected, for good. */
    stream(&run, bpp, bpp_len, 7, BPP_LARGEST_SEGMENT, 2);
    assert_int_equal(run.final, SGP32_ERR_TOO_DEEP);
    assert_int_equal(run.segment_count, 1);
    run_free(&run);
}

static void test_bpp_trailing_garbage(void **state)
{
    struct sgp32_tlv_reader r;
    struct sgp32_tlv_event ev;
    uint8_t buffer[BPP_LARGEST_SEGMENT];
    uint8_t *longer = malloc(bpp_len + 2);
    const uint8_t *in = longer;
    size_t in_len = bpp_len + 2;
    enum sgp32_status st;
    struct run run;
    (void)state;

    memcpy(longer, bpp, bpp_len);
    longer[bpp_len] = 0x5A;
    longer[bpp_len + 1] = 0x00;
    sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 3);
    while ((st = sgp32_tlv_reader_next(&r, &in, &in_len, &ev)) == SGP32_OK && ev.type != SGP32_TLV_EVENT_DONE)
        ;
    assert_int_equal(st, SGP32_OK);
    /* DONE comes before the garbage is touched; then TRAILING, leaving it in place. */
    assert_int_equal(in_len, 2);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_TRAILING);
    assert_int_equal(in_len, 2);
    assert_ptr_equal(in, longer + bpp_len);
    assert_int_equal(sgp32_tlv_reader_finish(&r), SGP32_OK);
    /* The rest is an element of its own: 5A 00. */
    sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 3);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_ELEMENT);
    assert_int_equal(ev.header.tag, 0x5A);
    assert_int_equal(ev.data_len, 2);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_DONE);

    /* Garbage in a later chunk is refused the same way. */
    stream(&run, longer, bpp_len + 2, 1000, BPP_LARGEST_SEGMENT, 3);
    assert_int_equal(run.final, SGP32_ERR_TRAILING);
    assert_int_equal(run.done, 1);
    run_free(&run);
    free(longer);
}

/* Small hand-made elements: every event, in order. */
static void test_events_and_errors(void **state)
{
    /* 30 80 { 04 01 AA, 31 80 { } 00 00 } 00 00 */
    static const uint8_t indefinite[] = {0x30, 0x80, 0x04, 0x01, 0xAA, 0x31, 0x80, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t bad_end_of_contents[] = {0x30, 0x80, 0x00, 0x01};
    static const uint8_t indefinite_past_parent[] = {0x30, 0x04, 0x31, 0x80, 0x04, 0x00};
    static const uint8_t child_too_long[] = {0x30, 0x05, 0x04, 0x04, 0x01, 0x02, 0x03, 0x04};
    static const uint8_t header_across_end[] = {0x30, 0x02, 0x9F, 0x20, 0x00};
    static const uint8_t long_tag[] = {0x9F, 0x81, 0x82, 0x83, 0x04, 0x00};
    uint8_t buffer[16];
    struct sgp32_tlv_reader r;
    struct sgp32_tlv_event ev;
    const uint8_t *in = indefinite;
    size_t in_len = sizeof(indefinite);
    size_t i;
    (void)state;

    sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 0);
    assert_int_equal(sgp32_tlv_reader_enter(&r), SGP32_ERR_STATE);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_HEADER);
    assert_int_equal(ev.header.length, SGP32_TLV_INDEFINITE);
    assert_int_equal(sgp32_tlv_reader_capture(&r), SGP32_ERR_NOT_SUPPORTED);
    assert_int_equal(sgp32_tlv_reader_skip(&r), SGP32_ERR_NOT_SUPPORTED);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK); /* entered by default */
    assert_int_equal(ev.type, SGP32_TLV_EVENT_ELEMENT);
    assert_int_equal(ev.depth, 1);
    assert_memory_equal(ev.data, indefinite + 2, 3);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.header.tag, 0x31);
    assert_int_equal(sgp32_tlv_reader_enter(&r), SGP32_OK);
    assert_int_equal(sgp32_tlv_reader_finish(&r), SGP32_ERR_TRUNCATED);
    for (i = 0; i < 2; i++) {
        assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
        assert_int_equal(ev.type, SGP32_TLV_EVENT_END);
        assert_int_equal(ev.header.tag, i == 0 ? 0x31 : 0x30);
        assert_int_equal(ev.depth, 1 - i);
        assert_int_equal(ev.data_len, 2);
        assert_int_equal(ev.offset, 7 + 2 * i);
    }
    assert_int_equal(sgp32_tlv_reader_finish(&r), SGP32_OK); /* DONE is due without more input */
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_DONE);
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_NEED_MORE);

    /* Malformed: each fails with DECODE and stays failed. */
    {
        const struct {
            const uint8_t *data;
            size_t len;
        } bad[] = {{bad_end_of_contents, sizeof(bad_end_of_contents)},
                   {indefinite_past_parent, sizeof(indefinite_past_parent)},
                   {child_too_long, sizeof(child_too_long)},
                   {header_across_end, sizeof(header_across_end)},
                   {long_tag, sizeof(long_tag)}};
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            enum sgp32_status st;
            in = bad[i].data;
            in_len = bad[i].len;
            sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 0);
            while ((st = sgp32_tlv_reader_next(&r, &in, &in_len, &ev)) == SGP32_OK)
                ;
            assert_int_equal(st, SGP32_ERR_DECODE);
            assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_DECODE);
            assert_int_equal(sgp32_tlv_reader_finish(&r), SGP32_ERR_DECODE);
        }
    }

    /* A captured constructed element is checked inside: 30 04 { 04 05 ... } overruns. */
    {
        static const uint8_t inner_overrun[] = {0x30, 0x04, 0x04, 0x05, 0x01, 0x02};
        in = inner_overrun;
        in_len = sizeof(inner_overrun);
        sgp32_tlv_reader_init(&r, buffer, sizeof(buffer), 0);
        assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
        assert_int_equal(sgp32_tlv_reader_capture(&r), SGP32_OK);
        assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_DECODE);
    }

    /* Arguments. */
    in = NULL;
    in_len = 1;
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_reader_next(NULL, &in, &in_len, &ev), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_reader_finish(NULL), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_reader_skip(NULL), SGP32_ERR_INVALID_ARGUMENT);
}

/* skip() of a constructed element: its value comes as PARTs pointing into the input, zero-copy. */
static void test_skip_constructed_is_zero_copy(void **state)
{
    struct sgp32_tlv_reader r;
    struct sgp32_tlv_event ev;
    const uint8_t *in = bpp;
    size_t in_len = bpp_len, skipped = 0;
    enum sgp32_status st;
    (void)state;

    sgp32_tlv_reader_init(&r, NULL, 0, 0); /* no buffer at all: nothing is captured */
    assert_int_equal(sgp32_tlv_reader_next(&r, &in, &in_len, &ev), SGP32_OK);
    assert_int_equal(sgp32_tlv_reader_capture(&r), SGP32_ERR_TOO_LARGE);
    assert_int_equal(sgp32_tlv_reader_skip(&r), SGP32_OK);
    while ((st = sgp32_tlv_reader_next(&r, &in, &in_len, &ev)) == SGP32_OK && ev.type == SGP32_TLV_EVENT_PART) {
        assert_ptr_equal(ev.data, bpp + ev.offset);
        assert_int_equal(ev.offset, 5 + skipped);
        skipped += ev.data_len;
    }
    assert_int_equal(st, SGP32_OK);
    assert_int_equal(ev.type, SGP32_TLV_EVENT_DONE);
    assert_int_equal(skipped, bpp_len - 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bpp_segments_any_chunking),
        cmocka_unit_test(test_bpp_buffer_too_small),
        cmocka_unit_test(test_bpp_truncated),
        cmocka_unit_test(test_bpp_child_overruns_parent),
        cmocka_unit_test(test_bpp_too_deep),
        cmocka_unit_test(test_bpp_trailing_garbage),
        cmocka_unit_test(test_events_and_errors),
        cmocka_unit_test(test_skip_constructed_is_zero_copy),
    };
    return cmocka_run_group_tests(tests, load_bpp, free_bpp);
}
