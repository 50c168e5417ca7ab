/* SPDX-License-Identifier: MIT */
/*
 * BER-TLV helpers (ISO 7816-4 / X.690): parse one TLV header, check the structure of a whole element
 * without decoding it.
 *
 * Tags are held as the big-endian value of their encoded bytes (0x5A, 0xBF51, 0x9F7B), at most 4
 * bytes; lengths use at most 4 length octets (0x84 xx xx xx xx). Anything longer is refused.
 */
#ifndef SGP32_TLV_H
#define SGP32_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length value meaning "indefinite" (BER 0x80; ends with 00 00). */
#define SGP32_TLV_INDEFINITE ((size_t)-1)

struct sgp32_tlv_header {
    uint32_t tag;        /* encoded tag bytes, big-endian */
    size_t length;       /* value length, or SGP32_TLV_INDEFINITE */
    uint8_t tag_len;     /* bytes of the tag */
    uint8_t header_len;  /* bytes of tag + length */
    uint8_t constructed; /* 1 if the constructed bit (0x20 of the first tag byte) is set */
};

/*
 * Parses the header at data[0..len). SGP32_ERR_NEED_MORE when the header is incomplete (nothing
 * else is wrong yet), SGP32_ERR_DECODE for a tag longer than 4 bytes, a length with more than 4
 * octets, the reserved length 0xFF, or an indefinite length on a primitive element.
 */
enum sgp32_status sgp32_tlv_parse_header(const uint8_t *data, size_t len, struct sgp32_tlv_header *header);

enum sgp32_tlv_check_flags {
    SGP32_TLV_CHECK_DER = 1u << 0 /* refuse indefinite lengths and non-minimal length octets */
};

/*
 * Walks the element at the start of data[0..len) and every element nested in it (iteratively: no
 * recursion), without decoding values. *element_len receives the element's total size. Errors:
 * SGP32_ERR_TRUNCATED (the element does not fit in len), SGP32_ERR_DECODE (bad header, children
 * overrunning their parent), SGP32_ERR_TOO_DEEP (more than max_depth levels), SGP32_ERR_NOT_DER.
 */
enum sgp32_status sgp32_tlv_check(const uint8_t *data, size_t len, unsigned max_depth, unsigned flags,
                                  size_t *element_len);

/* ---- Streaming BER-TLV reader ------------------------------------------------------------------------
 *
 * Walks one BER-TLV element of any size (a Bound Profile Package) piece by piece, fed with chunks of any
 * size as they arrive (an HTTP body), without holding the element whole: no allocation, one
 * caller-provided capture buffer, pull events. See docs/streaming-tlv.md.
 *
 *   HEADER   a constructed element's header has been read. Before the next call to next(), decide:
 *            sgp32_tlv_reader_enter() (its children become events, then END), sgp32_tlv_reader_capture()
 *            (the whole element comes as one ELEMENT event) or sgp32_tlv_reader_skip() (its value comes
 *            as PART events pointing into the input). Without a decision next() enters it.
 *   ELEMENT  a whole element (tag, length and value) in the capture buffer: every primitive element,
 *            and each captured constructed one (whose structure has been checked as sgp32_tlv_check()
 *            does).
 *   PART     a piece of the value of a skipped element, pointing into the caller's input.
 *   END      an entered element is complete (data holds its end-of-contents 00 00 if it was
 *            indefinite).
 *   DONE     the top-level element is complete.
 *
 * Every event's data[0..data_len) are the stream bytes at stream offset `offset`: writing each event's
 * data at its offset reproduces the input. The bytes are only repeated once: a captured element's
 * ELEMENT starts with the header bytes its HEADER event already showed.
 */

/* Deepest nesting a reader supports (the stack lives inside struct sgp32_tlv_reader). */
#define SGP32_TLV_READER_DEPTH_CAP 16u

enum sgp32_tlv_event_type {
    SGP32_TLV_EVENT_HEADER = 1,
    SGP32_TLV_EVENT_ELEMENT = 2,
    SGP32_TLV_EVENT_PART = 3,
    SGP32_TLV_EVENT_END = 4,
    SGP32_TLV_EVENT_DONE = 5
};

struct sgp32_tlv_event {
    enum sgp32_tlv_event_type type;
    struct sgp32_tlv_header header; /* the element concerned (all zero for DONE) */
    unsigned depth;                 /* its nesting level: 0 for the top-level element */
    size_t offset;                  /* stream offset of data[0] */
    const uint8_t *data;            /* valid until the next call on the reader (PART: while the input is) */
    size_t data_len;
};

/* One entered element: its header and the stream offset where it ends (SGP32_TLV_INDEFINITE if
 * unknown). Part of struct sgp32_tlv_reader. */
struct sgp32_tlv_reader_level {
    struct sgp32_tlv_header header;
    size_t end;
};

/*
 * The reader state. Public only so that it can live on the stack or inside another structure: read
 * and change it through the functions below only (its fields may change between versions).
 */
struct sgp32_tlv_reader {
    uint8_t *buffer;                 /* capture buffer, caller-owned */
    size_t capacity;                 /* its size: the largest element delivered as ELEMENT */
    size_t position;                 /* stream bytes consumed so far */
    size_t target;                   /* capture: element size; skip: stream offset of the element's end */
    size_t captured;                 /* capture: bytes in the buffer */
    struct sgp32_tlv_header pending; /* the element being decided, captured or skipped */
    size_t pending_offset;           /* its stream offset */
    struct sgp32_tlv_reader_level levels[SGP32_TLV_READER_DEPTH_CAP]; /* the entered elements */
    unsigned depth;                                                   /* entered elements */
    unsigned max_depth;
    unsigned state;
    enum sgp32_status error;  /* sticky stream error */
    uint8_t header_bytes[10]; /* a header (at most 4 tag and 5 length bytes) or 00 00 being read */
    uint8_t header_fill;
    uint8_t started; /* the top-level header has been read */
};

/*
 * Prepares r to read one element. buffer[0..capacity) receives captured elements (buffer may be NULL
 * with capacity 0 if nothing is captured). max_depth bounds the nesting of constructed elements,
 * counting the top-level one as 1, whether entered or inside a captured element; 0 or more than
 * SGP32_TLV_READER_DEPTH_CAP means SGP32_TLV_READER_DEPTH_CAP. Calling it again reuses r for a new
 * element (for instance on the bytes left after DONE).
 */
void sgp32_tlv_reader_init(struct sgp32_tlv_reader *r, uint8_t *buffer, size_t capacity, unsigned max_depth);

/*
 * Produces the next event, consuming bytes from *input (advancing *input, decreasing *input_len) only
 * as far as it needs for that event. Returns:
 *   SGP32_OK              *event is filled;
 *   SGP32_ERR_NEED_MORE   all of the input is consumed: call again with the next chunk (input_len 0
 *                         is allowed: events that need no more input are still delivered);
 *   SGP32_ERR_TRAILING    after DONE, *input_len bytes follow the element; they are left unconsumed;
 *   SGP32_ERR_TOO_LARGE   a primitive element does not fit in the buffer. *event is its HEADER; the
 *                         reader waits before its value: sgp32_tlv_reader_skip() passes over it,
 *                         next() returns this again;
 *   SGP32_ERR_TOO_DEEP    an undecided HEADER cannot be entered (not sticky: decide otherwise), or a
 *                         captured element nests deeper than max_depth;
 *   SGP32_ERR_DECODE      a bad header, a child overrunning its parent, a bad end-of-contents, or a
 *                         captured element with a bad inner structure.
 * Errors found in the stream itself (DECODE, TOO_DEEP inside a captured element) are sticky: every
 * later call returns them.
 */
enum sgp32_status sgp32_tlv_reader_next(struct sgp32_tlv_reader *r, const uint8_t **input, size_t *input_len,
                                        struct sgp32_tlv_event *event);

/*
 * Decisions on the element of the last HEADER event. They return SGP32_ERR_STATE if there is none; on
 * any error nothing changes and another decision can be taken.
 *   enter:   SGP32_ERR_TOO_DEEP past max_depth.
 *   capture: SGP32_ERR_TOO_LARGE if the element cannot fit in the buffer, SGP32_ERR_NOT_SUPPORTED for an
 *            indefinite length (its size is unknown until its end: enter it instead), SGP32_ERR_TOO_DEEP
 *            at max_depth.
 *   skip:    SGP32_ERR_NOT_SUPPORTED for an indefinite length. Also allowed after SGP32_ERR_TOO_LARGE.
 */
enum sgp32_status sgp32_tlv_reader_enter(struct sgp32_tlv_reader *r);
enum sgp32_status sgp32_tlv_reader_capture(struct sgp32_tlv_reader *r);
enum sgp32_status sgp32_tlv_reader_skip(struct sgp32_tlv_reader *r);

/*
 * Says whether the stream may end here: SGP32_OK if the top-level element is complete (DONE has been or
 * would be delivered without more input), SGP32_ERR_TRUNCATED if it is not, or the sticky error.
 * Call it when the input ends (end of the HTTP body).
 */
enum sgp32_status sgp32_tlv_reader_finish(const struct sgp32_tlv_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TLV_H */
