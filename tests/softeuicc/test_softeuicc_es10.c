/* SPDX-License-Identifier: MIT */
/* ES10 functions of the software eUICC with their result and error codes, through real APDUs. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "AddInitialEimResponse.h"
#include "CancelSessionResponse.h"
#include "EUICCInfo1.h"
#include "EimConfigurationData.h"
#include "EuiccConfiguredAddressesResponse.h"
#include "EuiccPackageResult.h"
#include "GetCertsResponse.h"
#include "GetConnectivityParametersResponse.h"
#include "GetEimConfigurationDataResponse.h"
#include "GetEuiccChallengeResponse.h"
#include "GetEuiccDataResponse.h"
#include "GetRatResponse.h"
#include "ListNotificationResponse.h"
#include "SGP32-EUICCInfo2.h"
#include "SGP32-EuiccMemoryResetResponse.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "SGP32-RetrieveNotificationsListResponse.h"
#include "OtherSignedNotification.h"
#include "SGP32-PendingNotification.h"
#include "es10_requests.h"
#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ecdsa.h"
#endif

#define ENABLE(n, refresh) "BF3111A00C5A0A" ICCID(n) "8101" refresh
#define DISABLE(n) "BF3211A00C5A0A" ICCID(n) "8101FF"
#define DELETE(n) "BF330C5A0A" ICCID(n)

static void free_answer(const char *type, void *value)
{
    sgp32_codec_free(sgp32_codec_type_find(type), value);
}

static SGP32_ProfileInfoListResponse_t *profiles(struct harness *h, const char *request_hex)
{
    SGP32_ProfileInfoListResponse_t *list =
        es10_call(h, "ProfileInfoListRequest", request_hex, "SGP32-ProfileInfoListResponse");
    return list;
}

static long profile_state(struct harness *h, const char *iccid_hex)
{
    char request[64];
    SGP32_ProfileInfoListResponse_t *list;
    long state;
    snprintf(request, sizeof(request), "BF2D12A00C5A0A%s5C029F70", iccid_hex);
    list = profiles(h, request);
    assert_int_equal(list->present, SGP32_ProfileInfoListResponse_PR_profileInfoListOk);
    assert_int_equal(list->choice.profileInfoListOk.list.count, 1);
    assert_non_null(list->choice.profileInfoListOk.list.array[0]->profileState);
    assert_null(list->choice.profileInfoListOk.list.array[0]->iccid); /* only the asked tag */
    state = integer_value(list->choice.profileInfoListOk.list.array[0]->profileState);
    free_answer("SGP32-ProfileInfoListResponse", list);
    return state;
}

static void test_eid_info1_info2_addresses(void **state)
{
    struct harness h;
    GetEuiccDataResponse_t *eid;
    EUICCInfo1_t *info1;
    SGP32_EUICCInfo2_t *info2;
    EuiccConfiguredAddressesResponse_t *addresses;
    (void)state;
    harness_start(&h, NULL);
    eid = es10_call(&h, "GetEuiccDataRequest", "BF3E035C015A", "GetEuiccDataResponse");
    assert_int_equal(eid->eidValue.size, 16);
    assert_memory_equal(eid->eidValue.buf, harness_eid, 16);
    free_answer("GetEuiccDataResponse", eid);

    info1 = es10_call(&h, "GetEuiccInfo1Request", "BF2000", "EUICCInfo1");
    assert_memory_equal(info1->svn.buf, "\x02\x05\x00", 3);
    assert_int_equal(info1->euiccCiPKIdListForVerification.list.count, 1);
    assert_memory_equal(info1->euiccCiPKIdListForSigning.list.array[0]->buf, harness_ci_pkid, 20);
    free_answer("EUICCInfo1", info1);

    info2 = es10_call(&h, "GetEuiccInfo2Request", "BF2200", "SGP32-EUICCInfo2");
    assert_non_null(info2->ipaMode);
    assert_int_equal(integer_value(info2->ipaMode), 0);
    assert_non_null(info2->iotSpecificInfo);
    assert_int_equal(info2->iotSpecificInfo->iotVersion.list.count, 1);
    assert_memory_equal(info2->iotSpecificInfo->iotVersion.list.array[0]->buf, "\x01\x02\x00", 3);
    assert_non_null(info2->iotSpecificInfo->fallbackSupported);
    assert_true(info2->rspCapability.buf[0] & 0x80); /* additionalProfile: the card is empty */
    assert_memory_equal(info2->extCardResource.buf, "\x81\x01\x00\x82\x04\x00\x40\x00\x00", 9);
    free_answer("SGP32-EUICCInfo2", info2);

    addresses = es10_call(&h, "EuiccConfiguredAddressesRequest", "BF3C00", "EuiccConfiguredAddressesResponse");
    assert_non_null(addresses->defaultDpAddress);
    assert_int_equal(addresses->defaultDpAddress->size, strlen("smdp.example.com"));
    assert_memory_equal(addresses->rootDsAddress.buf, "lpa.ds.gsma.com", 15);
    free_answer("EuiccConfiguredAddressesResponse", addresses);

    /* SetDefaultDpAddress (SGP.22 BF3F), then the SGP.32 BF65 variant with an empty address = remove */
    assert_int_equal(es10_result(&h, "SetDefaultDpAddressRequest", "BF3F1180 0F 6E65772E6578616D706C652E636F6D",
                                 "SetDefaultDpAddressResponse"),
                     0);
    harness_reopen(&h);
    addresses = es10_call(&h, "EuiccConfiguredAddressesRequest", "BF3C00", "EuiccConfiguredAddressesResponse");
    assert_memory_equal(addresses->defaultDpAddress->buf, "new.example.com", 15);
    free_answer("EuiccConfiguredAddressesResponse", addresses);
    assert_int_equal(
        es10_result(&h, "SGP32-SetDefaultDpAddressRequest", "BF65028000", "SGP32-SetDefaultDpAddressResponse"), 0);
    addresses = es10_call(&h, "EuiccConfiguredAddressesRequest", "BF3C00", "EuiccConfiguredAddressesResponse");
    assert_null(addresses->defaultDpAddress);
    free_answer("EuiccConfiguredAddressesResponse", addresses);
    harness_stop(&h);
}

static void test_consumer_info2_is_sgp22(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    void *info2;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    (void)state;
    options.mode = SGP32_SOFTEUICC_MODE_CONSUMER;
    harness_start(&h, &options);
    info2 = es10_call(&h, "GetEuiccInfo2Request", "BF2200", "EUICCInfo2");
    free_answer("EUICCInfo2", info2);
    /* no SGP.32 fields: the answer holds no ipaMode (90) / iotSpecificInfo (B4) element */
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x22\x00", 3, &answer, &answer_len), 0x9000);
    assert_null(memchr(answer + answer_len - 30, 0xB4, 30));
    free(answer);
    harness_stop(&h);
}

static enum sgp32_status counting_random(void *user, uint8_t *out, size_t len)
{
    unsigned *calls = user;
    memset(out, (int)++*calls, len);
    return SGP32_OK;
}

static void test_challenge_uses_the_random_callback(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    unsigned calls = 0;
    GetEuiccChallengeResponse_t *challenge;
    (void)state;
    options.random = counting_random;
    options.random_user = &calls;
    harness_start(&h, &options);
    challenge = es10_call(&h, "GetEuiccChallengeRequest", "BF2E00", "GetEuiccChallengeResponse");
    assert_int_equal(challenge->euiccChallenge.size, 16);
    assert_int_equal(challenge->euiccChallenge.buf[15], 1);
    free_answer("GetEuiccChallengeResponse", challenge);
    challenge = es10_call(&h, "GetEuiccChallengeRequest", "BF2E00", "GetEuiccChallengeResponse");
    assert_int_equal(challenge->euiccChallenge.buf[0], 2);
    free_answer("GetEuiccChallengeResponse", challenge);
    harness_stop(&h);
}

static void test_get_profiles_info_search_and_tags(void **state)
{
    struct harness h;
    SGP32_ProfileInfoListResponse_t *list;
    SGP32_ProfileInfo_t *info;
    (void)state;
    harness_start(&h, NULL);
    list = profiles(&h, "BF2D00");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 0);
    free_answer("SGP32-ProfileInfoListResponse", list);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_TEST_PPR2);
    preload_hex(&h, PROFILE_FALLBACK);
    preload_hex(&h, PROFILE_PROVISIONING);
    list = profiles(&h, "BF2D00");
    assert_int_equal(list->present, SGP32_ProfileInfoListResponse_PR_profileInfoListOk);
    assert_int_equal(list->choice.profileInfoListOk.list.count, 4);
    info = list->choice.profileInfoListOk.list.array[0];
    assert_non_null(info->iccid);
    assert_non_null(info->profileState);
    assert_int_equal(integer_value(info->profileState), 0);
    assert_non_null(info->notificationConfigurationInfo);
    assert_non_null(list->choice.profileInfoListOk.list.array[2]->fallbackAttribute);
    assert_true(*list->choice.profileInfoListOk.list.array[2]->fallbackAttribute);
    free_answer("SGP32-ProfileInfoListResponse", list);
    /* search by ICCID, by AID, by class; tag list */
    list = profiles(&h, "BF2D0EA00C5A0A" ICCID(3));
    assert_int_equal(list->choice.profileInfoListOk.list.count, 1);
    assert_memory_equal(list->choice.profileInfoListOk.list.array[0]->profileName->buf, "Test", 4);
    free_answer("SGP32-ProfileInfoListResponse", list);
    list = profiles(&h, "BF2D14A0124F10A0000005591010FFFFFFFF8900001600");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 1);
    free_answer("SGP32-ProfileInfoListResponse", list);
    list = profiles(&h, "BF2D09A003950102 5C 02 5A 92");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 2); /* operational: ONE and FALLBACK */
    info = list->choice.profileInfoListOk.list.array[1];
    assert_non_null(info->iccid);
    assert_non_null(info->profileName);
    assert_null(info->isdpAid);
    assert_null(info->profileClass);
    assert_null(info->fallbackAttribute);
    free_answer("SGP32-ProfileInfoListResponse", list);
    list = profiles(&h, "BF2D0EA00C5A0A890000000000000000FF");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 0);
    free_answer("SGP32-ProfileInfoListResponse", list);
    /* an impossible class and a truncated multi-byte tag are incorrectInputValues */
    list = profiles(&h, "BF2D05A003950107");
    assert_int_equal(list->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
    assert_int_equal(integer_value(&list->choice.profileInfoListError), 1);
    free_answer("SGP32-ProfileInfoListResponse", list);
    list = profiles(&h, "BF2D035C019F");
    assert_int_equal(list->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
    free_answer("SGP32-ProfileInfoListResponse", list);
    harness_stop(&h);
}

static void test_consumer_profiles_hide_iot_fields(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    uint8_t *answer = NULL;
    size_t answer_len = 0, i;
    (void)state;
    options.mode = SGP32_SOFTEUICC_MODE_CONSUMER;
    harness_start(&h, &options);
    preload_hex(&h, PROFILE_FALLBACK);
    free_answer("ProfileInfoListResponse",
                es10_call(&h, "ProfileInfoListRequest", "BF2D00", "ProfileInfoListResponse"));
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x2D\x00", 3, &answer, &answer_len), 0x9000);
    for (i = 0; i + 1 < answer_len; i++)
        assert_false(answer[i] == 0x9F && answer[i + 1] == 0x26);
    free(answer);
    harness_stop(&h);
}

static void test_enable_disable_delete_and_notifications(void **state)
{
    struct harness h;
    ListNotificationResponse_t *notifications;
    long seq;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_PPR1);
    preload_hex(&h, PROFILE_TEST_PPR2);
    /* enable: unknown, ok, already enabled */
    assert_int_equal(
        es10_result(&h, "EnableProfileRequest", "BF3111A00C5A0A890000000000000000FF8101FF", "EnableProfileResponse"),
        1);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "FF"), "EnableProfileResponse"), 0);
    assert_int_equal(profile_state(&h, ICCID(1)), 1);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "FF"), "EnableProfileResponse"), 2);
    /* by AID: switch to the PPR1 profile; ONE gets disabled (one enabled profile at a time) */
    assert_int_equal(es10_result(&h, "EnableProfileRequest", "BF3117A0124F10A0000005591010FFFFFFFF89000012008101FF",
                                 "EnableProfileResponse"),
                     0);
    assert_int_equal(profile_state(&h, ICCID(1)), 0);
    assert_int_equal(profile_state(&h, ICCID(2)), 1);
    /* PPR1: neither disabling nor switching away */
    assert_int_equal(es10_result(&h, "DisableProfileRequest", DISABLE(2), "DisableProfileResponse"), 3);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "FF"), "EnableProfileResponse"), 3);
    assert_int_equal(es10_result(&h, "DisableProfileRequest", DISABLE(1), "DisableProfileResponse"), 2);
    assert_int_equal(
        es10_result(&h, "DisableProfileRequest", "BF3211A00C5A0A890000000000000000FF8101FF", "DisableProfileResponse"),
        1);
    /* delete: enabled -> 2, PPR2 -> 3, unknown -> 1, ok */
    assert_int_equal(es10_result(&h, "DeleteProfileRequest", DELETE(2), "DeleteProfileResponse"), 2);
    assert_int_equal(es10_result(&h, "DeleteProfileRequest", DELETE(3), "DeleteProfileResponse"), 3);
    assert_int_equal(es10_result(&h, "DeleteProfileRequest", "BF330C5A0A890000000000000000FF", "DeleteProfileResponse"),
                     1);
    assert_int_equal(es10_result(&h, "DeleteProfileRequest", DELETE(1), "DeleteProfileResponse"), 0);
    assert_int_equal(es10_result(&h, "DeleteProfileRequest", DELETE(1), "DeleteProfileResponse"), 1);

    /* notifications: enable ONE (1), disable ONE (2, at the switch), enable PPR1 (3), delete ONE (4) */
    notifications = es10_call(&h, "ListNotificationRequest", "BF2800", "ListNotificationResponse");
    assert_int_equal(notifications->present, ListNotificationResponse_PR_notificationMetadataList);
    assert_int_equal(notifications->choice.notificationMetadataList.list.count, 4);
    seq = integer_value(&notifications->choice.notificationMetadataList.list.array[0]->seqNumber);
    assert_int_equal(seq, 1);
    assert_int_equal(notifications->choice.notificationMetadataList.list.array[0]->profileManagementOperation.buf[0],
                     0x40);
    assert_memory_equal(notifications->choice.notificationMetadataList.list.array[0]->notificationAddress.buf,
                        "notify.example.com", 18);
    assert_int_equal(notifications->choice.notificationMetadataList.list.array[2]->profileManagementOperation.buf[0],
                     0x40);
    assert_memory_equal(notifications->choice.notificationMetadataList.list.array[2]->notificationAddress.buf,
                        "all.example.com", 15);
    assert_int_equal(notifications->choice.notificationMetadataList.list.array[3]->profileManagementOperation.buf[0],
                     0x10);
    assert_int_equal(integer_value(&notifications->choice.notificationMetadataList.list.array[3]->seqNumber), 4);
    free_answer("ListNotificationResponse", notifications);
    /* filtered by operation: enable only */
    notifications = es10_call(&h, "ListNotificationRequest", "BF2804 81020640", "ListNotificationResponse");
    assert_int_equal(notifications->choice.notificationMetadataList.list.count, 2);
    free_answer("ListNotificationResponse", notifications);
    /* remove: ok, then nothing to delete; the list survives a reopen */
    assert_int_equal(es10_result(&h, "NotificationSentRequest", "BF3003800102", "NotificationSentResponse"), 0);
    assert_int_equal(es10_result(&h, "NotificationSentRequest", "BF3003800102", "NotificationSentResponse"), 1);
    harness_reopen(&h);
    notifications = es10_call(&h, "ListNotificationRequest", "BF2800", "ListNotificationResponse");
    assert_int_equal(notifications->choice.notificationMetadataList.list.count, 3);
    free_answer("ListNotificationResponse", notifications);
    harness_stop(&h);
}

static void test_retrieve_notifications(void **state)
{
    struct harness h;
    SGP32_RetrieveNotificationsListResponse_t *list;
    (void)state;
    harness_start(&h, NULL);
    /* nothing yet: empty list (all criteria) */
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B00", "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_notificationList);
    assert_int_equal(list->choice.notificationList.list.count, 0);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B04A0028200",
                     "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_euiccPackageResultList);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    preload_hex(&h, PROFILE_ONE);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "00"), "EnableProfileResponse"), 0);
    /* a sequence number that does not exist: empty */
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B05A003800109",
                     "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_notificationList);
    assert_int_equal(list->choice.notificationList.list.count, 0);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    /* an existing one needs the eUICC signature: not available without the crypto module yet */
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B05A003800101",
                     "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_notificationsListResultError);
    assert_int_equal(integer_value(&list->choice.notificationsListResultError), 127);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    /* by operation: no delete notification exists */
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B06A004 81020410",
                     "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->choice.notificationList.list.count, 0);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    harness_stop(&h);
}

/* A card with an identity (key + certificates) signs its notifications. The sample eIM key pair stands
 * in for the eUICC's: any P-256 key with its certificate shows the signature is made and verifiable. */
static void start_signing_card(struct harness *h, enum sgp32_status *create_status)
{
    struct sgp32_softeuicc_identity identity;
    char eum[512], euicc[512], key[512];
    memset(h, 0, sizeof(*h));
    snprintf(h->dir, sizeof(h->dir), "/tmp/softeuicc-test-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    h->options.size = sizeof(h->options);
    snprintf(eum, sizeof(eum), "%s/certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.pem", SGP32_SHARED_DIR);
    snprintf(euicc, sizeof(euicc), "%s/certs/eim-sample/sample_eim_cert_nist.crt", SGP32_SHARED_DIR);
    snprintf(key, sizeof(key), "%s/certs/eim-sample/sample_eim_cert_nist.key", SGP32_SHARED_DIR);
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    *create_status = sgp32_softeuicc_create(h->dir, &identity, &h->options, &h->card);
    if (h->card != NULL)
        sgp32_softeuicc_transport(h->card, &h->transport);
}

static void test_retrieve_signed_notifications(void **state)
{
    struct harness h;
    enum sgp32_status created;
#ifdef SGP32_HAVE_CRYPTO
    SGP32_RetrieveNotificationsListResponse_t *list;
#endif
    (void)state;
    start_signing_card(&h, &created);
#ifndef SGP32_HAVE_CRYPTO
    assert_int_equal(created, SGP32_ERR_NOT_SUPPORTED);
    assert_null(h.card);
    rmdir(h.dir);
#else
    assert_int_equal(created, SGP32_OK);
    harness_reopen(&h); /* the key is part of the persistent identity */
    preload_hex(&h, PROFILE_ONE);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "00"), "EnableProfileResponse"), 0);
    assert_int_equal(es10_result(&h, "DisableProfileRequest", DISABLE(1), "DisableProfileResponse"), 0);
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B00", "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_notificationList);
    assert_int_equal(list->choice.notificationList.list.count, 2);
    {
        int i;
        for (i = 0; i < 2; i++) {
            SGP32_PendingNotification_t *pending = list->choice.notificationList.list.array[i];
            OtherSignedNotification_t *other;
            uint8_t *tbs = NULL, *cert = NULL;
            size_t tbs_len = 0, cert_len = 0;
            assert_int_equal(pending->present, SGP32_PendingNotification_PR_otherSignedNotification);
            other = &pending->choice.otherSignedNotification;
            assert_int_equal(integer_value(&other->tbsOtherNotification.seqNumber), i + 1);
            assert_int_equal(other->euiccNotificationSignature.size, 64);
            assert_int_equal(sgp32_encode_der_alloc(sgp32_codec_type_find("NotificationMetadata"),
                                                    &other->tbsOtherNotification, &tbs, &tbs_len),
                             SGP32_OK);
            assert_int_equal(sgp32_encode_der_alloc(sgp32_codec_type_find("Certificate"), &other->euiccCertificate,
                                                    &cert, &cert_len),
                             SGP32_OK);
            assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len, tbs, tbs_len,
                                                                 other->euiccNotificationSignature.buf, 64),
                             SGP32_OK);
            /* a changed byte breaks it: the signature covers the metadata */
            tbs[tbs_len - 1] ^= 1;
            assert_int_not_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len, tbs, tbs_len,
                                                                     other->euiccNotificationSignature.buf, 64),
                                 SGP32_OK);
            sgp32_buffer_free(tbs);
            sgp32_buffer_free(cert);
        }
    }
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    /* search criteria: the disable notification only */
    list = es10_call(&h, "SGP32-RetrieveNotificationsListRequest", "BF2B06A004 81020520",
                     "SGP32-RetrieveNotificationsListResponse");
    assert_int_equal(list->choice.notificationList.list.count, 1);
    assert_int_equal(integer_value(&list->choice.notificationList.list.array[0]
                                        ->choice.otherSignedNotification.tbsOtherNotification.seqNumber),
                     2);
    free_answer("SGP32-RetrieveNotificationsListResponse", list);
    harness_stop(&h);
#endif
}

static void test_set_nickname_and_rat(void **state)
{
    struct harness h;
    SGP32_ProfileInfoListResponse_t *list;
    GetRatResponse_t *rat;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    assert_int_equal(
        es10_result(&h, "SetNicknameRequest", "BF29125A0A" ICCID(1) "9004 4D696E65", "SetNicknameResponse"), 0);
    assert_int_equal(
        es10_result(&h, "SetNicknameRequest", "BF29125A0A890000000000000000FF9004 4D696E65", "SetNicknameResponse"), 1);
    harness_reopen(&h);
    list = profiles(&h, "BF2D035C0190");
    assert_memory_equal(list->choice.profileInfoListOk.list.array[0]->profileNickname->buf, "Mine", 4);
    free_answer("SGP32-ProfileInfoListResponse", list);
    rat = es10_call(&h, "GetRatRequest", "BF4300", "GetRatResponse");
    assert_int_equal(rat->rat.list.count, 0);
    free_answer("GetRatResponse", rat);
    harness_stop(&h);
}

static void test_memory_reset(void **state)
{
    struct harness h;
    SGP32_ProfileInfoListResponse_t *list;
    SGP32_EuiccMemoryResetResponse_t *reset;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_TEST_PPR2);
    preload_hex(&h, PROFILE_PROVISIONING);
    /* SGP.22 BF34: field-loaded test profiles only -> the pre-loaded test profile stays, also after a
     * reopen (the pre-loaded flag is persisted); SGP.32 BF64 deletePreLoadedTestProfiles removes it. */
    assert_int_equal(es10_result(&h, "EuiccMemoryResetRequest", "BF3404 82020640", "EuiccMemoryResetResponse"), 1);
    harness_reopen(&h);
    assert_int_equal(es10_result(&h, "EuiccMemoryResetRequest", "BF3404 82020640", "EuiccMemoryResetResponse"), 1);
    list = profiles(&h, "BF2D00");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 3);
    free_answer("SGP32-ProfileInfoListResponse", list);
    reset = es10_call(&h, "SGP32-EuiccMemoryResetRequest", "BF6404 82020410", "SGP32-EuiccMemoryResetResponse");
    assert_int_equal(integer_value(&reset->resetResult), 0);
    free_answer("SGP32-EuiccMemoryResetResponse", reset);
    list = profiles(&h, "BF2D00");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 2); /* the test profile went */
    free_answer("SGP32-ProfileInfoListResponse", list);
    /* BF64 deleting operational profiles, the eIM configuration (none: nothingToDelete) and the
     * immediate-enable configuration */
    reset = es10_call(&h, "SGP32-EuiccMemoryResetRequest", "BF6404 82020186", "SGP32-EuiccMemoryResetResponse");
    assert_int_equal(integer_value(&reset->resetResult), 0);
    assert_non_null(reset->resetEimResult);
    assert_int_equal(integer_value(reset->resetEimResult), 1);
    assert_non_null(reset->resetImmediateEnableConfigResult);
    assert_int_equal(integer_value(reset->resetImmediateEnableConfigResult), 0);
    free_answer("SGP32-EuiccMemoryResetResponse", reset);
    harness_reopen(&h);
    list = profiles(&h, "BF2D00");
    assert_int_equal(list->choice.profileInfoListOk.list.count, 1); /* the provisioning profile stays */
    free_answer("SGP32-ProfileInfoListResponse", list);
    harness_stop(&h);
}

static size_t read_vector(const char *name, uint8_t *out, size_t cap)
{
    char path[512];
    FILE *file;
    size_t len;
    snprintf(path, sizeof(path), "%s/vectors/%s", SGP32_SHARED_DIR, name);
    file = fopen(path, "rb");
    assert_non_null(file);
    len = fread(out, 1, cap, file);
    fclose(file);
    return len;
}

static void test_eim_configuration(void **state)
{
    struct harness h;
    uint8_t request[2048];
    size_t len = read_vector("sample_eim_cfg.AddInitialEimRequest.ber", request, sizeof(request));
    AddInitialEimResponse_t *added;
    GetEimConfigurationDataResponse_t *config;
    (void)state;
    harness_start(&h, NULL);
    /* nothing configured yet */
    config = es10_call(&h, "GetEimConfigurationDataRequest", "BF5500", "GetEimConfigurationDataResponse");
    assert_int_equal(config->eimConfigurationDataList.list.count, 0);
    free_answer("GetEimConfigurationDataResponse", config);
    /* an empty list is a command error */
    added = es10_call(&h, "AddInitialEimRequest", "BF5702A000", "AddInitialEimResponse");
    assert_int_equal(added->present, AddInitialEimResponse_PR_addInitialEimError);
    assert_int_equal(integer_value(&added->choice.addInitialEimError), 7);
    free_answer("AddInitialEimResponse", added);
    /* the sample: associationToken requested -> the card assigns token 1 */
    added = es10_call_bytes(&h, "AddInitialEimRequest", request, len, "AddInitialEimResponse");
    assert_int_equal(added->present, AddInitialEimResponse_PR_addInitialEimOk);
    assert_int_equal(added->choice.addInitialEimOk.list.count, 1);
    assert_int_equal(added->choice.addInitialEimOk.list.array[0]->present,
                     AddInitialEimResponse__addInitialEimOk__Member_PR_associationToken);
    assert_int_equal(integer_value(&added->choice.addInitialEimOk.list.array[0]->choice.associationToken), 1);
    free_answer("AddInitialEimResponse", added);
    /* a second AddInitialEim: associatedEimAlreadyExists */
    added = es10_call_bytes(&h, "AddInitialEimRequest", request, len, "AddInitialEimResponse");
    assert_int_equal(integer_value(&added->choice.addInitialEimError), 2);
    free_answer("AddInitialEimResponse", added);
    harness_reopen(&h);
    config = es10_call(&h, "GetEimConfigurationDataRequest", "BF5500", "GetEimConfigurationDataResponse");
    assert_int_equal(config->eimConfigurationDataList.list.count, 1);
    assert_memory_equal(config->eimConfigurationDataList.list.array[0]->eimId.buf, "eIM", 3);
    assert_non_null(config->eimConfigurationDataList.list.array[0]->eimFqdn);
    assert_int_equal(integer_value(config->eimConfigurationDataList.list.array[0]->associationToken), 1);
    assert_non_null(config->eimConfigurationDataList.list.array[0]->eimPublicKeyData);
    free_answer("GetEimConfigurationDataResponse", config);
    config =
        es10_call(&h, "GetEimConfigurationDataRequest", "BF5507A005 8003 65494D", "GetEimConfigurationDataResponse");
    assert_int_equal(config->eimConfigurationDataList.list.count, 1);
    free_answer("GetEimConfigurationDataResponse", config);
    config =
        es10_call(&h, "GetEimConfigurationDataRequest", "BF5507A005 8003 78797A", "GetEimConfigurationDataResponse");
    assert_int_equal(config->eimConfigurationDataList.list.count, 0);
    free_answer("GetEimConfigurationDataResponse", config);
    /* with an eIM associated, immediate enabling cannot be configured any more */
    assert_int_equal(es10_result(&h, "ConfigureImmediateProfileEnablingRequest", "BF59028000",
                                 "ConfigureImmediateProfileEnablingResponse"),
                     2);
    /* the IoT memory reset removes the eIM configuration */
    {
        SGP32_EuiccMemoryResetResponse_t *reset =
            es10_call(&h, "SGP32-EuiccMemoryResetRequest", "BF6404 82020204", "SGP32-EuiccMemoryResetResponse");
        assert_int_equal(integer_value(&reset->resetResult), 1);
        assert_int_equal(integer_value(reset->resetEimResult), 0);
        assert_null(reset->resetImmediateEnableConfigResult);
        free_answer("SGP32-EuiccMemoryResetResponse", reset);
    }
    config = es10_call(&h, "GetEimConfigurationDataRequest", "BF5500", "GetEimConfigurationDataResponse");
    assert_int_equal(config->eimConfigurationDataList.list.count, 0);
    free_answer("GetEimConfigurationDataResponse", config);
    harness_stop(&h);
}

static void test_add_initial_eim_errors(void **state)
{
    struct harness h;
    AddInitialEimResponse_t *added;
    (void)state;
    harness_start(&h, NULL);
    /* negative counterValue */
    added = es10_call(&h, "AddInitialEimRequest", "BF570AA0083006 8001 41 8301FF", "AddInitialEimResponse");
    assert_int_equal(integer_value(&added->choice.addInitialEimError), 6);
    free_answer("AddInitialEimResponse", added);
    /* unknown CI key identifier */
    added = es10_call(&h, "AddInitialEimRequest",
                      "BF571DA01B3019 8001 41 8814 0102030405060708090A0B0C0D0E0F1011121314", "AddInitialEimResponse");
    assert_int_equal(integer_value(&added->choice.addInitialEimError), 3);
    free_answer("AddInitialEimResponse", added);
    /* the same eIM twice */
    added = es10_call(&h, "AddInitialEimRequest", "BF570CA00A 3003800141 3003800141", "AddInitialEimResponse");
    assert_int_equal(integer_value(&added->choice.addInitialEimError), 7);
    free_answer("AddInitialEimResponse", added);
    /* two different ones without token: addOk twice */
    added = es10_call(&h, "AddInitialEimRequest", "BF570CA00A 3003800141 3003800142", "AddInitialEimResponse");
    assert_int_equal(added->present, AddInitialEimResponse_PR_addInitialEimOk);
    assert_int_equal(added->choice.addInitialEimOk.list.count, 2);
    assert_int_equal(added->choice.addInitialEimOk.list.array[1]->present,
                     AddInitialEimResponse__addInitialEimOk__Member_PR_addOk);
    free_answer("AddInitialEimResponse", added);
    harness_stop(&h);
}

static void test_get_certs(void **state)
{
    struct harness h;
    GetCertsResponse_t *certs;
    (void)state;
    harness_start(&h, NULL);
    /* no certificates on this card */
    certs = es10_call(&h, "GetCertsRequest", "BF5600", "GetCertsResponse");
    assert_int_equal(certs->present, GetCertsResponse_PR_getCertsError);
    assert_int_equal(integer_value(&certs->choice.getCertsError), 127);
    free_answer("GetCertsResponse", certs);
    harness_stop(&h);
}

static void test_get_certs_from_identity_files(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_identity identity;
    char eum[512], euicc[512];
    GetCertsResponse_t *certs;
    (void)state;
    memset(&h, 0, sizeof(h));
    snprintf(h.dir, sizeof(h.dir), "/tmp/softeuicc-test-XXXXXX");
    assert_non_null(mkdtemp(h.dir));
    h.options.size = sizeof(h.options);
    /* any X.509 certificates will do for the transport of certificates: one DER, one PEM */
    snprintf(eum, sizeof(eum), "%s/certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.der", SGP32_SHARED_DIR);
    snprintf(euicc, sizeof(euicc), "%s/certs/eim-sample/sample_eim_cert_nist.crt", SGP32_SHARED_DIR);
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    identity.ci_pkids = &harness_ci_pkid;
    identity.ci_pkid_count = 1;
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, &h.options, &h.card), SGP32_OK);
    sgp32_softeuicc_transport(h.card, &h.transport);
    harness_reopen(&h);
    certs = es10_call(&h, "GetCertsRequest", "BF5600", "GetCertsResponse");
    assert_int_equal(certs->present, GetCertsResponse_PR_certs);
    free_answer("GetCertsResponse", certs);
    certs =
        es10_call(&h, "GetCertsRequest", "BF561680 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3", "GetCertsResponse");
    assert_int_equal(certs->present, GetCertsResponse_PR_certs);
    free_answer("GetCertsResponse", certs);
    certs =
        es10_call(&h, "GetCertsRequest", "BF561680 14 0000000000000000000000000000000000000000", "GetCertsResponse");
    assert_int_equal(integer_value(&certs->choice.getCertsError), 1);
    free_answer("GetCertsResponse", certs);
    harness_stop(&h);
    /* a file that is not a certificate is refused at creation */
    snprintf(h.dir, sizeof(h.dir), "/tmp/softeuicc-test-XXXXXX");
    assert_non_null(mkdtemp(h.dir));
    snprintf(eum, sizeof(eum), "%s/vectors/sample_eim_cfg.AddInitialEimRequest.ber", SGP32_SHARED_DIR);
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, &h.options, &h.card), SGP32_ERR_DECODE);
    assert_null(h.card);
    rmdir(h.dir);
}

static void test_emergency_and_fallback(void **state)
{
    struct harness h;
    (void)state;
    harness_start(&h, NULL);
    /* without such profiles */
    assert_int_equal(es10_result(&h, "EnableEmergencyProfileRequest", "BF5B038001FF", "EnableEmergencyProfileResponse"),
                     8);
    assert_int_equal(
        es10_result(&h, "DisableEmergencyProfileRequest", "BF5C038001FF", "DisableEmergencyProfileResponse"), 2);
    assert_int_equal(
        es10_result(&h, "ExecuteFallbackMechanismRequest", "BF5D038001FF", "ExecuteFallbackMechanismResponse"), 6);
    assert_int_equal(es10_result(&h, "ReturnFromFallbackRequest", "BF5E038001FF", "ReturnFromFallbackResponse"), 6);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_FALLBACK);
    preload_hex(&h, PROFILE_EMERGENCY);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1, "FF"), "EnableProfileResponse"), 0);
    /* fallback: return without execute is a command error; execute; execute again; return */
    assert_int_equal(es10_result(&h, "ReturnFromFallbackRequest", "BF5E038001FF", "ReturnFromFallbackResponse"), 7);
    assert_int_equal(
        es10_result(&h, "ExecuteFallbackMechanismRequest", "BF5D038001FF", "ExecuteFallbackMechanismResponse"), 0);
    assert_int_equal(profile_state(&h, ICCID(4)), 1);
    assert_int_equal(profile_state(&h, ICCID(1)), 0);
    assert_int_equal(
        es10_result(&h, "ExecuteFallbackMechanismRequest", "BF5D038001FF", "ExecuteFallbackMechanismResponse"), 2);
    harness_reopen(&h); /* the way back survives a power cycle */
    assert_int_equal(es10_result(&h, "ReturnFromFallbackRequest", "BF5E038001FF", "ReturnFromFallbackResponse"), 0);
    assert_int_equal(profile_state(&h, ICCID(1)), 1);
    assert_int_equal(profile_state(&h, ICCID(4)), 0);
    /* emergency: enable, again (not disabled), fallback refused while eCall is active, disable */
    assert_int_equal(es10_result(&h, "EnableEmergencyProfileRequest", "BF5B038001FF", "EnableEmergencyProfileResponse"),
                     0);
    assert_int_equal(profile_state(&h, ICCID(5)), 1);
    assert_int_equal(es10_result(&h, "EnableEmergencyProfileRequest", "BF5B038001FF", "EnableEmergencyProfileResponse"),
                     2);
    assert_int_equal(
        es10_result(&h, "ExecuteFallbackMechanismRequest", "BF5D038001FF", "ExecuteFallbackMechanismResponse"), 104);
    assert_int_equal(
        es10_result(&h, "DisableEmergencyProfileRequest", "BF5C038001FF", "DisableEmergencyProfileResponse"), 0);
    assert_int_equal(profile_state(&h, ICCID(1)), 1);
    assert_int_equal(profile_state(&h, ICCID(5)), 0);
    harness_stop(&h);
}

static void test_rollback_immediate_enable_connectivity_ipae(void **state)
{
    struct harness h;
    GetConnectivityParametersResponse_t *connectivity;
    (void)state;
    harness_start(&h, NULL);
    assert_int_equal(es10_result(&h, "ProfileRollbackRequest", "BF58038001FF", "ProfileRollbackResponse"), 1);
    assert_int_equal(es10_result(&h, "ImmediateEnableRequest", "BF5A038001FF", "ImmediateEnableResponse"), 1);
    assert_int_equal(es10_result(&h, "ConfigureImmediateProfileEnablingRequest",
                                 "BF5914 8000 8210 736D64702E6578616D706C652E636F6D",
                                 "ConfigureImmediateProfileEnablingResponse"),
                     0);
    harness_reopen(&h);
    /* configured, but no download in this session */
    assert_int_equal(es10_result(&h, "ImmediateEnableRequest", "BF5A038001FF", "ImmediateEnableResponse"), 4);
    connectivity = es10_call(&h, "GetConnectivityParametersRequest", "BF5F00", "GetConnectivityParametersResponse");
    assert_int_equal(connectivity->present, GetConnectivityParametersResponse_PR_connectivityParametersError);
    assert_int_equal(integer_value(&connectivity->choice.connectivityParametersError), 1);
    free_answer("GetConnectivityParametersResponse", connectivity);
    assert_int_equal(es10_result(&h, "IpaeActivationRequest", "BF4204 80020780", "IpaeActivationResponse"), 1);
    harness_stop(&h);
}

/* The RAT given at create() (identity.rat) is what GetRAT returns, also after a reopen; a RAT that is
 * not a DER RulesAuthorisationTable is refused. */
static void test_get_rat_from_identity(void **state)
{
    /* { { pprIds ppr1, allowedOperators { { mccMnc 21F354 } }, pprFlags consentRequired } } */
    static const uint8_t rat[] = {0x30, 0x13, 0x30, 0x11, 0x80, 0x02, 0x06, 0x40, 0xA1, 0x07, 0x30,
                                  0x05, 0x80, 0x03, 0x21, 0xF3, 0x54, 0x82, 0x02, 0x07, 0x80};
    static const uint8_t not_a_rat[] = {0x30, 0x03, 0x80, 0x01, 0x00};
    static const uint8_t get_rat[] = {0xBF, 0x43, 0x00};
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc *card = NULL;
    struct harness h;
    GetRatResponse_t *decoded;
    uint8_t *answer = NULL;
    size_t answer_len = 0, round;
    char path[128];
    (void)state;
    memset(&h, 0, sizeof(h));
    h.options.size = sizeof(h.options);
    snprintf(h.dir, sizeof(h.dir), "/tmp/softeuicc-rat-XXXXXX");
    assert_non_null(mkdtemp(h.dir));
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    identity.rat = not_a_rat;
    identity.rat_len = sizeof(not_a_rat);
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, &h.options, &card), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(card);
    identity.rat = rat;
    identity.rat_len = sizeof(rat);
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, &h.options, &card), SGP32_OK);
    sgp32_softeuicc_free(card);
    for (round = 0; round < 2; round++) {
        harness_reopen(&h); /* opened from the state directory: the RAT was persisted */
        assert_int_equal(es10_raw(&h, get_rat, sizeof(get_rat), &answer, &answer_len), 0x9000);
        /* BF43 { A0 <the table's contents> } */
        assert_int_equal(answer_len, 5 + sizeof(rat) - 2);
        assert_memory_equal(answer, "\xBF\x43\x15\xA0\x13", 5);
        assert_memory_equal(answer + 5, rat + 2, sizeof(rat) - 2);
        free(answer);
        decoded = es10_call(&h, "GetRatRequest", "BF4300", "GetRatResponse");
        assert_int_equal(decoded->rat.list.count, 1);
        free_answer("GetRatResponse", decoded);
    }
    sgp32_softeuicc_free(h.card);
    snprintf(path, sizeof(path), "%s/card.state", h.dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/rat.der", h.dir);
    unlink(path);
    rmdir(h.dir);
}

/* create() refuses an EID whose ISO 7064 mod 97-10 check digits are wrong or that is not decimal. */
static void test_create_checks_eid(void **state)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc *card = NULL;
    char dir[64], path[128];
    size_t i;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/softeuicc-eid-XXXXXX");
    assert_non_null(mkdtemp(dir));
    memset(&identity, 0, sizeof(identity));
    identity.ci_pkids = &harness_ci_pkid;
    identity.ci_pkid_count = 1;
    memcpy(identity.eid, harness_eid, 16);
    for (i = 0; i < 16; i++) {
        /* any single changed digit breaks the check */
        identity.eid[i] ^= 0x01;
        assert_int_equal(sgp32_softeuicc_create(dir, &identity, NULL, &card), SGP32_ERR_INVALID_ARGUMENT);
        identity.eid[i] ^= 0x01;
    }
    identity.eid[15] = (uint8_t)((harness_eid[15] & 0xF0) | 0x0A); /* a hex digit */
    assert_int_equal(sgp32_softeuicc_create(dir, &identity, NULL, &card), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(card);
    memcpy(identity.eid, harness_eid, 16); /* 89049032123456789000000000000154: valid */
    assert_int_equal(sgp32_softeuicc_create(dir, &identity, NULL, &card), SGP32_OK);
    sgp32_softeuicc_free(card);
    snprintf(path, sizeof(path), "%s/card.state", dir);
    unlink(path);
    rmdir(dir);
}

static void test_session_hooks_answer_defined_errors(void **state)
{
    struct harness h;
    CancelSessionResponse_t *cancel;
    EuiccPackageResult_t *result;
    char request[512];
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    (void)state;
    harness_start(&h, NULL);
    cancel = es10_call(&h, "CancelSessionRequest", "BF4106 800101 810101", "CancelSessionResponse");
    assert_int_equal(cancel->present, CancelSessionResponse_PR_cancelSessionResponseError);
    assert_int_equal(integer_value(&cancel->choice.cancelSessionResponseError), 5);
    free_answer("CancelSessionResponse", cancel);
    /* LoadEuiccPackage (getRAT PSMO) -> an unsigned error naming the eIM */
    snprintf(request, sizeof(request), "BF5163 301E 8003 65494D 5A10 %s 810101 A002 A600 5F3740 %0128d",
             "89049032123456789000000000000154", 0);
    result = es10_call(&h, "EuiccPackageRequest", request, "EuiccPackageResult");
    assert_int_equal(result->present, EuiccPackageResult_PR_euiccPackageErrorUnsigned);
    assert_memory_equal(result->choice.euiccPackageErrorUnsigned.eimId.buf, "eIM", 3);
    free_answer("EuiccPackageResult", result);
    /* LoadBoundProfilePackage without a session */
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x36\x00", 3, &answer, &answer_len), 0x6985);
    free(answer);
    harness_stop(&h);
}

static void test_quirks_after_switch(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    (void)state;
    options.quirk_6985_after_switch = 1;
    options.quirk_refresh_91xx = 1;
    harness_start(&h, &options);
    preload_hex(&h, PROFILE_ONE);
    assert_int_equal(sgp32_softeuicc_proactive_pending(h.card), 0);
    {
        uint8_t request[32];
        size_t len = hex_bytes(ENABLE(1, "FF"), request, sizeof(request));
        /* the switching command itself completes, announcing the REFRESH with 91xx */
        assert_int_equal(es10_raw(&h, request, len, &answer, &answer_len), 0x910B);
        free(answer);
    }
    assert_int_equal(h.transport.ops->proactive_pending(h.transport.user), 1);
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x2D\x00", 3, &answer, &answer_len), 0x6985);
    free(answer);
    /* the terminal FETCHes the REFRESH (UICC reset); the proactive command is then no longer pending */
    assert_int_equal(apdu_hex(&h, "80 12 00 00 20"), 0x6C0B);
    assert_int_equal(apdu_hex(&h, "00 12 00 00 0B"), 0x6E00);
    assert_int_equal(apdu_hex(&h, "80 12 00 00 0B"), 0x9000);
    assert_int_equal(h.response_len, 13);
    assert_int_equal(h.response[0], 0xD0);
    assert_int_equal(h.response[5], 0x01); /* REFRESH */
    assert_int_equal(h.response[6], 0x04); /* UICC reset */
    assert_int_equal(sgp32_softeuicc_proactive_pending(h.card), 0);
    assert_int_equal(apdu_hex(&h, "80 12 00 00 0B"), 0x6985);
    assert_int_equal(apdu_hex(&h, "80 14 00 00 0C 810301010482028281830100"), 0x9000);
    /* until reset */
    assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    h.channel_cla = 0;
    assert_int_equal(sgp32_softeuicc_proactive_pending(h.card), 0);
    assert_int_equal(profile_state(&h, ICCID(1)), 1);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eid_info1_info2_addresses),
        cmocka_unit_test(test_consumer_info2_is_sgp22),
        cmocka_unit_test(test_challenge_uses_the_random_callback),
        cmocka_unit_test(test_get_profiles_info_search_and_tags),
        cmocka_unit_test(test_consumer_profiles_hide_iot_fields),
        cmocka_unit_test(test_enable_disable_delete_and_notifications),
        cmocka_unit_test(test_retrieve_notifications),
        cmocka_unit_test(test_retrieve_signed_notifications),
        cmocka_unit_test(test_set_nickname_and_rat),
        cmocka_unit_test(test_memory_reset),
        cmocka_unit_test(test_eim_configuration),
        cmocka_unit_test(test_add_initial_eim_errors),
        cmocka_unit_test(test_get_certs),
        cmocka_unit_test(test_get_certs_from_identity_files),
        cmocka_unit_test(test_emergency_and_fallback),
        cmocka_unit_test(test_rollback_immediate_enable_connectivity_ipae),
        cmocka_unit_test(test_session_hooks_answer_defined_errors),
        cmocka_unit_test(test_create_checks_eid),
        cmocka_unit_test(test_get_rat_from_identity),
        cmocka_unit_test(test_quirks_after_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
