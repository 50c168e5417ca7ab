/* SPDX-License-Identifier: MIT */
/* Test harness of test_softeuicc_download (download_harness.h). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "SGP32-RetrieveNotificationsListResponse.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#include "download_harness.h"
#include "test_pki.h"

static char pki_dir[64];

static void path_of(char *out, size_t cap, const char *curve, const char *file)
{
    snprintf(out, cap, "%s/%s/%s", pki_dir, curve, file);
}

struct smdp_blob read_pki(const char *curve, const char *file)
{
    char path[256];
    struct smdp_blob blob = {NULL, 0};
    path_of(path, sizeof(path), curve, file);
    assert_int_equal(smdp_read_file(path, &blob), SGP32_OK);
    return blob;
}

/* A value of the curve set's manifest.txt (docs/test-pki.md). */
static void manifest(const char *curve, const char *key, char *value, size_t cap)
{
    char dir[256];
    path_of(dir, sizeof(dir), curve, "");
    assert_int_equal(test_pki_manifest_value(dir, key, value, cap), 0);
}

int download_pki_create(void **state)
{
    char command[512];
    (void)state;
    snprintf(pki_dir, sizeof(pki_dir), "/tmp/softeuicc-dl-pki-XXXXXX");
    if (mkdtemp(pki_dir) == NULL)
        return -1;
    snprintf(command, sizeof(command), "sh '%s/examples/pki/sgp32-test-pki' --curve both --force '%s' >/dev/null",
             SGP32_SOURCE_DIR, pki_dir);
    return system(command) == 0 ? 0 : -1;
}

int download_pki_remove(void **state)
{
    char command[256];
    (void)state;
    snprintf(command, sizeof(command), "rm -rf '%s'", pki_dir);
    return system(command) == 0 ? 0 : -1;
}

/* The card's CI trust: the CI certificate beside the state, named by its PKID. */
static void install_ci(const char *dir, const char *pkid_hex, const char *curve, const char *ci_curve)
{
    char path[256];
    struct smdp_blob ci = read_pki(ci_curve, "ci/ci.cert.der");
    FILE *file;
    (void)curve;
    snprintf(path, sizeof(path), "%s/ci-%s.der", dir, pkid_hex);
    file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(ci.data, 1, ci.len, file), ci.len);
    fclose(file);
    free(ci.data);
}

static void connect_card(struct env *e)
{
    sgp32_softeuicc_transport(e->card, &e->transport);
    assert_int_equal(e->transport.ops->open(e->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&e->transport, NULL, &e->es10), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(e->es10), SGP32_OK);
}

void new_smdp(struct env *e, const char *curve)
{
    struct smdp_blob ci = read_pki(curve, "ci/ci.cert.der"), auth = read_pki(curve, "smdp/auth.cert.der"),
                     auth_key = read_pki(curve, "smdp/auth.key.pem"), pb = read_pki(curve, "smdp/pb.cert.der"),
                     pb_key = read_pki(curve, "smdp/pb.key.pem");
    struct smdp_core_credentials credentials = {ci.data, ci.len, auth.data,   auth.len,   auth_key.data, auth_key.len,
                                                pb.data, pb.len, pb_key.data, pb_key.len, SMDP_ADDRESS};
    smdp_core_free(e->smdp);
    e->smdp = NULL;
    assert_int_equal(smdp_core_new(&credentials, &e->smdp), SGP32_OK);
    free(ci.data);
    free(auth.data);
    free(auth_key.data);
    free(pb.data);
    free(pb_key.data);
}

/* A fresh card of the curve's PKI; its CI file from ci_curve (the same curve unless a test wants an
 * untrusted SM-DP+). */
void env_start_mode(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode)
{
    env_start_rat(e, curve, mode, NULL, 0);
}

static void start(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode, const uint8_t *rat, size_t rat_len,
                  const struct sgp32_softeuicc_storage *storage)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc_options options;
    char eid[64], pkid_hex[64], eum[256], euicc[256], key[256], ci[256];
    const char *ci_files[1] = {ci};
    uint8_t pkid[1][20];
    memset(e, 0, sizeof(*e));
    snprintf(e->curve, sizeof(e->curve), "%s", curve);
    e->storage = storage;
    if (storage == NULL) {
        snprintf(e->dir, sizeof(e->dir), "/tmp/softeuicc-dl-XXXXXX");
        assert_non_null(mkdtemp(e->dir));
    }
    manifest(curve, "eid", eid, sizeof(eid));
    manifest(curve, "ci_pkid", pkid_hex, sizeof(pkid_hex));
    memset(&identity, 0, sizeof(identity));
    assert_int_equal(test_parse_hex(eid, identity.eid, 16), 0);
    assert_int_equal(test_parse_hex(pkid_hex, pkid[0], 20), 0);
    identity.ci_pkids = (const uint8_t(*)[20])pkid;
    identity.ci_pkid_count = 1;
    path_of(eum, sizeof(eum), curve, "eum/eum.cert.der");
    path_of(euicc, sizeof(euicc), curve, "euicc/euicc.cert.der");
    path_of(key, sizeof(key), curve, "euicc/euicc.key.pem");
    path_of(ci, sizeof(ci), curve, "ci/ci.cert.der");
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    identity.rat = rat;
    identity.rat_len = rat_len;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.mode = mode;
    if (storage != NULL) {
        identity.ci_certificate_files = ci_files;
        identity.ci_certificate_count = 1;
        assert_int_equal(sgp32_softeuicc_create_with_storage(storage, &identity, &options, &e->card), SGP32_OK);
    } else {
        assert_int_equal(sgp32_softeuicc_create(e->dir, &identity, &options, &e->card), SGP32_OK);
        install_ci(e->dir, pkid_hex, curve, curve);
    }
    connect_card(e);
    new_smdp(e, curve);
    assert_int_equal(smdp_read_file(PROFILE, &e->upp), SGP32_OK);
}

void env_start_rat(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode, const uint8_t *rat, size_t rat_len)
{
    start(e, curve, mode, rat, rat_len, NULL);
}

void env_start_storage(struct env *e, const char *curve, const struct sgp32_softeuicc_storage *storage)
{
    start(e, curve, SGP32_SOFTEUICC_MODE_IOT, NULL, 0, storage);
}

void env_start(struct env *e, const char *curve)
{
    env_start_mode(e, curve, SGP32_SOFTEUICC_MODE_IOT);
}

void env_stop(struct env *e)
{
    char command[128];
    sgp32_es10_free(e->es10);
    sgp32_softeuicc_free(e->card);
    smdp_core_free(e->smdp);
    free(e->upp.data);
    if (e->storage != NULL)
        return;
    snprintf(command, sizeof(command), "rm -rf '%s'", e->dir);
    assert_int_equal(system(command), 0);
}

/* Power cycle (or reopen from the directory) and a new ES10 session. */
void env_restart(struct env *e, int reopen)
{
    struct sgp32_softeuicc_options options;
    sgp32_es10_free(e->es10);
    e->es10 = NULL;
    if (reopen) {
        sgp32_softeuicc_free(e->card);
        memset(&options, 0, sizeof(options));
        options.size = sizeof(options);
        if (e->storage != NULL)
            assert_int_equal(sgp32_softeuicc_open_with_storage(e->storage, &options, &e->card), SGP32_OK);
        else
            assert_int_equal(sgp32_softeuicc_open(e->dir, &options, &e->card), SGP32_OK);
    } else {
        assert_int_equal(sgp32_softeuicc_reset(e->card, NULL, 0, NULL), SGP32_OK);
    }
    connect_card(e);
}

enum sgp32_status transceive(struct env *e, const uint8_t *request, size_t len, uint8_t **response,
                             size_t *response_len)
{
    *response = NULL;
    *response_len = 0;
    return sgp32_es10_transceive(e->es10, request, len, response, response_len);
}

/* The error code of a {BF38|BF21} { A1 { 80 tid, 02 code } } answer, 0 for the ok alternative (A0). */
long session_error_code(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header top, choice, tid, code;
    const uint8_t *p;
    assert_int_equal(sgp32_tlv_parse_header(answer, len, &top), SGP32_OK);
    p = answer + top.header_len;
    assert_int_equal(sgp32_tlv_parse_header(p, len - top.header_len, &choice), SGP32_OK);
    if (choice.tag == 0xA0)
        return 0;
    assert_int_equal(choice.tag, 0xA1);
    p += choice.header_len;
    assert_int_equal(sgp32_tlv_parse_header(p, 64, &tid), SGP32_OK);
    p += tid.header_len + tid.length;
    assert_int_equal(sgp32_tlv_parse_header(p, 8, &code), SGP32_OK);
    assert_int_equal(code.length, 1);
    return p[code.header_len];
}

/* Checks `data` is the strict DER of ASN.1 type `name` with its constraints (the hand-written messages
 * of both sides against the GSMA modules). */
void assert_der_of(const char *name, const uint8_t *data, size_t len)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(name);
    struct sgp32_decode_options options = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    void *value = NULL;
    assert_non_null(type);
    if (sgp32_decode(type, data, len, &options, &value, NULL) != SGP32_OK)
        fail_msg("not the DER of %s", name);
    sgp32_codec_free(type, value);
}

/* The install notifications RetrieveNotificationsList returns: each a profileInstallationResult, checked
 * by the SM-DP+ as it checks the result of LoadBoundProfilePackage. */
static void check_stored_result(struct env *e, struct smdp_session *session, const uint8_t *result, size_t result_len,
                                struct outcome *o)
{
    static const uint8_t request[3] = {0xBF, 0x2B, 0x00};
    const struct sgp32_codec_type *type = sgp32_codec_type_find("SGP32-RetrieveNotificationsListResponse");
    const struct sgp32_codec_type *pending_type = sgp32_codec_type_find("SGP32-PendingNotification");
    struct sgp32_decode_options options = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    SGP32_RetrieveNotificationsListResponse_t *list = NULL;
    void *value = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    int i;
    assert_non_null(type);
    assert_non_null(pending_type);
    assert_int_equal(transceive(e, request, 3, &answer, &answer_len), SGP32_OK);
    assert_int_equal(sgp32_decode(type, answer, answer_len, &options, &value, NULL), SGP32_OK);
    list = value;
    assert_int_equal(list->present, SGP32_RetrieveNotificationsListResponse_PR_notificationList);
    for (i = 0; i < list->choice.notificationList.list.count; i++) {
        SGP32_PendingNotification_t *pending = list->choice.notificationList.list.array[i];
        uint8_t *der = NULL;
        size_t der_len = 0;
        if (pending->present != SGP32_PendingNotification_PR_profileInstallationResult)
            continue;
        o->stored_count++;
        assert_int_equal(sgp32_encode_der_alloc(pending_type, pending, &der, &der_len), SGP32_OK);
        o->stored_same = der_len == result_len && memcmp(der, result, der_len) == 0;
        o->stored_status = smdp_verify_installation_result(session, der, der_len, &o->stored);
        assert_int_equal(
            asn_INTEGER2long(
                &pending->choice.profileInstallationResult.profileInstallationResultData.notificationMetadata.seqNumber,
                &o->stored_seq),
            0);
        sgp32_buffer_free(der);
    }
    sgp32_codec_free(type, list);
    free(answer);
}

/* Runs a whole download against the card; stops at the first missing answer (power loss) or error. */
void download(struct env *e, const struct faults *f, struct outcome *o)
{
    static const uint8_t challenge_request[3] = {0xBF, 0x2E, 0x00}, info1_request[3] = {0xBF, 0x20, 0x00};
    struct smdp_session *session = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, bpp = {NULL, 0};
    struct smdp_bpp_options options;
    struct smdp_segment segments[MAX_SEGMENTS];
    uint8_t *answer = NULL, *info1 = NULL, challenge[16], hash_cc[32];
    size_t answer_len = 0, info1_len = 0, count = 0, i, seen86 = 0;
    memset(o, 0, sizeof(*o));
    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    assert_int_equal(smdp_session_new(e->smdp, f->omit_matching_id ? NULL : MATCHING_ID, &session), SGP32_OK);
    if (f->cc_code != NULL)
        assert_int_equal(smdp_session_require_confirmation_code(session, f->cc_code), SGP32_OK);
    o->status = transceive(e, challenge_request, 3, &answer, &answer_len);
    if (o->status != SGP32_OK)
        goto done;
    assert_int_equal(answer_len, 21);
    memcpy(challenge, answer + 5, 16);
    if (f->wrong_challenge)
        challenge[0] ^= 0x01;
    free(answer);
    answer = NULL;
    o->status = transceive(e, info1_request, 3, &info1, &info1_len);
    if (o->status != SGP32_OK)
        goto done;
    /* a card whose CI the SM-DP+ does not share: let the card decide (no euiccInfo1 check) */
    assert_int_equal(smdp_initiate_authentication(session, challenge, strcmp(e->curve, "mixed") == 0 ? NULL : info1,
                                                  info1_len, &auth),
                     SGP32_OK);
    if (f->bad_server_signature)
        auth.server_signature1.data[10] ^= 0x40;
    assert_int_equal(smdp_build_authenticate_server_request(
                         &auth,
                         f->omit_matching_id ? NULL : (f->ipa_matching_id != NULL ? f->ipa_matching_id : MATCHING_ID),
                         &request),
                     SGP32_OK);
    assert_der_of("AuthenticateServerRequest", request.data, request.len);
    o->status = transceive(e, request.data, request.len, &answer, &answer_len);
    free(request.data);
    request.data = NULL;
    if (o->status != SGP32_OK)
        goto done;
    assert_der_of("SGP32-AuthenticateServerResponse", answer, answer_len);
    o->authenticate_error = session_error_code(answer, answer_len);
    if (o->authenticate_error != 0)
        goto done;
    if (f->reset_after_authenticate) {
        assert_int_equal(e->transport.ops->reset(e->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
        assert_int_equal(sgp32_es10_connect(e->es10), SGP32_OK);
    }
    if (f->forge_transaction_id) {
        uint8_t forged[16];
        memset(forged, 0x5A, sizeof(forged));
        smdp_session_forge_transaction_id(session, forged);
    }
    o->client_status = smdp_authenticate_client(session, answer, answer_len, &prepare);
    if (o->client_status != SGP32_OK)
        goto done;
    free(answer);
    answer = NULL;
    if (f->bad_smdp_signature2)
        prepare.smdp_signature2.data[20] ^= 0x02;
    if (f->cc_typed != NULL) {
        size_t tid_len = 0;
        const uint8_t *tid = smdp_session_transaction_id(session, &tid_len);
        assert_int_equal(smdp_hash_confirmation_code(f->cc_typed, tid, tid_len, hash_cc), SGP32_OK);
    }
    assert_int_equal(smdp_build_prepare_download_request(&prepare, f->cc_typed != NULL ? hash_cc : NULL, &request),
                     SGP32_OK);
    assert_der_of("PrepareDownloadRequest", request.data, request.len);
    o->status = transceive(e, request.data, request.len, &answer, &answer_len);
    free(request.data);
    request.data = NULL;
    if (o->status != SGP32_OK)
        goto done;
    assert_der_of("SGP32-PrepareDownloadResponse", answer, answer_len);
    o->prepare_error = session_error_code(answer, answer_len);
    if (o->prepare_error != 0)
        goto done;
    memset(&options, 0, sizeof(options));
    options.segment_size = f->segment_size;
    options.replace_session_keys = f->replace_keys;
    options.metadata = f->metadata;
    options.metadata_len = f->metadata_len;
    o->bpp_status =
        smdp_get_bound_profile_package(session, answer, answer_len, e->upp.data, e->upp.len, &options, &bpp);
    if (o->bpp_status != SGP32_OK)
        goto done;
    free(answer);
    answer = NULL;
    assert_der_of("BoundProfilePackage", bpp.data, bpp.len);
    assert_int_equal(smdp_split_bpp(bpp.data, bpp.len, segments, MAX_SEGMENTS, &count), SGP32_OK);
    assert_true(count >= 5);
    if (f->swap_a1_a3) { /* segments: BF36+BF23, A0, A1 header, 88 .., A3 header, 86 .. */
        for (i = 0; i < count && segments[i].data[0] != 0xA3; i++)
            ;
        assert_true(i < count);
        segments[2] = segments[i];
    }
    for (i = 0; i < count; i++) {
        uint8_t *copy = NULL;
        const uint8_t *segment = segments[i].data;
        size_t len = segments[i].len;
        if (i == 0 && f->bad_bf23_signature) { /* the last bytes of BF36+BF23 are smdpSign */
            copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, segment, len);
            copy[len - 5] ^= 0x10;
            segment = copy;
        } else if (segment[0] == 0xA3 && f->double_wrap) { /* the A3 header announces the grown 86 segments */
            size_t k, total = 0;
            for (k = i + 1; k < count; k++)
                total += segments[k].len + 4;
            copy = malloc(5);
            assert_non_null(copy);
            copy[0] = 0xA3;
            copy[1] = 0x83;
            copy[2] = (uint8_t)(total >> 16);
            copy[3] = (uint8_t)(total >> 8);
            copy[4] = (uint8_t)total;
            segment = copy;
            len = 5;
        } else if (segment[0] == 0x86) {
            seen86++;
            if (f->bad_mac_segment != 0 && seen86 == (size_t)f->bad_mac_segment) {
                copy = malloc(len);
                assert_non_null(copy);
                memcpy(copy, segment, len);
                copy[len - 3] ^= 0x01; /* inside the MAC */
                segment = copy;
            } else if (f->double_wrap) {
                /* 86 L (86 L' ...): one more wrapping in the segment's own tag */
                copy = malloc(len + 4);
                assert_non_null(copy);
                copy[0] = 0x86;
                copy[1] = 0x82;
                copy[2] = (uint8_t)(len >> 8);
                copy[3] = (uint8_t)len;
                memcpy(copy + 4, segment, len);
                segment = copy;
                len += 4;
            }
        }
        if (f->truncate_segment == i + 1)
            len--;
        o->status = transceive(e, segment, len, &answer, &answer_len);
        free(copy);
        if (o->status != SGP32_OK)
            goto done;
        if (answer_len > 0) {
            o->have_result = 1;
            assert_der_of("ProfileInstallationResult", answer, answer_len);
            if (f->tamper_result)
                answer[answer_len / 2] ^= 0x01;
            o->result_status = smdp_verify_installation_result(session, answer, answer_len, &o->result);
            if (!f->tamper_result)
                assert_int_equal(o->result_status, SGP32_OK);
            if (f->check_stored_result)
                check_stored_result(e, session, answer, answer_len, o);
            break;
        }
    }
done:
    free(answer);
    free(info1);
    free(bpp.data);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(session);
}

/* 1 if GetProfilesInfo lists the ICCID. */
int card_has_profile(struct env *e, const uint8_t iccid[10])
{
    static const uint8_t request[3] = {0xBF, 0x2D, 0x00};
    uint8_t *answer = NULL, needle[12] = {0x5A, 0x0A};
    size_t answer_len = 0, i;
    int found = 0;
    assert_int_equal(transceive(e, request, 3, &answer, &answer_len), SGP32_OK);
    memcpy(needle + 2, iccid, 10);
    for (i = 0; i + sizeof(needle) <= answer_len; i++)
        found |= memcmp(answer + i, needle, sizeof(needle)) == 0;
    free(answer);
    return found;
}
