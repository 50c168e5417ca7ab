/* SPDX-License-Identifier: MIT */
/* The profile list and the notifications that profile operations produce (SGP.22 3.5, 5.7.16-18). */
#include <stdlib.h>
#include <string.h>

#include "NotificationConfigurationInformation.h"
#include "card_internal.h"
#include "codec/codec_internal.h"

SGP32_ProfileInfo_t *softeuicc_profile_by_iccid(struct sgp32_softeuicc *card, const uint8_t *iccid)
{
    size_t i;
    for (i = 0; i < card->state.profile_count; i++) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        if (profile->iccid != NULL && profile->iccid->size == 10 && memcmp(profile->iccid->buf, iccid, 10) == 0)
            return profile;
    }
    return NULL;
}

SGP32_ProfileInfo_t *softeuicc_profile_by_aid(struct sgp32_softeuicc *card, const uint8_t *aid, size_t aid_len)
{
    size_t i;
    for (i = 0; i < card->state.profile_count; i++) {
        SGP32_ProfileInfo_t *profile = card->state.profiles[i];
        if (profile->isdpAid != NULL && (size_t)profile->isdpAid->size == aid_len &&
            memcmp(profile->isdpAid->buf, aid, aid_len) == 0)
            return profile;
    }
    return NULL;
}

int softeuicc_profile_enabled(const SGP32_ProfileInfo_t *profile)
{
    long state = 0;
    return profile->profileState != NULL && asn_INTEGER2long(profile->profileState, &state) == 0 && state == 1;
}

SGP32_ProfileInfo_t *softeuicc_enabled_profile(struct sgp32_softeuicc *card)
{
    size_t i;
    for (i = 0; i < card->state.profile_count; i++)
        if (softeuicc_profile_enabled(card->state.profiles[i]))
            return card->state.profiles[i];
    return NULL;
}

void softeuicc_profile_set_enabled(SGP32_ProfileInfo_t *profile, int enabled)
{
    if (profile->profileState == NULL)
        profile->profileState = calloc(1, sizeof(*profile->profileState));
    /* Allocation failure leaves the state absent, which reads as disabled. */
    if (profile->profileState != NULL)
        asn_long2INTEGER(profile->profileState, enabled ? 1 : 0);
}

long softeuicc_profile_class(const SGP32_ProfileInfo_t *profile)
{
    long value = 2;
    if (profile->profileClass != NULL && asn_INTEGER2long(profile->profileClass, &value) != 0)
        value = 2;
    return value;
}

static int bit_set(const BIT_STRING_t *bits, unsigned bit)
{
    return bits != NULL && (size_t)bits->size > bit / 8 && (bits->buf[bit / 8] & (0x80u >> (bit % 8))) != 0;
}

int softeuicc_profile_has_ppr(const SGP32_ProfileInfo_t *profile, unsigned ppr)
{
    return bit_set(profile->profilePolicyRules, ppr);
}

int softeuicc_profile_bool(const BOOLEAN_t *value)
{
    return value != NULL && *value != 0;
}

static void drop_notification(struct softeuicc_state *state, size_t index)
{
    softeuicc_notification_free(&state->notifications[index]);
    memmove(&state->notifications[index], &state->notifications[index + 1],
            (state->notification_count - index - 1) * sizeof(state->notifications[0]));
    state->notification_count--;
}

/* SGP.22 3.5: a notification is generated for the events the profile's notificationConfigurationInfo
 * lists, to the address given there. When the list is full the oldest notification is dropped. */
enum sgp32_status softeuicc_notify(struct sgp32_softeuicc *card, const SGP32_ProfileInfo_t *profile, unsigned event)
{
    struct softeuicc_state *state = &card->state;
    const NotificationConfigurationInformation_t *config = NULL;
    struct der_writer out;
    int bits[4] = {0, 0, 0, 0};
    struct softeuicc_notification *slot;
    size_t i;
    if (profile->notificationConfigurationInfo == NULL)
        return SGP32_OK;
    for (i = 0; i < (size_t)profile->notificationConfigurationInfo->list.count; i++) {
        const NotificationConfigurationInformation_t *entry = profile->notificationConfigurationInfo->list.array[i];
        if (bit_set(&entry->profileManagementOperation, event)) {
            config = entry;
            break;
        }
    }
    if (config == NULL)
        return SGP32_OK;
    bits[event] = 1;
    der_writer_init(&out);
    der_begin(&out, 0xBF2F);
    der_integer(&out, 0x80, state->next_seq_number);
    der_named_bits(&out, 0x81, bits, 4);
    der_bytes(&out, 0x0C, config->notificationAddress.buf, config->notificationAddress.size);
    if (profile->iccid != NULL)
        der_bytes(&out, 0x5A, profile->iccid->buf, profile->iccid->size);
    der_end(&out);
    if (state->notification_count == SOFTEUICC_MAX_NOTIFICATIONS)
        drop_notification(state, 0);
    slot = &state->notifications[state->notification_count];
    slot->metadata = der_writer_take(&out, &slot->metadata_len);
    if (slot->metadata == NULL)
        return SGP32_ERR_NO_MEMORY;
    slot->seq_number = state->next_seq_number++;
    state->notification_count++;
    return SGP32_OK;
}

void softeuicc_profile_remove(struct sgp32_softeuicc *card, SGP32_ProfileInfo_t *profile)
{
    struct softeuicc_state *state = &card->state;
    size_t i;
    for (i = 0; i < state->profile_count; i++)
        if (state->profiles[i] == profile) {
            sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), profile);
            softeuicc_profile_extra_free(&state->profile_extras[i]);
            memmove(&state->profiles[i], &state->profiles[i + 1],
                    (state->profile_count - i - 1) * sizeof(state->profiles[0]));
            memmove(&state->profile_extras[i], &state->profile_extras[i + 1],
                    (state->profile_count - i - 1) * sizeof(state->profile_extras[0]));
            state->profile_count--;
            memset(&state->profile_extras[state->profile_count], 0, sizeof(state->profile_extras[0]));
            return;
        }
}

struct softeuicc_profile_extra *softeuicc_profile_extra(struct sgp32_softeuicc *card,
                                                        const SGP32_ProfileInfo_t *profile)
{
    size_t i;
    for (i = 0; i < card->state.profile_count; i++)
        if (card->state.profiles[i] == profile)
            return &card->state.profile_extras[i];
    return NULL;
}

void softeuicc_profile_extra_free(struct softeuicc_profile_extra *extra)
{
    free(extra->connectivity);
    memset(extra, 0, sizeof(*extra));
}

enum sgp32_status softeuicc_switch_profile(struct sgp32_softeuicc *card, SGP32_ProfileInfo_t *target)
{
    SGP32_ProfileInfo_t *current = softeuicc_enabled_profile(card);
    enum sgp32_status status = SGP32_OK;
    if (current == target)
        return SGP32_OK;
    if (current != NULL) {
        softeuicc_profile_set_enabled(current, 0);
        status = softeuicc_notify(card, current, 2 /* notificationDisable */);
    }
    if (target != NULL && status == SGP32_OK) {
        softeuicc_profile_set_enabled(target, 1);
        if (!softeuicc_profile_enabled(target))
            return SGP32_ERR_NO_MEMORY;
        status = softeuicc_notify(card, target, 1 /* notificationEnable */);
    }
    return status;
}

void softeuicc_after_switch(struct sgp32_softeuicc *card, int refresh_flag)
{
    card->switched_since_reset = 1;
    if (card->options.quirk_refresh_91xx && refresh_flag)
        card->refresh_pending = 1;
}
