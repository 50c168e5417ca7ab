/* SPDX-License-Identifier: MIT */
/*
 * Orders of sgp32-eim (eim_server.h): the JSON an operator posts (docs/test-eim.md) turned into what
 * the eIM sends on GetEimPackage (SGP.32 v1.2 6.3.2.6): an EuiccPackageRequest of PSMOs or eCOs
 * (2.11.1.1, built and signed by eim_core), an IpaEuiccDataRequest (2.11.1.2) or a
 * ProfileDownloadTriggerRequest (2.11.1.3). The same code checks an order when it is posted (so a
 * bad one is refused with 400 at once) and builds it when it is fetched (with its counterValue).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/base64.h"
#include "dotted_oid.h"
#include "eim_server.h"
#include "sgp32/codec.h"

#define MAX_ITEMS 16

/* ---- small helpers ---- */

int eim_hex_decode(const char *text, uint8_t *out, size_t cap)
{
    size_t len = text != NULL ? strlen(text) : 0, i;
    if (text == NULL || len % 2 != 0 || len / 2 > cap)
        return -1;
    for (i = 0; i < len; i++) {
        char c = text[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return (int)(len / 2);
}

void eim_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

uint8_t *eim_base64_decode(const char *text, size_t *len)
{
    size_t text_len = text != NULL ? strlen(text) : 0, cap = sgp32_base64_decoded_max(text_len) + 1;
    uint8_t *out = text_len > 0 ? malloc(cap) : NULL;
    if (out == NULL)
        return NULL;
    if (sgp32_base64_decode(text, text_len, SGP32_BASE64_SKIP_WHITESPACE, out, cap, len) != SGP32_OK || *len == 0) {
        free(out);
        return NULL;
    }
    return out;
}

char *eim_base64_encode(const uint8_t *data, size_t len)
{
    size_t cap = sgp32_base64_encoded_length(len) + 1, out_len;
    char *out = malloc(cap);
    if (out != NULL && sgp32_base64_encode(data, len, out, cap, &out_len) != SGP32_OK) {
        free(out);
        out = NULL;
    }
    return out;
}

struct text {
    char *data;
    size_t len, cap;
    int failed;
};

static int text_sink(const char *piece, size_t len, void *user)
{
    struct text *t = user;
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap == 0 ? 1024 : t->cap;
        char *grown;
        while (cap < t->len + len + 1)
            cap *= 2;
        grown = realloc(t->data, cap);
        if (grown == NULL) {
            t->failed = 1;
            return 1;
        }
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, piece, len);
    t->len += len;
    t->data[t->len] = '\0';
    return 0;
}

char *eim_decode_json(const char *type_name, const uint8_t *data, size_t len)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    void *value = NULL;
    struct text t = {NULL, 0, 0, 0};
    if (type == NULL || sgp32_decode(type, data, len, NULL, &value, NULL) != SGP32_OK)
        return NULL;
    if (sgp32_print_json(type, value, text_sink, &t) != SGP32_OK || t.failed) {
        free(t.data);
        t.data = NULL;
    }
    sgp32_codec_free(type, value);
    return t.data;
}

/* ---- a DER writer: tag, definite length, value ---- */

struct der {
    uint8_t data[1024];
    size_t len;
    int overflow;
};

static void der_put(struct der *d, uint32_t tag, const uint8_t *value, size_t len)
{
    uint8_t header[8];
    size_t n = 0;
    if (tag > 0xFF)
        header[n++] = (uint8_t)(tag >> 8);
    header[n++] = (uint8_t)tag;
    if (len < 0x80) {
        header[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        header[n++] = 0x81;
        header[n++] = (uint8_t)len;
    } else {
        header[n++] = 0x82;
        header[n++] = (uint8_t)(len >> 8);
        header[n++] = (uint8_t)len;
    }
    if (len > 0xFFFF || d->len + n + len > sizeof(d->data)) {
        d->overflow = 1;
        return;
    }
    memcpy(d->data + d->len, header, n);
    if (len > 0)
        memmove(d->data + d->len + n, value, len);
    d->len += n + len;
}

/* A non-negative INTEGER's content octets (minimal, a leading 00 when the top bit is set). */
static void der_put_integer(struct der *d, uint32_t tag, long value)
{
    uint8_t bytes[9];
    size_t n = 0, i;
    unsigned long v = (unsigned long)value;
    do {
        bytes[8 - n++] = (uint8_t)v;
        v >>= 8;
    } while (v != 0 && n < 8);
    if (bytes[9 - n] & 0x80)
        bytes[8 - n++] = 0;
    i = 9 - n;
    der_put(d, tag, bytes + i, n);
}

/* Wraps everything written since `start` in `tag`. */
static void der_wrap(struct der *d, size_t start, uint32_t tag)
{
    uint8_t inner[1024];
    size_t len = d->len - start;
    memcpy(inner, d->data + start, len);
    d->len = start;
    der_put(d, tag, inner, len);
}

/* ---- JSON fields ---- */

static int fail(char *error, size_t cap, const char *what, const char *name)
{
    snprintf(error, cap, "%s%s%s", what, name != NULL ? ": " : "", name != NULL ? name : "");
    return -1;
}

static int get_iccid(const cJSON *params, uint8_t iccid[10], char *error, size_t cap)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(params, "iccid");
    if (!cJSON_IsString(value) || eim_hex_decode(value->valuestring, iccid, 10) != 10)
        return fail(error, cap, "iccid must be 20 hex digits (the ICCID as encoded, e.g. 89...)", NULL);
    return 0;
}

static const char *get_string(const cJSON *params, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(params, name);
    return cJSON_IsString(value) ? value->valuestring : NULL;
}

static int get_long(const cJSON *params, const char *name, long *out)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(params, name);
    if (!cJSON_IsNumber(value) || value->valuedouble < 0 || value->valuedouble > 2147483647.0 ||
        value->valuedouble != (double)(long)value->valuedouble)
        return 0;
    *out = (long)value->valuedouble;
    return 1;
}

/* One PSMO: {"<name>": {params}}. */
static int build_psmo(const cJSON *item, struct sgp32_eim_buffer *out, char *error, size_t cap)
{
    const cJSON *params = item->child;
    const char *name = params != NULL ? params->string : NULL;
    uint8_t iccid[10];
    enum sgp32_status status;
    if (!cJSON_IsObject(item) || params == NULL || params->next != NULL || !cJSON_IsObject(params))
        return fail(error, cap, "each PSMO is an object with one member, {\"<psmo>\": {...}}", NULL);
    if (strcmp(name, "enable") == 0) {
        const cJSON *rollback = cJSON_GetObjectItemCaseSensitive(params, "rollbackFlag");
        if (get_iccid(params, iccid, error, cap) != 0)
            return -1;
        status = sgp32_eim_psmo_enable(iccid, cJSON_IsTrue(rollback), out);
    } else if (strcmp(name, "disable") == 0 || strcmp(name, "delete") == 0 ||
               strcmp(name, "setFallbackAttribute") == 0) {
        if (get_iccid(params, iccid, error, cap) != 0)
            return -1;
        status = strcmp(name, "disable") == 0  ? sgp32_eim_psmo_disable(iccid, out)
                 : strcmp(name, "delete") == 0 ? sgp32_eim_psmo_delete(iccid, out)
                                               : sgp32_eim_psmo_set_fallback_attribute(iccid, out);
    } else if (strcmp(name, "listProfileInfo") == 0) {
        const char *request = get_string(params, "request");
        uint8_t der[256];
        int len = request != NULL ? eim_hex_decode(request, der, sizeof(der)) : 0;
        if (len < 0)
            return fail(error, cap, "listProfileInfo.request must be the hex of a ProfileInfoListRequest", NULL);
        status = sgp32_eim_psmo_list_profile_info(len > 0 ? der : NULL, (size_t)len, out);
    } else if (strcmp(name, "getRAT") == 0) {
        status = sgp32_eim_psmo_get_rat(out);
    } else if (strcmp(name, "configureImmediateEnable") == 0) {
        const char *oid_text = get_string(params, "defaultSmdpOid");
        uint8_t oid[64];
        size_t oid_len = 0;
        if (oid_text != NULL && dotted_oid_encode(oid_text, oid, sizeof(oid), &oid_len) != 0)
            return fail(error, cap, "defaultSmdpOid must be a dotted OID", NULL);
        status = sgp32_eim_psmo_configure_immediate_enable(
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "immediateEnableFlag")), oid_len > 0 ? oid : NULL,
            oid_len, get_string(params, "defaultSmdpAddress"), out);
    } else if (strcmp(name, "unsetFallbackAttribute") == 0) {
        status = sgp32_eim_psmo_unset_fallback_attribute(out);
    } else if (strcmp(name, "setDefaultDpAddress") == 0) {
        const char *address = get_string(params, "defaultDpAddress");
        if (address == NULL)
            return fail(error, cap, "setDefaultDpAddress needs defaultDpAddress", NULL);
        status = sgp32_eim_psmo_set_default_dp_address(address, out);
    } else {
        return fail(error, cap, "unknown PSMO", name);
    }
    return status == SGP32_OK ? 0 : fail(error, cap, "cannot encode the PSMO", sgp32_strerror(status));
}

/* One eCO: {"<name>": {params}}. */
static int build_eco(const cJSON *item, struct sgp32_eim_buffer *out, char *error, size_t cap)
{
    const cJSON *params = item->child;
    const char *name = params != NULL ? params->string : NULL;
    enum sgp32_status status;
    if (!cJSON_IsObject(item) || params == NULL || params->next != NULL || !cJSON_IsObject(params))
        return fail(error, cap, "each eCO is an object with one member, {\"<eco>\": {...}}", NULL);
    if (strcmp(name, "addEim") == 0 || strcmp(name, "updateEim") == 0) {
        struct sgp32_eim_configuration config;
        struct sgp32_eim_buffer der = {NULL, 0};
        size_t key_len = 0, cert_len = 0;
        uint8_t *key = NULL, *cert = NULL;
        const char *key_text = get_string(params, "eimPublicKey"), *cert_text = get_string(params, "eimCertificate");
        memset(&config, 0, sizeof(config));
        config.eim_id = get_string(params, "eimId");
        config.eim_fqdn = get_string(params, "eimFqdn");
        config.has_counter_value = get_long(params, "counterValue", &config.counter_value);
        if (strcmp(name, "addEim") == 0) { /* the eUICC assigns the token when asked with any value */
            config.has_association_token = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "associationToken"));
            config.association_token = -1;
        }
        if (config.eim_id == NULL || config.eim_id[0] == '\0' || strlen(config.eim_id) > 128)
            return fail(error, cap, "the eIM configuration needs eimId (1..128 characters)", NULL);
        if (key_text != NULL && (key = eim_base64_decode(key_text, &key_len)) == NULL)
            return fail(error, cap, "eimPublicKey must be base64 DER SubjectPublicKeyInfo", NULL);
        if (cert_text != NULL && (cert = eim_base64_decode(cert_text, &cert_len)) == NULL) {
            free(key);
            return fail(error, cap, "eimCertificate must be base64 DER", NULL);
        }
        config.public_key_spki = key;
        config.public_key_spki_len = key_len;
        config.certificate = cert;
        config.certificate_len = cert_len;
        status = sgp32_eim_encode_configuration(&config, &der);
        if (status == SGP32_OK)
            status = strcmp(name, "addEim") == 0 ? sgp32_eim_eco_add_eim(der.data, der.len, out)
                                                 : sgp32_eim_eco_update_eim(der.data, der.len, out);
        sgp32_eim_buffer_free(&der);
        free(key);
        free(cert);
    } else if (strcmp(name, "deleteEim") == 0) {
        const char *id = get_string(params, "eimId");
        if (id == NULL)
            return fail(error, cap, "deleteEim needs eimId", NULL);
        status = sgp32_eim_eco_delete_eim(id, out);
    } else if (strcmp(name, "listEim") == 0) {
        status = sgp32_eim_eco_list_eim(out);
    } else {
        return fail(error, cap, "unknown eCO", name);
    }
    return status == SGP32_OK ? 0 : fail(error, cap, "cannot encode the eCO", sgp32_strerror(status));
}

static void items_free(struct sgp32_eim_buffer *items, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        sgp32_eim_buffer_free(&items[i]);
}

/* PSMOs or eCOs: an array of one-member objects (or one such object). */
static int build_items(const cJSON *list, int eco, struct sgp32_eim_buffer items[MAX_ITEMS], size_t *count, char *error,
                       size_t cap)
{
    const cJSON *item;
    *count = 0;
    if (cJSON_IsObject(list))
        return (eco ? build_eco(list, &items[0], error, cap) : build_psmo(list, &items[0], error, cap)) == 0
                   ? (*count = 1, 0)
                   : -1;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0 || cJSON_GetArraySize(list) > MAX_ITEMS)
        return fail(error, cap, eco ? "eco must be an array of 1..16 eCOs" : "psmo must be an array of 1..16 PSMOs",
                    NULL);
    cJSON_ArrayForEach(item, list)
    {
        if ((eco ? build_eco(item, &items[*count], error, cap) : build_psmo(item, &items[*count], error, cap)) != 0) {
            items_free(items, *count);
            *count = 0;
            return -1;
        }
        (*count)++;
    }
    return 0;
}

/* IpaEuiccDataRequest (BF52), SGP.32 2.11.1.2. */
static int build_ipa_euicc_data(const cJSON *params, const uint8_t *tid, size_t tid_len, struct der *d, char *error,
                                size_t cap)
{
    static const char *const events[4] = {"install", "enable", "disable", "delete"};
    uint8_t bytes[128];
    const char *text = get_string(params, "tagList");
    const cJSON *criteria;
    long number;
    int len, i;
    if (!cJSON_IsObject(params))
        return fail(error, cap, "ipaEuiccData must be an object", NULL);
    if (text == NULL || (len = eim_hex_decode(text, bytes, sizeof(bytes))) <= 0)
        return fail(error, cap, "ipaEuiccData.tagList must be hex (the tags wanted, e.g. \"80BF20\")", NULL);
    der_put(d, 0x5C, bytes, (size_t)len);
    text = get_string(params, "euiccCiPKIdentifierToBeUsed");
    if (text != NULL) {
        if ((len = eim_hex_decode(text, bytes, sizeof(bytes))) <= 0)
            return fail(error, cap, "euiccCiPKIdentifierToBeUsed must be hex", NULL);
        der_put(d, 0x04, bytes, (size_t)len);
    }
    criteria = cJSON_GetObjectItemCaseSensitive(params, "searchCriteriaNotification");
    if (criteria != NULL) {
        size_t start = d->len;
        text = get_string(criteria, "profileManagementOperation");
        if (get_long(criteria, "seqNumber", &number)) {
            der_put_integer(d, 0x80, number);
        } else if (text != NULL) {
            for (i = 0; i < 4 && strcmp(text, events[i]) != 0; i++)
                ;
            if (i == 4)
                return fail(error, cap, "profileManagementOperation: install, enable, disable or delete", NULL);
            bytes[0] = (uint8_t)(7 - i); /* NotificationEvent, one named bit (DER: trailing bits dropped) */
            bytes[1] = (uint8_t)(0x80u >> i);
            der_put(d, 0x81, bytes, 2);
        } else {
            return fail(error, cap,
                        "searchCriteriaNotification: {\"seqNumber\": n} or "
                        "{\"profileManagementOperation\": \"install\"}",
                        NULL);
        }
        der_wrap(d, start, 0xA1);
    }
    criteria = cJSON_GetObjectItemCaseSensitive(params, "searchCriteriaEuiccPackageResult");
    if (criteria != NULL) {
        size_t start = d->len;
        if (!get_long(criteria, "seqNumber", &number))
            return fail(error, cap, "searchCriteriaEuiccPackageResult: {\"seqNumber\": n}", NULL);
        der_put_integer(d, 0x80, number);
        der_wrap(d, start, 0xA2);
    }
    if (tid_len > 0)
        der_put(d, 0x83, tid, tid_len);
    der_wrap(d, 0, 0xBF52);
    return 0;
}

/* ProfileDownloadTriggerRequest (BF54), SGP.32 2.11.1.3. */
static int build_download(const cJSON *params, const uint8_t *tid, size_t tid_len, struct der *d, char *error,
                          size_t cap)
{
    const char *code = get_string(params, "activationCode");
    const cJSON *smds = cJSON_GetObjectItemCaseSensitive(params, "contactSmds");
    if (!cJSON_IsObject(params))
        return fail(error, cap, "download must be an object", NULL);
    if (code != NULL) {
        if (strlen(code) > 255)
            return fail(error, cap, "activationCode: at most 255 characters", NULL);
        der_put(d, 0x80, (const uint8_t *)code, strlen(code));
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "contactDefaultSmdp"))) {
        der_put(d, 0x81, NULL, 0);
    } else if (cJSON_IsObject(smds)) {
        const char *address = get_string(smds, "smdsAddress");
        if (address != NULL)
            der_put(d, 0x80, (const uint8_t *)address, strlen(address));
        der_wrap(d, 0, 0xA2);
    } else {
        return fail(error, cap, "download needs activationCode, contactDefaultSmdp: true or contactSmds: {}", NULL);
    }
    der_wrap(d, 0, 0xA0); /* profileDownloadData [0]: a CHOICE, explicitly tagged */
    if (tid_len > 0)
        der_put(d, 0x82, tid, tid_len);
    der_wrap(d, 0, 0xBF54);
    return 0;
}

/* The one member of an order and its kind. */
static const cJSON *order_body(const cJSON *order, char kind[16], char *error, size_t cap)
{
    static const char *const kinds[4] = {"psmo", "eco", "ipaEuiccData", "download"};
    const cJSON *body = cJSON_IsObject(order) ? order->child : NULL;
    int i;
    if (body == NULL || body->next != NULL) {
        fail(error, cap, "an order is an object with one member: psmo, eco, ipaEuiccData or download", NULL);
        return NULL;
    }
    for (i = 0; i < 4; i++)
        if (strcmp(body->string, kinds[i]) == 0) {
            snprintf(kind, 16, "%s", kinds[i]);
            return body;
        }
    fail(error, cap, "unknown order type (psmo, eco, ipaEuiccData, download)", body->string);
    return NULL;
}

/* Builds the order's message: for psmo/eco the signed package when signer is not NULL, else only the
 * items are built (the check). */
static int build(const cJSON *order, const struct sgp32_eim_signer *signer, const struct eim_device *device,
                 long counter, const uint8_t *tid, size_t tid_len, struct sgp32_eim_buffer *out, char kind[16],
                 char *error, size_t cap)
{
    const cJSON *body = order_body(order, kind, error, cap);
    struct der d;
    int rc;
    if (body == NULL)
        return -1;
    d.len = 0;
    d.overflow = 0;
    if (strcmp(kind, "psmo") == 0 || strcmp(kind, "eco") == 0) {
        struct sgp32_eim_buffer items[MAX_ITEMS];
        struct sgp32_eim_package package;
        size_t count = 0;
        enum sgp32_status status = SGP32_OK;
        int eco = strcmp(kind, "eco") == 0;
        if (build_items(body, eco, items, &count, error, cap) != 0)
            return -1;
        if (signer != NULL) {
            memset(&package, 0, sizeof(package));
            eim_hex_decode(device->eid, package.eid, 16);
            package.counter_value = counter;
            package.transaction_id = tid;
            package.transaction_id_len = tid_len;
            package.kind = eco ? SGP32_EIM_ECO_LIST : SGP32_EIM_PSMO_LIST;
            package.items = items;
            package.item_count = count;
            status = sgp32_eim_build_package(signer, &package, out);
        }
        items_free(items, count);
        return status == SGP32_OK ? 0 : fail(error, cap, "cannot build the package", sgp32_strerror(status));
    }
    rc = strcmp(kind, "download") == 0 ? build_download(body, tid, tid_len, &d, error, cap)
                                       : build_ipa_euicc_data(body, tid, tid_len, &d, error, cap);
    if (rc != 0)
        return -1;
    if (d.overflow)
        return fail(error, cap, "the order is too large", NULL);
    if (sgp32_der_validate(sgp32_codec_type_find(strcmp(kind, "download") == 0 ? "ProfileDownloadTriggerRequest"
                                                                               : "IpaEuiccDataRequest"),
                           d.data, d.len) != SGP32_OK)
        return fail(error, cap, "the order does not encode as its ASN.1 type", NULL);
    if (out != NULL) {
        out->data = malloc(d.len);
        if (out->data == NULL)
            return fail(error, cap, "out of memory", NULL);
        memcpy(out->data, d.data, d.len);
        out->len = d.len;
    }
    return 0;
}

int eim_order_check(const cJSON *order, char kind[16], char *error, size_t error_cap)
{
    static const uint8_t tid[16] = {0};
    return build(order, NULL, NULL, 0, tid, sizeof(tid), NULL, kind, error, error_cap);
}

int eim_order_build(struct eim_server *server, const struct eim_device *device, const struct eim_order *order,
                    struct sgp32_eim_buffer *out, char *error, size_t error_cap)
{
    struct sgp32_eim_signer signer;
    cJSON *json = cJSON_Parse(order->request);
    char kind[16];
    int rc;
    out->data = NULL;
    out->len = 0;
    if (json == NULL)
        return fail(error, error_cap, "stored order is not JSON", NULL);
    memset(&signer, 0, sizeof(signer));
    signer.eim_id = server->eim_id;
    signer.key = &server->key;
    signer.rng = &server->rng;
    signer.has_association_token = device->has_token;
    signer.association_token = device->token;
    rc = build(json, &signer, device, order->counter, order->tid, order->tid_len, out, kind, error, error_cap);
    cJSON_Delete(json);
    return rc;
}

int eim_add_initial_eim_request(struct eim_server *server, struct sgp32_eim_buffer *out)
{
    struct sgp32_eim_configuration config;
    memset(&config, 0, sizeof(config));
    config.eim_id = server->eim_id;
    config.eim_fqdn = server->eim_fqdn;
    config.has_counter_value = 1;
    config.counter_value = 0;
    config.has_association_token = 1; /* the eUICC assigns it (SGP.32 5.9.18) */
    config.association_token = -1;
    config.public_key_spki = server->spki;
    config.public_key_spki_len = server->spki_len;
    return sgp32_eim_add_initial_eim_request(&config, out) == SGP32_OK ? 0 : -1;
}
