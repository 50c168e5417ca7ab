/* SPDX-License-Identifier: MIT */
/* A small DER writer for the card's answers: tags are given as their encoded bytes (0xBF2D, 0x80),
 * constructed elements are opened and closed and their lengths fixed on close. Errors are sticky:
 * check der_writer_failed() once at the end. */
#ifndef SOFTEUICC_DER_WRITER_H
#define SOFTEUICC_DER_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define DER_WRITER_MAX_DEPTH 16

struct der_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int failed;
    size_t open_at[DER_WRITER_MAX_DEPTH]; /* offset of the length placeholder of each open element */
    unsigned depth;
};

void der_writer_init(struct der_writer *writer);
void der_writer_reset(struct der_writer *writer); /* frees the buffer */
int der_writer_failed(const struct der_writer *writer);

void der_raw(struct der_writer *writer, const uint8_t *data, size_t len);
void der_begin(struct der_writer *writer, uint32_t tag);
void der_end(struct der_writer *writer);
void der_bytes(struct der_writer *writer, uint32_t tag, const uint8_t *data, size_t len);
void der_string(struct der_writer *writer, uint32_t tag, const char *text);
void der_integer(struct der_writer *writer, uint32_t tag, long value);
void der_null(struct der_writer *writer, uint32_t tag);
void der_boolean(struct der_writer *writer, uint32_t tag, int value);
/* A BIT STRING of `bits` named bits (bit 0 first), trailing zero bits removed as DER requires for
 * named bit lists. */
void der_named_bits(struct der_writer *writer, uint32_t tag, const int *bits, unsigned bit_count);

/* Takes the finished buffer out of the writer (caller frees with free()). NULL after an error. */
uint8_t *der_writer_take(struct der_writer *writer, size_t *len);

#endif
