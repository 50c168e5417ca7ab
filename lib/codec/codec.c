/* SPDX-License-Identifier: MIT */
/*
 * The typed facade over asn1c: bounded decoding with precise errors, DER encoding, strict-DER checks,
 * printing and constraint checks.
 *
 * Decoding runs in two steps. sgp32_tlv_check() first walks the TLV structure iteratively: it bounds
 * the nesting depth and tells a truncated input from a malformed one, which asn1c's recursive decoder
 * reports alike (or not at all, for a length beyond the buffer). asn1c then decodes the value with
 * its own stack limit. Strict DER is checked by re-encoding: a value whose DER encoding differs from
 * the received bytes was not DER.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

#include "ber_decoder.h"
#include "constr_CHOICE.h"
#include "constraints.h"
#include "der_encoder.h"

/* Nesting depth admitted by the structure check. The deepest GSMA message (a BPP's SAIP content or a
 * certificate inside an EuiccPackageResult) stays well below 32 levels. */
#define CODEC_MAX_DEPTH 48u

const char *sgp32_codec_type_name(const struct sgp32_codec_type *type)
{
    return type != NULL ? sgp32_codec_descriptor(type)->name : NULL;
}

void sgp32_codec_free(const struct sgp32_codec_type *type, void *value)
{
    if (type != NULL && value != NULL) {
        asn_TYPE_descriptor_t *td = sgp32_codec_descriptor(type);
        td->free_struct(td, value, 0);
    }
}

void sgp32_buffer_free(void *buffer)
{
    free(buffer);
}

struct encode_target {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

static int encode_consume(const void *bytes, size_t size, void *key)
{
    struct encode_target *t = key;
    if (size == 0)
        return 0; /* asn1c passes (NULL, 0) for an empty value: memcpy(_, NULL, 0) is undefined */
    if (t->buf != NULL) {
        if (size > t->cap - t->len)
            return -1;
        memcpy(t->buf + t->len, bytes, size);
    }
    t->len += size;
    return 0;
}

static enum sgp32_status encode_size(asn_TYPE_descriptor_t *td, const void *value, size_t *size)
{
    asn_enc_rval_t er = der_encode(td, (void *)(uintptr_t)value, NULL, NULL);
    if (er.encoded < 0)
        return SGP32_ERR_ENCODE;
    *size = (size_t)er.encoded;
    return SGP32_OK;
}

enum sgp32_status sgp32_encode_der(const struct sgp32_codec_type *type, const void *value, uint8_t *buf, size_t cap,
                                   size_t *len)
{
    asn_TYPE_descriptor_t *td;
    struct encode_target target = {NULL, 0, 0};
    size_t needed;
    enum sgp32_status st;

    if (type == NULL || value == NULL || len == NULL || (buf == NULL && cap > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    td = sgp32_codec_descriptor(type);
    st = encode_size(td, value, &needed);
    if (st != SGP32_OK)
        return st;
    *len = needed;
    if (buf == NULL)
        return SGP32_OK;
    if (needed > cap)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    target.buf = buf;
    target.cap = cap;
    if (der_encode(td, (void *)(uintptr_t)value, encode_consume, &target).encoded < 0 || target.len != needed)
        return SGP32_ERR_ENCODE;
    return SGP32_OK;
}

enum sgp32_status sgp32_encode_der_alloc(const struct sgp32_codec_type *type, const void *value, uint8_t **out,
                                         size_t *len)
{
    size_t needed;
    uint8_t *buf;
    enum sgp32_status st;

    if (out == NULL || len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *out = NULL;
    st = sgp32_encode_der(type, value, NULL, 0, &needed);
    if (st != SGP32_OK)
        return st;
    buf = malloc(needed > 0 ? needed : 1);
    if (buf == NULL)
        return SGP32_ERR_NO_MEMORY;
    st = sgp32_encode_der(type, value, buf, needed, len);
    if (st != SGP32_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    return SGP32_OK;
}

/*
 * An untagged CHOICE is recognised by its outer tag alone. asn1c skips an unknown tag in an extensible
 * CHOICE and returns a value with no alternative present; at the top level that means the outer tag was
 * none of the type's, and the input is refused. (Unknown alternatives nested deeper, or inside a tagged
 * CHOICE, stay accepted as extensions: X.680 52.)
 */
static int is_unknown_untagged_choice(const asn_TYPE_descriptor_t *td, const void *value)
{
    const asn_CHOICE_specifics_t *specs = td->specifics;
    int present = 0;

    if (td->tags_count != 0 || td->outmost_tag != CHOICE_outmost_tag || specs == NULL)
        return 0;
    if (specs->pres_size == (int)sizeof(int)) {
        memcpy(&present, (const char *)value + specs->pres_offset, sizeof(int));
    } else if (specs->pres_size == (int)sizeof(signed char)) {
        signed char narrow;
        memcpy(&narrow, (const char *)value + specs->pres_offset, sizeof(narrow));
        present = narrow;
    } else {
        return 0;
    }
    return present == 0; /* 0 is <Type>_PR_NOTHING */
}

/* Does value re-encode to exactly data[0..len)? */
static enum sgp32_status check_reencodes_to(asn_TYPE_descriptor_t *td, const void *value, const uint8_t *data,
                                            size_t len)
{
    uint8_t *der;
    size_t der_len;
    enum sgp32_status st = sgp32_encode_der_alloc(sgp32_codec_handle(td), value, &der, &der_len);
    if (st != SGP32_OK)
        return SGP32_ERR_NOT_DER;
    st = der_len == len && memcmp(der, data, len) == 0 ? SGP32_OK : SGP32_ERR_NOT_DER;
    free(der);
    return st;
}

enum sgp32_status sgp32_decode(const struct sgp32_codec_type *type, const uint8_t *data, size_t len,
                               const struct sgp32_decode_options *options, void **value, size_t *consumed)
{
    static const struct sgp32_decode_options defaults = {0, 0, 0};
    asn_TYPE_descriptor_t *td;
    asn_codec_ctx_t ctx;
    asn_dec_rval_t rv;
    size_t element_len;
    size_t max_input;
    enum sgp32_status st;
    void *out = NULL;

    if (value != NULL)
        *value = NULL;
    if (consumed != NULL)
        *consumed = 0;
    if (type == NULL || value == NULL || (data == NULL && len > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (options == NULL)
        options = &defaults;
    td = sgp32_codec_descriptor(type);
    max_input = options->max_input != 0 ? options->max_input : SGP32_CODEC_DEFAULT_MAX_INPUT;

    st = sgp32_tlv_check(data, len > max_input ? max_input : len, CODEC_MAX_DEPTH,
                         (options->flags & SGP32_DECODE_DER) ? SGP32_TLV_CHECK_DER : 0u, &element_len);
    if (st == SGP32_ERR_TRUNCATED && len > max_input)
        return SGP32_ERR_TOO_LARGE;
    if (st != SGP32_OK)
        return st;
    if (element_len < len && !(options->flags & SGP32_DECODE_ALLOW_TRAILING))
        return SGP32_ERR_TRAILING;

    memset(&ctx, 0, sizeof(ctx));
    ctx.max_stack_size = options->max_stack != 0 ? options->max_stack : SGP32_CODEC_DEFAULT_MAX_STACK;
    rv = ber_decode(&ctx, td, &out, data, element_len);
    if (rv.code != RC_OK || rv.consumed != element_len || is_unknown_untagged_choice(td, out)) {
        td->free_struct(td, out, 0);
        /* The structure was complete, so asn1c wanting more means a value inside is malformed. */
        return SGP32_ERR_DECODE;
    }
    if ((options->flags & SGP32_DECODE_DER) && (st = check_reencodes_to(td, out, data, element_len)) != SGP32_OK) {
        td->free_struct(td, out, 0);
        return st;
    }
    if ((options->flags & SGP32_DECODE_CONSTRAINTS) && (st = sgp32_check_constraints(type, out, NULL, 0)) != SGP32_OK) {
        td->free_struct(td, out, 0);
        return st;
    }
    *value = out;
    if (consumed != NULL)
        *consumed = element_len;
    return SGP32_OK;
}

enum sgp32_status sgp32_der_validate(const struct sgp32_codec_type *type, const uint8_t *data, size_t len)
{
    const struct sgp32_decode_options der = {SGP32_DECODE_DER, 0, 0};
    void *value;
    enum sgp32_status st = sgp32_decode(type, data, len, &der, &value, NULL);
    sgp32_codec_free(type, value);
    return st;
}

enum sgp32_status sgp32_check_constraints(const struct sgp32_codec_type *type, const void *value, char *message,
                                          size_t message_cap)
{
    char local[128];
    size_t cap = sizeof(local);
    char *msg = local;

    if (type == NULL || value == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (message != NULL && message_cap > 0) {
        msg = message;
        cap = message_cap;
    }
    msg[0] = '\0';
    if (asn_check_constraints(sgp32_codec_descriptor(type), value, msg, &cap) != 0)
        return SGP32_ERR_CONSTRAINT;
    return SGP32_OK;
}

struct print_target {
    sgp32_text_sink sink;
    void *user;
};

static int print_consume(const void *bytes, size_t size, void *key)
{
    struct print_target *t = key;
    return t->sink((const char *)bytes, size, t->user) != 0 ? -1 : 0;
}

enum sgp32_status sgp32_print(const struct sgp32_codec_type *type, const void *value, sgp32_text_sink sink, void *user)
{
    struct print_target target;
    asn_TYPE_descriptor_t *td;

    if (type == NULL || value == NULL || sink == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    target.sink = sink;
    target.user = user;
    td = sgp32_codec_descriptor(type);
    if (td->print_struct(td, value, 1, print_consume, &target) != 0 || print_consume("\n", 1, &target) != 0)
        return SGP32_ERR_CANCELLED;
    return SGP32_OK;
}
