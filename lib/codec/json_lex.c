/* SPDX-License-Identifier: MIT */
/* The JSON tokens of sgp32_parse_json() (see json_lex.h). */
#include "codec/json_lex.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next significant character (0 at the end; a NUL byte in the text is refused by the callers). */
char json_peek(struct json_in *in)
{
    while (in->pos < in->len && is_space(in->text[in->pos]))
        in->pos++;
    return in->pos < in->len ? in->text[in->pos] : '\0';
}

int json_take(struct json_in *in, char c)
{
    if (in->pos < in->len && json_peek(in) == c) {
        in->pos++;
        return 1;
    }
    return 0;
}

enum sgp32_status json_expect(struct json_in *in, char c)
{
    if (json_peek(in) == '\0' && in->pos >= in->len)
        return SGP32_ERR_TRUNCATED;
    return json_take(in, c) ? SGP32_OK : SGP32_ERR_DECODE;
}

int json_take_literal(struct json_in *in, const char *word)
{
    size_t n = strlen(word);
    (void)json_peek(in);
    if (in->len - in->pos >= n && memcmp(in->text + in->pos, word, n) == 0) {
        in->pos += n;
        return 1;
    }
    return 0;
}

/* ---- strings ------------------------------------------------------------------------------------ */

int json_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits of a \u escape. */
static long read_u16(struct json_in *in)
{
    long value = 0;
    int i;
    if (in->len - in->pos < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int d = json_hex_digit(in->text[in->pos++]);
        if (d < 0)
            return -1;
        value = value * 16 + d;
    }
    return value;
}

static size_t put_utf8(uint8_t *out, unsigned long cp)
{
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

size_t json_utf8_sequence(const uint8_t *s, size_t len)
{
    size_t need, i;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        need = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        need = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        need = 4;
    else
        return 0;
    if (len < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return need;
}

/* One \ escape into out (room for 4 bytes): how many bytes, 0 if malformed. With byte_escapes,
 * \u0000..\u00FF is one byte (the printer's form of a byte that is not UTF-8, in the 8-bit string
 * types); otherwise, and above, the code point in UTF-8. */
static size_t read_escape(struct json_in *in, uint8_t *out, int byte_escapes)
{
    static const char plain[] = "\"\\/bfnrt", meaning[] = "\"\\/\b\f\n\r\t";
    const char *which;
    long unit, low;
    if (in->pos >= in->len)
        return 0;
    which = strchr(plain, in->text[in->pos]);
    if (in->text[in->pos] != '\0' && which != NULL) {
        in->pos++;
        out[0] = (uint8_t)meaning[which - plain];
        return 1;
    }
    if (in->text[in->pos++] != 'u' || (unit = read_u16(in)) < 0)
        return 0;
    if (unit < 0x80 || (byte_escapes && unit < 0x100)) {
        out[0] = (uint8_t)unit;
        return 1;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF)
        return 0; /* a lone low surrogate */
    if (unit < 0xD800 || unit > 0xDBFF)
        return put_utf8(out, (unsigned long)unit);
    if (in->len - in->pos < 2 || in->text[in->pos] != '\\' || in->text[in->pos + 1] != 'u')
        return 0;
    in->pos += 2;
    low = read_u16(in);
    if (low < 0xDC00 || low > 0xDFFF)
        return 0;
    return put_utf8(out, 0x10000ul + (((unsigned long)unit - 0xD800ul) << 10) + ((unsigned long)low - 0xDC00ul));
}

/* A JSON string, unescaped into a new buffer (NUL-terminated, as asn1c keeps its strings). */
enum sgp32_status json_read_string(struct json_in *in, uint8_t **out, size_t *out_len, int byte_escapes)
{
    size_t start, used = 0;
    uint8_t *buf;
    if (json_peek(in) != '"')
        return in->pos >= in->len ? SGP32_ERR_TRUNCATED : SGP32_ERR_DECODE;
    start = ++in->pos;
    /* The unescaped text is never longer than the escaped one. */
    while (in->pos < in->len && in->text[in->pos] != '"')
        in->pos += in->text[in->pos] == '\\' ? 2u : 1u;
    if (in->pos >= in->len)
        return SGP32_ERR_TRUNCATED;
    buf = malloc(in->pos - start + 1);
    if (buf == NULL)
        return SGP32_ERR_NO_MEMORY;
    in->pos = start;
    while (in->text[in->pos] != '"') {
        const uint8_t *s = (const uint8_t *)in->text + in->pos;
        size_t n;
        if (*s == '\\') {
            in->pos++;
            n = read_escape(in, buf + used, byte_escapes);
        } else if (*s < 0x20) {
            n = 0; /* raw control characters (NUL included) are not JSON */
        } else {
            n = json_utf8_sequence(s, in->len - in->pos);
            memcpy(buf + used, s, n);
            in->pos += n;
        }
        if (n == 0 || in->pos >= in->len) {
            free(buf);
            return n == 0 ? SGP32_ERR_DECODE : SGP32_ERR_TRUNCATED;
        }
        used += n;
    }
    in->pos++;
    buf[used] = 0;
    *out = buf;
    *out_len = used;
    return SGP32_OK;
}

/* Hex text (either case, even length) to bytes, in place: the result is never longer. */
int json_unhex(uint8_t *text, size_t *len)
{
    size_t i;
    if (*len % 2 != 0)
        return -1;
    for (i = 0; i < *len / 2; i++) {
        int hi = json_hex_digit((char)text[2 * i]), lo = json_hex_digit((char)text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        text[i] = (uint8_t)(hi << 4 | lo);
    }
    *len /= 2;
    text[*len] = 0;
    return 0;
}

enum sgp32_status json_read_hex(struct json_in *in, uint8_t **out, size_t *out_len)
{
    enum sgp32_status st = json_read_string(in, out, out_len, 1);
    if (st == SGP32_OK && json_unhex(*out, out_len) != 0) {
        free(*out);
        *out = NULL;
        return SGP32_ERR_DECODE;
    }
    return st;
}

/* A JSON number that is an integer (no fraction, no exponent) within long. */
enum sgp32_status json_read_long(struct json_in *in, long *out)
{
    int negative = 0, digits = 0;
    unsigned long magnitude = 0, limit;
    char c = json_peek(in);
    if (c == '-') {
        negative = 1;
        in->pos++;
    }
    limit = negative ? (unsigned long)LONG_MAX + 1ul : (unsigned long)LONG_MAX;
    while (in->pos < in->len && in->text[in->pos] >= '0' && in->text[in->pos] <= '9') {
        unsigned d = (unsigned)(in->text[in->pos++] - '0');
        if (digits++ == 1 && magnitude == 0)
            return SGP32_ERR_DECODE; /* a leading zero */
        if (magnitude > (limit - d) / 10u)
            return SGP32_ERR_CONSTRAINT;
        magnitude = magnitude * 10u + d;
    }
    if (digits == 0)
        return in->pos >= in->len ? SGP32_ERR_TRUNCATED : SGP32_ERR_DECODE;
    if (in->pos < in->len && (in->text[in->pos] == '.' || in->text[in->pos] == 'e' || in->text[in->pos] == 'E'))
        return SGP32_ERR_DECODE;
    if (negative)
        *out = magnitude == (unsigned long)LONG_MAX + 1ul ? LONG_MIN : -(long)magnitude;
    else
        *out = (long)magnitude;
    return SGP32_OK;
}
