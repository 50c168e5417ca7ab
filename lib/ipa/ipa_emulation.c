/* SPDX-License-Identifier: MIT */
/*
 * IoT emulation on SGP.22 consumer eUICCs: the IPA does for the eIM what an SGP.32 eUICC's ISD-R does
 * (SGP.32 v1.2 5.9.1 LoadEuiccPackage, 5.9.4 AddInitialEim, 5.9.18 GetEimConfigurationData) with the
 * eIM configuration in its own record, and maps the PSMOs to ES10c (ipa_emulation_ops.c).
 *
 * Checks of an emulated package, in this order (each refusal changes nothing):
 *   eimId unknown                          -> euiccPackageErrorUnsigned {eimId, eimTransactionId}
 *   eimSignature does not verify with the stored eIM key over the received EuiccPackageSigned || 84 L
 *   associationToken (2.11.1.1)            -> euiccPackageErrorUnsigned {.., associationToken}
 *   eidValue not the card's, counterValue out of range or not above the stored one (replay)
 *                                          -> euiccPackageErrorUnsigned (the IPA cannot sign an error)
 * Then the new counterValue is saved (with the package marked pending) BEFORE anything runs, the
 * operations run, and the result is saved with the pending mark cleared. After a restart a package
 * found pending answers processingTerminated interruption(3) and the kept result is given again:
 * nothing runs twice. Results are euiccPackageResultSigned with a zero-length euiccSignEPR.
 *
 * Record "ipa.emulation": SEQUENCE { [0] version 1, [1] nextSeqNumber, [2] nextAssociationToken,
 * [3] SEQUENCE OF EimConfigurationData, [4] pending { [0] eimId, [1] counterValue } OPTIONAL,
 * [5] lastResult OCTET STRING OPTIONAL }.
 */
#include <stdlib.h>
#include <string.h>

#include "AddInitialEimRequest.h"
#include "EimConfigurationData.h"
#include "EuiccPackageRequest.h"
#include "codec/codec_internal.h"
#include "codec/der.h"
#include "ipa/ipa_emulation.h"
#include "ipa/ipa_package.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#endif

#define RECORD_VERSION 1
#define RECORD_MAX (256u * 1024u)

/* AddInitialEimError (5.9.4). */
enum { ADD_INSUFFICIENT_MEMORY = 1, ADD_ALREADY_EXISTS = 2, ADD_COUNTER_OUT_OF_RANGE = 6, ADD_COMMAND_ERROR = 7 };
/* processingTerminated interruption (2.11.2.1). */
#define INTERRUPTION 3

static int unknown_command(const struct sgp32_ipa *ipa)
{
    const struct sgp32_es10_error *e = sgp32_es10_last_error(ipa->es10);
    /* 6A88 referenced data not found, 6A80 incorrect data, 6D00 INS not supported: an unknown tag. */
    return e->sw == 0x6A88u || e->sw == 0x6A80u || e->sw == 0x6D00u;
}

int ipa_emulation_detect(struct sgp32_ipa *ipa, enum sgp32_status status)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    enum sgp32_status probe;
    if (status != SGP32_ERR_CARD_STATUS || ipa->es10 == NULL || !unknown_command(ipa))
        return 0;
    if (!ipa->emulated) {
        /* A refused command is not yet an SGP.22 eUICC (an SGP.32 one refuses a malformed request with
         * 6A80 too): the card must also not know GetEimConfigurationData, which has no argument to
         * get wrong. */
        probe = sgp32_es10_get_eim_configuration_data(ipa->es10, NULL, &answer, &answer_len);
        sgp32_buffer_free(answer);
        if (probe == SGP32_OK || probe == SGP32_ERR_EUICC_RESULT || !unknown_command(ipa))
            return 0;
    }
    if (!ipa->emulated)
        ipa_log(ipa, SGP32_LOG_WARNING, "IoT emulation", "the eUICC does not know SGP.32: SGP.22 eUICC emulated");
    ipa->emulated = 1;
    return 1;
}

/* ---- the record ---- */

void ipa_emulation_release(struct ipa_emulation *emulation)
{
    size_t i;
    for (i = 0; i < emulation->eim_count; i++)
        ipa_blob_free(&emulation->eims[i]);
    ipa_blob_free(&emulation->last_result);
    memset(emulation, 0, sizeof(*emulation));
}

static int read_integer(const uint8_t *data, size_t len, uint32_t tag, long *value)
{
    const uint8_t *v;
    size_t v_len;
    return sgp32_der_find_child(data, len, tag, &v, &v_len, NULL) && sgp32_der_integer(v, v_len, value);
}

static enum sgp32_status parse_record(struct ipa_emulation *e, const uint8_t *data, size_t len)
{
    const uint8_t *list, *pending, *v;
    size_t list_len, pending_len, v_len, offset, consumed = 0;
    struct sgp32_tlv_header item;
    long version = 0;
    if (len < 2 || data[0] != 0x30 || sgp32_tlv_check(data, len, 8, 0, &consumed) != SGP32_OK || consumed != len ||
        !read_integer(data, len, 0x80, &version) || version != RECORD_VERSION ||
        !read_integer(data, len, 0x81, &e->next_seq) || !read_integer(data, len, 0x82, &e->next_token))
        return SGP32_ERR_STORAGE;
    if (sgp32_der_find_child(data, len, 0xA3, &list, &list_len, NULL))
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len || e->eim_count == IPA_EMULATION_MAX_EIMS)
                return SGP32_ERR_STORAGE;
            if (ipa_blob_set(&e->eims[e->eim_count], list + offset, item.header_len + item.length) != SGP32_OK)
                return SGP32_ERR_NO_MEMORY;
            e->eim_count++;
        }
    if (sgp32_der_find_element(data, len, 0xA4, &pending, &pending_len)) {
        if (!sgp32_der_find_child(pending, pending_len, 0x80, &v, &v_len, NULL) || v_len >= sizeof(e->pending_eim_id) ||
            !read_integer(pending, pending_len, 0x81, &e->pending_counter))
            return SGP32_ERR_STORAGE;
        memcpy(e->pending_eim_id, v, v_len);
        e->pending_eim_id[v_len] = '\0';
        e->has_pending = 1;
    }
    if (sgp32_der_find_child(data, len, 0x85, &v, &v_len, NULL))
        return ipa_blob_set(&e->last_result, v, v_len);
    return SGP32_OK;
}

enum sgp32_status ipa_emulation_load(struct sgp32_ipa *ipa, struct ipa_emulation *emulation)
{
    struct ipa_blob record = {NULL, 0};
    enum sgp32_status st;
    memset(emulation, 0, sizeof(*emulation));
    emulation->next_seq = IPA_EMULATION_SEQ_BASE;
    emulation->next_token = 1;
    st = ipa_record_read(ipa, IPA_RECORD_EMULATION, &record);
    if (st == SGP32_ERR_NOT_FOUND)
        return SGP32_OK; /* no eIM yet */
    if (st != SGP32_OK)
        return st;
    st = parse_record(emulation, record.data, record.len);
    ipa_blob_free(&record);
    if (st != SGP32_OK) {
        ipa_emulation_release(emulation);
        /* Never dropped: it holds the eIM keys and the replay counters. */
        return ipa_fail(ipa, st, "unreadable record", IPA_RECORD_EMULATION);
    }
    return SGP32_OK;
}

enum sgp32_status ipa_emulation_save(struct sgp32_ipa *ipa, const struct ipa_emulation *e)
{
    struct sgp32_der_writer w;
    uint8_t *data;
    size_t len = 0, i;
    enum sgp32_status st;
    sgp32_der_writer_init_dynamic(&w, RECORD_MAX);
    sgp32_der_writer_begin(&w, 0x30);
    sgp32_der_writer_integer(&w, 0x80, RECORD_VERSION);
    sgp32_der_writer_integer(&w, 0x81, e->next_seq);
    sgp32_der_writer_integer(&w, 0x82, e->next_token);
    sgp32_der_writer_begin(&w, 0xA3);
    for (i = 0; i < e->eim_count; i++)
        sgp32_der_writer_raw(&w, e->eims[i].data, e->eims[i].len);
    sgp32_der_writer_end(&w);
    if (e->has_pending) {
        sgp32_der_writer_begin(&w, 0xA4);
        sgp32_der_writer_bytes(&w, 0x80, (const uint8_t *)e->pending_eim_id, strlen(e->pending_eim_id));
        sgp32_der_writer_integer(&w, 0x81, e->pending_counter);
        sgp32_der_writer_end(&w);
    }
    if (e->last_result.len > 0)
        sgp32_der_writer_bytes(&w, 0x85, e->last_result.data, e->last_result.len);
    sgp32_der_writer_end(&w);
    data = sgp32_der_writer_take(&w, &len);
    if (data == NULL)
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "record", IPA_RECORD_EMULATION);
    st = ipa_record_write(ipa, IPA_RECORD_EMULATION, data, len);
    free(data);
    return st;
}

int ipa_emulation_find(const struct ipa_emulation *emulation, const uint8_t *eim_id, size_t eim_id_len)
{
    size_t i;
    for (i = 0; i < emulation->eim_count; i++) {
        const uint8_t *v;
        size_t v_len;
        if (sgp32_der_find_child(emulation->eims[i].data, emulation->eims[i].len, 0x80, &v, &v_len, NULL) &&
            v_len == eim_id_len && memcmp(v, eim_id, eim_id_len) == 0)
            return (int)i;
    }
    return -1;
}

enum sgp32_status ipa_emulation_read_eim(struct sgp32_ipa *ipa)
{
    struct ipa_emulation e;
    size_t i;
    enum sgp32_status st = ipa_emulation_load(ipa, &e);
    ipa->have_eim = 0;
    if (st != SGP32_OK)
        return st;
    for (i = 0; i < e.eim_count && !ipa->have_eim; i++) {
        const uint8_t *v;
        size_t v_len;
        if (!sgp32_der_find_child(e.eims[i].data, e.eims[i].len, 0x80, &v, &v_len, NULL) ||
            v_len >= sizeof(ipa->eim_id))
            continue;
        memcpy(ipa->eim_id, v, v_len);
        ipa->eim_id[v_len] = '\0';
        if (ipa->config.eim_id != NULL && strcmp(ipa->config.eim_id, ipa->eim_id) != 0)
            continue;
        ipa->eim_fqdn[0] = '\0';
        if (sgp32_der_find_child(e.eims[i].data, e.eims[i].len, 0x81, &v, &v_len, NULL) &&
            v_len < sizeof(ipa->eim_fqdn) && memchr(v, 0, v_len) == NULL) {
            memcpy(ipa->eim_fqdn, v, v_len);
            ipa->eim_fqdn[v_len] = '\0';
        }
        ipa->have_eim = 1;
    }
    ipa_emulation_release(&e);
    if (!ipa->have_eim)
        return ipa_fail(ipa, SGP32_ERR_NOT_FOUND, "no eIM configured (IoT emulation)", ipa->config.eim_id);
    ipa_log(ipa, SGP32_LOG_INFO, "eIM (IoT emulation)", ipa->eim_id);
    return SGP32_OK;
}

/* ---- AddInitialEim ---- */

#ifdef SGP32_HAVE_CRYPTO
static long check_initial(const struct ipa_emulation *e, const AddInitialEimRequest_t *request)
{
    int i, j, count = request->eimConfigurationDataList.list.count;
    if (e->eim_count > 0)
        return ADD_ALREADY_EXISTS;
    if (count == 0)
        return ADD_COMMAND_ERROR;
    if ((size_t)count > IPA_EMULATION_MAX_EIMS)
        return ADD_INSUFFICIENT_MEMORY;
    for (i = 0; i < count; i++) {
        const EimConfigurationData_t *eim = request->eimConfigurationDataList.list.array[i];
        long counter = 0;
        for (j = 0; j < i; j++) {
            const EimConfigurationData_t *other = request->eimConfigurationDataList.list.array[j];
            if (other->eimId.size == eim->eimId.size &&
                memcmp(other->eimId.buf, eim->eimId.buf, (size_t)eim->eimId.size) == 0)
                return ADD_COMMAND_ERROR; /* the same eIM twice */
        }
        if (eim->counterValue != NULL &&
            (asn_INTEGER2long(eim->counterValue, &counter) != 0 || counter < 0 || counter > IPA_EMULATION_COUNTER_MAX))
            return ADD_COUNTER_OUT_OF_RANGE;
    }
    return 0;
}
#endif

enum sgp32_status ipa_emulation_add_initial_eim(struct sgp32_ipa *ipa, const uint8_t *request, size_t len,
                                                uint8_t **answer, size_t *answer_len)
{
#ifndef SGP32_HAVE_CRYPTO
    (void)request;
    (void)len;
    *answer = NULL;
    *answer_len = 0;
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "IoT emulation", "needs the crypto layer (SGP32_HAVE_CRYPTO)");
#else
    AddInitialEimRequest_t *value = NULL;
    struct ipa_emulation e;
    struct sgp32_der_writer w;
    long error = 0, tokens[IPA_EMULATION_MAX_EIMS];
    int i, count = 0;
    enum sgp32_status st;
    *answer = NULL;
    *answer_len = 0;
    if (sgp32_decode(SGP32_TYPE(AddInitialEimRequest), request, len, NULL, (void **)&value, NULL) != SGP32_OK)
        return ipa_fail(ipa, SGP32_ERR_DECODE, "AddInitialEimRequest", "malformed");
    st = ipa_emulation_load(ipa, &e);
    if (st != SGP32_OK) {
        sgp32_codec_free(SGP32_TYPE(AddInitialEimRequest), value);
        return st;
    }
    error = check_initial(&e, value);
    count = value->eimConfigurationDataList.list.count;
    for (i = 0; error == 0 && i < count; i++) {
        EimConfigurationData_t *eim = value->eimConfigurationDataList.list.array[i];
        uint8_t *der = NULL;
        size_t der_len = 0;
        tokens[i] = -1;
        if (eim->associationToken != NULL) { /* the request's value is a placeholder: the IPA assigns it */
            tokens[i] = e.next_token++;
            if (asn_long2INTEGER(eim->associationToken, tokens[i]) != 0)
                error = 127;
        }
        if (error == 0 && sgp32_encode_der_alloc(SGP32_TYPE(EimConfigurationData), eim, &der, &der_len) != SGP32_OK)
            error = 127;
        if (error == 0 && ipa_blob_set(&e.eims[e.eim_count], der, der_len) != SGP32_OK)
            error = 127;
        sgp32_buffer_free(der);
        if (error == 0)
            e.eim_count++;
    }
    sgp32_codec_free(SGP32_TYPE(AddInitialEimRequest), value);
    if (error == 0 && ipa_emulation_save(ipa, &e) != SGP32_OK)
        error = 127;
    ipa_emulation_release(&e);
    /* AddInitialEimResponse: BF57 { A0 { 84 token | 05 addOk ... } } or BF57 { 81 addInitialEimError } */
    sgp32_der_writer_init_dynamic(&w, 1024);
    sgp32_der_writer_begin(&w, 0xBF57);
    if (error != 0) {
        sgp32_der_writer_integer(&w, 0x81, error);
    } else {
        sgp32_der_writer_begin(&w, 0xA0);
        for (i = 0; i < count; i++) {
            if (tokens[i] >= 0)
                sgp32_der_writer_integer(&w, 0x84, tokens[i]);
            else
                sgp32_der_writer_bytes(&w, 0x05, NULL, 0);
        }
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    *answer = sgp32_der_writer_take(&w, answer_len);
    if (*answer == NULL)
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "AddInitialEimResponse", NULL);
    if (error != 0)
        return ipa_fail(ipa, SGP32_ERR_EUICC_RESULT, "AddInitialEim (IoT emulation)", "addInitialEimError");
    return SGP32_OK;
#endif
}

/* ---- LoadEuiccPackage ---- */

#ifdef SGP32_HAVE_CRYPTO
/* What a result echoes from the request. */
struct echo {
    const uint8_t *eim_id;
    size_t eim_id_len;
    long counter;
    const uint8_t *tid; /* NULL: absent */
    size_t tid_len;
    int has_token;
    long token;
};

static enum sgp32_status unsigned_error(const struct echo *echo, struct ipa_blob *out)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, 1024);
    sgp32_der_writer_begin(&w, 0xBF51);
    sgp32_der_writer_begin(&w, 0xA2); /* euiccPackageErrorUnsigned */
    sgp32_der_writer_bytes(&w, 0x80, echo->eim_id, echo->eim_id_len);
    if (echo->tid != NULL)
        sgp32_der_writer_bytes(&w, 0x82, echo->tid, echo->tid_len);
    if (echo->has_token)
        sgp32_der_writer_integer(&w, 0x84, echo->token);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    out->data = sgp32_der_writer_take(&w, &out->len);
    return out->data != NULL ? SGP32_OK : SGP32_ERR_ENCODE;
}

/* euiccPackageResultSigned with a zero-length euiccSignEPR: the data as an eUICC would sign it, and
 * plainly no signature (the IPA holds no eUICC key). */
static enum sgp32_status unsigned_result(const struct echo *echo, long seq, const uint8_t *items, size_t items_len,
                                         struct ipa_blob *out)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF51);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_begin(&w, 0x30); /* EuiccPackageResultDataSigned */
    sgp32_der_writer_bytes(&w, 0x80, echo->eim_id, echo->eim_id_len);
    sgp32_der_writer_integer(&w, 0x81, echo->counter);
    if (echo->tid != NULL)
        sgp32_der_writer_bytes(&w, 0x82, echo->tid, echo->tid_len);
    sgp32_der_writer_integer(&w, 0x83, seq);
    sgp32_der_writer_bytes(&w, 0x30, items, items_len); /* euiccResult */
    sgp32_der_writer_end(&w);
    sgp32_der_writer_bytes(&w, 0x5F37, NULL, 0); /* euiccSignEPR: empty */
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    out->data = sgp32_der_writer_take(&w, &out->len);
    return out->data != NULL ? SGP32_OK : SGP32_ERR_TOO_LARGE;
}

/* The eIM key of eimPublicKeyData (the SubjectPublicKeyInfo or the certificate's key). */
static enum sgp32_status eim_key(const EimConfigurationData_t *eim, struct sgp32_ec_key *key)
{
    uint8_t *der = NULL;
    size_t len = 0;
    enum sgp32_status st;
    int spki;
    if (eim->eimPublicKeyData == NULL)
        return SGP32_ERR_NOT_FOUND;
    spki = eim->eimPublicKeyData->present == EimConfigurationData__eimPublicKeyData_PR_eimPublicKey;
    if (spki)
        st = sgp32_encode_der_alloc(SGP32_TYPE(SubjectPublicKeyInfo), &eim->eimPublicKeyData->choice.eimPublicKey, &der,
                                    &len);
    else if (eim->eimPublicKeyData->present == EimConfigurationData__eimPublicKeyData_PR_eimCertificate)
        st = sgp32_encode_der_alloc(SGP32_TYPE(Certificate), &eim->eimPublicKeyData->choice.eimCertificate, &der, &len);
    else
        return SGP32_ERR_NOT_FOUND;
    if (st == SGP32_OK && spki) {
        st = sgp32_ec_import_spki_der(key, der, len);
    } else if (st == SGP32_OK) {
        struct sgp32_x509_cert cert;
        st = sgp32_x509_parse(&cert, der, len);
        if (st == SGP32_OK)
            st = sgp32_x509_public_key(&cert, key);
    }
    sgp32_buffer_free(der);
    return st;
}

/* eimSignature over the received EuiccPackageSigned || 84 L associationToken (2.11.1.1). */
static int signature_valid(const EimConfigurationData_t *eim, const uint8_t *request, size_t len,
                           const EuiccPackageRequest_t *value, const struct echo *echo)
{
    const uint8_t *part = NULL;
    size_t part_len = 0;
    struct sgp32_der_writer w;
    struct sgp32_ec_key key;
    enum sgp32_status st;
    /* the first element inside BF51, as received (never re-encoded) */
    if (!sgp32_der_find_element(request, len, 0x30, &part, &part_len))
        return 0;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_raw(&w, part, part_len);
    if (echo->has_token)
        sgp32_der_writer_integer(&w, 0x84, echo->token);
    sgp32_ec_key_init(&key);
    st = w.error ? SGP32_ERR_TOO_LARGE : eim_key(eim, &key);
    if (st == SGP32_OK)
        st = sgp32_ecdsa_verify_sha256(&key, w.buf, w.len, value->eimSignature.buf, (size_t)value->eimSignature.size);
    sgp32_ec_key_free(&key);
    sgp32_der_writer_release(&w);
    return st == SGP32_OK;
}

/* The stored eIM's counterValue (0 when absent) and associationToken. */
static enum sgp32_status eim_state(const struct ipa_blob *eim, long *counter, int *has_token, long *token)
{
    const uint8_t *v;
    size_t v_len;
    *counter = 0;
    *has_token = read_integer(eim->data, eim->len, 0x84, token);
    if (sgp32_der_find_child(eim->data, eim->len, 0x83, &v, &v_len, NULL) &&
        !read_integer(eim->data, eim->len, 0x83, counter))
        return SGP32_ERR_STORAGE;
    return SGP32_OK;
}

static enum sgp32_status eim_set_counter(struct ipa_blob *eim, long counter)
{
    EimConfigurationData_t *value = NULL;
    uint8_t *der = NULL;
    size_t len = 0;
    enum sgp32_status st =
        sgp32_decode(SGP32_TYPE(EimConfigurationData), eim->data, eim->len, NULL, (void **)&value, NULL);
    if (st == SGP32_OK && value->counterValue == NULL &&
        (value->counterValue = calloc(1, sizeof(*value->counterValue))) == NULL)
        st = SGP32_ERR_NO_MEMORY;
    if (st == SGP32_OK && asn_long2INTEGER(value->counterValue, counter) != 0)
        st = SGP32_ERR_NO_MEMORY;
    if (st == SGP32_OK)
        st = sgp32_encode_der_alloc(SGP32_TYPE(EimConfigurationData), value, &der, &len);
    if (st == SGP32_OK)
        st = ipa_blob_set(eim, der, len);
    sgp32_buffer_free(der);
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), value);
    return st;
}

/* 1 when the kept result answers this package (eimId and counterValue). */
static int kept_result_matches(const struct ipa_emulation *e, const struct echo *echo)
{
    struct ipa_result_info info;
    return e->last_result.len > 0 && ipa_result_inspect(e->last_result.data, e->last_result.len, &info) == SGP32_OK &&
           info.kind == IPA_RESULT_SIGNED && info.counter == echo->counter && strlen(info.eim_id) == echo->eim_id_len &&
           memcmp(info.eim_id, echo->eim_id, echo->eim_id_len) == 0;
}

/* Builds the result of the items, keeps it in the record with the pending mark cleared. */
static enum sgp32_status finish(struct sgp32_ipa *ipa, struct ipa_emulation *e, const struct echo *echo, long seq,
                                const uint8_t *items, size_t items_len, struct ipa_blob *result)
{
    enum sgp32_status st = unsigned_result(echo, seq, items, items_len, result);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "EuiccPackageResult (IoT emulation)", NULL);
    e->has_pending = 0;
    ipa_blob_free(&e->last_result);
    st = ipa_blob_set(&e->last_result, result->data, result->len);
    if (st == SGP32_OK)
        st = ipa_emulation_save(ipa, e);
    return st;
}

/* Checks and runs a decoded package. */
static enum sgp32_status execute_package(struct sgp32_ipa *ipa, struct ipa_emulation *e, EuiccPackageRequest_t *value,
                                         struct echo *echo, struct ipa_blob *result)
{
    EuiccPackageSigned_t *signed_part = &value->euiccPackageSigned;
    EimConfigurationData_t *eim = NULL;
    struct sgp32_der_writer items;
    long stored = 0, seq;
    int index = ipa_emulation_find(e, echo->eim_id, echo->eim_id_len), valid;
    enum sgp32_status st;
    if (index < 0) {
        ipa_log(ipa, SGP32_LOG_WARNING, "IoT emulation: package refused", "unknown eimId");
        return unsigned_error(echo, result);
    }
    st = eim_state(&e->eims[index], &stored, &echo->has_token, &echo->token);
    if (st == SGP32_OK)
        st = sgp32_decode(SGP32_TYPE(EimConfigurationData), e->eims[index].data, e->eims[index].len, NULL,
                          (void **)&eim, NULL);
    if (st != SGP32_OK)
        return ipa_fail(ipa, SGP32_ERR_STORAGE, "unreadable eIM", IPA_RECORD_EMULATION);
    valid = signature_valid(eim, ipa->job.request.data, ipa->job.request.len, value, echo);
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    if (!valid) {
        ipa_log(ipa, SGP32_LOG_WARNING, "IoT emulation: package refused", "eimSignature does not verify");
        return unsigned_error(echo, result);
    }
    /* The job was in flight before a restart or a failure: its result may be built, or it may have
     * been interrupted. (A new job with the same counter is a replay, refused below.) */
    if (ipa->job.uncertain && kept_result_matches(e, echo))
        return ipa_blob_set(result, e->last_result.data, e->last_result.len);
    if (ipa->job.uncertain && e->has_pending && e->pending_counter == echo->counter &&
        strlen(e->pending_eim_id) == echo->eim_id_len &&
        memcmp(e->pending_eim_id, echo->eim_id, echo->eim_id_len) == 0) {
        /* A restart while it ran: what ran is unknown, so nothing runs again. */
        static const uint8_t interrupted[] = {0x02, 0x01, INTERRUPTION};
        ipa_log(ipa, SGP32_LOG_WARNING, "IoT emulation", "package interrupted by a restart: not run again");
        return finish(ipa, e, echo, e->next_seq++, interrupted, sizeof(interrupted), result);
    }
    if (signed_part->eidValue.size != 16 || memcmp(signed_part->eidValue.buf, ipa->eid, 16) != 0 || echo->counter < 0 ||
        echo->counter > IPA_EMULATION_COUNTER_MAX || echo->counter <= stored) {
        ipa_log(ipa, SGP32_LOG_WARNING, "IoT emulation: package refused",
                echo->counter <= stored && echo->counter >= 0 ? "replayError (counterValue)"
                                                              : "invalidEid or counterValueOutOfRange");
        return unsigned_error(echo, result);
    }
    if (ipa->job.seq_before < -1) {
        st = ipa_card_highest_notification(ipa, &ipa->job.seq_before);
        ipa->job.uncertain = 1;
        if (st == SGP32_OK)
            st = ipa_job_save(ipa);
        if (st != SGP32_OK)
            return st;
    }
    /* Durable before anything runs: a replay is refused even if the device dies during execution. */
    st = eim_set_counter(&e->eims[index], echo->counter);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "eIM counterValue", IPA_RECORD_EMULATION);
    e->has_pending = 1;
    memcpy(e->pending_eim_id, echo->eim_id, echo->eim_id_len);
    e->pending_eim_id[echo->eim_id_len] = '\0';
    e->pending_counter = echo->counter;
    seq = e->next_seq++; /* reserved with the counter: never given to two results */
    st = ipa_emulation_save(ipa, e);
    if (st != SGP32_OK)
        return st;
    sgp32_der_writer_init_dynamic(&items, IPA_BODY_MAX);
    st = ipa_emulation_run(ipa, &signed_part->euiccPackage, e, &items);
    if (st == SGP32_OK && items.error)
        st = ipa_fail(ipa, SGP32_ERR_TOO_LARGE, "EuiccPackageResult (IoT emulation)", NULL);
    if (st == SGP32_OK)
        st = finish(ipa, e, echo, seq, items.buf, items.len, result);
    sgp32_der_writer_release(&items);
    return st;
}
#endif

enum sgp32_status ipa_emulation_execute(struct sgp32_ipa *ipa, struct ipa_blob *result)
{
#ifndef SGP32_HAVE_CRYPTO
    (void)result;
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "IoT emulation", "needs the crypto layer (SGP32_HAVE_CRYPTO)");
#else
    EuiccPackageRequest_t *value = NULL;
    struct ipa_emulation e;
    struct echo echo;
    enum sgp32_status st;
    if (sgp32_decode(SGP32_TYPE(EuiccPackageRequest), ipa->job.request.data, ipa->job.request.len, NULL,
                     (void **)&value, NULL) != SGP32_OK ||
        value->euiccPackageSigned.euiccPackage.present == EuiccPackage_PR_NOTHING) {
        sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), value);
        return ipa_fail(ipa, SGP32_ERR_DECODE, "EuiccPackageRequest (IoT emulation)", "malformed");
    }
    memset(&echo, 0, sizeof(echo));
    echo.eim_id = value->euiccPackageSigned.eimId.buf;
    echo.eim_id_len = (size_t)value->euiccPackageSigned.eimId.size;
    if (echo.eim_id_len == 0 || echo.eim_id_len > 128)
        echo.eim_id_len = 0;
    if (asn_INTEGER2long(&value->euiccPackageSigned.counterValue, &echo.counter) != 0)
        echo.counter = -1; /* too large: out of range */
    if (value->euiccPackageSigned.eimTransactionId != NULL) {
        echo.tid = value->euiccPackageSigned.eimTransactionId->buf;
        echo.tid_len = (size_t)value->euiccPackageSigned.eimTransactionId->size;
    }
    st = ipa_emulation_load(ipa, &e);
    if (st == SGP32_OK && echo.eim_id_len == 0)
        st = ipa_fail(ipa, SGP32_ERR_DECODE, "EuiccPackageRequest (IoT emulation)", "eimId");
    if (st == SGP32_OK)
        st = execute_package(ipa, &e, value, &echo, result);
    ipa_emulation_release(&e);
    sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), value);
    return st;
#endif
}
