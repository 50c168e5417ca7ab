/* SPDX-License-Identifier: MIT */
/* SGP.32 ES10b profile-state functions (5.9.15-5.9.17, 5.9.20-5.9.24): ProfileRollback,
 * ConfigureImmediateProfileEnabling, ImmediateEnable, Enable/DisableEmergencyProfile,
 * ExecuteFallbackMechanism, ReturnFromFallback, GetConnectivityParameters, IpaeActivation. */
#include <stdlib.h>
#include <string.h>

#include "ConfigureImmediateProfileEnablingRequest.h"
#include "DisableEmergencyProfileRequest.h"
#include "EnableEmergencyProfileRequest.h"
#include "ExecuteFallbackMechanismRequest.h"
#include "ImmediateEnableRequest.h"
#include "ProfileRollbackRequest.h"
#include "ReturnFromFallbackRequest.h"
#include "ConnectivityParameters.h"
#include "GetConnectivityParametersRequest.h"
#include "IpaeActivationRequest.h"
#include "LpaeActivationRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

enum {
    RESULT_OK = 0,
    NOT_IN_DISABLED_STATE = 2,
    NOT_IN_ENABLED_STATE = 2,
    FALLBACK_NOT_AVAILABLE = 6,
    COMMAND_ERROR = 7,
    ECALL_NOT_AVAILABLE = 8,
    ECALL_ACTIVE = 104,
    UNDEFINED = 127
};

static uint16_t answer(struct der_writer *out, uint32_t tag, long result)
{
    der_begin(out, tag);
    der_integer(out, 0x80, result);
    der_end(out);
    return SW_OK;
}

/* Reads the refreshFlag of the one-BOOLEAN requests; -1 when the request is malformed. */
static int refresh_flag(const struct sgp32_codec_type *type, const uint8_t *data, size_t len)
{
    /* All these requests are SEQUENCE { refreshFlag BOOLEAN }: the BOOLEAN is the first member. */
    BOOLEAN_t *request = softeuicc_decode(type, data, len);
    int flag;
    if (request == NULL)
        return -1;
    flag = *request != 0;
    sgp32_codec_free(type, request);
    return flag;
}

static SGP32_ProfileInfo_t *profile_with(struct sgp32_softeuicc *card, int emergency)
{
    size_t i;
    for (i = 0; i < card->state.profile_count; i++) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        if (softeuicc_profile_bool(emergency ? profile->ecallIndication : profile->fallbackAttribute))
            return profile;
    }
    return NULL;
}

/* Switches to `target`, remembering the enabled profile to come back to; commits. */
static long switch_away(struct sgp32_softeuicc *card, SGP32_ProfileInfo_t *target, int kind, int refresh)
{
    SGP32_ProfileInfo_t *current = softeuicc_enabled_profile(card);
    struct softeuicc_state *state = &card->state;
    state->return_kind = kind;
    state->return_has_iccid = current != NULL && current->iccid != NULL;
    if (state->return_has_iccid)
        memcpy(state->return_iccid, current->iccid->buf, 10);
    if (softeuicc_commit_after(card, softeuicc_switch_profile(card, target)) != SGP32_OK)
        return UNDEFINED;
    softeuicc_after_switch(card, refresh);
    return RESULT_OK;
}

static long switch_back(struct sgp32_softeuicc *card, int refresh)
{
    struct softeuicc_state *state = &card->state;
    SGP32_ProfileInfo_t *back = state->return_has_iccid ? softeuicc_profile_by_iccid(card, state->return_iccid) : NULL;
    state->return_kind = RETURN_NONE;
    state->return_has_iccid = 0;
    if (softeuicc_commit_after(card, softeuicc_switch_profile(card, back)) != SGP32_OK)
        return UNDEFINED;
    softeuicc_after_switch(card, refresh);
    return RESULT_OK;
}

uint16_t es10_enable_emergency(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    int refresh = refresh_flag(SGP32_TYPE(EnableEmergencyProfileRequest), data, len);
    SGP32_ProfileInfo_t *emergency = profile_with(card, 1);
    if (refresh < 0)
        return SW_WRONG_DATA;
    if (emergency == NULL)
        return answer(out, 0xBF5B, ECALL_NOT_AVAILABLE);
    if (softeuicc_profile_enabled(emergency))
        return answer(out, 0xBF5B, NOT_IN_DISABLED_STATE);
    return answer(out, 0xBF5B, switch_away(card, emergency, RETURN_EMERGENCY, refresh));
}

uint16_t es10_disable_emergency(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    int refresh = refresh_flag(SGP32_TYPE(DisableEmergencyProfileRequest), data, len);
    SGP32_ProfileInfo_t *emergency = profile_with(card, 1);
    if (refresh < 0)
        return SW_WRONG_DATA;
    if (emergency == NULL || !softeuicc_profile_enabled(emergency))
        return answer(out, 0xBF5C, NOT_IN_ENABLED_STATE);
    if (card->state.return_kind != RETURN_EMERGENCY)
        card->state.return_has_iccid = 0; /* enabled some other way: nothing to return to */
    return answer(out, 0xBF5C, switch_back(card, refresh));
}

uint16_t es10_execute_fallback(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    int refresh = refresh_flag(SGP32_TYPE(ExecuteFallbackMechanismRequest), data, len);
    SGP32_ProfileInfo_t *fallback = profile_with(card, 0);
    if (refresh < 0)
        return SW_WRONG_DATA;
    if (fallback == NULL)
        return answer(out, 0xBF5D, FALLBACK_NOT_AVAILABLE);
    if (card->state.return_kind == RETURN_EMERGENCY)
        return answer(out, 0xBF5D, ECALL_ACTIVE);
    if (softeuicc_profile_enabled(fallback))
        return answer(out, 0xBF5D, NOT_IN_DISABLED_STATE);
    return answer(out, 0xBF5D, switch_away(card, fallback, RETURN_FALLBACK, refresh));
}

uint16_t es10_return_from_fallback(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                   struct der_writer *out)
{
    int refresh = refresh_flag(SGP32_TYPE(ReturnFromFallbackRequest), data, len);
    if (refresh < 0)
        return SW_WRONG_DATA;
    if (profile_with(card, 0) == NULL)
        return answer(out, 0xBF5E, FALLBACK_NOT_AVAILABLE);
    if (card->state.return_kind != RETURN_FALLBACK)
        return answer(out, 0xBF5E, COMMAND_ERROR); /* the fallback mechanism was not executed */
    return answer(out, 0xBF5E, switch_back(card, refresh));
}

/* SGP.32 5.9.16. Rollback exists only after an enable PSMO with rollbackFlag (LoadEuiccPackage). After
 * a rollback the eUICC reports it as a result of the enabling package (rollbackResult [12], signed, new
 * seqNumber), kept for RetrieveNotificationsList like the packages' results and returned here as
 * eUICCPackageResult [81]. The switch and the kept result are one commit. */
uint16_t es10_profile_rollback(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    int refresh = refresh_flag(SGP32_TYPE(ProfileRollbackRequest), data, len);
    struct softeuicc_state *state = &card->state;
    SGP32_ProfileInfo_t *previous;
    enum sgp32_status status;
    uint8_t *package_result = NULL;
    size_t package_result_len = 0;
    long result = RESULT_OK;
    if (refresh < 0)
        return SW_WRONG_DATA;
    if (!state->rollback_available) {
        result = 1; /* rollbackNotAllowed */
    } else {
        previous = softeuicc_profile_by_iccid(card, state->rollback_iccid);
        state->rollback_available = 0;
        status = softeuicc_switch_profile(card, previous);
        if (status == SGP32_OK) {
            status = softeuicc_rollback_result(card, RESULT_OK, &package_result, &package_result_len);
            if (status == SGP32_ERR_NOT_FOUND) /* no eIM to report to (deleted since): the rollback alone */
                status = SGP32_OK;
        }
        free(state->rollback_package); /* used once */
        state->rollback_package = NULL;
        state->rollback_package_len = 0;
        if (softeuicc_commit_after(card, status) != SGP32_OK) {
            result = UNDEFINED;
            free(package_result);
            package_result = NULL;
        } else {
            softeuicc_after_switch(card, refresh);
        }
    }
    der_begin(out, 0xBF58);
    der_integer(out, 0x02, result); /* cmdResult is untagged: its sibling has a tag, so no automatic tags */
    if (package_result != NULL)
        der_raw(out, package_result, package_result_len); /* eUICCPackageResult [81]: BF51 as kept */
    der_end(out);
    free(package_result);
    return SW_OK;
}

long softeuicc_configure_immediate_enable(struct sgp32_softeuicc *card, int flag, const uint8_t *oid, size_t oid_len,
                                          const uint8_t *address, size_t address_len)
{
    struct softeuicc_state *state = &card->state;
    char *address_copy = NULL;
    uint8_t *oid_copy = NULL;
    if (address != NULL) {
        address_copy = calloc(1, address_len + 1);
        if (address_copy == NULL)
            return 1; /* insufficientMemory */
        memcpy(address_copy, address, address_len);
    }
    if (oid != NULL) {
        oid_copy = malloc(oid_len ? oid_len : 1);
        if (oid_copy == NULL) {
            free(address_copy);
            return 1;
        }
        memcpy(oid_copy, oid, oid_len);
    }
    state->immediate_enable = flag;
    free(state->immediate_enable_smdp_address);
    free(state->immediate_enable_smdp_oid);
    state->immediate_enable_smdp_address = address_copy;
    state->immediate_enable_smdp_oid = oid_copy;
    state->immediate_enable_smdp_oid_len = oid_copy != NULL ? oid_len : 0;
    return RESULT_OK;
}

/* Allowed only before any eIM is associated (associatedEimAlreadyExists otherwise). */
uint16_t es10_configure_immediate_enable(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                         struct der_writer *out)
{
    ConfigureImmediateProfileEnablingRequest_t *request =
        softeuicc_decode(SGP32_TYPE(ConfigureImmediateProfileEnablingRequest), data, len);
    long result;
    if (request == NULL)
        return SW_WRONG_DATA;
    if (card->state.eim_count > 0) {
        result = 2;
    } else {
        result = softeuicc_configure_immediate_enable(
            card, request->immediateEnableFlag != NULL,
            request->defaultSmdpOid != NULL ? request->defaultSmdpOid->buf : NULL,
            request->defaultSmdpOid != NULL ? (size_t)request->defaultSmdpOid->size : 0,
            request->defaultSmdpAddress != NULL ? request->defaultSmdpAddress->buf : NULL,
            request->defaultSmdpAddress != NULL ? (size_t)request->defaultSmdpAddress->size : 0);
        if (result == RESULT_OK && softeuicc_commit(card) != SGP32_OK)
            result = UNDEFINED;
    }
    sgp32_codec_free(SGP32_TYPE(ConfigureImmediateProfileEnablingRequest), request);
    return answer(out, 0xBF59, result);
}

/* Without a profile download in this session there is nothing to enable. */
uint16_t es10_immediate_enable(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    if (refresh_flag(SGP32_TYPE(ImmediateEnableRequest), data, len) < 0)
        return SW_WRONG_DATA;
    return answer(out, 0xBF5A, card->state.immediate_enable ? 4 /* noSessionContext */ : 1 /* notAvailable */);
}

/* SGP.32 5.9.24: the connectivity parameters of the enabled profile, from its ProfileHeader's
 * connectivityParameters (SAIP). The header field is an OCTET STRING: when it holds a DER
 * ConnectivityParameters SEQUENCE it is returned as such, otherwise its octets are the httpParams
 * (docs/software-euicc.md: assumption). parametersNotAvailable without an enabled profile or when
 * the enabled profile has none. */
uint16_t es10_get_connectivity_parameters(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                          struct der_writer *out)
{
    void *request = softeuicc_decode(SGP32_TYPE(GetConnectivityParametersRequest), data, len);
    const SGP32_ProfileInfo_t *enabled;
    const struct softeuicc_profile_extra *extra = NULL;
    struct sgp32_tlv_header header;
    void *parsed = NULL;
    struct sgp32_decode_options strict = {SGP32_DECODE_DER, 0, 0};
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(GetConnectivityParametersRequest), request);
    enabled = softeuicc_enabled_profile(card);
    if (enabled != NULL)
        extra = softeuicc_profile_extra(card, enabled);
    der_begin(out, 0xBF5F);
    if (extra == NULL || extra->connectivity == NULL) {
        der_integer(out, 0x81, 1); /* parametersNotAvailable */
    } else if (extra->connectivity_len > 0 && extra->connectivity[0] == 0x30 &&
               sgp32_decode(SGP32_TYPE(ConnectivityParameters), extra->connectivity, extra->connectivity_len, &strict,
                            &parsed, NULL) == SGP32_OK &&
               sgp32_tlv_parse_header(extra->connectivity, extra->connectivity_len, &header) == SGP32_OK &&
               header.header_len + header.length == extra->connectivity_len) {
        /* connectivityParameters [0] (AUTOMATIC TAGS): the SEQUENCE's contents under A0 */
        der_bytes(out, 0xA0, extra->connectivity + header.header_len, header.length);
    } else {
        der_begin(out, 0xA0);
        der_bytes(out, 0x81, extra->connectivity, extra->connectivity_len); /* httpParams [1] */
        der_end(out);
    }
    if (parsed != NULL)
        sgp32_codec_free(SGP32_TYPE(ConnectivityParameters), parsed);
    der_end(out);
    return SW_OK;
}

/* This card has no IPAe (IoT) / LPAe (consumer): notSupported. */
uint16_t es10_ipae_activation(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    const struct sgp32_codec_type *type = card->options.mode == SGP32_SOFTEUICC_MODE_IOT
                                              ? SGP32_TYPE(IpaeActivationRequest)
                                              : SGP32_TYPE(LpaeActivationRequest);
    void *request = softeuicc_decode(type, data, len);
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(type, request);
    return answer(out, 0xBF42, 1);
}
