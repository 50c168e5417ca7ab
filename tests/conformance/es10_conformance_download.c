/* SPDX-License-Identifier: MIT */
/*
 * The profile download of the conformance suite (es10_conformance_download(): the bpp_download check
 * and the per-path reset tests): the SM-DP+ side from examples/servers/smdp (smdp_core) with the
 * card's test PKI, the typed ES10 functions up to PrepareDownload, and the Bound Profile Package fed
 * to the BPP loader in chunks. Also the helpers the typed checks share (PKI files, strict DER
 * decoding, the profile list).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es10_conformance_internal.h"

#ifdef CONFORMANCE_WITH_DOWNLOAD

#include "SGP32-ProfileInfoListResponse.h"
#include "test_pki.h"

#define PROFILE_FILE SGP32_SHARED_DIR "/profiles/TS48V2-SAIP2-1-BERTLV-UNIQUE.der"
#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE"
#define SMDP_ADDRESS "smdp.conformance.libsgp32.test"

/* A file of the PKI named by its manifest key. */
enum sgp32_status conformance_read_pki(const char *pki_dir, const char *key, struct smdp_blob *blob)
{
    char relative[256], path[512];
    blob->data = NULL;
    blob->len = 0;
    if (pki_dir == NULL || test_pki_manifest_value(pki_dir, key, relative, sizeof(relative)) != 0)
        return SGP32_ERR_NOT_FOUND;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", pki_dir, relative) >= sizeof(path))
        return SGP32_ERR_INVALID_ARGUMENT;
    return smdp_read_file(path, blob);
}

/* Decodes `der` strictly as `type_name`; NULL if it does not. */
void *conformance_decode(const char *type_name, const uint8_t *der, size_t len)
{
    struct sgp32_decode_options options;
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    void *value = NULL;
    memset(&options, 0, sizeof(options));
    options.flags = SGP32_DECODE_DER;
    if (type == NULL || der == NULL || sgp32_decode(type, der, len, &options, &value, NULL) != SGP32_OK)
        return NULL;
    return value;
}

void conformance_release(const char *type_name, void *value)
{
    if (value != NULL)
        sgp32_codec_free(sgp32_codec_type_find(type_name), value);
}

/* The profile `iccid` in a GetProfilesInfo answer: *count profiles, *state its profileState (-1:
 * absent), nickname (at most cap - 1 bytes, "" if none). 0 when the answer decodes. */
int conformance_profile_of(const uint8_t *answer, size_t len, const uint8_t iccid[10], int *count, long *state,
                           char *nickname, size_t cap)
{
    SGP32_ProfileInfoListResponse_t *list = conformance_decode("SGP32-ProfileInfoListResponse", answer, len);
    int i;
    *count = 0;
    *state = -1;
    nickname[0] = '\0';
    if (list == NULL || list->present != SGP32_ProfileInfoListResponse_PR_profileInfoListOk) {
        conformance_release("SGP32-ProfileInfoListResponse", list);
        return -1;
    }
    *count = list->choice.profileInfoListOk.list.count;
    for (i = 0; i < *count; i++) {
        const SGP32_ProfileInfo_t *info = list->choice.profileInfoListOk.list.array[i];
        if (info->iccid == NULL || info->iccid->size != 10 || memcmp(info->iccid->buf, iccid, 10) != 0)
            continue;
        if (info->profileState != NULL && asn_INTEGER2long(info->profileState, state) != 0)
            *state = -1;
        if (info->profileNickname != NULL && (size_t)info->profileNickname->size < cap) {
            memcpy(nickname, info->profileNickname->buf, (size_t)info->profileNickname->size);
            nickname[info->profileNickname->size] = '\0';
        }
    }
    conformance_release("SGP32-ProfileInfoListResponse", list);
    return 0;
}

/* The download: GetEUICCChallenge, GetEUICCInfo1, AuthenticateServer, PrepareDownload through the
 * typed functions with the SM-DP+ answers in between, then the BPP through the loader in chunks.
 * *step names what failed. */
static enum sgp32_status download(struct sgp32_es10 *session, struct smdp_core *smdp, const struct smdp_blob *upp,
                                  void (*before_bpp)(void *user), void *user, struct smdp_installation_result *result,
                                  const char **step)
{
    struct smdp_session *server = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, bpp = {NULL, 0};
    struct smdp_bpp_options options;
    struct sgp32_es10_bpp_loader *loader = NULL;
    uint8_t challenge[16], *info1 = NULL, *answer = NULL, *installation = NULL;
    size_t info1_len = 0, answer_len = 0, installation_len = 0, offset = 0;
    long code = -1;
    enum sgp32_status st;

    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    memset(&options, 0, sizeof(options));
    *step = "GetEUICCChallenge";
    st = smdp_session_new(smdp, MATCHING_ID, &server);
    if (st != SGP32_OK || (st = sgp32_es10_get_euicc_challenge(session, challenge)) != SGP32_OK)
        goto done;
    *step = "GetEUICCInfo1";
    if ((st = sgp32_es10_get_euicc_info1(session, &info1, &info1_len)) != SGP32_OK)
        goto done;
    *step = "InitiateAuthentication";
    if ((st = smdp_initiate_authentication(server, challenge, info1, info1_len, &auth)) != SGP32_OK ||
        (st = smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request)) != SGP32_OK)
        goto done;
    *step = "AuthenticateServer";
    st = sgp32_es10_authenticate_server(session, request.data, request.len, &answer, &answer_len);
    if (st != SGP32_OK || (st = sgp32_es10_answer_error_code(answer, answer_len, &code)) != SGP32_OK)
        goto done;
    if (code != 0) {
        st = SGP32_ERR_EUICC_RESULT;
        goto done;
    }
    *step = "AuthenticateClient";
    if ((st = smdp_authenticate_client(server, answer, answer_len, &prepare)) != SGP32_OK)
        goto done;
    free(request.data);
    request.data = NULL;
    sgp32_buffer_free(answer);
    answer = NULL;
    *step = "PrepareDownload";
    if ((st = smdp_build_prepare_download_request(&prepare, NULL, &request)) != SGP32_OK)
        goto done;
    st = sgp32_es10_prepare_download(session, request.data, request.len, &answer, &answer_len);
    if (st != SGP32_OK || (st = sgp32_es10_answer_error_code(answer, answer_len, &code)) != SGP32_OK)
        goto done;
    if (code != 0) {
        st = SGP32_ERR_EUICC_RESULT;
        goto done;
    }
    *step = "GetBoundProfilePackage";
    if ((st = smdp_get_bound_profile_package(server, answer, answer_len, upp->data, upp->len, &options, &bpp)) !=
        SGP32_OK)
        goto done;
    *step = "BPP loader";
    if (before_bpp != NULL)
        before_bpp(user);
    if ((st = sgp32_es10_bpp_loader_new(session, 0, &loader)) != SGP32_OK)
        goto done;
    while (st == SGP32_OK && offset < bpp.len && !sgp32_es10_bpp_loader_done(loader)) {
        size_t n = bpp.len - offset < CONFORMANCE_BPP_CHUNK ? bpp.len - offset : CONFORMANCE_BPP_CHUNK;
        st = sgp32_es10_bpp_loader_feed(loader, bpp.data + offset, n);
        offset += n;
    }
    if (st != SGP32_OK || (st = sgp32_es10_bpp_loader_finish(loader, &installation, &installation_len)) != SGP32_OK)
        goto done;
    *step = "ProfileInstallationResult";
    {
        void *value = conformance_decode("ProfileInstallationResult", installation, installation_len);
        if (value == NULL) {
            st = SGP32_ERR_DECODE;
            goto done;
        }
        conformance_release("ProfileInstallationResult", value);
    }
    st = smdp_verify_installation_result(server, installation, installation_len, result);
done:
    sgp32_es10_bpp_loader_free(loader);
    sgp32_buffer_free(installation);
    sgp32_buffer_free(answer);
    sgp32_buffer_free(info1);
    free(request.data);
    free(bpp.data);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(server);
    return st;
}

/* The SM-DP+ of the PKI in pki_dir (its DPauth and DPpb credentials, its CI). */
static enum sgp32_status new_smdp(const char *pki_dir, struct smdp_core **smdp)
{
    static const char *const keys[5] = {"ci_cert_der", "smdp_auth_cert_der", "smdp_auth_key_pem", "smdp_pb_cert_der",
                                        "smdp_pb_key_pem"};
    struct smdp_blob files[5];
    enum sgp32_status st = SGP32_OK;
    size_t i;
    for (i = 0; i < 5; i++) {
        files[i].data = NULL;
        files[i].len = 0;
        if (st == SGP32_OK)
            st = conformance_read_pki(pki_dir, keys[i], &files[i]);
    }
    if (st == SGP32_OK) {
        struct smdp_core_credentials credentials = {files[0].data, files[0].len, files[1].data, files[1].len,
                                                    files[2].data, files[2].len, files[3].data, files[3].len,
                                                    files[4].data, files[4].len, SMDP_ADDRESS};
        st = smdp_core_new(&credentials, smdp);
    }
    for (i = 0; i < 5; i++)
        free(files[i].data);
    return st;
}

enum sgp32_status es10_conformance_download(struct sgp32_es10 *session, const char *pki_dir,
                                            void (*before_bpp)(void *user), void *user, uint8_t iccid[10], int *success,
                                            const char **step)
{
    struct smdp_blob upp = {NULL, 0};
    struct smdp_core *smdp = NULL;
    struct smdp_installation_result result;
    enum sgp32_status st;

    memset(&result, 0, sizeof(result));
    *success = 0;
    *step = "SM-DP+ credentials";
    st = new_smdp(pki_dir, &smdp);
    if (st == SGP32_OK) {
        *step = "profile";
        st = smdp_read_file(PROFILE_FILE, &upp);
    }
    if (st == SGP32_OK)
        st = smdp_upp_iccid(upp.data, upp.len, iccid);
    if (st == SGP32_OK)
        st = download(session, smdp, &upp, before_bpp, user, &result, step);
    free(upp.data);
    smdp_core_free(smdp);
    *success = st == SGP32_OK && result.success;
    if (st == SGP32_OK && !result.success)
        *step = "ProfileInstallationResult (errorResult)";
    return st;
}

enum sgp32_status es10_conformance_profile_count(struct sgp32_es10 *session, int *count)
{
    uint8_t *answer = NULL, none[10];
    size_t len = 0;
    long state;
    char nickname[4];
    enum sgp32_status st = sgp32_es10_get_profiles_info(session, NULL, 0, &answer, &len);
    memset(none, 0, sizeof(none));
    if (st == SGP32_OK && conformance_profile_of(answer, len, none, count, &state, nickname, sizeof(nickname)) != 0)
        st = SGP32_ERR_DECODE;
    sgp32_buffer_free(answer);
    return st;
}

#else /* !CONFORMANCE_WITH_DOWNLOAD */

enum sgp32_status es10_conformance_download(struct sgp32_es10 *session, const char *pki_dir,
                                            void (*before_bpp)(void *user), void *user, uint8_t iccid[10], int *success,
                                            const char **step)
{
    (void)session;
    (void)pki_dir;
    (void)before_bpp;
    (void)user;
    (void)iccid;
    *success = 0;
    *step = "no SM-DP+ (needs the crypto layer and the examples)";
    return SGP32_ERR_NOT_SUPPORTED;
}

enum sgp32_status es10_conformance_profile_count(struct sgp32_es10 *session, int *count)
{
    (void)session;
    *count = -1;
    return SGP32_ERR_NOT_SUPPORTED;
}

#endif
