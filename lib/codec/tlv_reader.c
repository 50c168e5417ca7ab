/* SPDX-License-Identifier: MIT */
/*
 * Streaming BER-TLV reader (X.690 8.1): an explicit state machine fed with chunks of any size, so that
 * a Bound Profile Package can go from the HTTP body to STORE DATA one TLV segment at a time
 * (SGP.22 2.5.5) with memory bounded by the largest segment, not by the package.
 */
#include <string.h>

#include "sgp32/tlv.h"

enum reader_state {
    STATE_HEADER = 0, /* reading the next header, or an end-of-contents, or reporting END / DONE */
    STATE_PENDING,    /* a constructed element's HEADER was delivered: waiting for a decision */
    STATE_TOO_LARGE,  /* a primitive element does not fit in the buffer: only skip() moves on */
    STATE_CAPTURE,    /* collecting a whole element into the buffer */
    STATE_SKIP,       /* passing over an element's value as PART events */
    STATE_DONE,       /* the top-level element is complete */
    STATE_FAILED      /* r->error says why */
};

static enum sgp32_status reader_fail(struct sgp32_tlv_reader *r, enum sgp32_status status)
{
    r->error = status;
    r->state = STATE_FAILED;
    return status;
}

static void event_set(struct sgp32_tlv_event *event, enum sgp32_tlv_event_type type,
                      const struct sgp32_tlv_header *header, unsigned depth, size_t offset, const uint8_t *data,
                      size_t data_len)
{
    memset(event, 0, sizeof(*event));
    event->type = type;
    if (header != NULL)
        event->header = *header;
    event->depth = depth;
    event->offset = offset;
    event->data = data;
    event->data_len = data_len;
}

/* The nearest definite end among the entered elements: no header or value may cross it. */
static size_t reader_bound(const struct sgp32_tlv_reader *r)
{
    unsigned level = r->depth;
    while (level > 0) {
        level--;
        if (r->levels[level].end != SGP32_TLV_INDEFINITE)
            return r->levels[level].end;
    }
    return (size_t)-1;
}

void sgp32_tlv_reader_init(struct sgp32_tlv_reader *r, uint8_t *buffer, size_t capacity, unsigned max_depth)
{
    if (r == NULL)
        return;
    memset(r, 0, sizeof(*r));
    r->buffer = buffer;
    r->capacity = buffer != NULL ? capacity : 0;
    r->max_depth = (max_depth == 0 || max_depth > SGP32_TLV_READER_DEPTH_CAP) ? SGP32_TLV_READER_DEPTH_CAP : max_depth;
    r->state = STATE_HEADER;
    r->error = SGP32_OK;
}

/*
 * STATE_HEADER: reports END / DONE when due, otherwise takes header bytes one at a time (a header is at
 * most 9 bytes, so this costs nothing) until sgp32_tlv_parse_header() accepts them.
 */
static enum sgp32_status reader_header(struct sgp32_tlv_reader *r, const uint8_t **input, size_t *input_len,
                                       struct sgp32_tlv_event *event)
{
    struct sgp32_tlv_header h;
    enum sgp32_status st;
    size_t bound;
    int in_indefinite;

    if (r->header_fill == 0) {
        if (r->depth == 0 && r->started) {
            r->state = STATE_DONE;
            event_set(event, SGP32_TLV_EVENT_DONE, NULL, 0, r->position, NULL, 0);
            return SGP32_OK;
        }
        if (r->depth > 0 && r->levels[r->depth - 1].end == r->position) {
            r->depth--;
            event_set(event, SGP32_TLV_EVENT_END, &r->levels[r->depth].header, r->depth, r->position, NULL, 0);
            return SGP32_OK;
        }
    }
    bound = reader_bound(r);
    in_indefinite = r->depth > 0 && r->levels[r->depth - 1].end == SGP32_TLV_INDEFINITE;
    for (;;) {
        /* A header (or an indefinite element) running into the end of a definite parent: known to be
         * wrong before any more input. */
        if (r->position >= bound)
            return reader_fail(r, SGP32_ERR_DECODE);
        if (*input_len == 0)
            return SGP32_ERR_NEED_MORE;
        r->header_bytes[r->header_fill++] = **input;
        (*input)++;
        (*input_len)--;
        r->position++;

        if (in_indefinite && r->header_bytes[0] == 0x00) {
            /* End-of-contents (X.690 8.1.5): exactly 00 00; tag 0 is reserved for it. */
            if (r->header_fill < 2)
                continue;
            r->header_fill = 0;
            if (r->header_bytes[1] != 0x00)
                return reader_fail(r, SGP32_ERR_DECODE);
            r->depth--;
            event_set(event, SGP32_TLV_EVENT_END, &r->levels[r->depth].header, r->depth, r->position - 2,
                      r->header_bytes, 2);
            return SGP32_OK;
        }
        st = sgp32_tlv_parse_header(r->header_bytes, r->header_fill, &h);
        if (st == SGP32_ERR_NEED_MORE)
            continue;
        if (st != SGP32_OK)
            return reader_fail(r, SGP32_ERR_DECODE);
        break;
    }

    r->header_fill = 0;
    if (h.length != SGP32_TLV_INDEFINITE && h.length > bound - r->position)
        return reader_fail(r, r->depth > 0 ? SGP32_ERR_DECODE : SGP32_ERR_TOO_LARGE);
    r->started = 1;
    r->pending = h;
    r->pending_offset = r->position - h.header_len;
    event_set(event, SGP32_TLV_EVENT_HEADER, &h, r->depth, r->pending_offset, r->header_bytes, h.header_len);
    if (h.constructed) {
        r->state = STATE_PENDING;
        return SGP32_OK;
    }
    if (h.length > r->capacity || h.header_len > r->capacity - h.length) {
        r->state = STATE_TOO_LARGE;
        return SGP32_ERR_TOO_LARGE;
    }
    /* A primitive element is always captured: the header goes first, the value follows. */
    memcpy(r->buffer, r->header_bytes, h.header_len);
    r->captured = h.header_len;
    r->target = h.header_len + h.length;
    r->state = STATE_CAPTURE;
    return SGP32_ERR_NEED_MORE; /* not returned to the caller: the capture step runs next */
}

static enum sgp32_status reader_capture_step(struct sgp32_tlv_reader *r, const uint8_t **input, size_t *input_len,
                                             struct sgp32_tlv_event *event)
{
    size_t take = r->target - r->captured;

    if (take > *input_len)
        take = *input_len;
    if (take > 0) {
        memcpy(r->buffer + r->captured, *input, take);
        r->captured += take;
        r->position += take;
        *input += take;
        *input_len -= take;
    }
    if (r->captured < r->target)
        return SGP32_ERR_NEED_MORE;
    if (r->pending.constructed) {
        /* The reader vouches for the structure of what it delivers, captured or walked. capture()
         * made sure max_depth - depth >= 1. */
        size_t element_len = 0;
        enum sgp32_status st = sgp32_tlv_check(r->buffer, r->target, r->max_depth - r->depth, 0, &element_len);
        if (st == SGP32_ERR_TRUNCATED || (st == SGP32_OK && element_len != r->target))
            st = SGP32_ERR_DECODE;
        if (st != SGP32_OK)
            return reader_fail(r, st);
    }
    r->state = STATE_HEADER;
    event_set(event, SGP32_TLV_EVENT_ELEMENT, &r->pending, r->depth, r->pending_offset, r->buffer, r->target);
    return SGP32_OK;
}

static enum sgp32_status reader_skip_step(struct sgp32_tlv_reader *r, const uint8_t **input, size_t *input_len,
                                          struct sgp32_tlv_event *event)
{
    size_t take = r->target - r->position;

    if (take == 0) {
        r->state = STATE_HEADER;
        return SGP32_ERR_NEED_MORE; /* not returned to the caller: go on reading headers */
    }
    if (*input_len == 0)
        return SGP32_ERR_NEED_MORE;
    if (take > *input_len)
        take = *input_len;
    event_set(event, SGP32_TLV_EVENT_PART, &r->pending, r->depth, r->position, *input, take);
    r->position += take;
    *input += take;
    *input_len -= take;
    if (r->position == r->target)
        r->state = STATE_HEADER;
    return SGP32_OK;
}

enum sgp32_status sgp32_tlv_reader_next(struct sgp32_tlv_reader *r, const uint8_t **input, size_t *input_len,
                                        struct sgp32_tlv_event *event)
{
    if (r == NULL || input == NULL || input_len == NULL || event == NULL || (*input == NULL && *input_len > 0))
        return SGP32_ERR_INVALID_ARGUMENT;

    for (;;) {
        enum sgp32_status st;
        unsigned before = r->state;

        switch (r->state) {
        case STATE_HEADER:
            st = reader_header(r, input, input_len, event);
            break;
        case STATE_PENDING:
            /* No decision on the last HEADER: walk into it. */
            st = sgp32_tlv_reader_enter(r);
            if (st != SGP32_OK)
                return st;
            continue;
        case STATE_TOO_LARGE:
            event_set(event, SGP32_TLV_EVENT_HEADER, &r->pending, r->depth, r->pending_offset, r->header_bytes,
                      r->pending.header_len);
            return SGP32_ERR_TOO_LARGE;
        case STATE_CAPTURE:
            st = reader_capture_step(r, input, input_len, event);
            break;
        case STATE_SKIP:
            st = reader_skip_step(r, input, input_len, event);
            break;
        case STATE_DONE:
            return *input_len > 0 ? SGP32_ERR_TRAILING : SGP32_ERR_NEED_MORE;
        default:
            return r->error != SGP32_OK ? r->error : SGP32_ERR_STATE;
        }
        /* A step that only changed state (header parsed, skip finished) goes on with the new state. */
        if (st == SGP32_ERR_NEED_MORE && r->state != before)
            continue;
        return st;
    }
}

enum sgp32_status sgp32_tlv_reader_enter(struct sgp32_tlv_reader *r)
{
    struct sgp32_tlv_reader_level *level;

    if (r == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (r->state != STATE_PENDING)
        return SGP32_ERR_STATE;
    if (r->depth >= r->max_depth)
        return SGP32_ERR_TOO_DEEP;
    level = &r->levels[r->depth++];
    level->header = r->pending;
    level->end = r->pending.length == SGP32_TLV_INDEFINITE ? SGP32_TLV_INDEFINITE : r->position + r->pending.length;
    r->state = STATE_HEADER;
    return SGP32_OK;
}

enum sgp32_status sgp32_tlv_reader_capture(struct sgp32_tlv_reader *r)
{
    const struct sgp32_tlv_header *h;

    if (r == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (r->state != STATE_PENDING)
        return SGP32_ERR_STATE;
    h = &r->pending;
    if (h->length == SGP32_TLV_INDEFINITE)
        return SGP32_ERR_NOT_SUPPORTED;
    if (h->length > r->capacity || h->header_len > r->capacity - h->length)
        return SGP32_ERR_TOO_LARGE;
    if (r->depth >= r->max_depth)
        return SGP32_ERR_TOO_DEEP;
    memcpy(r->buffer, r->header_bytes, h->header_len);
    r->captured = h->header_len;
    r->target = h->header_len + h->length;
    r->state = STATE_CAPTURE;
    return SGP32_OK;
}

enum sgp32_status sgp32_tlv_reader_skip(struct sgp32_tlv_reader *r)
{
    if (r == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (r->state != STATE_PENDING && r->state != STATE_TOO_LARGE)
        return SGP32_ERR_STATE;
    if (r->pending.length == SGP32_TLV_INDEFINITE)
        return SGP32_ERR_NOT_SUPPORTED;
    /* reader_header() checked that the value fits before the parent's end: no overflow. */
    r->target = r->position + r->pending.length;
    r->state = STATE_SKIP;
    return SGP32_OK;
}

enum sgp32_status sgp32_tlv_reader_finish(const struct sgp32_tlv_reader *r)
{
    struct sgp32_tlv_reader copy;
    struct sgp32_tlv_event event;
    const uint8_t *nothing = NULL;
    size_t none = 0;
    enum sgp32_status st;

    if (r == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (r->state == STATE_DONE)
        return SGP32_OK;
    if (r->state == STATE_FAILED)
        return r->error;
    /* Play the events still due without input on a copy (it never writes the buffer then: a capture
     * needs input to start). DONE among them means the element is complete. */
    copy = *r;
    do {
        st = sgp32_tlv_reader_next(&copy, &nothing, &none, &event);
    } while (st == SGP32_OK && event.type != SGP32_TLV_EVENT_DONE);
    if (st == SGP32_OK)
        return SGP32_OK;
    return st == SGP32_ERR_NEED_MORE ? SGP32_ERR_TRUNCATED : st;
}
