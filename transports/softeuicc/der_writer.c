/* SPDX-License-Identifier: MIT */
#include "der_writer.h"

#include <stdlib.h>
#include <string.h>

void der_writer_init(struct der_writer *writer)
{
    memset(writer, 0, sizeof(*writer));
}

void der_writer_reset(struct der_writer *writer)
{
    free(writer->buf);
    der_writer_init(writer);
}

int der_writer_failed(const struct der_writer *writer)
{
    return writer->failed || writer->depth != 0;
}

static int reserve(struct der_writer *writer, size_t more)
{
    if (writer->failed)
        return 0;
    if (writer->len + more > writer->cap) {
        size_t cap = writer->cap ? writer->cap : 256;
        uint8_t *grown;
        while (cap < writer->len + more)
            cap *= 2;
        grown = realloc(writer->buf, cap);
        if (grown == NULL) {
            writer->failed = 1;
            return 0;
        }
        writer->buf = grown;
        writer->cap = cap;
    }
    return 1;
}

void der_raw(struct der_writer *writer, const uint8_t *data, size_t len)
{
    if (len == 0 || !reserve(writer, len))
        return;
    memcpy(writer->buf + writer->len, data, len);
    writer->len += len;
}

static void put_tag(struct der_writer *writer, uint32_t tag)
{
    uint8_t bytes[4];
    size_t count = 0;
    int shift;
    for (shift = 24; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(tag >> shift);
        if (count > 0 || byte != 0 || shift == 0)
            bytes[count++] = byte;
    }
    der_raw(writer, bytes, count);
}

static size_t length_octets(size_t len)
{
    size_t count = 1;
    if (len >= 0x80)
        for (; len > 0; len >>= 8)
            count++;
    return count;
}

static void put_length(struct der_writer *writer, size_t len)
{
    uint8_t bytes[9];
    size_t count = length_octets(len), i;
    if (count == 1) {
        bytes[0] = (uint8_t)len;
    } else {
        bytes[0] = (uint8_t)(0x80 | (count - 1));
        for (i = count - 1; i >= 1; i--, len >>= 8)
            bytes[i] = (uint8_t)len;
    }
    der_raw(writer, bytes, count);
}

void der_begin(struct der_writer *writer, uint32_t tag)
{
    put_tag(writer, tag);
    if (writer->depth >= DER_WRITER_MAX_DEPTH) {
        writer->failed = 1;
        return;
    }
    writer->open_at[writer->depth++] = writer->len;
    der_raw(writer, (const uint8_t *)"", 1); /* placeholder for a short length */
}

void der_end(struct der_writer *writer)
{
    size_t at, content, extra;
    if (writer->failed || writer->depth == 0) {
        writer->failed = 1;
        return;
    }
    at = writer->open_at[--writer->depth];
    content = writer->len - at - 1;
    extra = length_octets(content) - 1;
    if (extra > 0) {
        if (!reserve(writer, extra))
            return;
        memmove(writer->buf + at + 1 + extra, writer->buf + at + 1, content);
        writer->len = at;
        put_length(writer, content);
        writer->len = at + 1 + extra + content;
    } else {
        writer->buf[at] = (uint8_t)content;
    }
}

void der_bytes(struct der_writer *writer, uint32_t tag, const uint8_t *data, size_t len)
{
    put_tag(writer, tag);
    put_length(writer, len);
    der_raw(writer, data, len);
}

void der_string(struct der_writer *writer, uint32_t tag, const char *text)
{
    der_bytes(writer, tag, (const uint8_t *)text, strlen(text));
}

void der_integer(struct der_writer *writer, uint32_t tag, long value)
{
    uint8_t bytes[sizeof(long)];
    size_t count = sizeof(long), i;
    unsigned long bits = (unsigned long)value;
    for (i = sizeof(long); i > 0; i--, bits >>= 8)
        bytes[i - 1] = (uint8_t)bits;
    i = 0;
    /* Minimal two's complement: drop leading bytes that only repeat the sign. */
    while (count - i > 1 &&
           ((bytes[i] == 0x00 && (bytes[i + 1] & 0x80) == 0) || (bytes[i] == 0xFF && (bytes[i + 1] & 0x80) != 0)))
        i++;
    der_bytes(writer, tag, bytes + i, count - i);
}

void der_null(struct der_writer *writer, uint32_t tag)
{
    der_bytes(writer, tag, NULL, 0);
}

void der_boolean(struct der_writer *writer, uint32_t tag, int value)
{
    uint8_t byte = value ? 0xFF : 0x00;
    der_bytes(writer, tag, &byte, 1);
}

void der_named_bits(struct der_writer *writer, uint32_t tag, const int *bits, unsigned bit_count)
{
    uint8_t bytes[1 + 8] = {0};
    unsigned used = 0, i;
    for (i = 0; i < bit_count && i < 64; i++)
        if (bits[i]) {
            bytes[1 + i / 8] |= (uint8_t)(0x80u >> (i % 8));
            used = i + 1;
        }
    bytes[0] = (uint8_t)((8 - used % 8) % 8);
    der_bytes(writer, tag, bytes, 1 + (used + 7) / 8);
}

uint8_t *der_writer_take(struct der_writer *writer, size_t *len)
{
    uint8_t *out;
    if (der_writer_failed(writer)) {
        der_writer_reset(writer);
        *len = 0;
        return NULL;
    }
    out = writer->buf;
    *len = writer->len;
    if (out == NULL) /* an empty answer is still an answer */
        out = malloc(1);
    der_writer_init(writer);
    return out;
}
