/* SPDX-License-Identifier: MIT */
/* Card set-up and inspection between polls (ipa_fixture.h): preloaded profiles, profile states and
 * what the IPA left on the card, all through the software eUICC and lib/es10 (no lib/ipa). */
#include <string.h>

#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

enum sgp32_status ipa_fixture_preload(struct ipa_fixture *f, const uint8_t iccid[10], uint8_t aid_last,
                                      uint32_t attribute, const char *notify_address)
{
    /* The ISD-P AID; its last byte tells the preloaded profiles apart. */
    static const uint8_t aid_prefix[15] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                           0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10};
    uint8_t info[160];
    size_t n = 0, address_len = notify_address != NULL ? strlen(notify_address) : 0;
    if (address_len > 64)
        return SGP32_ERR_INVALID_ARGUMENT;
    info[n++] = 0xE3; /* ProfileInfo */
    info[n++] = 0;    /* patched */
    info[n++] = 0x5A;
    info[n++] = 10;
    memcpy(info + n, iccid, 10);
    n += 10;
    info[n++] = 0x4F;
    info[n++] = 16;
    memcpy(info + n, aid_prefix, 15);
    n += 15;
    info[n++] = aid_last;
    info[n++] = 0x95; /* profileClass operational (2) */
    info[n++] = 1;
    info[n++] = 2;
    if (notify_address != NULL) {
        /* notificationConfigurationInfo: every event (install, enable, disable, delete) to the address
         * (SGP.22 3.5, NotificationEvent bits 0-3). */
        info[n++] = 0xB6;
        info[n++] = (uint8_t)(address_len + 8);
        info[n++] = 0x30;
        info[n++] = (uint8_t)(address_len + 6);
        info[n++] = 0x80;
        info[n++] = 0x02;
        info[n++] = 0x04;
        info[n++] = 0xF0;
        info[n++] = 0x81;
        info[n++] = (uint8_t)address_len;
        memcpy(info + n, notify_address, address_len);
        n += address_len;
    }
    if (attribute != 0) {
        info[n++] = (uint8_t)(attribute >> 8);
        info[n++] = (uint8_t)attribute;
        info[n++] = 1;
        info[n++] = 0xFF;
    }
    info[1] = (uint8_t)(n - 2);
    return sgp32_softeuicc_preload_profile(f->card, info, n);
}

int ipa_fixture_profile_state(struct ipa_fixture *f, const uint8_t iccid[10])
{
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t len = 0, at;
    int state = -1;
    if (ipa_fixture_es10(f, &es10) != SGP32_OK)
        return -2;
    if (sgp32_es10_get_profiles_info(es10, NULL, 0, &answer, &len) != SGP32_OK) {
        sgp32_es10_free(es10);
        return -2;
    }
    /* iccid (5A) then, within the same ProfileInfo (up to the next E3), profileState (9F70). */
    for (at = 0; at + 12 <= len; at++)
        if (answer[at] == 0x5A && answer[at + 1] == 10 && memcmp(answer + at + 2, iccid, 10) == 0) {
            size_t k;
            state = 0;
            for (k = at + 12; k + 3 < len && answer[k] != 0xE3; k++)
                if (answer[k] == 0x9F && answer[k + 1] == 0x70 && answer[k + 2] == 1) {
                    state = answer[k + 3] == 1;
                    break;
                }
            break;
        }
    sgp32_buffer_free(answer);
    sgp32_es10_free(es10);
    return state;
}

/* The number of elements in the [list_tag] list of a RetrieveNotificationsList answer
 * (BF2B { list_tag { items } }); 0 when the answer is another choice (an error). */
static enum sgp32_status count_list(struct sgp32_es10 *es10, int search, uint8_t list_tag, size_t *count)
{
    uint8_t *answer = NULL;
    size_t len = 0, off;
    const uint8_t *v;
    size_t v_len;
    struct sgp32_tlv_header h, item;
    enum sgp32_status status = sgp32_es10_retrieve_notifications_list(es10, search, 0, &answer, &len);
    *count = 0;
    if (status == SGP32_OK)
        status = sgp32_tlv_parse_header(answer, len, &h);
    if (status == SGP32_OK) {
        v = answer + h.header_len;
        v_len = h.length;
        if (v_len > 0 && v[0] == list_tag) {
            status = sgp32_tlv_parse_header(v, v_len, &h);
            for (off = h.header_len; status == SGP32_OK && off < h.header_len + h.length;
                 off += item.header_len + item.length) {
                status = sgp32_tlv_parse_header(v + off, v_len - off, &item);
                if (status == SGP32_OK)
                    (*count)++;
            }
        }
    }
    sgp32_buffer_free(answer);
    return status;
}

enum sgp32_status ipa_fixture_card_leftovers(struct ipa_fixture *f, size_t *notifications, size_t *results)
{
    struct sgp32_es10 *es10 = NULL;
    enum sgp32_status status = ipa_fixture_es10(f, &es10);
    if (status != SGP32_OK)
        return status;
    status = count_list(es10, SGP32_ES10_NOTIFICATIONS_ALL, 0xA0, notifications);
    if (status == SGP32_OK && results != NULL)
        status = count_list(es10, SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS, 0xA2, results);
    sgp32_es10_free(es10);
    return status;
}

size_t ipa_fixture_pending_notifications(struct ipa_fixture *f)
{
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0, n = 0, i;
    if (ipa_fixture_es10(f, &es10) != SGP32_OK)
        return (size_t)-1;
    if (sgp32_es10_list_notification(es10, -1, &answer, &answer_len) != SGP32_OK) {
        sgp32_es10_free(es10);
        return (size_t)-1;
    }
    /* NotificationMetadata entries: BF2F tags */
    for (i = 0; i + 1 < answer_len; i++)
        n += answer[i] == 0xBF && answer[i + 1] == 0x2F;
    sgp32_buffer_free(answer);
    sgp32_es10_free(es10);
    return n;
}
