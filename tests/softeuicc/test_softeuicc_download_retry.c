/* SPDX-License-Identifier: MIT */
/*
 * PrepareDownload retried with bppEuiccOtpk (SGP.22 3.1.3.2, 5.7.13): the first attempt ends after the
 * SM-DP+ bound the BPP to the card's otPK.EUICC.ECKA (the connection is lost before the BPP is loaded).
 * The retry is a new session (new transactionId) whose smdpSigned2 carries that otPK as bppEuiccOtpk,
 * signed with the SM-DP+'s DPpb key here (smdp_core has no retry mode). The SM-DP+ then reuses the BPP
 * it already bound, with the InitialiseSecureChannel (BF23) re-signed for the new transactionId.
 *   - retry: the card reuses the kept key pair (euiccOtpk == bppEuiccOtpk) and the old BPP installs;
 *   - unknown otPK (the card reset in between, or a key it never made): the card answers a fresh otPK,
 *     and the old BPP no longer decrypts (configureISDP securityError); a normal download then works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ProfileInstallationResult.h"
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/rng.h"
#include "download_harness.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

/* The TLV with `tag` among the children of value[0..len); 0 if absent. */
static int child(const uint8_t *value, size_t len, uint32_t tag, const uint8_t **tlv, size_t *tlv_len,
                 struct sgp32_tlv_header *out)
{
    size_t at = 0;
    while (at < len) {
        struct sgp32_tlv_header h;
        assert_int_equal(sgp32_tlv_parse_header(value + at, len - at, &h), SGP32_OK);
        if (h.tag == tag) {
            *tlv = value + at;
            *tlv_len = h.header_len + h.length;
            *out = h;
            return 1;
        }
        at += h.header_len + h.length;
    }
    return 0;
}

/* One attempt up to PrepareDownload. bpp_euicc_otpk: the retry's bppEuiccOtpk (NULL: a first attempt).
 * Returns the PrepareDownloadResponse (malloc'd); *transaction_id the session's. */
static uint8_t *prepare_download(struct env *e, struct smdp_session *session, const uint8_t *bpp_euicc_otpk,
                                 size_t *response_len)
{
    static const uint8_t challenge_request[3] = {0xBF, 0x2E, 0x00}, info1_request[3] = {0xBF, 0x20, 0x00};
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0};
    uint8_t *answer = NULL, *info1 = NULL, challenge[16];
    size_t answer_len = 0, info1_len = 0;
    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    assert_int_equal(transceive(e, challenge_request, 3, &answer, &answer_len), SGP32_OK);
    memcpy(challenge, answer + 5, 16);
    free(answer);
    assert_int_equal(transceive(e, info1_request, 3, &info1, &info1_len), SGP32_OK);
    assert_int_equal(smdp_initiate_authentication(session, challenge, info1, info1_len, &auth), SGP32_OK);
    free(info1);
    assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request), SGP32_OK);
    assert_int_equal(transceive(e, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(session_error_code(answer, answer_len), 0);
    assert_int_equal(smdp_authenticate_client(session, answer, answer_len, &prepare), SGP32_OK);
    if (bpp_euicc_otpk != NULL) {
        /* smdpSigned2 {transactionId, ccRequiredFlag, bppEuiccOtpk 5F49} and smdpSignature2 over it ||
         * euiccSignature1 (5F37 TLV of the AuthenticateServerResponse), with the DPpb key */
        struct sgp32_tlv_header top, ok, h;
        const uint8_t *signature1, *tid, *flag;
        size_t signature1_len, tid_len, flag_len, signed_len = 0;
        uint8_t signed2[128], message[256], signature[64];
        struct smdp_blob pb_key = read_pki(e->curve, "smdp/pb.key.pem");
        struct sgp32_ec_key key;
        struct sgp32_crypto_rng rng;
        assert_int_equal(sgp32_tlv_parse_header(answer, answer_len, &top), SGP32_OK);
        assert_int_equal(sgp32_tlv_parse_header(answer + top.header_len, top.length, &ok), SGP32_OK);
        assert_true(
            child(answer + top.header_len + ok.header_len, ok.length, 0x5F37, &signature1, &signature1_len, &h));
        assert_int_equal(sgp32_tlv_parse_header(prepare.smdp_signed2.data, prepare.smdp_signed2.len, &top), SGP32_OK);
        assert_true(child(prepare.smdp_signed2.data + top.header_len, top.length, 0x80, &tid, &tid_len, &h));
        assert_true(child(prepare.smdp_signed2.data + top.header_len, top.length, 0x01, &flag, &flag_len, &h));
        signed2[0] = 0x30;
        signed2[1] = (uint8_t)(tid_len + flag_len + 3 + 65);
        memcpy(signed2 + 2, tid, tid_len);
        memcpy(signed2 + 2 + tid_len, flag, flag_len);
        memcpy(signed2 + 2 + tid_len + flag_len, "\x5F\x49\x41", 3);
        memcpy(signed2 + 5 + tid_len + flag_len, bpp_euicc_otpk, 65);
        signed_len = 2 + (size_t)signed2[1];
        assert_der_of("SmdpSigned2", signed2, signed_len);
        memcpy(message, signed2, signed_len);
        memcpy(message + signed_len, signature1, signature1_len);
        sgp32_ec_key_init(&key);
        assert_int_equal(sgp32_ec_import_private(&key, pb_key.data, pb_key.len), SGP32_OK);
        assert_int_equal(sgp32_crypto_rng_init(&rng, NULL, NULL), SGP32_OK);
        assert_int_equal(sgp32_ecdsa_sign_sha256(&key, &rng, message, signed_len + signature1_len, signature),
                         SGP32_OK);
        sgp32_crypto_rng_free(&rng);
        sgp32_ec_key_free(&key);
        free(pb_key.data);
        free(prepare.smdp_signed2.data);
        prepare.smdp_signed2.data = malloc(signed_len);
        assert_non_null(prepare.smdp_signed2.data);
        memcpy(prepare.smdp_signed2.data, signed2, signed_len);
        prepare.smdp_signed2.len = signed_len;
        memcpy(prepare.smdp_signature2.data + 3, signature, 64);
    }
    free(answer);
    assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &request), SGP32_OK);
    assert_der_of("PrepareDownloadRequest", request.data, request.len);
    assert_int_equal(transceive(e, request.data, request.len, &answer, response_len), SGP32_OK);
    free(request.data);
    assert_der_of("SGP32-PrepareDownloadResponse", answer, *response_len);
    assert_int_equal(session_error_code(answer, *response_len), 0);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    return answer;
}

/* euiccOtpk (65 bytes) of a PrepareDownloadResponse (BF21 A0 { 30 { 80 tid, 5F49 41 .. } .. }). */
static const uint8_t *euicc_otpk(const uint8_t *response, size_t len)
{
    size_t i;
    for (i = 0; i + 3 + 65 <= len; i++)
        if (memcmp(response + i, "\x5F\x49\x41", 3) == 0)
            return response + i + 3;
    fail_msg("no euiccOtpk");
    return NULL;
}

/* The first attempt: the SM-DP+ binds the BPP to the card's otPK; nothing is loaded. */
static void first_attempt(struct env *e, uint8_t otpk[65], struct smdp_blob *bpp)
{
    struct smdp_session *session = NULL;
    struct smdp_bpp_options options;
    uint8_t *response;
    size_t response_len = 0;
    memset(&options, 0, sizeof(options));
    assert_int_equal(smdp_session_new(e->smdp, MATCHING_ID, &session), SGP32_OK);
    response = prepare_download(e, session, NULL, &response_len);
    memcpy(otpk, euicc_otpk(response, response_len), 65);
    assert_int_equal(
        smdp_get_bound_profile_package(session, response, response_len, e->upp.data, e->upp.len, &options, bpp),
        SGP32_OK);
    free(response);
    smdp_session_free(session);
}

/* The old BPP with its BF23 for the new session: transactionId replaced, smdpSign over the fields ||
 * the card's euiccOtpk TLV made again with the DPpb key. Loads it and returns the last answer. */
static uint8_t *load_old_bpp(struct env *e, struct smdp_blob *bpp, const uint8_t tid[16], const uint8_t otpk[65],
                             size_t *answer_len)
{
    struct smdp_segment segments[MAX_SEGMENTS];
    struct sgp32_tlv_header bf36, bf23, h;
    const uint8_t *field;
    size_t count = 0, i, field_len, signed_len;
    uint8_t *bf23_value, message[512], *answer = NULL;
    struct smdp_blob pb_key = read_pki(e->curve, "smdp/pb.key.pem");
    struct sgp32_ec_key key;
    struct sgp32_crypto_rng rng;
    assert_int_equal(sgp32_tlv_parse_header(bpp->data, bpp->len, &bf36), SGP32_OK);
    assert_int_equal(sgp32_tlv_parse_header(bpp->data + bf36.header_len, bpp->len - bf36.header_len, &bf23), SGP32_OK);
    assert_int_equal(bf23.tag, 0xBF23);
    bf23_value = bpp->data + bf36.header_len + bf23.header_len;
    assert_true(child(bf23_value, bf23.length, 0x80, &field, &field_len, &h));
    assert_int_equal(h.length, 16);
    memcpy(bf23_value + (field - bf23_value) + h.header_len, tid, 16);
    assert_true(child(bf23_value, bf23.length, 0x5F37, &field, &field_len, &h));
    signed_len = (size_t)(field - bf23_value);
    assert_true(signed_len + 68 <= sizeof(message));
    memcpy(message, bf23_value, signed_len);
    memcpy(message + signed_len, "\x5F\x49\x41", 3);
    memcpy(message + signed_len + 3, otpk, 65);
    sgp32_ec_key_init(&key);
    assert_int_equal(sgp32_ec_import_private(&key, pb_key.data, pb_key.len), SGP32_OK);
    assert_int_equal(sgp32_crypto_rng_init(&rng, NULL, NULL), SGP32_OK);
    assert_int_equal(
        sgp32_ecdsa_sign_sha256(&key, &rng, message, signed_len + 68, bf23_value + signed_len + h.header_len),
        SGP32_OK);
    sgp32_crypto_rng_free(&rng);
    sgp32_ec_key_free(&key);
    free(pb_key.data);
    assert_int_equal(smdp_split_bpp(bpp->data, bpp->len, segments, MAX_SEGMENTS, &count), SGP32_OK);
    for (i = 0; i < count; i++) {
        free(answer);
        answer = NULL;
        assert_int_equal(transceive(e, segments[i].data, segments[i].len, &answer, answer_len), SGP32_OK);
        if (*answer_len > 0)
            break;
    }
    assert_non_null(answer);
    assert_der_of("ProfileInstallationResult", answer, *answer_len);
    return answer;
}

/* The ProfileInstallationResult: its eUICC signature, transactionId; 1 for successResult, else 0 with
 * *command / *reason. */
static int installation_succeeded(struct env *e, const uint8_t *result, size_t len, const uint8_t tid[16],
                                  long *command, long *reason)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find("ProfileInstallationResult");
    struct sgp32_decode_options strict = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    ProfileInstallationResult_t *pir = NULL;
    struct sgp32_tlv_header top, data;
    struct smdp_blob certificate = read_pki(e->curve, "euicc/euicc.cert.der");
    int success;
    assert_int_equal(sgp32_decode(type, result, len, &strict, (void **)&pir, NULL), SGP32_OK);
    assert_int_equal(pir->profileInstallationResultData.transactionId.size, 16);
    assert_memory_equal(pir->profileInstallationResultData.transactionId.buf, tid, 16);
    assert_int_equal(sgp32_tlv_parse_header(result, len, &top), SGP32_OK);
    assert_int_equal(sgp32_tlv_parse_header(result + top.header_len, len - top.header_len, &data), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(certificate.data, certificate.len, result + top.header_len,
                                                         data.header_len + data.length, pir->euiccSignPIR.buf,
                                                         (size_t)pir->euiccSignPIR.size),
                     SGP32_OK);
    free(certificate.data);
    success = pir->profileInstallationResultData.finalResult.present ==
              ProfileInstallationResultData__finalResult_PR_successResult;
    if (!success) {
        assert_int_equal(
            asn_INTEGER2long(&pir->profileInstallationResultData.finalResult.choice.errorResult.bppCommandId, command),
            0);
        assert_int_equal(
            asn_INTEGER2long(&pir->profileInstallationResultData.finalResult.choice.errorResult.errorReason, reason),
            0);
    }
    sgp32_codec_free(type, pir);
    return success;
}

/* The retry: a new session with bppEuiccOtpk = the first otPK. Returns the card's euiccOtpk. */
static void retry(struct env *e, const uint8_t first_otpk[65], uint8_t tid[16], uint8_t otpk[65])
{
    struct smdp_session *session = NULL;
    const uint8_t *session_tid;
    size_t tid_len = 0, response_len = 0;
    uint8_t *response;
    assert_int_equal(smdp_session_new(e->smdp, MATCHING_ID, &session), SGP32_OK);
    response = prepare_download(e, session, first_otpk, &response_len);
    memcpy(otpk, euicc_otpk(response, response_len), 65);
    session_tid = smdp_session_transaction_id(session, &tid_len);
    assert_int_equal(tid_len, 16);
    memcpy(tid, session_tid, 16);
    free(response);
    smdp_session_free(session);
}

static void check_retry(const char *curve)
{
    struct env e;
    struct smdp_blob bpp = {NULL, 0};
    uint8_t first[65], again[65], tid[16], iccid[10], *result;
    size_t result_len = 0;
    long command = 0, reason = 0;
    env_start(&e, curve);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    first_attempt(&e, first, &bpp);
    /* the connection was lost: the IPA starts over (the card's session is replaced) */
    retry(&e, first, tid, again);
    assert_memory_equal(again, first, 65); /* the kept pair is reused */
    result = load_old_bpp(&e, &bpp, tid, again, &result_len);
    assert_true(installation_succeeded(&e, result, result_len, tid, &command, &reason));
    free(result);
    assert_true(card_has_profile(&e, iccid));
    /* installed: the pair is no longer kept, the same retry now gets a fresh one */
    retry(&e, first, tid, again);
    assert_memory_not_equal(again, first, 65);
    free(bpp.data);
    env_stop(&e);
}

static void test_retry_reuses_kept_key_pair(void **state)
{
    (void)state;
    check_retry("nist");
    check_retry("brainpool");
}

static void test_retry_with_unknown_otpk(void **state)
{
    struct env e;
    struct smdp_blob bpp = {NULL, 0};
    struct faults f;
    struct outcome o;
    uint8_t first[65], again[65], tid[16], iccid[10], *result;
    size_t result_len = 0;
    long command = 0, reason = 0;
    (void)state;
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    first_attempt(&e, first, &bpp);
    env_restart(&e, 0); /* a card reset: the kept pair (RAM) is gone */
    retry(&e, first, tid, again);
    assert_memory_not_equal(again, first, 65); /* a fresh pair: the SM-DP+ must bind again */
    result = load_old_bpp(&e, &bpp, tid, again, &result_len);
    assert_false(installation_succeeded(&e, result, result_len, tid, &command, &reason));
    assert_int_equal(command, 1); /* configureISDP: the first 87 segment does not decrypt */
    assert_int_equal(reason, 8);  /* securityError */
    free(result);
    assert_false(card_has_profile(&e, iccid));
    /* an otPK the card never made gets a fresh pair too */
    first[40] ^= 0x01;
    retry(&e, first, tid, again);
    assert_memory_not_equal(again, first, 65);
    /* a normal download works afterwards */
    memset(&f, 0, sizeof(f));
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    free(bpp.data);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_reuses_kept_key_pair),
        cmocka_unit_test(test_retry_with_unknown_otpk),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
