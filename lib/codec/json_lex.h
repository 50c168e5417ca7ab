/* SPDX-License-Identifier: MIT */
/* A strict JSON reader for sgp32_parse_json() (json_parse.c): tokens read in place from a text of
 * known length (RFC 8259 syntax; no NUL, no raw control character, valid UTF-8 in strings).
 * Internal header. */
#ifndef SGP32_LIB_CODEC_JSON_LEX_H
#define SGP32_LIB_CODEC_JSON_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

struct json_in {
    const char *text;
    size_t len;
    size_t pos;
};

/* The next significant character, after whitespace (0 at the end, or at a NUL byte in the text). */
char json_peek(struct json_in *in);
/* Consumes c if it comes next: 1, else 0. */
int json_take(struct json_in *in, char c);
/* c must come next: SGP32_ERR_TRUNCATED at the end, SGP32_ERR_DECODE for anything else. */
enum sgp32_status json_expect(struct json_in *in, char c);
/* Consumes a literal ("true", "null") if it comes next: 1, else 0. */
int json_take_literal(struct json_in *in, const char *word);
/* A string, unescaped into a new NUL-terminated buffer (free()). With byte_escapes, U+0000-U+00FF
 * is one byte each; otherwise every escape is its code point in UTF-8. */
enum sgp32_status json_read_string(struct json_in *in, uint8_t **out, size_t *out_len, int byte_escapes);
/* The value of one hex digit (either case), -1 for any other character. */
int json_hex_digit(char c);
/* Length of the valid UTF-8 sequence at s[0..len) (1 to 4; 0 if invalid): what the reader accepts in a
 * string and the printer (json.c) writes as it is. */
size_t json_utf8_sequence(const uint8_t *s, size_t len);
/* Hex text (either case, even length) to bytes in place: 0, else -1. */
int json_unhex(uint8_t *text, size_t *len);
/* A string of hex, as bytes in a new buffer (free()); SGP32_ERR_DECODE for bad hex. */
enum sgp32_status json_read_hex(struct json_in *in, uint8_t **out, size_t *out_len);
/* An integer number (no fraction, no exponent, no leading zero); SGP32_ERR_CONSTRAINT beyond long. */
enum sgp32_status json_read_long(struct json_in *in, long *out);

#endif
