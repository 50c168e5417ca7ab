/* SPDX-License-Identifier: MIT */
/*
 * The operations of an eUICC Package (SGP.32 2.11.1.1.2-3) for es10_euicc_package.c: PSMOs through
 * the card's own ES10 handlers (enable, disable, delete, GetProfilesInfo, GetRAT, immediate-enable
 * configuration, default SM-DP+ address) plus the PSMO-only fallback attribute, and the eCOs on the
 * card's eIM list. Nothing here commits: the package commits once when all have run.
 */
#include <stdlib.h>
#include <string.h>

#include "Eco.h"
#include "EimConfigurationData.h"
#include "Psmo.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "es10/eim_update.h"
#include "euicc_package_internal.h"
#include "sgp32/tlv.h"

enum { UNDEFINED = 127 };

/* ---- eIM configuration on the card */

EimConfigurationData_t *softeuicc_eim_decode(const struct softeuicc_state *state, size_t index)
{
    return softeuicc_decode(SGP32_TYPE(EimConfigurationData), state->eims[index], state->eim_lens[index]);
}

/* Index of the eIM with this eimId, -1 if none. */
int softeuicc_eim_find(const struct softeuicc_state *state, const uint8_t *eim_id, size_t eim_id_len)
{
    size_t i;
    for (i = 0; i < state->eim_count; i++) {
        EimConfigurationData_t *eim = softeuicc_eim_decode(state, i);
        int same =
            eim != NULL && (size_t)eim->eimId.size == eim_id_len && memcmp(eim->eimId.buf, eim_id, eim_id_len) == 0;
        sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
        if (same)
            return (int)i;
    }
    return -1;
}

long softeuicc_optional_integer(const INTEGER_t *value, long absent)
{
    long result;
    return value != NULL && asn_INTEGER2long(value, &result) == 0 ? result : absent;
}

/* Replaces eIM `index` with `eim` (re-encoded); the old DER is freed on success. */
enum sgp32_status softeuicc_eim_store(struct softeuicc_state *state, size_t index, const EimConfigurationData_t *eim)
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

enum sgp32_status softeuicc_set_integer(INTEGER_t **field, long value)
{
    if (*field == NULL && (*field = calloc(1, sizeof(**field))) == NULL)
        return SGP32_ERR_NO_MEMORY;
    return asn_long2INTEGER(*field, value) == 0 ? SGP32_OK : SGP32_ERR_NO_MEMORY;
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
        card->rollback_armed = enable->rollbackFlag != NULL; /* execute() keeps the package's identity */
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
int softeuicc_run_psmo(struct sgp32_softeuicc *card, const Psmo_t *psmo, struct der_writer *items)
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
    if (softeuicc_eim_find(state, eim->eimId.buf, (size_t)eim->eimId.size) >= 0)
        return 2; /* associatedEimAlreadyExists */
    if (state->eim_count >= SOFTEUICC_MAX_EIMS)
        return 1; /* insufficientMemory */
    if (!softeuicc_eim_counter_in_range(eim->counterValue))
        return 6;
    if (!softeuicc_eim_known_ci(state, eim->euiccCiPKId))
        return 3;                        /* ciPKUnknown */
    if (eim->associationToken != NULL) { /* the card assigns the token, as in AddInitialEim */
        *token = state->next_association_token;
        if (softeuicc_set_integer(&eim->associationToken, *token) != SGP32_OK)
            return 127;
    }
    if (softeuicc_eim_store(state, state->eim_count, eim) != SGP32_OK)
        return 127;
    state->eim_count++;
    if (*token >= 0)
        state->next_association_token++;
    return 0;
}

static long eco_delete(struct sgp32_softeuicc *card, const UTF8String_t *eim_id)
{
    struct softeuicc_state *state = &card->state;
    int index = softeuicc_eim_find(state, eim_id->buf, (size_t)eim_id->size);
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
    int index = softeuicc_eim_find(state, update->eimId.buf, (size_t)update->eimId.size);
    EimConfigurationData_t *old;
    long result = 0;
    if (index < 0)
        return 1;
    if (!softeuicc_eim_counter_in_range(update->counterValue))
        return 6;
    if (!softeuicc_eim_known_ci(state, update->euiccCiPKId))
        return 3;
    old = softeuicc_eim_decode(state, (size_t)index);
    if (old == NULL)
        return 127;
    es10_eim_update_merge(update, old);
    if (softeuicc_eim_store(state, (size_t)index, update) != SGP32_OK)
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
        EimConfigurationData_t *eim = softeuicc_eim_decode(&card->state, i);
        if (eim == NULL)
            continue;
        der_begin(items, 0x30);
        der_bytes(items, 0x80, eim->eimId.buf, (size_t)eim->eimId.size);
        if (eim->eimIdType != NULL)
            der_integer(items, 0x82, softeuicc_optional_integer(eim->eimIdType, 0));
        der_end(items);
        sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
    }
    der_end(items);
    der_end(items);
}

int softeuicc_run_eco(struct sgp32_softeuicc *card, Eco_t *eco, struct der_writer *items)
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
