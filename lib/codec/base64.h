/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648 section 4, the standard alphabet with '+' and '/'), as the JSON bindings of ES9+
 * and ES11 (SGP.22 6.5/6.6) carry ASN.1 objects. Internal to libsgp32: lib/remote uses it, the IPA
 * core never sees base64 (DESIGN.md: binary stays binary).
 *
 * Decoding is strict:
 *   - only A-Z a-z 0-9 + / and the padding '=' (no URL-safe alphabet);
 *   - padding is required: the text is whole quads, the last one may end in "=" or "==";
 *   - nothing but (allowed) whitespace after the padding;
 *   - the unused bits of the last quad must be zero (only the canonical encoding is accepted);
 *   - whitespace (space, tab, CR, LF) is refused unless SGP32_BASE64_SKIP_WHITESPACE is given, in
 *     which case it is ignored anywhere (servers that wrap lines MIME-style, every 76 characters).
 * Encoding writes the canonical form, padded, without line breaks.
 */
#ifndef SGP32_CODEC_BASE64_H
#define SGP32_CODEC_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

enum sgp32_base64_flags {
    SGP32_BASE64_SKIP_WHITESPACE = 1u << 0 /* ignore ' ', '\t', '\r', '\n' anywhere in the text */
};

/* Characters needed to encode len bytes (without the terminating NUL); 0 on size overflow. */
size_t sgp32_base64_encoded_length(size_t len);
/* The most bytes text_len characters can decode to. */
size_t sgp32_base64_decoded_max(size_t text_len);

/* Encodes data[0..len) into out[0..cap): *out_len characters and a NUL. SGP32_ERR_BUFFER_TOO_SMALL if
 * cap < sgp32_base64_encoded_length(len) + 1. */
enum sgp32_status sgp32_base64_encode(const uint8_t *data, size_t len, char *out, size_t cap, size_t *out_len);

/* Decodes text[0..text_len) into out[0..cap). SGP32_ERR_DECODE for a character outside the alphabet,
 * misplaced padding or non-zero unused bits; SGP32_ERR_TRUNCATED for an incomplete last quad;
 * SGP32_ERR_BUFFER_TOO_SMALL if cap < sgp32_base64_decoded_max(text_len). */
enum sgp32_status sgp32_base64_decode(const char *text, size_t text_len, unsigned flags, uint8_t *out, size_t cap,
                                      size_t *out_len);

/*
 * Streaming decoder: the text may arrive in pieces of any size (an HTTP body), the state carries up
 * to three characters between pieces. Memory does not grow with the text: a Bound Profile Package
 * can go from the HTTP sink through this decoder into the streaming TLV reader (sgp32/tlv.h).
 */
struct sgp32_base64_decoder {
    uint32_t bits;           /* the sextets of the quad being read */
    uint8_t count;           /* characters of that quad read so far (0..3) */
    uint8_t padding;         /* '=' seen in the current quad */
    uint8_t finished;        /* a padded quad ended the text */
    unsigned flags;          /* enum sgp32_base64_flags */
    enum sgp32_status error; /* sticky */
};

void sgp32_base64_decoder_init(struct sgp32_base64_decoder *decoder, unsigned flags);
/* Decodes the next piece. out must hold sgp32_base64_decoded_max(text_len) bytes (checked before
 * anything is consumed: SGP32_ERR_BUFFER_TOO_SMALL). *out_len receives the bytes produced. Errors
 * as sgp32_base64_decode(), sticky. */
enum sgp32_status sgp32_base64_decoder_update(struct sgp32_base64_decoder *decoder, const char *text, size_t text_len,
                                              uint8_t *out, size_t cap, size_t *out_len);
/* The text has ended: SGP32_OK if it ended on a quad boundary, SGP32_ERR_TRUNCATED if not, or the
 * sticky error. */
enum sgp32_status sgp32_base64_decoder_finish(const struct sgp32_base64_decoder *decoder);

#endif /* SGP32_CODEC_BASE64_H */
