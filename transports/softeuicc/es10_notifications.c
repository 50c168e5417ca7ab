/* SPDX-License-Identifier: MIT */
/* ES10b notifications (SGP.22 5.7.9-5.7.11, SGP.32 5.9.11): ListNotification,
 * RetrieveNotificationsList, RemoveNotificationFromList. Notifications stay on the card until removed. */
#include <stdlib.h>
#include <string.h>

#include "ListNotificationRequest.h"
#include "NotificationSentRequest.h"
#include "ProfileInstallationResult.h"
#include "SGP32-RetrieveNotificationsListRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

/* The profileManagementOperation bits of a stored NotificationMetadata (its 81 child). */
static unsigned notification_event_bits(const struct softeuicc_notification *notification)
{
    const uint8_t *der = notification->metadata;
    size_t len = notification->metadata_len, at;
    struct sgp32_tlv_header outer, child;
    if (sgp32_tlv_parse_header(der, len, &outer) != SGP32_OK)
        return 0;
    for (at = outer.header_len; at < len; at += child.header_len + child.length) {
        if (sgp32_tlv_parse_header(der + at, len - at, &child) != SGP32_OK)
            return 0;
        if (child.tag == 0x81 && child.length >= 2)
            return der[at + child.header_len + 1];
    }
    return 0;
}

static int events_match(const struct softeuicc_notification *notification, const BIT_STRING_t *wanted)
{
    unsigned bits = notification_event_bits(notification);
    return wanted == NULL || (wanted->size >= 1 && (bits & wanted->buf[0] & 0xF0u) != 0);
}

void softeuicc_notification_free(struct softeuicc_notification *notification)
{
    free(notification->metadata);
    free(notification->install_result);
    notification->metadata = notification->install_result = NULL;
}

/* The first child with `tag` of the constructed TLV at der[0..len). */
static int child_tlv(const uint8_t *der, size_t len, uint32_t tag, const uint8_t **child_der, size_t *child_len)
{
    struct sgp32_tlv_header outer, child;
    size_t at;
    if (sgp32_tlv_parse_header(der, len, &outer) != SGP32_OK || outer.header_len + outer.length > len)
        return 0;
    len = outer.header_len + outer.length;
    for (at = outer.header_len; at < len; at += child.header_len + child.length) {
        if (sgp32_tlv_parse_header(der + at, len - at, &child) != SGP32_OK ||
            child.header_len + child.length > len - at)
            return 0;
        if (child.tag == tag) {
            *child_der = der + at;
            *child_len = child.header_len + child.length;
            return 1;
        }
    }
    return 0;
}

int softeuicc_notification_from_install_result(struct softeuicc_notification *slot, const uint8_t *pir, size_t len)
{
    ProfileInstallationResult_t *decoded = softeuicc_decode(SGP32_TYPE(ProfileInstallationResult), pir, len);
    const uint8_t *data, *metadata;
    size_t data_len, metadata_len;
    long seq;
    int ok;
    if (decoded == NULL)
        return 0;
    ok = asn_INTEGER2long(&decoded->profileInstallationResultData.notificationMetadata.seqNumber, &seq) == 0;
    sgp32_codec_free(SGP32_TYPE(ProfileInstallationResult), decoded);
    /* BF37 { BF27 { 80 transactionId, BF2F notificationMetadata, ... }, 5F37 signature } */
    if (!ok || !child_tlv(pir, len, 0xBF27, &data, &data_len) ||
        !child_tlv(data, data_len, 0xBF2F, &metadata, &metadata_len))
        return 0;
    memset(slot, 0, sizeof(*slot));
    slot->seq_number = seq;
    slot->metadata = malloc(metadata_len);
    slot->install_result = malloc(len);
    if (slot->metadata == NULL || slot->install_result == NULL) {
        softeuicc_notification_free(slot);
        return 0;
    }
    memcpy(slot->metadata, metadata, metadata_len);
    slot->metadata_len = metadata_len;
    memcpy(slot->install_result, pir, len);
    slot->install_result_len = len;
    return 1;
}

/* SGP.22 3.1.3 / 5.7.10: the ProfileInstallationResult of every installation, successful or not, stays
 * on the card as the install notification until RemoveNotificationFromList. */
enum sgp32_status softeuicc_add_install_result(struct sgp32_softeuicc *card, const uint8_t *pir, size_t len)
{
    struct softeuicc_state *state = &card->state;
    struct softeuicc_notification slot;
    if (!softeuicc_notification_from_install_result(&slot, pir, len))
        return SGP32_ERR_NO_MEMORY;
    if (state->notification_count == SOFTEUICC_MAX_NOTIFICATIONS) { /* the oldest goes, as in softeuicc_notify */
        softeuicc_notification_free(&state->notifications[0]);
        memmove(&state->notifications[0], &state->notifications[1],
                (state->notification_count - 1) * sizeof(state->notifications[0]));
        state->notification_count--;
    }
    state->notifications[state->notification_count++] = slot;
    return SGP32_OK;
}

uint16_t es10_list_notification(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    ListNotificationRequest_t *request = softeuicc_decode(SGP32_TYPE(ListNotificationRequest), data, len);
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    der_begin(out, 0xBF28);
    der_begin(out, 0xA0);
    for (i = 0; i < card->state.notification_count; i++)
        if (events_match(&card->state.notifications[i], request->profileManagementOperation))
            der_raw(out, card->state.notifications[i].metadata, card->state.notifications[i].metadata_len);
    der_end(out);
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(ListNotificationRequest), request);
    return SW_OK;
}

/* SGP.22 5.7.10: OtherSignedNotification = metadata, eUICC signature over its DER (tbsOtherNotification),
 * eUICC and EUM certificates. */
static int write_signed(struct sgp32_softeuicc *card, const struct softeuicc_notification *notification,
                        struct der_writer *out)
{
    const struct softeuicc_state *state = &card->state;
    uint8_t signature[64];
    if (notification->install_result != NULL) { /* PendingNotification profileInstallationResult [55] */
        der_raw(out, notification->install_result, notification->install_result_len);
        return 1;
    }
    if (softeuicc_sign(card, notification->metadata, notification->metadata_len, signature) != SGP32_OK)
        return 0;
    der_begin(out, 0x30);
    der_raw(out, notification->metadata, notification->metadata_len);
    der_bytes(out, 0x5F37, signature, sizeof(signature));
    der_raw(out, state->euicc_certificate, state->euicc_certificate_len);
    der_raw(out, state->eum_certificate, state->eum_certificate_len);
    der_end(out);
    return 1;
}

static int selected(const struct softeuicc_notification *notification,
                    const struct SGP32_RetrieveNotificationsListRequest__searchCriteria *criteria, long seq)
{
    return criteria == NULL ||
           (criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber &&
            notification->seq_number == seq) ||
           (criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_profileManagementOperation &&
            events_match(notification, &criteria->choice.profileManagementOperation));
}

uint16_t es10_retrieve_notifications(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                     struct der_writer *out)
{
    SGP32_RetrieveNotificationsListRequest_t *request =
        softeuicc_decode(SGP32_TYPE(SGP32_RetrieveNotificationsListRequest), data, len);
    const struct SGP32_RetrieveNotificationsListRequest__searchCriteria *criteria;
    size_t i, matching = 0;
    long seq = 0;
    int iot = card->options.mode == SGP32_SOFTEUICC_MODE_IOT;
    if (request == NULL)
        return SW_WRONG_DATA;
    criteria = request->searchCriteria;
    if (criteria != NULL) {
        if (criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_NOTHING ||
            (criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults &&
             !iot) ||
            (criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber &&
             asn_INTEGER2long(&criteria->choice.seqNumber, &seq) != 0)) {
            sgp32_codec_free(SGP32_TYPE(SGP32_RetrieveNotificationsListRequest), request);
            return SW_WRONG_DATA; /* a consumer card does not know the euiccPackageResults criterion */
        }
    }
    der_begin(out, 0xBF2B);
    if (criteria != NULL &&
        criteria->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults) {
        softeuicc_write_package_results(card, out); /* A2: the signed results kept on the card */
    } else {
        /* Without the eUICC key (or the crypto layer) a selected notification cannot be signed. */
        for (i = 0; i < card->state.notification_count; i++)
            if (selected(&card->state.notifications[i], criteria, seq))
                matching++;
        if (matching > 0 && !softeuicc_can_sign(card)) {
            der_integer(out, 0x81, 127);
        } else {
            der_begin(out, 0xA0);
            for (i = 0; i < card->state.notification_count; i++)
                if (selected(&card->state.notifications[i], criteria, seq) &&
                    !write_signed(card, &card->state.notifications[i], out)) {
                    sgp32_codec_free(SGP32_TYPE(SGP32_RetrieveNotificationsListRequest), request);
                    return 0x6F00;
                }
            der_end(out);
        }
    }
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(SGP32_RetrieveNotificationsListRequest), request);
    return SW_OK;
}

uint16_t es10_remove_notification(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    NotificationSentRequest_t *request = softeuicc_decode(SGP32_TYPE(NotificationSentRequest), data, len);
    struct softeuicc_state *state = &card->state;
    long seq, result = 1; /* nothingToDelete */
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    if (asn_INTEGER2long(&request->seqNumber, &seq) != 0)
        seq = -1;
    sgp32_codec_free(SGP32_TYPE(NotificationSentRequest), request);
    for (i = 0; i < state->notification_count; i++)
        if (state->notifications[i].seq_number == seq) {
            softeuicc_notification_free(&state->notifications[i]);
            memmove(&state->notifications[i], &state->notifications[i + 1],
                    (state->notification_count - i - 1) * sizeof(state->notifications[0]));
            state->notification_count--;
            result = softeuicc_commit(card) == SGP32_OK ? 0 : 127;
            break;
        }
    if (result == 1 && softeuicc_remove_package_result(card, seq)) /* eUICC Package results share the numbers */
        result = softeuicc_commit(card) == SGP32_OK ? 0 : 127;
    der_begin(out, 0xBF30);
    der_integer(out, 0x80, result);
    der_end(out);
    return SW_OK;
}
