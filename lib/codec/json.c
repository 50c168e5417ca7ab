/* SPDX-License-Identifier: MIT */
/*
 * ASN.1 values as JSON, by walking the asn1c descriptors: one mapping for every type of every module,
 * used by the CLI (`sgp32 decode --json`) and the Python binding. The mapping is documented in
 * include/sgp32/codec.h (sgp32_print_json).
 */
#include <stdio.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/json_lex.h"
#include "codec/type_kind.h"

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NativeInteger.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTF8String.h"
#include "asn_SEQUENCE_OF.h"
#include "constr_CHOICE.h"

/* An OBJECT IDENTIFIER with more arcs than this is printed as hex (none of the modules has one). */
#define JSON_OID_ARCS_MAX 32

struct json_out {
    sgp32_text_sink sink;
    void *user;
    int failed;
};

static void put(struct json_out *out, const char *text, size_t len)
{
    if (!out->failed && len > 0 && out->sink(text, len, out->user) != 0)
        out->failed = 1;
}

static void put_str(struct json_out *out, const char *text)
{
    put(out, text, strlen(text));
}

static void put_hex(struct json_out *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    char chunk[64];
    size_t used = 0, i;
    put(out, "\"", 1);
    for (i = 0; i < len; i++) {
        chunk[used++] = digits[data[i] >> 4];
        chunk[used++] = digits[data[i] & 0x0F];
        if (used == sizeof(chunk)) {
            put(out, chunk, used);
            used = 0;
        }
    }
    put(out, chunk, used);
    put(out, "\"", 1);
}

/* A JSON string; bytes that are not valid UTF-8 come out as \u00XX (their Latin-1 reading). */
static void put_text(struct json_out *out, const uint8_t *s, size_t len)
{
    size_t i = 0;
    put(out, "\"", 1);
    while (i < len) {
        size_t n = json_utf8_sequence(s + i, len - i);
        if (n == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') {
            put(out, (const char *)s + i, 1);
        } else if (n > 1) {
            put(out, (const char *)s + i, n);
        } else {
            char esc[8];
            if (s[i] == '"' || s[i] == '\\')
                snprintf(esc, sizeof(esc), "\\%c", s[i]);
            else
                snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)s[i]);
            put_str(out, esc);
            n = 1;
        }
        i += n;
    }
    put(out, "\"", 1);
}

static void put_long(struct json_out *out, const asn_TYPE_descriptor_t *td, long value)
{
    const asn_INTEGER_specifics_t *specs = td->specifics;
    char number[32];
    if (specs != NULL && specs->value2enum != NULL) {
        const asn_INTEGER_enum_map_t *named = INTEGER_map_value2enum(specs, value);
        if (named != NULL) {
            put(out, "\"", 1);
            put_str(out, named->enum_name);
            put(out, "\"", 1);
            return;
        }
    }
    snprintf(number, sizeof(number), "%ld", value);
    put_str(out, number);
}

static int is_text_type(const asn_TYPE_descriptor_t *td)
{
    return td->print_struct == OCTET_STRING_print_utf8 || td->print_struct == UTF8String_print;
}

static void put_oid(struct json_out *out, const OBJECT_IDENTIFIER_t *oid)
{
    unsigned long arcs[JSON_OID_ARCS_MAX];
    int count = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof(arcs[0]), JSON_OID_ARCS_MAX);
    char number[24];
    int i;
    if (count < 0 || count > JSON_OID_ARCS_MAX) {
        put_hex(out, oid->buf, (size_t)oid->size);
        return;
    }
    put(out, "\"", 1);
    for (i = 0; i < count; i++) {
        snprintf(number, sizeof(number), i == 0 ? "%lu" : ".%lu", arcs[i]);
        put_str(out, number);
    }
    put(out, "\"", 1);
}

static void put_value(struct json_out *out, asn_TYPE_descriptor_t *td, const void *value);

/* The member value inside a structure (pointer members may be absent: NULL). */
static const void *member_value(const asn_TYPE_member_t *member, const void *container)
{
    const char *field = (const char *)container + member->memb_offset;
    if (member->flags & ATF_POINTER)
        return *(const void *const *)(const void *)field;
    return field;
}

static void put_member(struct json_out *out, const asn_TYPE_member_t *member, const void *value, int first)
{
    if (!first)
        put(out, ",", 1);
    put_text(out, (const uint8_t *)member->name, strlen(member->name));
    put(out, ":", 1);
    put_value(out, member->type, value);
}

static void put_sequence(struct json_out *out, const asn_TYPE_descriptor_t *td, const void *value)
{
    int i, first = 1;
    put(out, "{", 1);
    for (i = 0; i < td->elements_count; i++) {
        const void *member = member_value(&td->elements[i], value);
        if (member == NULL)
            continue; /* OPTIONAL, absent */
        put_member(out, &td->elements[i], member, first);
        first = 0;
    }
    put(out, "}", 1);
}

static void put_choice(struct json_out *out, const asn_TYPE_descriptor_t *td, const void *value)
{
    const asn_CHOICE_specifics_t *specs = td->specifics;
    const char *present_field = (const char *)value + specs->pres_offset;
    unsigned present = 0;
    switch (specs->pres_size) {
    case sizeof(unsigned char):
        present = *(const unsigned char *)present_field;
        break;
    case sizeof(unsigned short):
        present = *(const unsigned short *)(const void *)present_field;
        break;
    default:
        present = *(const unsigned int *)(const void *)present_field;
        break;
    }
    if (present == 0 || present > (unsigned)td->elements_count) {
        put_str(out, "null"); /* no alternative, or one this version does not know */
        return;
    }
    put(out, "{", 1);
    put_member(out, &td->elements[present - 1], member_value(&td->elements[present - 1], value), 1);
    put(out, "}", 1);
}

static void put_list(struct json_out *out, const asn_TYPE_descriptor_t *td, const void *value)
{
    const asn_anonymous_sequence_ *list = _A_CSEQUENCE_FROM_VOID(value);
    int i;
    put(out, "[", 1);
    for (i = 0; i < list->count; i++) {
        if (i > 0)
            put(out, ",", 1);
        put_value(out, td->elements[0].type, list->array[i]);
    }
    put(out, "]", 1);
}

static void put_value(struct json_out *out, asn_TYPE_descriptor_t *td, const void *value)
{
    const OCTET_STRING_t *octets = value;
    if (value == NULL) {
        put_str(out, "null");
        return;
    }
    switch (codec_kind_of(td)) {
    case CODEC_KIND_SEQUENCE:
    case CODEC_KIND_SET:
        put_sequence(out, td, value);
        return;
    case CODEC_KIND_CHOICE:
        put_choice(out, td, value);
        return;
    case CODEC_KIND_SEQUENCE_OF:
    case CODEC_KIND_SET_OF:
        put_list(out, td, value);
        return;
    case CODEC_KIND_OCTET_STRING:
        if (is_text_type(td))
            put_text(out, octets->buf, (size_t)octets->size);
        else
            put_hex(out, octets->buf, (size_t)octets->size);
        return;
    case CODEC_KIND_UTC_TIME:
    case CODEC_KIND_GENERALIZED_TIME:
        put_text(out, octets->buf, (size_t)octets->size);
        return;
    case CODEC_KIND_ANY:
        put_hex(out, octets->buf, (size_t)octets->size);
        return;
    case CODEC_KIND_BIT_STRING: {
        const BIT_STRING_t *bits = value;
        char length[32];
        size_t bit_count = bits->size > 0 ? (size_t)bits->size * 8u - (size_t)(bits->bits_unused & 7) : 0;
        put_str(out, "{\"hex\":");
        put_hex(out, bits->buf, (size_t)bits->size);
        snprintf(length, sizeof(length), ",\"bits\":%lu}", (unsigned long)bit_count);
        put_str(out, length);
        return;
    }
    case CODEC_KIND_INTEGER: {
        long number;
        if (asn_INTEGER2long(value, &number) == 0)
            put_long(out, td, number);
        else
            put_hex(out, octets->buf, (size_t)octets->size); /* beyond long: two's complement hex */
        return;
    }
    case CODEC_KIND_NATIVE_INTEGER:
        put_long(out, td, *(const long *)value);
        return;
    case CODEC_KIND_BOOLEAN:
        put_str(out, *(const BOOLEAN_t *)value ? "true" : "false");
        return;
    case CODEC_KIND_NULL:
        put_str(out, "null");
        return;
    case CODEC_KIND_OID:
        put_oid(out, value);
        return;
    case CODEC_KIND_UNKNOWN:
    default:
        out->failed = 1;
        return;
    }
}

enum sgp32_status sgp32_print_json(const struct sgp32_codec_type *type, const void *value, sgp32_text_sink sink,
                                   void *user)
{
    struct json_out out;
    if (type == NULL || value == NULL || sink == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    out.sink = sink;
    out.user = user;
    out.failed = 0;
    put_value(&out, sgp32_codec_descriptor(type), value);
    return out.failed ? SGP32_ERR_CANCELLED : SGP32_OK;
}
