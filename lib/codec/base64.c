/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648 section 4): strict decoding, streaming state. Policy in base64.h. */
#include "codec/base64.h"

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The sextet of an alphabet character, or -1. Written out rather than a 256-byte table. */
static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int base64_is_whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t sgp32_base64_encoded_length(size_t len)
{
    size_t quads = len / 3 + (len % 3 != 0);
    if (quads > ((size_t)-1 - 1) / 4)
        return 0;
    return quads * 4;
}

size_t sgp32_base64_decoded_max(size_t text_len)
{
    return (text_len / 4 + 1) * 3;
}

enum sgp32_status sgp32_base64_encode(const uint8_t *data, size_t len, char *out, size_t cap, size_t *out_len)
{
    size_t needed = sgp32_base64_encoded_length(len);
    size_t in = 0;
    size_t pos = 0;

    if ((data == NULL && len != 0) || out == NULL || out_len == NULL || (needed == 0 && len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *out_len = needed;
    if (cap < needed + 1)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    while (len - in >= 3) {
        uint32_t v = ((uint32_t)data[in] << 16) | ((uint32_t)data[in + 1] << 8) | data[in + 2];
        out[pos++] = base64_alphabet[(v >> 18) & 0x3F];
        out[pos++] = base64_alphabet[(v >> 12) & 0x3F];
        out[pos++] = base64_alphabet[(v >> 6) & 0x3F];
        out[pos++] = base64_alphabet[v & 0x3F];
        in += 3;
    }
    if (len - in == 1) {
        uint32_t v = (uint32_t)data[in] << 16;
        out[pos++] = base64_alphabet[(v >> 18) & 0x3F];
        out[pos++] = base64_alphabet[(v >> 12) & 0x3F];
        out[pos++] = '=';
        out[pos++] = '=';
    } else if (len - in == 2) {
        uint32_t v = ((uint32_t)data[in] << 16) | ((uint32_t)data[in + 1] << 8);
        out[pos++] = base64_alphabet[(v >> 18) & 0x3F];
        out[pos++] = base64_alphabet[(v >> 12) & 0x3F];
        out[pos++] = base64_alphabet[(v >> 6) & 0x3F];
        out[pos++] = '=';
    }
    out[pos] = '\0';
    return SGP32_OK;
}

void sgp32_base64_decoder_init(struct sgp32_base64_decoder *decoder, unsigned flags)
{
    decoder->bits = 0;
    decoder->count = 0;
    decoder->padding = 0;
    decoder->finished = 0;
    decoder->flags = flags;
    decoder->error = SGP32_OK;
}

/* A quad is complete: write its 1..3 bytes, refusing non-zero unused bits (non-canonical text). */
static enum sgp32_status base64_emit_quad(struct sgp32_base64_decoder *d, uint8_t *out, size_t *pos)
{
    uint32_t v = d->bits;
    if ((d->padding == 1 && (v & 0xFFu) != 0) || (d->padding == 2 && (v & 0xFFFFu) != 0))
        return SGP32_ERR_DECODE;
    out[(*pos)++] = (uint8_t)(v >> 16);
    if (d->padding < 2)
        out[(*pos)++] = (uint8_t)(v >> 8);
    if (d->padding < 1)
        out[(*pos)++] = (uint8_t)v;
    if (d->padding > 0)
        d->finished = 1;
    d->bits = 0;
    d->count = 0;
    return SGP32_OK;
}

enum sgp32_status sgp32_base64_decoder_update(struct sgp32_base64_decoder *decoder, const char *text, size_t text_len,
                                              uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pos = 0;
    size_t i;

    if (decoder == NULL || out_len == NULL || (text == NULL && text_len != 0) || (out == NULL && cap != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *out_len = 0;
    if (decoder->error != SGP32_OK)
        return decoder->error;
    if (cap < sgp32_base64_decoded_max(text_len))
        return SGP32_ERR_BUFFER_TOO_SMALL;
    for (i = 0; i < text_len; i++) {
        char c = text[i];
        int v;
        if (base64_is_whitespace(c) && (decoder->flags & SGP32_BASE64_SKIP_WHITESPACE) != 0)
            continue;
        if (decoder->finished) {
            decoder->error = SGP32_ERR_DECODE; /* text after the padding */
            break;
        }
        if (c == '=') {
            if (decoder->count < 2) {
                decoder->error = SGP32_ERR_DECODE; /* "=" can only be the 3rd or 4th character */
                break;
            }
            v = 0;
            decoder->padding++;
        } else {
            v = base64_value(c);
            if (v < 0 || decoder->padding > 0) {
                decoder->error = SGP32_ERR_DECODE; /* outside the alphabet, or data after "=" */
                break;
            }
        }
        decoder->bits = (decoder->bits << 6) | (uint32_t)v;
        decoder->count++;
        if (decoder->count == 4) {
            enum sgp32_status st = base64_emit_quad(decoder, out, &pos);
            if (st != SGP32_OK) {
                decoder->error = st;
                break;
            }
        }
    }
    *out_len = pos;
    return decoder->error;
}

enum sgp32_status sgp32_base64_decoder_finish(const struct sgp32_base64_decoder *decoder)
{
    if (decoder == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (decoder->error != SGP32_OK)
        return decoder->error;
    return decoder->count == 0 ? SGP32_OK : SGP32_ERR_TRUNCATED;
}

enum sgp32_status sgp32_base64_decode(const char *text, size_t text_len, unsigned flags, uint8_t *out, size_t cap,
                                      size_t *out_len)
{
    struct sgp32_base64_decoder decoder;
    enum sgp32_status st;

    sgp32_base64_decoder_init(&decoder, flags);
    st = sgp32_base64_decoder_update(&decoder, text, text_len, out, cap, out_len);
    if (st != SGP32_OK)
        return st;
    return sgp32_base64_decoder_finish(&decoder);
}
