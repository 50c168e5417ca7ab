/* SPDX-License-Identifier: MIT */
/* The eIM side of eUICC Packages (SGP.32 2.11): PSMO / eCO builders, signed EuiccPackageRequest,
 * EuiccPackageResult checks. See eim_core.h. */
#include "eim_core.h"

#include <stdlib.h>
#include <string.h>

#include "EuiccPackageResult.h"
#include "codec/codec_internal.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

/* ---- a growable DER output: tags are given as their encoded bytes (0xBF51, 0x80) */

struct der {
    uint8_t *data;
    size_t len, cap;
    int failed;
};

static void put(struct der *der, const void *data, size_t len)
{
    if (der->failed)
        return;
    if (der->len + len > der->cap) {
        size_t cap = der->cap ? der->cap * 2 : 256;
        uint8_t *grown;
        while (cap < der->len + len)
            cap *= 2;
        grown = realloc(der->data, cap);
        if (grown == NULL) {
            der->failed = 1;
            return;
        }
        der->data = grown;
        der->cap = cap;
    }
    if (len > 0)
        memcpy(der->data + der->len, data, len);
    der->len += len;
}

static void put_tlv(struct der *der, uint32_t tag, const void *value, size_t len)
{
    uint8_t header[10];
    size_t at = 0;
    int shift;
    for (shift = 24; shift > 0 && (tag >> shift) == 0; shift -= 8)
        ;
    for (; shift >= 0; shift -= 8)
        header[at++] = (uint8_t)(tag >> shift);
    if (len < 0x80) {
        header[at++] = (uint8_t)len;
    } else {
        size_t bytes = len > 0xFFFFFF ? 4 : len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1, i;
        header[at++] = (uint8_t)(0x80 | bytes);
        for (i = bytes; i > 0; i--)
            header[at++] = (uint8_t)(len >> (8 * (i - 1)));
    }
    put(der, header, at);
    put(der, value, len);
}

/* Minimal two's complement content of an INTEGER. */
static size_t integer_content(long value, uint8_t out[sizeof(long) + 1])
{
    uint8_t bytes[sizeof(long)];
    size_t i, start = 0;
    unsigned long bits = (unsigned long)value;
    for (i = 0; i < sizeof(long); i++)
        bytes[sizeof(long) - 1 - i] = (uint8_t)(bits >> (8 * i));
    while (start + 1 < sizeof(long) && ((bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0) ||
                                        (bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0)))
        start++;
    memcpy(out, bytes + start, sizeof(long) - start);
    return sizeof(long) - start;
}

static void put_integer(struct der *der, uint32_t tag, long value)
{
    uint8_t content[sizeof(long) + 1];
    size_t len = integer_content(value, content);
    put_tlv(der, tag, content, len);
}

static void put_der(struct der *der, uint32_t tag, const struct der *inner)
{
    if (inner->failed)
        der->failed = 1;
    put_tlv(der, tag, inner->data, inner->len);
}

static enum sgp32_status finish(struct der *der, struct sgp32_eim_buffer *out)
{
    if (der->failed) {
        free(der->data);
        return SGP32_ERR_NO_MEMORY;
    }
    out->data = der->data;
    out->len = der->len;
    return SGP32_OK;
}

void sgp32_eim_buffer_free(struct sgp32_eim_buffer *buffer)
{
    if (buffer == NULL)
        return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->len = 0;
}

/* ---- PSMOs (SGP.32 2.11.1.1.3): the CHOICE tags are [3]..[9] (constructed A3..A9), [45] BF2D and
 * [101] BF65; inside, iccid is [APPLICATION 26] (5A) and rollbackFlag an untagged NULL (the SEQUENCE
 * has a tagged member, so no automatic tags). */

static enum sgp32_status psmo_with_iccid(uint32_t tag, const uint8_t iccid[10], int rollback_flag,
                                         struct sgp32_eim_buffer *out)
{
    struct der inner = {0}, der = {0};
    enum sgp32_status status;
    if (iccid == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    put_tlv(&inner, 0x5A, iccid, 10);
    if (rollback_flag)
        put_tlv(&inner, 0x05, NULL, 0);
    put_der(&der, tag, &inner);
    free(inner.data);
    status = finish(&der, out);
    return status;
}

enum sgp32_status sgp32_eim_psmo_enable(const uint8_t iccid[10], int rollback_flag, struct sgp32_eim_buffer *out)
{
    return psmo_with_iccid(0xA3, iccid, rollback_flag, out);
}

enum sgp32_status sgp32_eim_psmo_disable(const uint8_t iccid[10], struct sgp32_eim_buffer *out)
{
    return psmo_with_iccid(0xA4, iccid, 0, out);
}

enum sgp32_status sgp32_eim_psmo_delete(const uint8_t iccid[10], struct sgp32_eim_buffer *out)
{
    return psmo_with_iccid(0xA5, iccid, 0, out);
}

enum sgp32_status sgp32_eim_psmo_set_fallback_attribute(const uint8_t iccid[10], struct sgp32_eim_buffer *out)
{
    return psmo_with_iccid(0xA8, iccid, 0, out);
}

static enum sgp32_status raw(const uint8_t *data, size_t len, struct sgp32_eim_buffer *out)
{
    struct der der = {0};
    if (out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    put(&der, data, len);
    return finish(&der, out);
}

enum sgp32_status sgp32_eim_psmo_list_profile_info(const uint8_t *request_der, size_t request_len,
                                                   struct sgp32_eim_buffer *out)
{
    static const uint8_t all[] = {0xBF, 0x2D, 0x00};
    struct sgp32_tlv_header header;
    if (request_der == NULL)
        return raw(all, sizeof(all), out);
    /* listProfileInfo [45] ProfileInfoListRequest: implicitly the same BF2D element. */
    if (sgp32_tlv_parse_header(request_der, request_len, &header) != SGP32_OK || header.tag != 0xBF2D ||
        header.length != request_len - header.header_len)
        return SGP32_ERR_INVALID_ARGUMENT;
    return raw(request_der, request_len, out);
}

enum sgp32_status sgp32_eim_psmo_get_rat(struct sgp32_eim_buffer *out)
{
    static const uint8_t get_rat[] = {0xA6, 0x00};
    return raw(get_rat, sizeof(get_rat), out);
}

enum sgp32_status sgp32_eim_psmo_unset_fallback_attribute(struct sgp32_eim_buffer *out)
{
    static const uint8_t unset[] = {0xA9, 0x00};
    return raw(unset, sizeof(unset), out);
}

enum sgp32_status sgp32_eim_psmo_configure_immediate_enable(int immediate_enable_flag, const uint8_t *smdp_oid,
                                                            size_t smdp_oid_len, const char *smdp_address,
                                                            struct sgp32_eim_buffer *out)
{
    struct der inner = {0}, der = {0};
    if (out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (immediate_enable_flag)
        put_tlv(&inner, 0x80, NULL, 0);
    if (smdp_oid != NULL)
        put_tlv(&inner, 0x81, smdp_oid, smdp_oid_len);
    if (smdp_address != NULL)
        put_tlv(&inner, 0x82, smdp_address, strlen(smdp_address));
    put_der(&der, 0xA7, &inner);
    free(inner.data);
    return finish(&der, out);
}

enum sgp32_status sgp32_eim_psmo_set_default_dp_address(const char *address, struct sgp32_eim_buffer *out)
{
    struct der inner = {0}, der = {0};
    if (address == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    /* [101] SGP32-SetDefaultDpAddressRequest = BF65 SEQUENCE { defaultDpAddress [0] UTF8String (automatic) } */
    put_tlv(&inner, 0x80, address, strlen(address));
    put_der(&der, 0xBF65, &inner);
    free(inner.data);
    return finish(&der, out);
}

/* ---- eIM configuration and eCOs (2.11.1.1.1-2) */

static void put_configuration_content(struct der *der, const struct sgp32_eim_configuration *config)
{
    put_tlv(der, 0x80, config->eim_id, strlen(config->eim_id));
    if (config->eim_fqdn != NULL)
        put_tlv(der, 0x81, config->eim_fqdn, strlen(config->eim_fqdn));
    if (config->has_counter_value)
        put_integer(der, 0x83, config->counter_value);
    if (config->has_association_token)
        put_integer(der, 0x84, config->association_token);
    /* eimPublicKeyData [5] CHOICE (explicit): A5 { eimPublicKey [0] SPKI (A0) | eimCertificate [1] (A1) } */
    if (config->public_key_spki != NULL || config->certificate != NULL) {
        const uint8_t *element = config->public_key_spki != NULL ? config->public_key_spki : config->certificate;
        size_t element_len = config->public_key_spki != NULL ? config->public_key_spki_len : config->certificate_len;
        struct sgp32_tlv_header header;
        struct der choice = {0};
        if (sgp32_tlv_parse_header(element, element_len, &header) != SGP32_OK || header.tag != 0x30 ||
            header.length != element_len - header.header_len) {
            der->failed = 1;
            return;
        }
        put_tlv(&choice, config->public_key_spki != NULL ? 0xA0 : 0xA1, element + header.header_len, header.length);
        put_der(der, 0xA5, &choice);
        free(choice.data);
    }
}

enum sgp32_status sgp32_eim_encode_configuration(const struct sgp32_eim_configuration *config,
                                                 struct sgp32_eim_buffer *out)
{
    struct der inner = {0}, der = {0};
    if (config == NULL || config->eim_id == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    put_configuration_content(&inner, config);
    put_der(&der, 0x30, &inner);
    free(inner.data);
    return finish(&der, out);
}

enum sgp32_status sgp32_eim_add_initial_eim_request(const struct sgp32_eim_configuration *config,
                                                    struct sgp32_eim_buffer *out)
{
    struct sgp32_eim_buffer entry = {0};
    struct der list = {0}, inner = {0}, der = {0};
    enum sgp32_status status = sgp32_eim_encode_configuration(config, &entry);
    if (status != SGP32_OK)
        return status;
    put(&list, entry.data, entry.len);
    sgp32_eim_buffer_free(&entry);
    put_der(&inner, 0xA0, &list);
    put_der(&der, 0xBF57, &inner);
    free(list.data);
    free(inner.data);
    return finish(&der, out);
}

/* addEim [8] / updateEim [10] EimConfigurationData: the SEQUENCE under an implicit context tag. */
static enum sgp32_status eco_configuration(uint32_t tag, const uint8_t *configuration_der, size_t len,
                                           struct sgp32_eim_buffer *out)
{
    struct sgp32_tlv_header header;
    struct der der = {0};
    if (configuration_der == NULL || out == NULL ||
        sgp32_tlv_parse_header(configuration_der, len, &header) != SGP32_OK || header.tag != 0x30 ||
        header.length != len - header.header_len)
        return SGP32_ERR_INVALID_ARGUMENT;
    put_tlv(&der, tag, configuration_der + header.header_len, header.length);
    return finish(&der, out);
}

enum sgp32_status sgp32_eim_eco_add_eim(const uint8_t *configuration_der, size_t len, struct sgp32_eim_buffer *out)
{
    return eco_configuration(0xA8, configuration_der, len, out);
}

enum sgp32_status sgp32_eim_eco_update_eim(const uint8_t *configuration_der, size_t len, struct sgp32_eim_buffer *out)
{
    return eco_configuration(0xAA, configuration_der, len, out);
}

enum sgp32_status sgp32_eim_eco_delete_eim(const char *eim_id, struct sgp32_eim_buffer *out)
{
    struct der inner = {0}, der = {0};
    if (eim_id == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    put_tlv(&inner, 0x80, eim_id, strlen(eim_id));
    put_der(&der, 0xA9, &inner);
    free(inner.data);
    return finish(&der, out);
}

enum sgp32_status sgp32_eim_eco_list_eim(struct sgp32_eim_buffer *out)
{
    static const uint8_t list[] = {0xAB, 0x00};
    return raw(list, sizeof(list), out);
}

/* ---- package request */

enum sgp32_status sgp32_eim_signature_digest(const uint8_t *signed_der, size_t signed_len, int has_token, long token,
                                             uint8_t digest[32])
{
    struct sgp32_sha256 hash;
    enum sgp32_status status = sgp32_sha256_init(&hash);
    if (status != SGP32_OK)
        return status;
    status = sgp32_sha256_update(&hash, signed_der, signed_len);
    if (status == SGP32_OK && has_token) {
        struct der token_tlv = {0};
        put_integer(&token_tlv, 0x84, token);
        status = token_tlv.failed ? SGP32_ERR_NO_MEMORY : sgp32_sha256_update(&hash, token_tlv.data, token_tlv.len);
        free(token_tlv.data);
    }
    if (status == SGP32_OK)
        return sgp32_sha256_final(&hash, digest);
    sgp32_sha256_final(&hash, digest); /* releases the context */
    return status;
}

enum sgp32_status sgp32_eim_build_package(const struct sgp32_eim_signer *signer,
                                          const struct sgp32_eim_package *package, struct sgp32_eim_buffer *out)
{
    struct der list = {0}, content = {0}, signed_part = {0}, request = {0}, der = {0};
    uint8_t digest[32], signature[64];
    enum sgp32_status status;
    size_t i;
    if (signer == NULL || signer->eim_id == NULL || signer->key == NULL || package == NULL || out == NULL ||
        (package->item_count > 0 && package->items == NULL))
        return SGP32_ERR_INVALID_ARGUMENT;
    /* EuiccPackageSigned: eimId [0], eidValue 5A, counterValue [1], eimTransactionId [2], then the
     * EuiccPackage CHOICE (automatic tags: psmoList [0] A0, ecoList [1] A1). */
    put_tlv(&content, 0x80, signer->eim_id, strlen(signer->eim_id));
    put_tlv(&content, 0x5A, package->eid, 16);
    put_integer(&content, 0x81, package->counter_value);
    if (package->transaction_id != NULL)
        put_tlv(&content, 0x82, package->transaction_id, package->transaction_id_len);
    for (i = 0; i < package->item_count; i++)
        put(&list, package->items[i].data, package->items[i].len);
    put_der(&content, package->kind == SGP32_EIM_ECO_LIST ? 0xA1 : 0xA0, &list);
    put_der(&signed_part, 0x30, &content);
    status = signed_part.failed ? SGP32_ERR_NO_MEMORY : SGP32_OK;
    if (status == SGP32_OK)
        status = sgp32_eim_signature_digest(signed_part.data, signed_part.len, signer->has_association_token,
                                            signer->association_token, digest);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_sign_digest(signer->key, signer->rng, digest, signature);
    if (status == SGP32_OK) {
        put(&request, signed_part.data, signed_part.len);
        put_tlv(&request, 0x5F37, signature, sizeof(signature));
        put_der(&der, 0xBF51, &request);
        status = finish(&der, out);
    } else {
        free(der.data);
    }
    free(list.data);
    free(content.data);
    free(signed_part.data);
    free(request.data);
    return status;
}

/* ---- package result */

/* The children of a constructed element, one by one: *at walks [start, end). */
static int next_child(const uint8_t *der, size_t end, size_t *at, struct sgp32_tlv_header *child)
{
    if (*at >= end || sgp32_tlv_parse_header(der + *at, end - *at, child) != SGP32_OK ||
        child->length == SGP32_TLV_INDEFINITE || child->length > end - *at - child->header_len)
        return 0;
    return 1;
}

static int integer_value(const uint8_t *content, size_t len, long *value)
{
    unsigned long bits;
    size_t i;
    if (len == 0 || len > sizeof(long))
        return 0;
    bits = (content[0] & 0x80) ? ~0UL : 0UL;
    for (i = 0; i < len; i++)
        bits = (bits << 8) | content[i];
    *value = (long)bits;
    return 1;
}

static int same_bytes(const uint8_t *a, size_t a_len, const void *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* Reads the common fields of a data part (eimId 80, counterValue 81, eimTransactionId 82) and checks
 * them against what was sent; the other children are handed to `other`. */
struct data_fields {
    int have_eim_id, have_counter, have_transaction_id;
    int have_seq;
    long seq;
    int have_error;
    long error;
    int have_list;
    size_t list_at, list_end;
};

static enum sgp32_status read_data(const uint8_t *der, size_t at, size_t end, const struct sgp32_eim_expected *expected,
                                   struct data_fields *fields)
{
    struct sgp32_tlv_header child;
    memset(fields, 0, sizeof(*fields));
    while (at < end) {
        const uint8_t *value;
        long number;
        if (!next_child(der, end, &at, &child))
            return SGP32_ERR_DECODE;
        value = der + at + child.header_len;
        switch (child.tag) {
        case 0x80:
            if (!same_bytes(value, child.length, expected->eim_id, strlen(expected->eim_id)))
                return SGP32_ERR_PROTOCOL;
            fields->have_eim_id = 1;
            break;
        case 0x81:
            if (!integer_value(value, child.length, &number))
                return SGP32_ERR_DECODE;
            if (number != expected->counter_value)
                return SGP32_ERR_PROTOCOL;
            fields->have_counter = 1;
            break;
        case 0x82:
            if (expected->transaction_id == NULL ||
                !same_bytes(value, child.length, expected->transaction_id, expected->transaction_id_len))
                return SGP32_ERR_PROTOCOL;
            fields->have_transaction_id = 1;
            break;
        case 0x83:
            if (!integer_value(value, child.length, &fields->seq))
                return SGP32_ERR_DECODE;
            fields->have_seq = 1;
            break;
        case 0x02:
            if (!integer_value(value, child.length, &fields->error))
                return SGP32_ERR_DECODE;
            fields->have_error = 1;
            break;
        case 0x30:
            fields->have_list = 1;
            fields->list_at = at + child.header_len;
            fields->list_end = fields->list_at + child.length;
            break;
        default:
            break;
        }
        at += child.header_len + child.length;
    }
    if (!fields->have_eim_id || (expected->transaction_id != NULL && !fields->have_transaction_id))
        return SGP32_ERR_PROTOCOL;
    return SGP32_OK;
}

static enum sgp32_status verify_signed(const uint8_t *der, size_t at, size_t end, const uint8_t *certificate,
                                       size_t certificate_len, const struct sgp32_eim_expected *expected,
                                       size_t *data_at, size_t *data_end)
{
    struct sgp32_tlv_header data, signature;
    uint8_t digest[32];
    struct sgp32_ec_key key;
    struct sgp32_x509_cert cert;
    enum sgp32_status status;
    size_t data_start = at, signature_at;
    if (!next_child(der, end, &at, &data) || data.tag != 0x30)
        return SGP32_ERR_DECODE;
    signature_at = at + data.header_len + data.length;
    if (!next_child(der, end, &signature_at, &signature) || signature.tag != 0x5F37)
        return SGP32_ERR_DECODE;
    status = sgp32_eim_signature_digest(der + data_start, data.header_len + data.length,
                                        expected->has_association_token, expected->association_token, digest);
    if (status != SGP32_OK)
        return status;
    /* The eUICC certificate's key (SGP.22 4.5.2.1.0.2); the chain is the caller's business. */
    sgp32_ec_key_init(&key);
    status = sgp32_x509_parse(&cert, certificate, certificate_len);
    if (status == SGP32_OK)
        status = sgp32_x509_public_key(&cert, &key);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_verify_digest(&key, digest, der + signature_at + signature.header_len, signature.length);
    sgp32_ec_key_free(&key);
    *data_at = data_start + data.header_len;
    *data_end = *data_at + data.length;
    return status;
}

static enum sgp32_status read_items(const uint8_t *der, size_t at, size_t end, struct sgp32_eim_result *result)
{
    struct sgp32_tlv_header child;
    while (at < end) {
        struct sgp32_eim_result_item *item;
        if (!next_child(der, end, &at, &child))
            return SGP32_ERR_DECODE;
        if (result->item_count == SGP32_EIM_MAX_RESULTS)
            return SGP32_ERR_TOO_LARGE;
        item = &result->items[result->item_count++];
        item->tag = child.tag;
        item->offset = at;
        item->len = child.header_len + child.length;
        item->is_integer = !child.constructed && integer_value(der + at + child.header_len, child.length, &item->value);
        at += child.header_len + child.length;
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_eim_verify_result(const uint8_t *der, size_t len, const uint8_t *euicc_certificate,
                                          size_t certificate_len, const struct sgp32_eim_expected *expected,
                                          struct sgp32_eim_result *result)
{
    struct sgp32_decode_options options = {0, 0, 0};
    struct sgp32_tlv_header outer, choice;
    struct data_fields fields;
    void *decoded = NULL;
    size_t at = 0, data_at = 0, data_end = 0;
    enum sgp32_status status;
    if (der == NULL || expected == NULL || expected->eim_id == NULL || result == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(result, 0, sizeof(*result));
    /* The whole answer must be a well-formed EuiccPackageResult before its parts are looked at. */
    if (sgp32_decode(SGP32_TYPE(EuiccPackageResult), der, len, &options, &decoded, NULL) != SGP32_OK)
        return SGP32_ERR_DECODE;
    sgp32_codec_free(SGP32_TYPE(EuiccPackageResult), decoded);
    if (!next_child(der, len, &at, &outer) || outer.tag != 0xBF51 || at + outer.header_len + outer.length != len)
        return SGP32_ERR_DECODE;
    at += outer.header_len;
    if (!next_child(der, len, &at, &choice))
        return SGP32_ERR_DECODE;
    switch (choice.tag) {
    case 0xA0:
    case 0xA1:
        if (euicc_certificate == NULL)
            return SGP32_ERR_INVALID_ARGUMENT;
        result->kind = choice.tag == 0xA0 ? SGP32_EIM_RESULT_SIGNED : SGP32_EIM_ERROR_SIGNED;
        status = verify_signed(der, at + choice.header_len, at + choice.header_len + choice.length, euicc_certificate,
                               certificate_len, expected, &data_at, &data_end);
        if (status != SGP32_OK)
            return status;
        status = read_data(der, data_at, data_end, expected, &fields);
        if (status != SGP32_OK)
            return status;
        if (!fields.have_counter)
            return SGP32_ERR_PROTOCOL;
        if (result->kind == SGP32_EIM_ERROR_SIGNED) {
            if (!fields.have_error)
                return SGP32_ERR_DECODE;
            result->error_code = fields.error;
            return SGP32_OK;
        }
        if (!fields.have_seq || !fields.have_list)
            return SGP32_ERR_DECODE;
        /* SGP.32 5.14.6: a result whose sequence number is not above the last one is stale. */
        if (fields.seq <= expected->last_seq_number)
            return SGP32_ERR_PROTOCOL;
        result->seq_number = fields.seq;
        return read_items(der, fields.list_at, fields.list_end, result);
    case 0xA2: {
        size_t end = at + choice.header_len + choice.length, child_at = at + choice.header_len;
        struct sgp32_tlv_header child;
        result->kind = SGP32_EIM_ERROR_UNSIGNED;
        /* the token is informative here: look it up before the echo checks */
        while (child_at < end && next_child(der, end, &child_at, &child)) {
            if (child.tag == 0x84 &&
                integer_value(der + child_at + child.header_len, child.length, &result->association_token))
                result->has_association_token = 1;
            child_at += child.header_len + child.length;
        }
        {
            struct sgp32_eim_expected echo = *expected;
            echo.counter_value = 0;
            return read_data(der, at + choice.header_len, end, &echo, &fields);
        }
    }
    default:
        return SGP32_ERR_DECODE;
    }
}
