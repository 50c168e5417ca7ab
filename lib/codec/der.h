/* SPDX-License-Identifier: MIT */
/* lib/codec: a small DER writer and TLV lookups (der.c). Internal header. */
#ifndef SGP32_LIB_CODEC_DER_H
#define SGP32_LIB_CODEC_DER_H

#include <stddef.h>
#include <stdint.h>

#define SGP32_DER_WRITER_DEPTH 8u

struct sgp32_der_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t max;  /* dynamic: the largest size allowed */
    int dynamic; /* buf is malloc'd and grows */
    size_t open[SGP32_DER_WRITER_DEPTH];
    unsigned depth;
    int error;
};

/* A writer into buf[0..cap): overflowing sets error. */
void sgp32_der_writer_init(struct sgp32_der_writer *w, uint8_t *buf, size_t cap);
/* A writer into a growing malloc'd buffer of at most max bytes. */
void sgp32_der_writer_init_dynamic(struct sgp32_der_writer *w, size_t max);
/* Frees a dynamic writer's buffer (a fixed buffer is left alone). */
void sgp32_der_writer_release(struct sgp32_der_writer *w);
/* Hands a dynamic writer's complete output over (free()), NULL if it failed or an element is open. */
uint8_t *sgp32_der_writer_take(struct sgp32_der_writer *w, size_t *len);

/* Opens a constructed element; sgp32_der_writer_end() closes the innermost one. */
void sgp32_der_writer_begin(struct sgp32_der_writer *w, uint32_t tag);
void sgp32_der_writer_end(struct sgp32_der_writer *w);
/* A primitive element (tag, minimal length, value). */
void sgp32_der_writer_bytes(struct sgp32_der_writer *w, uint32_t tag, const uint8_t *value, size_t len);
void sgp32_der_writer_integer(struct sgp32_der_writer *w, uint32_t tag, long value);
void sgp32_der_writer_boolean(struct sgp32_der_writer *w, uint32_t tag, int value);
/* A named-bit BIT STRING with bits (bit 0 = first named bit) in DER (trailing zero bits removed). */
void sgp32_der_writer_named_bits(struct sgp32_der_writer *w, uint32_t tag, uint32_t bits);
/* Bytes already encoded (a whole element received from a peer), copied as they are. */
void sgp32_der_writer_raw(struct sgp32_der_writer *w, const uint8_t *data, size_t len);

/* Finds the first child of the top-level element `data` with tag `child` (0: the first child):
 * 1 and its value, else 0. */
int sgp32_der_find_child(const uint8_t *data, size_t len, uint32_t child, const uint8_t **value, size_t *value_len,
                         uint32_t *found_tag);
/* The same, giving the whole child element (header included). */
int sgp32_der_find_element(const uint8_t *data, size_t len, uint32_t child, const uint8_t **element,
                           size_t *element_len);
/* A DER INTEGER value (at most sizeof(long) bytes) as long: 1, else 0. */
int sgp32_der_integer(const uint8_t *value, size_t len, long *out);

#endif /* SGP32_LIB_CODEC_DER_H */
