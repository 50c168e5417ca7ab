/* SPDX-License-Identifier: MIT */
/*
 * JSON back into ASN.1 values: the inverse of sgp32_print_json() (json.c), with the same mapping
 * (include/sgp32/codec.h). The text is parsed by a small strict JSON reader driven by the asn1c
 * descriptors, which builds the asn1c structure directly: no JSON tree, no dependency, and integers
 * keep all 64 bits (a double-based JSON library would round them above 2^53).
 *
 * Strict: an unknown or repeated member, a missing mandatory one, a JSON type that does not fit the
 * ASN.1 type, bad hex, a fraction or exponent -> SGP32_ERR_DECODE; a number beyond the C type, a
 * value outside the type's constraints -> SGP32_ERR_CONSTRAINT. Nesting and input size are bounded.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/json_lex.h"
#include "codec/type_kind.h"
#include "sgp32/tlv.h"

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NULL.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTF8String.h"
#include "asn_SET_OF.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SET.h"
#include "constr_SET_OF.h"

/* JSON nesting accepted; asn1c's own DER decoder refuses values nested deeper than 48 levels. */
#define JSON_PARSE_MAX_DEPTH 64u
/* Arcs of an OBJECT IDENTIFIER written as "1.2.840..." (the printer's limit too). */
#define JSON_OID_ARCS_MAX 32

/* ---- values ------------------------------------------------------------------------------------- */

/* Character strings are JSON text, other OCTET STRING types hex (the printer's rule). */
static int is_text_type(const asn_TYPE_descriptor_t *td)
{
    return td->print_struct == OCTET_STRING_print_utf8 || td->print_struct == UTF8String_print;
}

static enum sgp32_status parse_value(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, unsigned depth);

/* Member m of the structure at container: a pointer member is allocated (and owned) first. */
static enum sgp32_status parse_member(struct json_in *in, const asn_TYPE_member_t *m, void *container, unsigned depth)
{
    void *target = (char *)container + m->memb_offset;
    if (m->flags & ATF_POINTER) {
        size_t size = codec_struct_size(m->type);
        void *allocated;
        if (size == 0)
            return SGP32_ERR_NOT_SUPPORTED;
        allocated = calloc(1, size);
        if (allocated == NULL)
            return SGP32_ERR_NO_MEMORY;
        *(void **)target = allocated;
        target = allocated;
    }
    return parse_value(in, m->type, target, depth + 1);
}

/* An object key naming one of td's members: its index, or an error. */
static enum sgp32_status read_member_name(struct json_in *in, const asn_TYPE_descriptor_t *td, int *index)
{
    uint8_t *name;
    size_t len;
    int i;
    enum sgp32_status st = json_read_string(in, &name, &len, 1);
    if (st != SGP32_OK)
        return st;
    *index = -1;
    for (i = 0; i < td->elements_count && *index < 0; i++) {
        if (strlen(td->elements[i].name) == len && memcmp(td->elements[i].name, name, len) == 0)
            *index = i;
    }
    free(name);
    if (*index < 0)
        return SGP32_ERR_DECODE; /* no such member */
    return json_expect(in, ':');
}

/* SEQUENCE and SET: {"member": value, ...} in any order; absent members must be OPTIONAL. */
static enum sgp32_status parse_structure(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, unsigned depth,
                                         int is_set)
{
    unsigned char *seen = calloc((size_t)td->elements_count + 1u, 1);
    enum sgp32_status st = seen != NULL ? json_expect(in, '{') : SGP32_ERR_NO_MEMORY;
    int i, more = st == SGP32_OK && !json_take(in, '}');
    while (st == SGP32_OK && more) {
        int index;
        st = read_member_name(in, td, &index);
        if (st == SGP32_OK && seen[index])
            st = SGP32_ERR_DECODE; /* the same member twice */
        if (st == SGP32_OK) {
            seen[index] = 1;
            st = parse_member(in, &td->elements[index], ptr, depth);
        }
        if (st == SGP32_OK && is_set) {
            /* The presence bitmap of a SET (ASN_SET_MKPRESENT, without its signed shift). */
            const asn_SET_specifics_t *specs = td->specifics;
            unsigned int *map = (unsigned int *)(void *)((char *)ptr + specs->pres_offset);
            const unsigned bits = 8u * (unsigned)sizeof(unsigned int);
            map[(unsigned)index / bits] |= 1u << (bits - 1u - (unsigned)index % bits);
        }
        if (st == SGP32_OK && !json_take(in, ',')) {
            st = json_expect(in, '}');
            more = 0;
        }
    }
    for (i = 0; st == SGP32_OK && i < td->elements_count; i++) {
        const asn_TYPE_member_t *m = &td->elements[i];
        if (!seen[i] && !((m->flags & ATF_POINTER) && m->optional > 0))
            st = SGP32_ERR_DECODE; /* a mandatory member is missing */
    }
    free(seen);
    return st;
}

/* CHOICE: {"alternative": value}, exactly one member. */
static enum sgp32_status parse_choice(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, unsigned depth)
{
    const asn_CHOICE_specifics_t *specs = td->specifics;
    void *present_field = (char *)ptr + specs->pres_offset;
    int index;
    enum sgp32_status st = json_expect(in, '{');
    if (st == SGP32_OK)
        st = read_member_name(in, td, &index);
    if (st != SGP32_OK)
        return st;
    /* Presence first: asn1c frees a half-built alternative through it. */
    switch (specs->pres_size) {
    case sizeof(unsigned char):
        *(unsigned char *)present_field = (unsigned char)(index + 1);
        break;
    case sizeof(unsigned short):
        *(unsigned short *)present_field = (unsigned short)(index + 1);
        break;
    default:
        *(unsigned int *)present_field = (unsigned int)(index + 1);
        break;
    }
    st = parse_member(in, &td->elements[index], ptr, depth);
    return st == SGP32_OK ? json_expect(in, '}') : st;
}

/* SEQUENCE OF, SET OF: [value, ...]. */
static enum sgp32_status parse_list(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, unsigned depth)
{
    asn_TYPE_descriptor_t *item_td = td->elements[0].type;
    size_t size = codec_struct_size(item_td);
    enum sgp32_status st = size == 0 ? SGP32_ERR_NOT_SUPPORTED : json_expect(in, '[');
    int more = st == SGP32_OK && !json_take(in, ']');
    while (st == SGP32_OK && more) {
        void *item = calloc(1, size);
        st = item != NULL ? parse_value(in, item_td, item, depth + 1) : SGP32_ERR_NO_MEMORY;
        if (st == SGP32_OK && asn_set_add(ptr, item) != 0)
            st = SGP32_ERR_NO_MEMORY;
        if (st != SGP32_OK) {
            if (item != NULL)
                item_td->free_struct(item_td, item, 0);
            break;
        }
        if (!json_take(in, ',')) {
            st = json_expect(in, ']');
            more = 0;
        }
    }
    return st;
}

/* BIT STRING: {"hex": "...", "bits": n}; without "bits" every bit of the bytes counts. */
static enum sgp32_status parse_bit_string(struct json_in *in, BIT_STRING_t *bits)
{
    long count = -1;
    int more, have_hex = 0;
    enum sgp32_status st = json_expect(in, '{');
    more = st == SGP32_OK && !json_take(in, '}');
    while (st == SGP32_OK && more) {
        uint8_t *key;
        size_t key_len;
        st = json_read_string(in, &key, &key_len, 1);
        if (st != SGP32_OK)
            break;
        if (key_len == 3 && memcmp(key, "hex", 3) == 0 && !have_hex) {
            size_t len = 0;
            st = json_expect(in, ':');
            if (st == SGP32_OK)
                st = json_read_hex(in, &bits->buf, &len);
            bits->size = (int)len;
            have_hex = st == SGP32_OK;
        } else if (key_len == 4 && memcmp(key, "bits", 4) == 0 && count < 0) {
            st = json_expect(in, ':');
            if (st == SGP32_OK)
                st = json_read_long(in, &count);
            if (st == SGP32_OK && count < 0)
                st = SGP32_ERR_DECODE;
        } else {
            st = SGP32_ERR_DECODE;
        }
        free(key);
        if (st == SGP32_OK && !json_take(in, ',')) {
            st = json_expect(in, '}');
            more = 0;
        }
    }
    if (st != SGP32_OK)
        return st;
    if (!have_hex)
        return SGP32_ERR_DECODE;
    if (count < 0)
        count = (long)bits->size * 8;
    /* DER: between 0 and 7 unused bits in the last byte, all zero; no byte, no bit. */
    if (count > (long)bits->size * 8 || (bits->size > 0 && count <= (long)bits->size * 8 - 8) ||
        (bits->size == 0 && count != 0))
        return SGP32_ERR_DECODE;
    bits->bits_unused = (int)((long)bits->size * 8 - count);
    if (bits->size > 0 && (bits->buf[bits->size - 1] & ((1u << bits->bits_unused) - 1u)) != 0)
        return SGP32_ERR_DECODE;
    return SGP32_OK;
}

/* An ENUMERATED (or named INTEGER) value by its name. */
static int enum_value(const asn_TYPE_descriptor_t *td, const uint8_t *name, size_t len, long *value)
{
    const asn_INTEGER_specifics_t *specs = td->specifics;
    int i;
    for (i = 0; specs != NULL && specs->value2enum != NULL && i < specs->map_count; i++) {
        if (specs->value2enum[i].enum_len == len && memcmp(specs->value2enum[i].enum_name, name, len) == 0) {
            *value = specs->value2enum[i].nat_value;
            return 1;
        }
    }
    return 0;
}

/* Two's complement in as few bytes as DER allows (a redundant sign byte would not survive DER). */
static int minimal_integer(const uint8_t *bytes, size_t len)
{
    return len < 2 || !((bytes[0] == 0x00 && bytes[1] < 0x80) || (bytes[0] == 0xFF && bytes[1] >= 0x80));
}

/* OBJECT IDENTIFIER contents: each arc ends with a byte below 0x80 and starts with no 0x80 padding. */
static int minimal_arcs(const uint8_t *bytes, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (bytes[i] == 0x80 && (i == 0 || bytes[i - 1] < 0x80))
            return 0;
    }
    return len > 0 && bytes[len - 1] < 0x80;
}

/* INTEGER, ENUMERATED: a number, a name, or (INTEGER_t only, beyond long) two's complement hex. */
static enum sgp32_status parse_integer(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, int native)
{
    long number;
    enum sgp32_status st;
    if (json_peek(in) == '"') {
        uint8_t *text;
        size_t len;
        st = json_read_string(in, &text, &len, 1);
        if (st != SGP32_OK)
            return st;
        if (enum_value(td, text, len, &number)) {
            free(text);
        } else if (!native && len > 0 && json_unhex(text, &len) == 0 && minimal_integer(text, len)) {
            INTEGER_t *integer = ptr;
            integer->buf = text;
            integer->size = (int)len;
            return SGP32_OK;
        } else {
            free(text);
            return SGP32_ERR_DECODE;
        }
    } else {
        st = json_read_long(in, &number);
        if (st != SGP32_OK)
            return st;
    }
    if (native) {
        *(long *)ptr = number;
        return SGP32_OK;
    }
    return asn_long2INTEGER(ptr, number) == 0 ? SGP32_OK : SGP32_ERR_NO_MEMORY;
}

/* Bytes of one subidentifier of an unsigned long, base 128. */
#define JSON_OID_ARC_BYTES ((sizeof(unsigned long) * 8u + 6u) / 7u)

/* The contents of an OBJECT IDENTIFIER (X.690 8.19: the first two arcs as one subidentifier, each in
 * base 128 with the high bit on all bytes but its last). Not OBJECT_IDENTIFIER_set_arcs(): asn1c
 * 0.9.28 refuses a second arc of 39 under 0 and 1, which the printer prints ("0.39"). */
static enum sgp32_status encode_arcs(const unsigned long *arcs, unsigned count, OBJECT_IDENTIFIER_t *oid)
{
    uint8_t *buf = malloc((size_t)count * JSON_OID_ARC_BYTES + 1), *out = buf;
    unsigned i;
    if (buf == NULL)
        return SGP32_ERR_NO_MEMORY;
    for (i = 1; i < count; i++) {
        unsigned long value = i == 1 ? arcs[0] * 40u + arcs[1] : arcs[i];
        uint8_t digits[JSON_OID_ARC_BYTES];
        size_t n = 0;
        do {
            digits[n++] = (uint8_t)(value & 0x7Fu);
            value >>= 7;
        } while (value != 0);
        while (n > 0) {
            n--;
            *out++ = (uint8_t)(digits[n] | (n > 0 ? 0x80u : 0u));
        }
    }
    *out = 0;
    oid->buf = buf;
    oid->size = (int)(out - buf);
    return SGP32_OK;
}

/* "1.2.840.10045.2.1" (arcs within unsigned long), or hex contents as the printer writes odd ones. */
static enum sgp32_status parse_oid(struct json_in *in, OBJECT_IDENTIFIER_t *oid)
{
    unsigned long arcs[JSON_OID_ARCS_MAX];
    unsigned count = 0;
    uint8_t *text, *p;
    size_t len;
    enum sgp32_status st = json_read_string(in, &text, &len, 1);
    if (st != SGP32_OK)
        return st;
    if (memchr(text, '.', len) == NULL) {
        if (len == 0 || json_unhex(text, &len) != 0 || !minimal_arcs(text, len)) {
            free(text);
            return SGP32_ERR_DECODE;
        }
        oid->buf = text;
        oid->size = (int)len;
        return SGP32_OK;
    }
    for (p = text; st == SGP32_OK; p++) {
        unsigned long arc = 0;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (arc > (ULONG_MAX - (unsigned long)(*p - '0')) / 10u || (digits == 1 && arc == 0))
                st = SGP32_ERR_DECODE;
            arc = arc * 10u + (unsigned long)(*p - '0');
        }
        if (digits == 0 || count == JSON_OID_ARCS_MAX)
            st = SGP32_ERR_DECODE;
        else
            arcs[count++] = arc;
        if (*p != '.')
            break;
    }
    if (st == SGP32_OK &&
        (p != text + len || count < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) || arcs[1] > ULONG_MAX - 80u))
        st = SGP32_ERR_DECODE;
    free(text);
    return st == SGP32_OK ? encode_arcs(arcs, count, oid) : st;
}

/* OCTET STRING and character strings, times, ANY: the string's bytes, hex-decoded unless text. */
static enum sgp32_status parse_octets(struct json_in *in, OCTET_STRING_t *octets, int hex, int any, int utf8)
{
    size_t len, element_len = 0;
    enum sgp32_status st =
        hex ? json_read_hex(in, &octets->buf, &len) : json_read_string(in, &octets->buf, &len, !utf8);
    if (st != SGP32_OK)
        return st;
    octets->size = (int)len;
    /* An open type holds exactly one whole DER element. */
    if (any &&
        (sgp32_tlv_check(octets->buf, len, JSON_PARSE_MAX_DEPTH, SGP32_TLV_CHECK_DER, &element_len) != SGP32_OK ||
         element_len != len))
        return SGP32_ERR_DECODE;
    return SGP32_OK;
}

static enum sgp32_status parse_value(struct json_in *in, asn_TYPE_descriptor_t *td, void *ptr, unsigned depth)
{
    if (depth > JSON_PARSE_MAX_DEPTH)
        return SGP32_ERR_TOO_DEEP;
    switch (codec_kind_of(td)) {
    case CODEC_KIND_SEQUENCE:
        return parse_structure(in, td, ptr, depth, 0);
    case CODEC_KIND_SET:
        return parse_structure(in, td, ptr, depth, 1);
    case CODEC_KIND_CHOICE:
        return parse_choice(in, td, ptr, depth);
    case CODEC_KIND_SEQUENCE_OF:
    case CODEC_KIND_SET_OF:
        return parse_list(in, td, ptr, depth);
    case CODEC_KIND_OCTET_STRING:
        return parse_octets(in, ptr, !is_text_type(td), 0, td->print_struct == UTF8String_print);
    case CODEC_KIND_UTC_TIME:
    case CODEC_KIND_GENERALIZED_TIME:
        return parse_octets(in, ptr, 0, 0, 0);
    case CODEC_KIND_ANY:
        return parse_octets(in, ptr, 1, 1, 0);
    case CODEC_KIND_BIT_STRING:
        return parse_bit_string(in, ptr);
    case CODEC_KIND_INTEGER:
        return parse_integer(in, td, ptr, 0);
    case CODEC_KIND_NATIVE_INTEGER:
        return parse_integer(in, td, ptr, 1);
    case CODEC_KIND_BOOLEAN:
        if (json_take_literal(in, "true"))
            *(BOOLEAN_t *)ptr = 1;
        else if (json_take_literal(in, "false"))
            *(BOOLEAN_t *)ptr = 0;
        else
            return in->pos >= in->len ? SGP32_ERR_TRUNCATED : SGP32_ERR_DECODE;
        return SGP32_OK;
    case CODEC_KIND_NULL:
        if (!json_take_literal(in, "null"))
            return in->pos >= in->len ? SGP32_ERR_TRUNCATED : SGP32_ERR_DECODE;
        return SGP32_OK;
    case CODEC_KIND_OID:
        return parse_oid(in, ptr);
    case CODEC_KIND_UNKNOWN:
    default:
        return SGP32_ERR_NOT_SUPPORTED;
    }
}

enum sgp32_status sgp32_parse_json(const struct sgp32_codec_type *type, const char *json, size_t len, void **value)
{
    asn_TYPE_descriptor_t *td;
    struct json_in in;
    enum sgp32_status st;
    size_t size;
    void *result;
    if (value != NULL)
        *value = NULL;
    if (type == NULL || (json == NULL && len > 0) || value == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (len > SGP32_CODEC_JSON_MAX_INPUT)
        return SGP32_ERR_TOO_LARGE;
    td = sgp32_codec_descriptor(type);
    size = codec_struct_size(td);
    if (size == 0)
        return SGP32_ERR_NOT_SUPPORTED;
    result = calloc(1, size);
    if (result == NULL)
        return SGP32_ERR_NO_MEMORY;
    in.text = json;
    in.len = len;
    in.pos = 0;
    st = parse_value(&in, td, result, 0);
    if (st == SGP32_OK && json_peek(&in) != '\0')
        st = SGP32_ERR_TRAILING;
    if (st == SGP32_OK && in.pos < in.len)
        st = SGP32_ERR_DECODE; /* a NUL byte */
    if (st == SGP32_OK && sgp32_check_constraints(type, result, NULL, 0) != SGP32_OK)
        st = SGP32_ERR_CONSTRAINT;
    if (st != SGP32_OK) {
        td->free_struct(td, result, 0);
        return st;
    }
    *value = result;
    return SGP32_OK;
}
