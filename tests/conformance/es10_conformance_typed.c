/* SPDX-License-Identifier: MIT */
/*
 * The conformance checks of the typed ES10 functions (include/sgp32/es10.h) and of the BPP loader, run
 * after the session-level checks over the same transport: the identity functions, AddInitialEim, a
 * whole profile download from the suite's own SM-DP+ (examples/servers/smdp, smdp_core) fed to the
 * BPP loader, profile state changes, an eIM-signed eUICC Package (examples/servers/eim, eim_core), the
 * notifications and the deletion. Every answer is decoded in strict DER or verified by the server
 * side that would receive it. The download itself is in es10_conformance_download.c. Without the
 * crypto layer these checks fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es10_conformance_internal.h"
#include "test_pki.h"

/* The checks of this file, in report order. */
static const char *const typed_check_names[] = {
    "typed_identity", "typed_certs_and_rat", "add_initial_eim", "bpp_download",
    "profile_state",  "load_euicc_package",  "delete_profile",  "notifications",
};

#ifdef CONFORMANCE_WITH_DOWNLOAD

#include "EUICCInfo1.h"
#include "GetCertsResponse.h"
#include "GetEimConfigurationDataResponse.h"
#include "ListNotificationResponse.h"
#include "SGP32-EUICCInfo2.h"
#include "SGP32-RetrieveNotificationsListResponse.h"
#include "eim_core.h"
#include "sgp32/tlv.h"

#define EIM_ID "eim.conformance.libsgp32.test"
#define MAX_NOTIFICATIONS 16

/* What the checks pass on to each other. */
struct typed {
    struct run *run;
    struct smdp_blob euicc_cert; /* the card's certificate (verifies eUICC Package results) */
    struct sgp32_crypto_rng rng;
    struct sgp32_ec_key eim_key;
    int have_eim;           /* AddInitialEim succeeded */
    long association_token; /* assigned by the eUICC */
    int have_profile;       /* the download installed the profile */
    uint8_t iccid[10];
};

/* The ES10 result code of the last call when it was SGP32_ERR_EUICC_RESULT, else -1. */
static long result_code(const struct run *run, enum sgp32_status st)
{
    const struct sgp32_es10_error *error = sgp32_es10_last_error(run->session);
    return st == SGP32_ERR_EUICC_RESULT && error->status == st ? error->es10_result : -1;
}

/* GetProfilesInfo (typed, every profile) read through conformance_profile_of(). */
static enum sgp32_status read_profile(struct typed *t, int *count, long *state, char *nickname, size_t cap)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st = sgp32_es10_get_profiles_info(t->run->session, NULL, 0, &answer, &len);
    if (st == SGP32_OK && conformance_profile_of(answer, len, t->iccid, count, state, nickname, cap) != 0)
        st = SGP32_ERR_DECODE;
    sgp32_buffer_free(answer);
    return st;
}

/* ---- The checks */

static void check_identity(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "typed_identity");
    struct sgp32_es10 *session = t->run->session;
    uint8_t eid[16], *answer = NULL;
    size_t len = 0;
    EUICCInfo1_t *info1;
    SGP32_EUICCInfo2_t *info2;
    enum sgp32_status st = sgp32_es10_get_eid(session, eid);

    if (st != SGP32_OK || memcmp(eid, t->run->expected_eid, 16) != 0) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "sgp32_es10_get_eid: %s%s",
                           sgp32_status_name(st), st == SGP32_OK ? ", not the expected EID" : "");
        return;
    }
    st = sgp32_es10_get_euicc_info1(session, &answer, &len);
    info1 = st == SGP32_OK ? conformance_decode("EUICCInfo1", answer, len) : NULL;
    sgp32_buffer_free(answer);
    answer = NULL;
    if (info1 == NULL) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "sgp32_es10_get_euicc_info1: %s%s",
                           sgp32_status_name(st), st == SGP32_OK ? ", not the DER of EUICCInfo1" : "");
        return;
    }
    conformance_release("EUICCInfo1", info1);
    st = sgp32_es10_get_euicc_info2(session, &answer, &len);
    info2 = st == SGP32_OK ? conformance_decode("SGP32-EUICCInfo2", answer, len) : NULL;
    sgp32_buffer_free(answer);
    if (info2 == NULL) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "sgp32_es10_get_euicc_info2: %s%s",
                           sgp32_status_name(st), st == SGP32_OK ? ", not the DER of SGP32-EUICCInfo2" : "");
        return;
    }
    conformance_release("SGP32-EUICCInfo2", info2);
    conformance_finish(check, 1, 0x9000u,
                       "GetEID gives the expected EID; GetEUICCInfo1 and 2 decode as EUICCInfo1 / SGP32-EUICCInfo2");
}

/* 1 if `answer` holds A6 followed by the content octets of the DER certificate `cert`. */
static int contains_certificate(const uint8_t *answer, size_t len, const struct smdp_blob *cert)
{
    struct sgp32_tlv_header header, element;
    size_t i;
    if (sgp32_tlv_parse_header(cert->data, cert->len, &header) != SGP32_OK ||
        header.length != cert->len - header.header_len)
        return 0;
    for (i = 0; i + 1 < len; i++) {
        if (answer[i] != 0xA6 || sgp32_tlv_parse_header(answer + i, len - i, &element) != SGP32_OK)
            continue;
        if (element.length == header.length && i + element.header_len + element.length <= len &&
            memcmp(answer + i + element.header_len, cert->data + header.header_len, header.length) == 0)
            return 1;
    }
    return 0;
}

/* GetCerts with the CI PKID (the eUICC certificate is the PKI's), an unknown CI PKID (invalidCiPKId
 * 1), and GetRAT. */
static void check_certs_and_rat(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "typed_certs_and_rat");
    struct sgp32_es10 *session = t->run->session;
    uint8_t *answer = NULL, unknown[20], pkid[20];
    char pkid_hex[64];
    size_t len = 0;
    GetCertsResponse_t *certs;
    int same;
    long code;
    enum sgp32_status st;

    if (test_pki_manifest_value(t->run->pki_dir, "ci_pkid", pkid_hex, sizeof(pkid_hex)) != 0 ||
        test_parse_hex(pkid_hex, pkid, sizeof(pkid)) != 0) {
        conformance_finish(check, 0, 0, "no CI PKID in the PKI manifest");
        return;
    }
    st = sgp32_es10_get_certs(session, pkid, sizeof(pkid), &answer, &len);
    certs = st == SGP32_OK ? conformance_decode("GetCertsResponse", answer, len) : NULL;
    if (certs == NULL || certs->present != GetCertsResponse_PR_certs) {
        conformance_release("GetCertsResponse", certs);
        sgp32_buffer_free(answer);
        conformance_finish(check, 0, conformance_session_sw(session, st), "GetCerts(CI PKID): %s%s",
                           sgp32_status_name(st), st == SGP32_OK ? ", no certificates" : "");
        return;
    }
    conformance_release("GetCertsResponse", certs);
    /* euiccCertificate [6] IMPLICIT: A6 with the content octets of the PKI's certificate. */
    same = contains_certificate(answer, len, &t->euicc_cert);
    sgp32_buffer_free(answer);
    answer = NULL;
    if (!same) {
        conformance_finish(check, 0, 0x9000u, "GetCerts: the eUICC certificate is not the PKI's");
        return;
    }
    memset(unknown, 0x11, sizeof(unknown));
    st = sgp32_es10_get_certs(session, unknown, sizeof(unknown), &answer, &len);
    code = result_code(t->run, st);
    sgp32_buffer_free(answer);
    answer = NULL;
    if (code != 1) {
        conformance_finish(check, 0, conformance_session_sw(session, st),
                           "GetCerts(unknown CI PKID): %s, result %ld (expected invalidCiPKId 1)",
                           sgp32_status_name(st), code);
        return;
    }
    st = sgp32_es10_get_rat(session, &answer, &len);
    {
        void *rat = st == SGP32_OK ? conformance_decode("GetRatResponse", answer, len) : NULL;
        sgp32_buffer_free(answer);
        if (rat == NULL) {
            conformance_finish(check, 0, conformance_session_sw(session, st), "GetRAT: %s%s", sgp32_status_name(st),
                               st == SGP32_OK ? ", not the DER of GetRatResponse" : "");
            return;
        }
        conformance_release("GetRatResponse", rat);
    }
    conformance_finish(check, 1, 0x9000u,
                       "GetCerts gives the PKI's eUICC certificate, an unknown CI PKID is invalidCiPKId (1); "
                       "GetRAT decodes");
}

/* The associationToken [4] of an AddInitialEimResponse (BF57 { A0 { 84 token } }); -1 if none. */
static long association_token(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header top, ok, item;
    const uint8_t *p;
    long token = 0;
    size_t i;
    if (sgp32_tlv_parse_header(answer, len, &top) != SGP32_OK || top.tag != 0xBF57)
        return -1;
    p = answer + top.header_len;
    if (sgp32_tlv_parse_header(p, top.length, &ok) != SGP32_OK || ok.tag != 0xA0)
        return -1;
    p += ok.header_len;
    if (sgp32_tlv_parse_header(p, ok.length, &item) != SGP32_OK || item.tag != 0x84 || item.length == 0 ||
        item.length > 3)
        return -1;
    for (i = 0; i < item.length; i++)
        token = token << 8 | p[item.header_len + i];
    return token;
}

/* AddInitialEim of a fresh eIM key; GetEimConfigurationData lists it, with and without its eimId. */
static void check_add_initial_eim(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "add_initial_eim");
    struct sgp32_es10 *session = t->run->session;
    struct sgp32_eim_configuration config;
    struct sgp32_eim_buffer request = {NULL, 0};
    uint8_t spki[128], *answer = NULL;
    size_t spki_len = 0, len = 0;
    GetEimConfigurationDataResponse_t *data;
    int listed;
    enum sgp32_status st;

    if (sgp32_ec_export_spki_der(&t->eim_key, spki, sizeof(spki), &spki_len) != SGP32_OK) {
        conformance_finish(check, 0, 0, "no eIM key");
        return;
    }
    memset(&config, 0, sizeof(config));
    config.eim_id = EIM_ID;
    config.eim_fqdn = "127.0.0.1:8000";
    config.has_counter_value = 1;
    config.counter_value = 0;
    config.has_association_token = 1;
    config.association_token = -1; /* the eUICC assigns it */
    config.public_key_spki = spki;
    config.public_key_spki_len = spki_len;
    if (sgp32_eim_add_initial_eim_request(&config, &request) != SGP32_OK) {
        conformance_finish(check, 0, 0, "eim_core cannot build the AddInitialEimRequest");
        return;
    }
    st = sgp32_es10_add_initial_eim(session, request.data, request.len, &answer, &len);
    sgp32_eim_buffer_free(&request);
    t->association_token = st == SGP32_OK ? association_token(answer, len) : -1;
    sgp32_buffer_free(answer);
    answer = NULL;
    if (t->association_token < 0) {
        conformance_finish(check, 0, conformance_session_sw(session, st),
                           "AddInitialEim: %s, result %ld, no associationToken", sgp32_status_name(st),
                           result_code(t->run, st));
        return;
    }
    t->have_eim = 1;
    st = sgp32_es10_get_eim_configuration_data(session, EIM_ID, &answer, &len);
    data = st == SGP32_OK ? conformance_decode("GetEimConfigurationDataResponse", answer, len) : NULL;
    sgp32_buffer_free(answer);
    listed = data != NULL && data->eimConfigurationDataList.list.count == 1 &&
             data->eimConfigurationDataList.list.array[0]->eimId.size == (int)strlen(EIM_ID) &&
             memcmp(data->eimConfigurationDataList.list.array[0]->eimId.buf, EIM_ID, strlen(EIM_ID)) == 0;
    conformance_release("GetEimConfigurationDataResponse", data);
    if (!listed) {
        conformance_finish(check, 0, conformance_session_sw(session, st),
                           "GetEimConfigurationData(eimId): %s, the eIM is not listed", sgp32_status_name(st));
        return;
    }
    answer = NULL;
    st = sgp32_es10_get_eim_configuration_data(session, NULL, &answer, &len);
    data = st == SGP32_OK ? conformance_decode("GetEimConfigurationDataResponse", answer, len) : NULL;
    sgp32_buffer_free(answer);
    listed = data != NULL ? data->eimConfigurationDataList.list.count : -1;
    conformance_release("GetEimConfigurationDataResponse", data);
    conformance_finish(check, listed == 1, conformance_session_sw(session, st),
                       "AddInitialEim ok with an associationToken; GetEimConfigurationData lists %d eIM(s)", listed);
}

static void check_download(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "bpp_download");
    const char *step = "none";
    char nickname[8];
    int count = 0, success = 0;
    long state = -1;
    enum sgp32_status st =
        es10_conformance_download(t->run->session, t->run->pki_dir, NULL, NULL, t->iccid, &success, &step);

    if (st != SGP32_OK) {
        conformance_finish(check, 0, conformance_session_sw(t->run->session, st), "%s failed: %s", step,
                           sgp32_status_name(st));
        return;
    }
    if (!success) {
        conformance_finish(check, 0, 0x9000u, "the ProfileInstallationResult is an errorResult");
        return;
    }
    st = read_profile(t, &count, &state, nickname, sizeof(nickname));
    if (st != SGP32_OK || count != 1 || state != 0) {
        conformance_finish(check, 0, conformance_session_sw(t->run->session, st),
                           "after the download GetProfilesInfo: %s, %d profile(s), state %ld (expected 1, disabled 0)",
                           sgp32_status_name(st), count, state);
        return;
    }
    t->have_profile = 1;
    conformance_finish(check, 1, 0x9000u,
                       "AuthenticateServer, PrepareDownload and the BPP loader (%u-byte chunks): successResult "
                       "verified by the SM-DP+; GetProfilesInfo lists the profile, disabled",
                       CONFORMANCE_BPP_CHUNK);
}

/* Enable, SetNickname, Disable through the typed functions, each seen in GetProfilesInfo, and the
 * result code of a refused disable (profileNotInEnabledState 2). */
static void check_profile_state(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "profile_state");
    struct sgp32_es10 *session = t->run->session;
    char nickname[32];
    int count = 0;
    long state = -1, code;
    enum sgp32_status st;

    if (!t->have_profile) {
        conformance_finish(check, 0, 0, "no profile (the download failed)");
        return;
    }
    st = sgp32_es10_enable_profile(session, SGP32_ES10_PROFILE_ICCID, t->iccid, 10, 0);
    if (st == SGP32_OK)
        st = read_profile(t, &count, &state, nickname, sizeof(nickname));
    if (st != SGP32_OK || state != 1) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "EnableProfile: %s, state %ld (expected 1)",
                           sgp32_status_name(st), state);
        return;
    }
    st = sgp32_es10_set_nickname(session, t->iccid, "conformance");
    if (st == SGP32_OK)
        st = sgp32_es10_disable_profile(session, SGP32_ES10_PROFILE_ICCID, t->iccid, 10, 0);
    if (st == SGP32_OK)
        st = read_profile(t, &count, &state, nickname, sizeof(nickname));
    if (st != SGP32_OK || state != 0 || strcmp(nickname, "conformance") != 0) {
        conformance_finish(check, 0, conformance_session_sw(session, st),
                           "SetNickname + DisableProfile: %s, state %ld, nickname '%s'", sgp32_status_name(st), state,
                           nickname);
        return;
    }
    st = sgp32_es10_disable_profile(session, SGP32_ES10_PROFILE_ICCID, t->iccid, 10, 0);
    code = result_code(t->run, st);
    conformance_finish(check, code == 2, conformance_session_sw(session, st),
                       "EnableProfile, SetNickname, DisableProfile seen in GetProfilesInfo; a second disable is "
                       "result %ld (profileNotInEnabledState 2)",
                       code);
}

/* An eIM-signed EuiccPackageRequest (enable, then disable the profile, then listProfileInfo), its
 * eUICC-signed result checked by the eIM side. */
static void check_euicc_package(struct typed *t)
{
    static const uint8_t transaction_id[4] = {0x43, 0x4F, 0x4E, 0x46};
    struct es10_conformance_check *check = conformance_begin(t->run, "load_euicc_package");
    struct sgp32_es10 *session = t->run->session;
    struct sgp32_eim_buffer items[3], request = {NULL, 0};
    struct sgp32_eim_signer signer;
    struct sgp32_eim_package package;
    struct sgp32_eim_expected expected;
    struct sgp32_eim_result result;
    uint8_t *answer = NULL;
    size_t len = 0, i;
    int items_ok;
    enum sgp32_status st;

    if (!t->have_profile || !t->have_eim) {
        conformance_finish(check, 0, 0, "no %s", t->have_profile ? "eIM (AddInitialEim failed)" : "profile");
        return;
    }
    memset(items, 0, sizeof(items));
    st = sgp32_eim_psmo_enable(t->iccid, 0, &items[0]);
    if (st == SGP32_OK)
        st = sgp32_eim_psmo_disable(t->iccid, &items[1]);
    if (st == SGP32_OK)
        st = sgp32_eim_psmo_list_profile_info(NULL, 0, &items[2]);
    memset(&signer, 0, sizeof(signer));
    signer.eim_id = EIM_ID;
    signer.key = &t->eim_key;
    signer.rng = &t->rng;
    signer.has_association_token = 1;
    signer.association_token = t->association_token;
    memset(&package, 0, sizeof(package));
    memcpy(package.eid, t->run->expected_eid, 16);
    package.counter_value = 1;
    package.transaction_id = transaction_id;
    package.transaction_id_len = sizeof(transaction_id);
    package.kind = SGP32_EIM_PSMO_LIST;
    package.items = items;
    package.item_count = 3;
    if (st == SGP32_OK)
        st = sgp32_eim_build_package(&signer, &package, &request);
    for (i = 0; i < 3; i++)
        sgp32_eim_buffer_free(&items[i]);
    if (st != SGP32_OK) {
        conformance_finish(check, 0, 0, "eim_core cannot build the package: %s", sgp32_status_name(st));
        return;
    }
    st = sgp32_es10_load_euicc_package(session, request.data, request.len, &answer, &len);
    sgp32_eim_buffer_free(&request);
    if (st != SGP32_OK) {
        conformance_finish_failure(check, session, st, "LoadEuiccPackage");
        return;
    }
    memset(&expected, 0, sizeof(expected));
    expected.eim_id = EIM_ID;
    expected.counter_value = 1;
    expected.transaction_id = transaction_id;
    expected.transaction_id_len = sizeof(transaction_id);
    expected.has_association_token = 1;
    expected.association_token = t->association_token;
    expected.last_seq_number = -1;
    memset(&result, 0, sizeof(result));
    st = sgp32_eim_verify_result(answer, len, t->euicc_cert.data, t->euicc_cert.len, &expected, &result);
    sgp32_buffer_free(answer);
    if (st != SGP32_OK || result.kind != SGP32_EIM_RESULT_SIGNED || result.item_count != 3) {
        conformance_finish(check, 0, 0x9000u, "the EuiccPackageResult: %s, kind %d, %u result(s) (expected signed, 3)",
                           sgp32_status_name(st), (int)result.kind, (unsigned)result.item_count);
        return;
    }
    /* enableResult and disableResult ok (0), then the profile list (BF2D). */
    items_ok = result.items[0].is_integer && result.items[0].value == 0 && result.items[1].is_integer &&
               result.items[1].value == 0 && result.items[2].tag == 0xBF2D;
    conformance_finish(check, items_ok, 0x9000u,
                       "the eIM-signed package (enable, disable, listProfileInfo) answers a result signed by the "
                       "eUICC%s",
                       items_ok ? ": enable ok, disable ok, the profile list"
                                : ", but not enable ok, disable ok, list");
}

/* DeleteProfile, then GetProfilesInfo lists nothing and a second delete is iccidOrAidNotFound (1). */
static void check_delete(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "delete_profile");
    struct sgp32_es10 *session = t->run->session;
    char nickname[32];
    int count = -1;
    long state = -1, code;
    enum sgp32_status st;

    if (!t->have_profile) {
        conformance_finish(check, 0, 0, "no profile (the download failed)");
        return;
    }
    st = sgp32_es10_delete_profile(session, SGP32_ES10_PROFILE_ICCID, t->iccid, 10);
    if (st == SGP32_OK)
        st = read_profile(t, &count, &state, nickname, sizeof(nickname));
    if (st != SGP32_OK || count != 0) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "DeleteProfile: %s, %d profile(s) left",
                           sgp32_status_name(st), count);
        return;
    }
    st = sgp32_es10_delete_profile(session, SGP32_ES10_PROFILE_ICCID, t->iccid, 10);
    code = result_code(t->run, st);
    conformance_finish(check, code == 1, conformance_session_sw(session, st),
                       "DeleteProfile ok, GetProfilesInfo lists 0 profiles; a second delete is result %ld "
                       "(iccidOrAidNotFound 1)",
                       code);
}

/* The sequence numbers ListNotification gives (at most cap); -1 if it fails or does not decode. */
static int list_notifications(struct typed *t, long *seq, int cap, enum sgp32_status *st)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    ListNotificationResponse_t *list;
    int count = -1, i;
    *st = sgp32_es10_list_notification(t->run->session, -1, &answer, &len);
    list = *st == SGP32_OK ? conformance_decode("ListNotificationResponse", answer, len) : NULL;
    sgp32_buffer_free(answer);
    if (list != NULL && list->present == ListNotificationResponse_PR_notificationMetadataList) {
        count = list->choice.notificationMetadataList.list.count;
        for (i = 0; i < count && i < cap; i++)
            if (asn_INTEGER2long(&list->choice.notificationMetadataList.list.array[i]->seqNumber, &seq[i]) != 0)
                seq[i] = -1;
    }
    conformance_release("ListNotificationResponse", list);
    return count;
}

/* How many notifications RetrieveNotificationsList gives for `search`; -1 if it does not decode. */
static int retrieve_count(struct typed *t, int search, enum sgp32_status *st)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    SGP32_RetrieveNotificationsListResponse_t *list;
    int count = -1;
    *st = sgp32_es10_retrieve_notifications_list(t->run->session, search, 0, &answer, &len);
    list = *st == SGP32_OK ? conformance_decode("SGP32-RetrieveNotificationsListResponse", answer, len) : NULL;
    sgp32_buffer_free(answer);
    if (list != NULL && list->present == SGP32_RetrieveNotificationsListResponse_PR_notificationList)
        count = list->choice.notificationList.list.count;
    else if (list != NULL)
        count = 0; /* notificationsListResultError: noResultAvailable */
    conformance_release("SGP32-RetrieveNotificationsListResponse", list);
    return count;
}

/* The notifications of the download, the profile operations and the package: listed, retrieved,
 * removed one by one until none is left; removing again is nothingToDelete (1). */
static void check_notifications(struct typed *t)
{
    struct es10_conformance_check *check = conformance_begin(t->run, "notifications");
    struct sgp32_es10 *session = t->run->session;
    long seq[MAX_NOTIFICATIONS], code;
    int listed, retrieved, i, left;
    enum sgp32_status st;

    listed = list_notifications(t, seq, MAX_NOTIFICATIONS, &st);
    if (listed < 1 || listed > MAX_NOTIFICATIONS) {
        conformance_finish(check, 0, conformance_session_sw(session, st), "ListNotification: %s, %d notification(s)",
                           sgp32_status_name(st), listed);
        return;
    }
    retrieved = retrieve_count(t, SGP32_ES10_NOTIFICATIONS_ALL, &st);
    if (retrieved < listed) {
        conformance_finish(check, 0, conformance_session_sw(session, st),
                           "RetrieveNotificationsList: %s, %d notification(s) for %d listed", sgp32_status_name(st),
                           retrieved, listed);
        return;
    }
    for (i = 0; i < listed; i++) {
        st = sgp32_es10_remove_notification_from_list(session, seq[i]);
        if (st != SGP32_OK) {
            conformance_finish_failure(check, session, st, "RemoveNotificationFromList");
            return;
        }
    }
    left = list_notifications(t, seq, MAX_NOTIFICATIONS, &st);
    st = sgp32_es10_remove_notification_from_list(session, seq[0]);
    code = result_code(t->run, st);
    conformance_finish(check, left == 0 && code == 1, conformance_session_sw(session, st),
                       "%d listed and %d retrieved, each removed; then %d listed, and "
                       "removing again is result %ld (nothingToDelete 1)",
                       listed, retrieved, left, code);
}

void es10_conformance_typed_checks(struct run *run)
{
    static void (*const checks[])(struct typed *) = {
        check_identity,      check_certs_and_rat, check_add_initial_eim, check_download,
        check_profile_state, check_euicc_package, check_delete,          check_notifications,
    };
    int rng_ready = 0;
    struct typed *t = calloc(1, sizeof(*t));
    size_t i;
    int ready;

    if (t == NULL)
        return;
    t->run = run;
    sgp32_ec_key_init(&t->eim_key);
    rng_ready = sgp32_crypto_rng_init(&t->rng, NULL, NULL) == SGP32_OK;
    ready = rng_ready && conformance_read_pki(run->pki_dir, "euicc_cert_der", &t->euicc_cert) == SGP32_OK &&
            sgp32_ec_generate(&t->eim_key, SGP32_CURVE_P256, &t->rng) == SGP32_OK;
    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (run->session == NULL || !ready) {
            struct es10_conformance_check *check = conformance_begin(run, typed_check_names[i]);
            conformance_finish(check, 0, 0,
                               run->session == NULL ? "no ES10 session (connect failed)"
                                                    : "the PKI, the eIM key or the RNG is missing");
            continue;
        }
        checks[i](t);
    }
    sgp32_ec_key_free(&t->eim_key);
    if (rng_ready)
        sgp32_crypto_rng_free(&t->rng);
    free(t->euicc_cert.data);
    free(t);
}

#else /* !CONFORMANCE_WITH_DOWNLOAD */

/* Without the crypto layer or the examples there is no SM-DP+ and no eIM: the checks are reported as
 * failed under their own names, so the report differs from the reference. */
void es10_conformance_typed_checks(struct run *run)
{
    size_t i;
    for (i = 0; i < sizeof(typed_check_names) / sizeof(typed_check_names[0]); i++)
        conformance_finish(conformance_begin(run, typed_check_names[i]), 0, 0,
                           "needs the crypto layer and the examples (SM-DP+ and eIM side)");
}

#endif
