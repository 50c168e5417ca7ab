/* SPDX-License-Identifier: MIT */
/* ES10c profile management (SGP.22 5.7.15-5.7.19, 5.7.21): GetProfilesInfo, Enable/Disable/Delete,
 * SetNickname, eUICCMemoryReset, and the SGP.32 IoT EuiccMemoryReset (BF64, 5.9.5). */
#include <stdlib.h>
#include <string.h>

#include "DeleteProfileRequest.h"
#include "DisableProfileRequest.h"
#include "EnableProfileRequest.h"
#include "EuiccMemoryResetRequest.h"
#include "ProfileInfoListRequest.h"
#include "SGP32-EuiccMemoryResetRequest.h"
#include "SetNicknameRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

/* ProfileInfo fields that only the SGP.32 SGP32-ProfileInfo has: never shown by a consumer card. */
static int iot_only_tag(uint32_t tag)
{
    return tag == 0x9F7B || tag == 0x9F26 || tag == 0x9F67;
}

static int tag_listed(const uint8_t *tag_list, size_t list_len, uint32_t tag)
{
    size_t at = 0;
    while (at < list_len) {
        uint32_t listed = tag_list[at++];
        if ((listed & 0x1F) == 0x1F)
            while (at < list_len) {
                uint8_t next = tag_list[at++];
                listed = (listed << 8) | next;
                if ((next & 0x80) == 0)
                    break;
            }
        if (listed == tag)
            return 1;
    }
    return 0;
}

/* A tag list is a sequence of complete BER tags of at most 3 bytes. */
static int tag_list_valid(const uint8_t *tag_list, size_t list_len)
{
    size_t at = 0;
    while (at < list_len) {
        size_t start = at;
        if ((tag_list[at++] & 0x1F) == 0x1F) {
            for (;;) {
                if (at >= list_len || at - start > 2)
                    return 0;
                if ((tag_list[at++] & 0x80) == 0)
                    break;
            }
        }
    }
    return 1;
}

/* E3 with the children the tag list asks for (all when there is none). */
static int write_profile(struct sgp32_softeuicc *card, const SGP32_ProfileInfo_t *profile, const OCTET_STRING_t *tags,
                         struct der_writer *out)
{
    uint8_t *der = NULL;
    size_t len = 0, at;
    struct sgp32_tlv_header outer, child;
    if (sgp32_encode_der_alloc(SGP32_TYPE(SGP32_ProfileInfo), profile, &der, &len) != SGP32_OK)
        return 0;
    if (sgp32_tlv_parse_header(der, len, &outer) != SGP32_OK) {
        sgp32_buffer_free(der);
        return 0;
    }
    der_begin(out, 0xE3);
    for (at = outer.header_len; at < len; at += child.header_len + child.length) {
        if (sgp32_tlv_parse_header(der + at, len - at, &child) != SGP32_OK)
            break;
        if (card->options.mode == SGP32_SOFTEUICC_MODE_CONSUMER && iot_only_tag(child.tag))
            continue;
        if (tags != NULL && !tag_listed(tags->buf, tags->size, child.tag))
            continue;
        der_raw(out, der + at, child.header_len + child.length);
    }
    der_end(out);
    sgp32_buffer_free(der);
    return 1;
}

static int profile_matches(const SGP32_ProfileInfo_t *profile, const ProfileInfoListRequest_t *request)
{
    const struct ProfileInfoListRequest__searchCriteria *criteria = request->searchCriteria;
    long wanted;
    if (criteria == NULL)
        return 1;
    switch (criteria->present) {
    case ProfileInfoListRequest__searchCriteria_PR_isdpAid:
        return profile->isdpAid != NULL && profile->isdpAid->size == criteria->choice.isdpAid.size &&
               memcmp(profile->isdpAid->buf, criteria->choice.isdpAid.buf, (size_t)criteria->choice.isdpAid.size) == 0;
    case ProfileInfoListRequest__searchCriteria_PR_iccid:
        return profile->iccid != NULL && profile->iccid->size == 10 && criteria->choice.iccid.size == 10 &&
               memcmp(profile->iccid->buf, criteria->choice.iccid.buf, 10) == 0;
    case ProfileInfoListRequest__searchCriteria_PR_profileClass:
        return asn_INTEGER2long(&criteria->choice.profileClass, &wanted) == 0 &&
               softeuicc_profile_class(profile) == wanted;
    default:
        return 0;
    }
}

uint16_t es10_get_profiles_info(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    ProfileInfoListRequest_t *request = softeuicc_decode(SGP32_TYPE(ProfileInfoListRequest), data, len);
    long error = 0, wanted_class;
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    if (request->tagList != NULL && !tag_list_valid(request->tagList->buf, request->tagList->size))
        error = 1; /* incorrectInputValues */
    if (request->searchCriteria != NULL &&
        (request->searchCriteria->present == ProfileInfoListRequest__searchCriteria_PR_NOTHING ||
         (request->searchCriteria->present == ProfileInfoListRequest__searchCriteria_PR_profileClass &&
          (asn_INTEGER2long(&request->searchCriteria->choice.profileClass, &wanted_class) != 0 || wanted_class < 0 ||
           wanted_class > 2))))
        error = 1;
    der_begin(out, 0xBF2D);
    if (error != 0) {
        der_integer(out, 0x81, error);
    } else {
        der_begin(out, 0xA0);
        for (i = 0; i < card->state.profile_count; i++)
            if (profile_matches(card->state.profiles[i], request) &&
                !write_profile(card, card->state.profiles[i], request->tagList, out)) {
                sgp32_codec_free(SGP32_TYPE(ProfileInfoListRequest), request);
                return SW_MEMORY_FAILURE;
            }
        der_end(out);
    }
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(ProfileInfoListRequest), request);
    return SW_OK;
}

static SGP32_ProfileInfo_t *find_profile(struct sgp32_softeuicc *card, int by_aid, const OCTET_STRING_t *identifier)
{
    if (by_aid)
        return softeuicc_profile_by_aid(card, identifier->buf, identifier->size);
    return identifier->size == 10 ? softeuicc_profile_by_iccid(card, identifier->buf) : NULL;
}

static uint16_t answer_result(struct der_writer *out, uint32_t tag, long result)
{
    der_begin(out, tag);
    der_integer(out, 0x80, result);
    der_end(out);
    return SW_OK;
}

/* SGP.22 5.7.16: one enabled profile at a time; PPR1 of the enabled profile forbids its disabling. */
uint16_t es10_enable_profile(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    EnableProfileRequest_t *request = softeuicc_decode(SGP32_TYPE(EnableProfileRequest), data, len);
    SGP32_ProfileInfo_t *target, *current;
    long result = 0;
    int refresh;
    if (request == NULL)
        return SW_WRONG_DATA;
    target =
        find_profile(card, request->profileIdentifier.present == EnableProfileRequest__profileIdentifier_PR_isdpAid,
                     &request->profileIdentifier.choice.iccid);
    refresh = request->refreshFlag != 0;
    sgp32_codec_free(SGP32_TYPE(EnableProfileRequest), request);
    current = softeuicc_enabled_profile(card);
    if (target == NULL)
        result = 1; /* iccidOrAidNotFound */
    else if (softeuicc_profile_enabled(target))
        result = 2; /* profileNotInDisabledState */
    else if (current != NULL && softeuicc_profile_has_ppr(current, 1))
        result = 3; /* disallowedByPolicy */
    if (result == 0) {
        card->state.return_kind = RETURN_NONE;
        if (softeuicc_commit_after(card, softeuicc_switch_profile(card, target)) != SGP32_OK)
            result = 127;
        else
            softeuicc_after_switch(card, refresh);
    }
    return answer_result(out, 0xBF31, result);
}

uint16_t es10_disable_profile(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    DisableProfileRequest_t *request = softeuicc_decode(SGP32_TYPE(DisableProfileRequest), data, len);
    SGP32_ProfileInfo_t *target;
    long result = 0;
    int refresh;
    if (request == NULL)
        return SW_WRONG_DATA;
    target =
        find_profile(card, request->profileIdentifier.present == DisableProfileRequest__profileIdentifier_PR_isdpAid,
                     &request->profileIdentifier.choice.iccid);
    refresh = request->refreshFlag != 0;
    sgp32_codec_free(SGP32_TYPE(DisableProfileRequest), request);
    if (target == NULL)
        result = 1;
    else if (!softeuicc_profile_enabled(target))
        result = 2; /* profileNotInEnabledState */
    else if (softeuicc_profile_has_ppr(target, 1))
        result = 3;
    if (result == 0) {
        card->state.return_kind = RETURN_NONE;
        if (softeuicc_commit_after(card, softeuicc_switch_profile(card, NULL)) != SGP32_OK)
            result = 127;
        else
            softeuicc_after_switch(card, refresh);
    }
    return answer_result(out, 0xBF32, result);
}

/* SGP.22 5.7.18: only a disabled profile without PPR2 can be deleted; a delete notification follows. */
uint16_t es10_delete_profile(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    DeleteProfileRequest_t *request = softeuicc_decode(SGP32_TYPE(DeleteProfileRequest), data, len);
    SGP32_ProfileInfo_t *target;
    long result = 0;
    if (request == NULL)
        return SW_WRONG_DATA;
    target = find_profile(card, request->present == DeleteProfileRequest_PR_isdpAid, &request->choice.iccid);
    sgp32_codec_free(SGP32_TYPE(DeleteProfileRequest), request);
    if (target == NULL)
        result = 1;
    else if (softeuicc_profile_enabled(target))
        result = 2;
    else if (softeuicc_profile_has_ppr(target, 2))
        result = 3;
    if (result == 0) {
        if (card->state.return_has_iccid && target->iccid != NULL &&
            memcmp(card->state.return_iccid, target->iccid->buf, 10) == 0)
            card->state.return_kind = RETURN_NONE;
        enum sgp32_status status = softeuicc_notify(card, target, 3 /* notificationDelete */);
        softeuicc_profile_remove(card, target);
        if (softeuicc_commit_after(card, status) != SGP32_OK)
            result = 127;
    }
    return answer_result(out, 0xBF33, result);
}

uint16_t es10_set_nickname(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    SetNicknameRequest_t *request = softeuicc_decode(SGP32_TYPE(SetNicknameRequest), data, len);
    SGP32_ProfileInfo_t *target;
    long result = 0;
    if (request == NULL)
        return SW_WRONG_DATA;
    target = request->iccid.size == 10 ? softeuicc_profile_by_iccid(card, request->iccid.buf) : NULL;
    if (target == NULL) {
        result = 1; /* iccidNotFound */
    } else {
        if (target->profileNickname == NULL)
            target->profileNickname = calloc(1, sizeof(*target->profileNickname));
        enum sgp32_status status =
            target->profileNickname != NULL &&
                    OCTET_STRING_fromBuf(target->profileNickname, (const char *)request->profileNickname.buf,
                                         request->profileNickname.size) == 0
                ? SGP32_OK
                : SGP32_ERR_NO_MEMORY;
        if (softeuicc_commit_after(card, status) != SGP32_OK)
            result = 127;
    }
    sgp32_codec_free(SGP32_TYPE(SetNicknameRequest), request);
    return answer_result(out, 0xBF29, result);
}

static int option_set(const BIT_STRING_t *bits, unsigned bit)
{
    return (size_t)bits->size > bit / 8 && (bits->buf[bit / 8] & (0x80u >> (bit % 8))) != 0;
}

/* Deletes the profiles the reset options name; returns how many went. SGP.22 5.7.19 / SGP.32 5.9.5:
 * deleteOperationalProfiles (0) the operational ones, deleteFieldLoadedTestProfiles (1) the test profiles
 * downloaded in the field, deletePreLoadedTestProfiles (3, IoT only) the test profiles installed at
 * manufacturing, deleteProvisioningProfiles (4, IoT only) the provisioning ones. A consumer card has
 * no option for its pre-loaded test profiles: they survive every memory reset. */
static size_t reset_profiles(struct sgp32_softeuicc *card, const BIT_STRING_t *options, int iot)
{
    size_t i = 0, deleted = 0;
    int enabled_deleted = 0;
    while (i < card->state.profile_count) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        long profile_class = softeuicc_profile_class(profile);
        int preloaded = card->state.profile_extras[i].preloaded;
        int drop = (profile_class == 2 && option_set(options, 0)) ||
                   (profile_class == 0 && !preloaded && option_set(options, 1)) ||
                   (profile_class == 0 && preloaded && iot && option_set(options, 3)) ||
                   (profile_class == 1 && iot && option_set(options, 4));
        if (drop) {
            enabled_deleted |= softeuicc_profile_enabled(profile);
            softeuicc_profile_remove(card, profile);
            deleted++;
        } else {
            i++;
        }
    }
    if (enabled_deleted)
        card->switched_since_reset = 1;
    if (deleted > 0)
        card->state.return_kind = RETURN_NONE;
    return deleted;
}

static int reset_default_dp(struct sgp32_softeuicc *card, const BIT_STRING_t *options)
{
    if (!option_set(options, 2) || card->state.default_dp_address == NULL)
        return 0;
    free(card->state.default_dp_address);
    card->state.default_dp_address = NULL;
    return 1;
}

uint16_t es10_memory_reset(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    EuiccMemoryResetRequest_t *request = softeuicc_decode(SGP32_TYPE(EuiccMemoryResetRequest), data, len);
    long result;
    int changed;
    if (request == NULL)
        return SW_WRONG_DATA;
    changed = reset_profiles(card, &request->resetOptions, 0) > 0;
    changed |= reset_default_dp(card, &request->resetOptions);
    sgp32_codec_free(SGP32_TYPE(EuiccMemoryResetRequest), request);
    result = changed ? 0 : 1; /* ok / nothingToDelete */
    if (changed && softeuicc_commit(card) != SGP32_OK)
        result = 127;
    return answer_result(out, 0xBF34, result);
}

/* SGP.32 5.9.5: adds eIM configuration and immediate-enable configuration to the reset options. */
uint16_t es10_memory_reset_iot(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    SGP32_EuiccMemoryResetRequest_t *request = softeuicc_decode(SGP32_TYPE(SGP32_EuiccMemoryResetRequest), data, len);
    struct softeuicc_state *state = &card->state;
    long result, eim_result = -1, immediate_result = -1;
    int changed;
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    changed = reset_profiles(card, &request->resetOptions, 1) > 0;
    changed |= reset_default_dp(card, &request->resetOptions);
    if (option_set(&request->resetOptions, 5)) {
        eim_result = state->eim_count > 0 ? 0 : 1;
        for (i = 0; i < state->eim_count; i++)
            free(state->eims[i]);
        state->eim_count = 0;
    }
    if (option_set(&request->resetOptions, 6)) {
        immediate_result = 0;
        state->immediate_enable = 0;
        free(state->immediate_enable_smdp_address);
        free(state->immediate_enable_smdp_oid);
        state->immediate_enable_smdp_address = NULL;
        state->immediate_enable_smdp_oid = NULL;
        state->immediate_enable_smdp_oid_len = 0;
    }
    sgp32_codec_free(SGP32_TYPE(SGP32_EuiccMemoryResetRequest), request);
    result = changed ? 0 : 1;
    if ((changed || eim_result == 0 || immediate_result == 0) && softeuicc_commit(card) != SGP32_OK) {
        result = 127;
        eim_result = eim_result >= 0 ? 127 : -1;
        immediate_result = immediate_result >= 0 ? 127 : -1;
    }
    der_begin(out, 0xBF64);
    der_integer(out, 0x80, result);
    if (eim_result >= 0)
        der_integer(out, 0x81, eim_result);
    if (immediate_result >= 0)
        der_integer(out, 0x82, immediate_result);
    der_end(out);
    return SW_OK;
}
