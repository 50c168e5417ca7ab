/* SPDX-License-Identifier: MIT */
/*
 * ES10b.LoadEuiccPackage (SGP.32 v1.2 5.9.1, packages 2.11.1, results 2.11.2).
 *
 * Checks, in this order (each failure answers without changing the card):
 *   malformed request                         -> SW 6A80
 *   eimId not in the card's eIM list          -> euiccPackageErrorUnsigned {eimId, eimTransactionId}
 *   eimSignature does not verify (or the eIM has no key, or the card cannot check or sign)
 *                                             -> euiccPackageErrorUnsigned {.., associationToken}
 *   eidValue is not this card's EID           -> euiccPackageErrorSigned invalidEid(3)
 *   counterValue above the 32-bit counter     -> euiccPackageErrorSigned counterValueOutOfRange(6)
 *   counterValue not above the stored one     -> euiccPackageErrorSigned replayError(4)
 *   an emergency profile is enabled           -> euiccPackageErrorSigned ecallActive(104)
 * The signature is only checked before anything is signed, so an unauthenticated request never gets
 * an eUICC signature. Then the PSMOs or eCOs run in order (each gets its result; a failed one does
 * not stop the others) and the card answers euiccPackageResultSigned with the next sequence number.
 *
 * Signature inputs (SGP.32 v1.1 onwards, 2.11.1.1 and 2.11.2.1: the associationToken replaced v1.0's
 * eimSignature in the result signatures; "84 L token" is the eIM configuration's associationToken as
 * DER, absent when the eIM has none):
 *   eimSignature   over the received bytes of EuiccPackageSigned || 84 L token (never re-encoded)
 *   euiccSignEPR   over DER(EuiccPackageResultDataSigned) || 84 L token
 *   euiccSignEPE   over DER(EuiccPackageErrorDataSigned) || 84 L token
 *
 * Commit point: one write for the whole package (the sending eIM's new counterValue, every PSMO / eCO
 * effect, their notifications and the signed result kept for RetrieveNotificationsList), so a power
 * cut or a failed write leaves the card as before the package or after all of it. The ES10 profile
 * handlers the PSMOs reuse commit on their own: card->defer_commit holds their writes back.
 *
 * The PSMOs and eCOs themselves are in es10_euicc_package_ops.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "EimConfigurationData.h"
#include "EuiccPackageRequest.h"
#include "card_internal.h"
#include "euicc_package_internal.h"
#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#endif

enum package_error { INVALID_EID = 3, REPLAY_ERROR = 4, COUNTER_OUT_OF_RANGE = 6, ECALL_ACTIVE = 104, UNDEFINED = 127 };

#define COUNTER_MAX 0x7FFFFFFFL /* the card keeps 32-bit counters (as AddInitialEim checks) */

/* What the answer echoes from the request. */
struct package_context {
    const UTF8String_t *eim_id;
    const OCTET_STRING_t *transaction_id; /* NULL: absent */
    const INTEGER_t *counter_value;       /* echoed as received */
    long counter;
    int has_token;
    long token;
};

/* ---- signatures */

/* data || 84 L token, the input of all three package signatures. */
static uint8_t *signature_input(const uint8_t *data, size_t len, const struct package_context *context,
                                size_t *input_len)
{
    struct der_writer writer;
    der_writer_init(&writer);
    der_raw(&writer, data, len);
    if (context->has_token)
        der_integer(&writer, 0x84, context->token);
    return der_writer_take(&writer, input_len);
}

#ifdef SGP32_HAVE_CRYPTO
/* The eIM's key from eimPublicKeyData: the SubjectPublicKeyInfo, or the certificate's key. */
static enum sgp32_status eim_key(const EimConfigurationData_t *eim, struct sgp32_ec_key *key)
{
    const struct sgp32_codec_type *type;
    const void *value;
    uint8_t *der = NULL;
    size_t len = 0;
    enum sgp32_status status;
    if (eim->eimPublicKeyData == NULL)
        return SGP32_ERR_NOT_FOUND;
    if (eim->eimPublicKeyData->present == EimConfigurationData__eimPublicKeyData_PR_eimPublicKey) {
        type = SGP32_TYPE(SubjectPublicKeyInfo);
        value = &eim->eimPublicKeyData->choice.eimPublicKey;
    } else if (eim->eimPublicKeyData->present == EimConfigurationData__eimPublicKeyData_PR_eimCertificate) {
        type = SGP32_TYPE(Certificate);
        value = &eim->eimPublicKeyData->choice.eimCertificate;
    } else {
        return SGP32_ERR_NOT_FOUND;
    }
    status = sgp32_encode_der_alloc(type, value, &der, &len);
    if (status != SGP32_OK)
        return status;
    if (type == SGP32_TYPE(SubjectPublicKeyInfo)) {
        status = sgp32_ec_import_spki_der(key, der, len);
    } else {
        struct sgp32_x509_cert cert;
        status = sgp32_x509_parse(&cert, der, len);
        if (status == SGP32_OK)
            status = sgp32_x509_public_key(&cert, key);
    }
    sgp32_buffer_free(der);
    return status;
}

static int eim_signature_valid(const EimConfigurationData_t *eim, const uint8_t *input, size_t input_len,
                               const OCTET_STRING_t *signature)
{
    struct sgp32_ec_key key;
    enum sgp32_status status;
    sgp32_ec_key_init(&key);
    status = eim_key(eim, &key);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_verify_sha256(&key, input, input_len, signature->buf, (size_t)signature->size);
    sgp32_ec_key_free(&key);
    return status == SGP32_OK;
}
#else
static int eim_signature_valid(const EimConfigurationData_t *eim, const uint8_t *input, size_t input_len,
                               const OCTET_STRING_t *signature)
{
    (void)eim;
    (void)input;
    (void)input_len;
    (void)signature;
    return 0; /* no crypto layer: nothing can be verified */
}
#endif

/* Writes `tag` { data-part, 5F37 signature } with the eUICC's signature over data-part || token. */
static int write_signed(struct sgp32_softeuicc *card, struct der_writer *out, uint32_t tag, struct der_writer *data,
                        const struct package_context *context)
{
    uint8_t signature[64], *input, *data_der;
    size_t input_len = 0, data_len = 0;
    enum sgp32_status status;
    data_der = der_writer_take(data, &data_len);
    if (data_der == NULL)
        return 0;
    input = signature_input(data_der, data_len, context, &input_len);
    status = input != NULL ? softeuicc_sign(card, input, input_len, signature) : SGP32_ERR_NO_MEMORY;
    free(input);
    if (status == SGP32_OK) {
        der_begin(out, tag);
        der_raw(out, data_der, data_len);
        der_bytes(out, 0x5F37, signature, sizeof(signature));
        der_end(out);
    }
    free(data_der);
    return status == SGP32_OK;
}

/* ---- answers: EuiccPackageResult [81] CHOICE {resultSigned [0] A0, errorSigned [1] A1, errorUnsigned [2] A2} */

static void answer_unsigned(struct der_writer *out, const struct package_context *context)
{
    der_begin(out, 0xBF51);
    der_begin(out, 0xA2);
    der_bytes(out, 0x80, context->eim_id->buf, (size_t)context->eim_id->size);
    if (context->transaction_id != NULL)
        der_bytes(out, 0x82, context->transaction_id->buf, (size_t)context->transaction_id->size);
    if (context->has_token)
        der_integer(out, 0x84, context->token);
    der_end(out);
    der_end(out);
}

static void answer_error(struct sgp32_softeuicc *card, struct der_writer *out, const struct package_context *context,
                         long code)
{
    struct der_writer data;
    struct der_writer answer;
    der_writer_init(&data);
    der_writer_init(&answer);
    der_begin(&data, 0x30);
    der_bytes(&data, 0x80, context->eim_id->buf, (size_t)context->eim_id->size);
    der_bytes(&data, 0x81, context->counter_value->buf, (size_t)context->counter_value->size);
    if (context->transaction_id != NULL)
        der_bytes(&data, 0x82, context->transaction_id->buf, (size_t)context->transaction_id->size);
    der_integer(&data, 0x02, code); /* euiccPackageErrorCode: untagged (its siblings carry tags) */
    der_end(&data);
    der_begin(&answer, 0xBF51);
    if (write_signed(card, &answer, 0xA1, &data, context)) {
        der_end(&answer);
        {
            size_t len = 0;
            uint8_t *bytes = der_writer_take(&answer, &len);
            if (bytes != NULL)
                der_raw(out, bytes, len);
            else
                answer_unsigned(out, context);
            free(bytes);
        }
    } else {
        der_writer_reset(&answer);
        answer_unsigned(out, context);
    }
    der_writer_reset(&data);
}

/* ---- results kept on the card */

void softeuicc_write_package_results(const struct sgp32_softeuicc *card, struct der_writer *out)
{
    size_t i;
    der_begin(out, 0xA2); /* euiccPackageResultList [2] */
    for (i = 0; i < card->state.package_result_count; i++)
        der_raw(out, card->state.package_results[i].der, card->state.package_results[i].len);
    der_end(out);
}

int softeuicc_remove_package_result(struct sgp32_softeuicc *card, long seq_number)
{
    struct softeuicc_state *state = &card->state;
    size_t i;
    for (i = 0; i < state->package_result_count; i++)
        if (state->package_results[i].seq_number == seq_number) {
            free(state->package_results[i].der);
            memmove(&state->package_results[i], &state->package_results[i + 1],
                    (state->package_result_count - i - 1) * sizeof(state->package_results[0]));
            state->package_result_count--;
            return 1;
        }
    return 0;
}

/* Keeps a copy of the signed result; the oldest goes when the list is full. */
static enum sgp32_status keep_result(struct softeuicc_state *state, long seq_number, const uint8_t *der, size_t len)
{
    struct softeuicc_package_result *slot;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(copy, der, len);
    if (state->package_result_count == SOFTEUICC_MAX_PACKAGE_RESULTS) {
        free(state->package_results[0].der);
        memmove(&state->package_results[0], &state->package_results[1],
                (SOFTEUICC_MAX_PACKAGE_RESULTS - 1) * sizeof(state->package_results[0]));
        state->package_result_count--;
    }
    slot = &state->package_results[state->package_result_count++];
    slot->seq_number = seq_number;
    slot->der = copy;
    slot->len = len;
    return SGP32_OK;
}

/* eimId [0], counterValue [1], eimTransactionId [2]: the echoed start of every result's signed data. */
static void write_identity(struct der_writer *data, const struct package_context *context)
{
    der_bytes(data, 0x80, context->eim_id->buf, (size_t)context->eim_id->size);
    der_bytes(data, 0x81, context->counter_value->buf, (size_t)context->counter_value->size);
    if (context->transaction_id != NULL)
        der_bytes(data, 0x82, context->transaction_id->buf, (size_t)context->transaction_id->size);
}

/* The DER of EuiccPackageResult euiccPackageResultSigned (BF51 A0 ..) for the given euiccResult items
 * (the contents of the SEQUENCE OF EuiccResultData); NULL when it cannot be signed. */
static uint8_t *signed_result(struct sgp32_softeuicc *card, const struct package_context *context, long seq_number,
                              const uint8_t *items, size_t items_len, size_t *len)
{
    struct der_writer data, answer;
    uint8_t *der = NULL;
    int ok;
    der_writer_init(&data);
    der_writer_init(&answer);
    der_begin(&data, 0x30); /* EuiccPackageResultDataSigned */
    write_identity(&data, context);
    der_integer(&data, 0x83, seq_number);
    der_bytes(&data, 0x30, items, items_len); /* euiccResult SEQUENCE OF EuiccResultData */
    der_end(&data);
    der_begin(&answer, 0xBF51);
    ok = write_signed(card, &answer, 0xA0, &data, context);
    der_end(&answer);
    der_writer_reset(&data);
    if (ok)
        der = der_writer_take(&answer, len);
    der_writer_reset(&answer);
    return der;
}

/* Remembers which package armed ProfileRollback (replacing an earlier one); not committed. */
static enum sgp32_status keep_rollback_package(struct softeuicc_state *state, const struct package_context *context)
{
    struct der_writer identity;
    uint8_t *der;
    size_t len = 0;
    der_writer_init(&identity);
    write_identity(&identity, context);
    der = der_writer_take(&identity, &len);
    der_writer_reset(&identity);
    if (der == NULL)
        return SGP32_ERR_NO_MEMORY;
    free(state->rollback_package);
    state->rollback_package = der;
    state->rollback_package_len = len;
    return SGP32_OK;
}

/* SGP.32 5.9.16: after a rollback the eUICC reports it to the eIM that enabled with rollbackFlag, as a
 * result of that package (its eimId, counterValue and eimTransactionId) with a new seqNumber, signed
 * like any package result (with that eIM's current associationToken). */
enum sgp32_status softeuicc_rollback_result(struct sgp32_softeuicc *card, long result, uint8_t **der, size_t *len)
{
    struct softeuicc_state *state = &card->state;
    struct package_context context;
    OCTET_STRING_t eim_id, transaction_id;
    INTEGER_t counter_value;
    EimConfigurationData_t *eim = NULL;
    struct sgp32_tlv_header header;
    const uint8_t *p = state->rollback_package;
    size_t left = state->rollback_package_len;
    struct der_writer items;
    uint8_t *items_der;
    size_t items_len = 0;
    int index;
    *der = NULL;
    *len = 0;
    memset(&context, 0, sizeof(context));
    memset(&eim_id, 0, sizeof(eim_id));
    memset(&transaction_id, 0, sizeof(transaction_id));
    memset(&counter_value, 0, sizeof(counter_value));
    /* The kept identity: 80 eimId, 81 counterValue, 82 eimTransactionId (optional), as written above. */
    while (p != NULL && left > 0 && sgp32_tlv_parse_header(p, left, &header) == SGP32_OK &&
           header.length != SGP32_TLV_INDEFINITE && header.length <= left - header.header_len) {
        uint8_t *value = (uint8_t *)(uintptr_t)(p + header.header_len); /* read only, asn1c's types */
        if (header.tag == 0x80) {
            eim_id.buf = value;
            eim_id.size = header.length;
            context.eim_id = &eim_id;
        } else if (header.tag == 0x81) {
            counter_value.buf = value;
            counter_value.size = header.length;
            context.counter_value = &counter_value;
        } else if (header.tag == 0x82) {
            transaction_id.buf = value;
            transaction_id.size = header.length;
            context.transaction_id = &transaction_id;
        }
        p += header.header_len + header.length;
        left -= header.header_len + header.length;
    }
    if (context.eim_id == NULL || context.counter_value == NULL || !softeuicc_can_sign(card))
        return SGP32_ERR_NOT_FOUND;
    index = softeuicc_eim_find(state, eim_id.buf, (size_t)eim_id.size);
    if (index < 0) /* the eIM was deleted since: no one to report to */
        return SGP32_ERR_NOT_FOUND;
    eim = softeuicc_eim_decode(state, (size_t)index);
    if (eim == NULL)
        return SGP32_ERR_NO_MEMORY;
    context.has_token = eim->associationToken != NULL;
    context.token = softeuicc_optional_integer(eim->associationToken, -1);
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    der_writer_init(&items);
    der_integer(&items, 0x8C, result); /* rollbackResult [12] RollbackProfileResult */
    items_der = der_writer_take(&items, &items_len);
    der_writer_reset(&items);
    if (items_der == NULL)
        return SGP32_ERR_NO_MEMORY;
    *der = signed_result(card, &context, state->next_seq_number, items_der, items_len, len);
    free(items_der);
    if (*der == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (keep_result(state, state->next_seq_number, *der, *len) != SGP32_OK) {
        free(*der);
        *der = NULL;
        return SGP32_ERR_NO_MEMORY;
    }
    state->next_seq_number++;
    return SGP32_OK;
}

/* ---- the function */

/* The received bytes of EuiccPackageSigned: the first element inside BF51. */
static int signed_part(const uint8_t *data, size_t len, const uint8_t **part, size_t *part_len)
{
    struct sgp32_tlv_header outer, inner;
    if (sgp32_tlv_parse_header(data, len, &outer) != SGP32_OK ||
        sgp32_tlv_parse_header(data + outer.header_len, len - outer.header_len, &inner) != SGP32_OK ||
        inner.tag != 0x30 || inner.length == SGP32_TLV_INDEFINITE ||
        inner.length > len - outer.header_len - inner.header_len)
        return 0;
    *part = data + outer.header_len;
    *part_len = inner.header_len + inner.length;
    return 1;
}

/* Runs the package and commits; 0 when the card is left as it was (write failed, change dropped). */
static int execute(struct sgp32_softeuicc *card, EuiccPackageRequest_t *request, size_t eim_index,
                   const struct package_context *context, struct der_writer *out)
{
    struct softeuicc_state *state = &card->state;
    EuiccPackage_t *package = &request->euiccPackageSigned.euiccPackage;
    EimConfigurationData_t *eim = softeuicc_eim_decode(state, eim_index);
    struct der_writer items;
    uint8_t *items_der = NULL, *answer_der = NULL;
    size_t items_len = 0, answer_len = 0;
    long seq_number;
    int i, ok;
    card->defer_commit = 1;
    card->rollback_armed = 0;
    /* The counter first: an eCO may replace this very eIM (updateEim with a counterValue wins). */
    ok = eim != NULL && softeuicc_set_integer(&eim->counterValue, context->counter) == SGP32_OK &&
         softeuicc_eim_store(state, eim_index, eim) == SGP32_OK;
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    der_writer_init(&items);
    if (package->present == EuiccPackage_PR_psmoList) {
        for (i = 0; ok && i < package->choice.psmoList.list.count; i++)
            ok = softeuicc_run_psmo(card, package->choice.psmoList.list.array[i], &items);
    } else {
        for (i = 0; ok && i < package->choice.ecoList.list.count; i++)
            ok = softeuicc_run_eco(card, package->choice.ecoList.list.array[i], &items);
    }
    items_der = ok ? der_writer_take(&items, &items_len) : NULL;
    der_writer_reset(&items);
    ok = ok && items_der != NULL;
    seq_number = state->next_seq_number++;
    if (ok && card->rollback_armed) /* an enable with rollbackFlag: ProfileRollback's result echoes us */
        ok = keep_rollback_package(state, context) == SGP32_OK;
    answer_der = ok ? signed_result(card, context, seq_number, items_der, items_len, &answer_len) : NULL;
    free(items_der);
    ok = answer_der != NULL && keep_result(state, seq_number, answer_der, answer_len) == SGP32_OK;
    card->defer_commit = 0;
    /* The single commit point; a failure (or a dropped change) restores the last committed state. */
    if (softeuicc_commit_after(card, ok ? SGP32_OK : SGP32_ERR_NO_MEMORY) != SGP32_OK) {
        free(answer_der);
        return 0;
    }
    der_raw(out, answer_der, answer_len);
    free(answer_der);
    return 1;
}

uint16_t es10_load_euicc_package(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    EuiccPackageRequest_t *request = softeuicc_decode(SGP32_TYPE(EuiccPackageRequest), data, len);
    struct softeuicc_state *state = &card->state;
    EuiccPackageSigned_t *signed_data;
    struct package_context context;
    EimConfigurationData_t *eim = NULL;
    const uint8_t *part = NULL;
    uint8_t *input = NULL;
    size_t part_len = 0, input_len = 0;
    long stored;
    int index, valid;
    if (request == NULL || !signed_part(data, len, &part, &part_len) ||
        request->euiccPackageSigned.euiccPackage.present == EuiccPackage_PR_NOTHING) {
        sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), request);
        return SW_WRONG_DATA;
    }
    signed_data = &request->euiccPackageSigned;
    memset(&context, 0, sizeof(context));
    context.eim_id = &signed_data->eimId;
    context.transaction_id = signed_data->eimTransactionId;
    context.counter_value = &signed_data->counterValue;
    if (asn_INTEGER2long(&signed_data->counterValue, &context.counter) != 0)
        context.counter = -1; /* too large for a long: out of range below */
    index = softeuicc_eim_find(state, signed_data->eimId.buf, (size_t)signed_data->eimId.size);
    if (index < 0) {
        answer_unsigned(out, &context);
        sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), request);
        return SW_OK;
    }
    eim = softeuicc_eim_decode(state, (size_t)index);
    context.has_token = eim != NULL && eim->associationToken != NULL;
    context.token = eim != NULL ? softeuicc_optional_integer(eim->associationToken, -1) : -1;
    stored = eim != NULL ? softeuicc_optional_integer(eim->counterValue, 0) : 0;
    input = signature_input(part, part_len, &context, &input_len);
    valid = eim != NULL && input != NULL && eim_signature_valid(eim, input, input_len, &request->eimSignature);
    free(input);
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    if (!valid || !softeuicc_can_sign(card))
        answer_unsigned(out, &context);
    else if (signed_data->eidValue.size != 16 || memcmp(signed_data->eidValue.buf, state->eid, 16) != 0)
        answer_error(card, out, &context, INVALID_EID);
    else if (context.counter < 0 || context.counter > COUNTER_MAX)
        answer_error(card, out, &context, COUNTER_OUT_OF_RANGE);
    else if (context.counter <= stored)
        answer_error(card, out, &context, REPLAY_ERROR);
    else if (state->return_kind == RETURN_EMERGENCY)
        answer_error(card, out, &context, ECALL_ACTIVE);
    else if (!execute(card, request, (size_t)index, &context, out))
        answer_error(card, out, &context, UNDEFINED);
    sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), request);
    return SW_OK;
}
