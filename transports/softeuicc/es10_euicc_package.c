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
 */
#include <stdlib.h>
#include <string.h>

#include "EimConfigurationData.h"
#include "EuiccPackageRequest.h"
#include "Psmo.h"
#include "Eco.h"
#include "card_internal.h"
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

/* ---- eIM configuration on the card */

static EimConfigurationData_t *decode_eim(const struct softeuicc_state *state, size_t index)
{
    return softeuicc_decode(SGP32_TYPE(EimConfigurationData), state->eims[index], state->eim_lens[index]);
}

/* Index of the eIM with this eimId, -1 if none. */
static int find_eim(const struct softeuicc_state *state, const uint8_t *eim_id, size_t eim_id_len)
{
    size_t i;
    for (i = 0; i < state->eim_count; i++) {
        EimConfigurationData_t *eim = decode_eim(state, i);
        int same =
            eim != NULL && (size_t)eim->eimId.size == eim_id_len && memcmp(eim->eimId.buf, eim_id, eim_id_len) == 0;
        sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
        if (same)
            return (int)i;
    }
    return -1;
}

static long optional_integer(const INTEGER_t *value, long absent)
{
    long result;
    return value != NULL && asn_INTEGER2long(value, &result) == 0 ? result : absent;
}

/* Replaces eIM `index` with `eim` (re-encoded); the old DER is freed on success. */
static enum sgp32_status store_eim(struct softeuicc_state *state, size_t index, const EimConfigurationData_t *eim)
{
    uint8_t *der = NULL;
    size_t len = 0;
    enum sgp32_status status = sgp32_encode_der_alloc(SGP32_TYPE(EimConfigurationData), eim, &der, &len);
    if (status != SGP32_OK)
        return status;
    if (index < state->eim_count)
        free(state->eims[index]);
    state->eims[index] = der;
    state->eim_lens[index] = len;
    return SGP32_OK;
}

static enum sgp32_status set_integer(INTEGER_t **field, long value)
{
    if (*field == NULL && (*field = calloc(1, sizeof(**field))) == NULL)
        return SGP32_ERR_NO_MEMORY;
    return asn_long2INTEGER(*field, value) == 0 ? SGP32_OK : SGP32_ERR_NO_MEMORY;
}

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

/* ---- PSMOs (SGP.32 2.11.1.1.3): the card's own ES10 handlers do the work */

/* Runs an ES10 handler on a request built here; returns its answer (malloc'd) or NULL. */
static uint8_t *run_handler(struct sgp32_softeuicc *card, softeuicc_es10_handler handler, const uint8_t *request,
                            size_t request_len, size_t *answer_len)
{
    struct der_writer answer;
    der_writer_init(&answer);
    if (handler(card, request, request_len, &answer) != SW_OK) {
        der_writer_reset(&answer);
        return NULL;
    }
    return der_writer_take(&answer, answer_len);
}

/* The INTEGER of an answer `tag { 80|02 result }` (Enable/Disable/Delete/SetDefaultDpAddress). */
static long first_integer(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header outer, child;
    const uint8_t *value;
    long result = 0;
    size_t i;
    if (answer == NULL || sgp32_tlv_parse_header(answer, len, &outer) != SGP32_OK ||
        sgp32_tlv_parse_header(answer + outer.header_len, len - outer.header_len, &child) != SGP32_OK ||
        child.length == 0 || child.length > sizeof(long) || child.header_len + child.length > len - outer.header_len)
        return UNDEFINED;
    value = answer + outer.header_len + child.header_len;
    result = (value[0] & 0x80) ? -1 : 0;
    for (i = 0; i < child.length; i++)
        result = (long)(((unsigned long)result << 8) | value[i]);
    return result;
}

/* Enable / disable / delete through the ES10c handlers; -1 when the handler dropped the in-memory
 * state (its change failed): the package must stop. */
static long profile_operation(struct sgp32_softeuicc *card, softeuicc_es10_handler handler, uint32_t tag,
                              const Iccid_t *iccid)
{
    struct der_writer request;
    uint8_t *bytes, *answer;
    size_t len = 0, answer_len = 0;
    long result;
    der_writer_init(&request);
    der_begin(&request, tag);
    if (tag != 0xBF33)
        der_begin(&request, 0xA0); /* profileIdentifier [0] CHOICE */
    der_bytes(&request, 0x5A, iccid->buf, (size_t)iccid->size);
    if (tag != 0xBF33) {
        der_end(&request);
        der_boolean(&request, 0x81, 1); /* refreshFlag: the device restarts its UICC session */
    }
    der_end(&request);
    bytes = der_writer_take(&request, &len);
    if (bytes == NULL)
        return -1;
    answer = run_handler(card, handler, bytes, len, &answer_len);
    free(bytes);
    result = first_integer(answer, answer_len);
    free(answer);
    return result == UNDEFINED ? -1 : result;
}

static long psmo_enable(struct sgp32_softeuicc *card, const struct Psmo__enable *enable)
{
    SGP32_ProfileInfo_t *current = softeuicc_enabled_profile(card);
    uint8_t previous[10];
    int had_previous = current != NULL && current->iccid != NULL && current->iccid->size == 10;
    long result;
    /* rollbackNotAvailable: with no enabled profile there is nothing to roll back to. */
    if (enable->rollbackFlag != NULL && !had_previous && softeuicc_profile_by_iccid(card, enable->iccid.buf) != NULL)
        return 20;
    if (had_previous)
        memcpy(previous, current->iccid->buf, 10);
    result = profile_operation(card, es10_enable_profile, 0xBF31, &enable->iccid);
    if (result == 0) {
        /* SGP.32 5.9.16: ProfileRollback returns to the profile enabled before, only after this. */
        card->state.rollback_available = enable->rollbackFlag != NULL;
        if (enable->rollbackFlag != NULL)
            memcpy(card->state.rollback_iccid, previous, 10);
    }
    return result;
}

/* setFallbackAttribute: one Fallback Profile at a time; the Profile Owner must allow it
 * (fallbackAllowed TRUE); not while the fallback mechanism is in use. */
static long psmo_set_fallback(struct sgp32_softeuicc *card, const Iccid_t *iccid)
{
    SGP32_ProfileInfo_t *target = softeuicc_profile_by_iccid(card, iccid->buf);
    size_t i;
    if (target == NULL)
        return 1; /* iccidOrAidNotFound */
    if (!softeuicc_profile_bool(target->fallbackAllowed))
        return 2; /* fallbackNotAllowed */
    if (card->state.return_kind == RETURN_FALLBACK)
        return 3; /* fallbackProfileEnabled */
    for (i = 0; i < card->state.profile_count; i++) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        if (profile->fallbackAttribute == NULL && profile != target)
            continue;
        if (profile->fallbackAttribute == NULL && (profile->fallbackAttribute = calloc(1, sizeof(BOOLEAN_t))) == NULL)
            return -1;
        *profile->fallbackAttribute = profile == target ? 0xFF : 0;
        if (profile != target) { /* FALSE is the DEFAULT: leave it out of the DER */
            free(profile->fallbackAttribute);
            profile->fallbackAttribute = NULL;
        }
    }
    return 0;
}

static long psmo_unset_fallback(struct sgp32_softeuicc *card)
{
    size_t i;
    long result = 2; /* noFallbackAttribute */
    if (card->state.return_kind == RETURN_FALLBACK)
        return 3;
    for (i = 0; i < card->state.profile_count; i++) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        if (softeuicc_profile_bool(profile->fallbackAttribute))
            result = 0;
        free(profile->fallbackAttribute);
        profile->fallbackAttribute = NULL;
    }
    return result;
}

/* A PSMO whose request and answer are the ES10 ones: re-encode the PSMO (implicitly tagged with the
 * ES10 request's own tag) and keep the handler's answer as the result element. */
static int psmo_passthrough(struct sgp32_softeuicc *card, softeuicc_es10_handler handler, const Psmo_t *psmo,
                            struct der_writer *items)
{
    uint8_t *request = NULL, *answer;
    size_t len = 0, answer_len = 0;
    if (sgp32_encode_der_alloc(SGP32_TYPE(Psmo), psmo, &request, &len) != SGP32_OK)
        return 0;
    answer = run_handler(card, handler, request, len, &answer_len);
    sgp32_buffer_free(request);
    if (answer == NULL)
        return 0;
    der_raw(items, answer, answer_len);
    free(answer);
    return 1;
}

/* getRATResult [6] RulesAuthorisationTable: the content of GetRAT's A0, under A6. */
static int psmo_get_rat(struct sgp32_softeuicc *card, struct der_writer *items)
{
    static const uint8_t request[] = {0xBF, 0x43, 0x00};
    struct sgp32_tlv_header outer, rat;
    size_t len = 0;
    uint8_t *answer = run_handler(card, es10_get_rat, request, sizeof(request), &len);
    int ok = answer != NULL && sgp32_tlv_parse_header(answer, len, &outer) == SGP32_OK &&
             sgp32_tlv_parse_header(answer + outer.header_len, len - outer.header_len, &rat) == SGP32_OK &&
             rat.tag == 0xA0;
    if (ok)
        der_bytes(items, 0xA6, answer + outer.header_len + rat.header_len, rat.length);
    free(answer);
    return ok;
}

/* One PSMO; 0 when the package must stop (the card dropped its in-memory changes). */
static int run_psmo(struct sgp32_softeuicc *card, const Psmo_t *psmo, struct der_writer *items)
{
    long result;
    switch (psmo->present) {
    case Psmo_PR_enable:
        result = psmo_enable(card, &psmo->choice.enable);
        der_integer(items, 0x83, result);
        return result >= 0;
    case Psmo_PR_disable:
        result = profile_operation(card, es10_disable_profile, 0xBF32, &psmo->choice.disable.iccid);
        der_integer(items, 0x84, result);
        return result >= 0;
    case Psmo_PR_delete:
        result = profile_operation(card, es10_delete_profile, 0xBF33, &psmo->choice.delete.iccid);
        der_integer(items, 0x85, result);
        return result >= 0;
    case Psmo_PR_listProfileInfo: /* listProfileInfoResult [45]: GetProfilesInfo's BF2D answer as is */
        return psmo_passthrough(card, es10_get_profiles_info, psmo, items);
    case Psmo_PR_getRAT:
        return psmo_get_rat(card, items);
    case Psmo_PR_configureImmediateEnable: {
        const struct Psmo__configureImmediateEnable *configure = &psmo->choice.configureImmediateEnable;
        result = softeuicc_configure_immediate_enable(
            card, configure->immediateEnableFlag != NULL,
            configure->defaultSmdpOid != NULL ? configure->defaultSmdpOid->buf : NULL,
            configure->defaultSmdpOid != NULL ? (size_t)configure->defaultSmdpOid->size : 0,
            configure->defaultSmdpAddress != NULL ? configure->defaultSmdpAddress->buf : NULL,
            configure->defaultSmdpAddress != NULL ? (size_t)configure->defaultSmdpAddress->size : 0);
        der_integer(items, 0x87, result);
        return 1;
    }
    case Psmo_PR_setFallbackAttribute:
        result = psmo_set_fallback(card, &psmo->choice.setFallbackAttribute.iccid);
        der_integer(items, 0x8D, result);
        return result >= 0;
    case Psmo_PR_unsetFallbackAttribute:
        der_integer(items, 0x8E, psmo_unset_fallback(card));
        return 1;
    case Psmo_PR_setDefaultDpAddress: /* setDefaultDpAddressResult [101]: the BF65 answer as is */
        return psmo_passthrough(card, es10_set_default_dp_address_iot, psmo, items);
    default:
        der_integer(items, 0x02, 2); /* processingTerminated unknownOrDamagedCommand */
        return 1;
    }
}

/* ---- eCOs (SGP.32 2.11.1.1.2) */

static long eco_add(struct sgp32_softeuicc *card, EimConfigurationData_t *eim, long *token)
{
    struct softeuicc_state *state = &card->state;
    *token = -1;
    if (find_eim(state, eim->eimId.buf, (size_t)eim->eimId.size) >= 0)
        return 2; /* associatedEimAlreadyExists */
    if (state->eim_count >= SOFTEUICC_MAX_EIMS)
        return 1; /* insufficientMemory */
    if (!softeuicc_eim_counter_in_range(eim->counterValue))
        return 6;
    if (!softeuicc_eim_known_ci(state, eim->euiccCiPKId))
        return 3;                        /* ciPKUnknown */
    if (eim->associationToken != NULL) { /* the card assigns the token, as in AddInitialEim */
        *token = state->next_association_token;
        if (set_integer(&eim->associationToken, *token) != SGP32_OK)
            return 127;
    }
    if (store_eim(state, state->eim_count, eim) != SGP32_OK)
        return 127;
    state->eim_count++;
    if (*token >= 0)
        state->next_association_token++;
    return 0;
}

static long eco_delete(struct sgp32_softeuicc *card, const UTF8String_t *eim_id)
{
    struct softeuicc_state *state = &card->state;
    int index = find_eim(state, eim_id->buf, (size_t)eim_id->size);
    if (index < 0)
        return 1; /* eimNotFound */
    free(state->eims[index]);
    memmove(&state->eims[index], &state->eims[index + 1],
            (state->eim_count - (size_t)index - 1) * sizeof(state->eims[0]));
    memmove(&state->eim_lens[index], &state->eim_lens[index + 1],
            (state->eim_count - (size_t)index - 1) * sizeof(state->eim_lens[0]));
    state->eim_count--;
    return state->eim_count == 0 ? 2 : 0; /* lastEimDeleted: no eIM left on the card */
}

/* updateEim: the fields given replace the stored ones; the associationToken stays the card's, and the
 * counterValue stays unless one is given. */
static long eco_update(struct sgp32_softeuicc *card, EimConfigurationData_t *update)
{
    struct softeuicc_state *state = &card->state;
    int index = find_eim(state, update->eimId.buf, (size_t)update->eimId.size);
    EimConfigurationData_t *old;
    long result = 0;
    if (index < 0)
        return 1;
    if (!softeuicc_eim_counter_in_range(update->counterValue))
        return 6;
    if (!softeuicc_eim_known_ci(state, update->euiccCiPKId))
        return 3;
    old = decode_eim(state, (size_t)index);
    if (old == NULL)
        return 127;
#define KEEP(field)                                                                                                    \
    do {                                                                                                               \
        if (update->field == NULL) {                                                                                   \
            update->field = old->field;                                                                                \
            old->field = NULL;                                                                                         \
        }                                                                                                              \
    } while (0)
    KEEP(eimFqdn);
    KEEP(eimIdType);
    KEEP(counterValue);
    KEEP(eimPublicKeyData);
    KEEP(trustedPublicKeyDataTls);
    KEEP(eimSupportedProtocol);
    KEEP(euiccCiPKId);
    KEEP(indirectProfileDownload);
#undef KEEP
    {
        INTEGER_t *given = update->associationToken;
        update->associationToken = old->associationToken;
        old->associationToken = given;
    }
    if (store_eim(state, (size_t)index, update) != SGP32_OK)
        result = 127;
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), old);
    return result;
}

static void eco_list(struct sgp32_softeuicc *card, struct der_writer *items)
{
    size_t i;
    der_begin(items, 0xAB); /* listEimResult [11] ListEimResult (CHOICE: explicit) */
    der_begin(items, 0xA0); /* eimIdList [0] SEQUENCE OF EimIdInfo */
    for (i = 0; i < card->state.eim_count; i++) {
        EimConfigurationData_t *eim = decode_eim(&card->state, i);
        if (eim == NULL)
            continue;
        der_begin(items, 0x30);
        der_bytes(items, 0x80, eim->eimId.buf, (size_t)eim->eimId.size);
        if (eim->eimIdType != NULL)
            der_integer(items, 0x82, optional_integer(eim->eimIdType, 0));
        der_end(items);
        sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    }
    der_end(items);
    der_end(items);
}

static int run_eco(struct sgp32_softeuicc *card, Eco_t *eco, struct der_writer *items)
{
    long result, token;
    switch (eco->present) {
    case Eco_PR_addEim:
        result = eco_add(card, &eco->choice.addEim, &token);
        der_begin(items, 0xA8); /* addEimResult [8] AddEimResult (CHOICE: explicit) */
        if (result == 0 && token >= 0)
            der_integer(items, 0x84, token);
        else
            der_integer(items, 0x02, result); /* addEimResultCode: untagged */
        der_end(items);
        return 1;
    case Eco_PR_deleteEim:
        der_integer(items, 0x89, eco_delete(card, &eco->choice.deleteEim.eimId));
        return 1;
    case Eco_PR_updateEim:
        der_integer(items, 0x8A, eco_update(card, &eco->choice.updateEim));
        return 1;
    case Eco_PR_listEim:
        eco_list(card, items);
        return 1;
    default:
        der_integer(items, 0x02, 2); /* processingTerminated unknownOrDamagedCommand */
        return 1;
    }
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
    EimConfigurationData_t *eim = decode_eim(state, eim_index);
    struct der_writer items, data, answer;
    uint8_t *items_der = NULL, *answer_der = NULL;
    size_t items_len = 0, answer_len = 0;
    long seq_number;
    int i, ok;
    card->defer_commit = 1;
    /* The counter first: an eCO may replace this very eIM (updateEim with a counterValue wins). */
    ok = eim != NULL && set_integer(&eim->counterValue, context->counter) == SGP32_OK &&
         store_eim(state, eim_index, eim) == SGP32_OK;
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    der_writer_init(&items);
    if (package->present == EuiccPackage_PR_psmoList) {
        for (i = 0; ok && i < package->choice.psmoList.list.count; i++)
            ok = run_psmo(card, package->choice.psmoList.list.array[i], &items);
    } else {
        for (i = 0; ok && i < package->choice.ecoList.list.count; i++)
            ok = run_eco(card, package->choice.ecoList.list.array[i], &items);
    }
    items_der = ok ? der_writer_take(&items, &items_len) : NULL;
    der_writer_reset(&items);
    ok = ok && items_der != NULL;
    seq_number = state->next_seq_number++;
    der_writer_init(&data);
    der_writer_init(&answer);
    der_begin(&data, 0x30); /* EuiccPackageResultDataSigned */
    der_bytes(&data, 0x80, context->eim_id->buf, (size_t)context->eim_id->size);
    der_bytes(&data, 0x81, context->counter_value->buf, (size_t)context->counter_value->size);
    if (context->transaction_id != NULL)
        der_bytes(&data, 0x82, context->transaction_id->buf, (size_t)context->transaction_id->size);
    der_integer(&data, 0x83, seq_number);
    der_bytes(&data, 0x30, items_der, items_len); /* euiccResult SEQUENCE OF EuiccResultData */
    der_end(&data);
    free(items_der);
    der_begin(&answer, 0xBF51);
    ok = ok && write_signed(card, &answer, 0xA0, &data, context);
    der_end(&answer);
    der_writer_reset(&data);
    answer_der = ok ? der_writer_take(&answer, &answer_len) : NULL;
    der_writer_reset(&answer);
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
    index = find_eim(state, signed_data->eimId.buf, (size_t)signed_data->eimId.size);
    if (index < 0) {
        answer_unsigned(out, &context);
        sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), request);
        return SW_OK;
    }
    eim = decode_eim(state, (size_t)index);
    context.has_token = eim != NULL && eim->associationToken != NULL;
    context.token = eim != NULL ? optional_integer(eim->associationToken, -1) : -1;
    stored = eim != NULL ? optional_integer(eim->counterValue, 0) : 0;
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
