/* SPDX-License-Identifier: MIT */
/*
 * Profile download into the software eUICC with real signatures and real BSP encryption: the SM-DP+
 * side is examples/servers/smdp (smdp_core), the PKI is generated at test time by
 * examples/pki/sgp32-test-pki (NIST and brainpool), the profile is a GSMA TS.48 test profile from
 * shared/profiles. Everything goes through the card's APDU transport with lib/es10, the BPP segment by
 * segment as SGP.22 2.5.5 prescribes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "download_harness.h"

static void check_full_download(const char *curve, const struct faults *f)
{
    struct env e;
    struct outcome o;
    uint8_t iccid[10];
    env_start(&e, curve);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    assert_false(card_has_profile(&e, iccid));
    download(&e, f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 0);
    assert_true(o.have_result);
    if (!o.result.success)
        fail_msg("installation failed: bppCommandId %ld errorReason %ld", o.result.bpp_command_id,
                 o.result.error_reason);
    assert_true(o.result.has_iccid);
    assert_memory_equal(o.result.iccid, iccid, 10);
    assert_true(card_has_profile(&e, iccid));
    {
        /* the install notification the metadata asks for (install bit, the ICCID) */
        static const uint8_t list_request[3] = {0xBF, 0x28, 0x00};
        static const uint8_t install_event[4] = {0x81, 0x02, 0x07, 0x80};
        uint8_t *answer = NULL;
        size_t answer_len = 0, k;
        int found = 0;
        assert_int_equal(transceive(&e, list_request, 3, &answer, &answer_len), SGP32_OK);
        for (k = 0; k + 4 <= answer_len; k++)
            found |= memcmp(answer + k, install_event, 4) == 0;
        assert_true(found);
        free(answer);
    }
    {
        struct smdp_blob metadata = {NULL, 0};
        assert_int_equal(smdp_profile_metadata(e.smdp, e.upp.data, e.upp.len, &metadata), SGP32_OK);
        assert_der_of("StoreMetadataRequest", metadata.data, metadata.len);
        free(metadata.data);
    }
    env_restart(&e, 1); /* committed: still there after a reopen */
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

static void test_download_nist(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    check_full_download("nist", &f);
}

static void test_download_brainpool(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    check_full_download("brainpool", &f);
}

/* An SGP.22 consumer card: euiccSigned1 carries the SGP.22 EUICCInfo2. */
static void test_download_consumer_card(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start_mode(&e, "nist", SGP32_SOFTEUICC_MODE_CONSUMER);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* BSP round trip variants against the project's BPP builder: ReplaceSessionKeys (PPK for the 86
 * segments), small segments. */
static void test_download_replace_session_keys_small_segments(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.replace_keys = 1;
    f.segment_size = 200;
    check_full_download("nist", &f);
}

/* 86 segments wrapped twice in their tag, as pySim's BPP encoder writes them (docs/crypto.md). */
static void test_download_double_wrapped_segments(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.double_wrap = 1;
    check_full_download("nist", &f);
}

/* Runs a faulty download on a fresh card; returns the outcome; the profile must not be installed. */
static void faulty(const struct faults *f, struct outcome *o)
{
    struct env e;
    uint8_t iccid[10];
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, f, o);
    assert_int_equal(o->status, SGP32_OK);
    assert_false(card_has_profile(&e, iccid));
    env_stop(&e);
}

static void test_bad_server_signature(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_server_signature = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 2); /* invalidSignature */
}

static void test_wrong_challenge(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.wrong_challenge = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 6); /* euiccChallengeMismatch */
}

static void test_wrong_transaction_id(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.forge_transaction_id = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 5); /* invalidTransactionId */
}

/* A card reset ends the download session (SGP.22: session state is volatile): PrepareDownload after a
 * reset is refused, nothing is installed. */
static void test_reset_ends_session(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.reset_after_authenticate = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_not_equal(o.prepare_error, 0);
    assert_int_equal(o.have_result, 0);
}

/* 1 if ListNotification lists a notification with the install bit (81 02 07 80). */
static int install_notification_listed(struct env *e)
{
    static const uint8_t list_request[3] = {0xBF, 0x28, 0x00};
    static const uint8_t install_event[4] = {0x81, 0x02, 0x07, 0x80};
    uint8_t *answer = NULL;
    size_t answer_len = 0, k;
    int found = 0;
    assert_int_equal(transceive(e, list_request, 3, &answer, &answer_len), SGP32_OK);
    for (k = 0; k + 4 <= answer_len; k++)
        found |= memcmp(answer + k, install_event, 4) == 0;
    free(answer);
    return found;
}

/* RemoveNotificationFromList (BF30 { 80 seqNumber }): its deleteNotificationStatus. */
static long remove_notification(struct env *e, long seq)
{
    uint8_t request[6] = {0xBF, 0x30, 0x03, 0x80, 0x01, 0x00}, *answer = NULL;
    size_t answer_len = 0;
    long result;
    assert_in_range(seq, 0, 127);
    request[5] = (uint8_t)seq;
    assert_int_equal(transceive(e, request, sizeof(request), &answer, &answer_len), SGP32_OK);
    assert_int_equal(answer_len, 6);
    assert_int_equal(answer[3], 0x80);
    result = answer[5];
    free(answer);
    return result;
}

/* SGP.22 3.1.3 / 5.7.10: the install notification is the ProfileInstallationResult itself, kept (and
 * persisted) until RemoveNotificationFromList; the SM-DP+ verifies the stored copy like the original. */
static void test_install_result_is_the_notification(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    memset(&o, 0, sizeof(o));
    f.check_stored_result = 1;
    env_start(&e, "nist");
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_true(o.have_result);
    assert_true(o.result.success);
    assert_int_equal(o.stored_count, 1);
    assert_true(o.stored_same);
    assert_int_equal(o.stored_status, SGP32_OK);
    assert_true(o.stored.success);
    assert_true(o.stored.has_iccid);
    assert_memory_equal(o.stored.iccid, o.result.iccid, 10);
    env_restart(&e, 1); /* committed with the profile */
    assert_true(install_notification_listed(&e));
    assert_int_equal(remove_notification(&e, o.stored_seq + 1), 1); /* nothingToDelete */
    assert_int_equal(remove_notification(&e, o.stored_seq), 0);
    assert_false(install_notification_listed(&e));
    assert_int_equal(remove_notification(&e, o.stored_seq), 1);
    env_stop(&e);
}

/* A failed installation leaves its ProfileInstallationResult (with the error) as notification too. */
static void test_failed_install_result_is_the_notification(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    memset(&o, 0, sizeof(o));
    f.check_stored_result = 1;
    f.bad_mac_segment = 3;
    env_start(&e, "brainpool");
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.stored_count, 1);
    assert_true(o.stored_same);
    assert_int_equal(o.stored_status, SGP32_OK);
    assert_false(o.stored.success);
    assert_int_equal(o.stored.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.stored.error_reason, 8);   /* scp03tSecurityError */
    env_restart(&e, 1);
    assert_true(install_notification_listed(&e));
    assert_int_equal(remove_notification(&e, o.stored_seq), 0);
    assert_false(install_notification_listed(&e));
    env_stop(&e);
}

static void test_bad_mac_in_profile_segment(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_mac_segment = 3;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.result.error_reason, 8);   /* scp03tSecurityError */
}

static void test_segments_out_of_order(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.swap_a1_a3 = 1;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata expected */
    assert_int_equal(o.result.error_reason, 7);   /* scp03tStructureError */
}

static void test_bad_smdp_signature2(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_smdp_signature2 = 1;
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 2); /* invalidSignature */
}

static void test_bad_initialise_secure_channel_signature(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_bf23_signature = 1;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 0); /* initialiseSecureChannel */
    assert_int_equal(o.result.error_reason, 2);   /* invalidSignature */
}

/* StoreMetadata variants: a PPR the card's RAT does not allow, an ICCID other than the profile's. */
static void test_metadata_refused(void **state)
{
    static const uint8_t ppr_metadata[] = {0xBF, 0x25, 0x16, 0x5A, 0x0A, 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09,
                                           0x40, 0xF9, 0x91, 0x01, 0x41, 0x92, 0x01, 0x42, 0x99, 0x02, 0x06, 0x40};
    static const uint8_t other_iccid[] = {0xBF, 0x25, 0x12, 0x5A, 0x0A, 0x98, 0x94, 0x44, 0x99, 0x99, 0x99,
                                          0x99, 0x09, 0x77, 0xF7, 0x91, 0x01, 0x41, 0x92, 0x01, 0x42};
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.metadata = ppr_metadata;
    f.metadata_len = sizeof(ppr_metadata);
    faulty(&f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 15);  /* pprNotAllowed */
    f.metadata = other_iccid;
    f.metadata_len = sizeof(other_iccid);
    faulty(&f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.result.error_reason, 13);  /* installFailedDueToDataMismatch */
}

/* The final state write fails: the card answers an error result and keeps no trace of the profile. */
static void test_failed_state_write_at_install(void **state)
{
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    sgp32_softeuicc_fail_next_state_write(e.card);
    download(&e, &f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5);
    assert_int_equal(o.result.error_reason, 127);
    assert_false(card_has_profile(&e, iccid));
    env_restart(&e, 1);
    assert_false(card_has_profile(&e, iccid));
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    env_stop(&e);
}

/* CancelSession after AuthenticateServer: a signed answer, then no session is left (PrepareDownload
 * answers noSessionContext, a second CancelSession invalidTransactionId). A tampered
 * ProfileInstallationResult is refused by the SM-DP+ side. */
static void test_cancel_session_and_tampered_result(void **state)
{
    static const uint8_t challenge_request[3] = {0xBF, 0x2E, 0x00};
    struct env e;
    struct smdp_session *session = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, certificate;
    uint8_t *answer = NULL, cancel[32];
    size_t answer_len = 0, tid_len = 0, signed_len;
    const uint8_t *tid;
    struct sgp32_x509_cert euicc;
    (void)state;
    env_start(&e, "nist");
    assert_int_equal(smdp_session_new(e.smdp, MATCHING_ID, &session), SGP32_OK);
    assert_int_equal(transceive(&e, challenge_request, 3, &answer, &answer_len), SGP32_OK);
    assert_int_equal(smdp_initiate_authentication(session, answer + 5, NULL, 0, &auth), SGP32_OK);
    free(answer);
    assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request), SGP32_OK);
    assert_int_equal(transceive(&e, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(session_error_code(answer, answer_len), 0);
    assert_int_equal(smdp_authenticate_client(session, answer, answer_len, &prepare), SGP32_OK);
    free(answer);
    /* CancelSessionRequest BF41 { 80 tid, 81 01 01 (postponed) } */
    tid = smdp_session_transaction_id(session, &tid_len);
    cancel[0] = 0xBF;
    cancel[1] = 0x41;
    cancel[2] = (uint8_t)(2 + tid_len + 3);
    cancel[3] = 0x80;
    cancel[4] = (uint8_t)tid_len;
    memcpy(cancel + 5, tid, tid_len);
    memcpy(cancel + 5 + tid_len, "\x81\x01\x01", 3);
    assert_int_equal(transceive(&e, cancel, 8 + tid_len, &answer, &answer_len), SGP32_OK);
    assert_der_of("CancelSessionResponse", answer, answer_len);
    /* BF41 len A0 len { 30 len {80 tid, 81 oid, 82 reason}, 5F37 40 sig } */
    assert_int_equal(answer[3], 0xA0);
    assert_int_equal(answer[5], 0x30);
    signed_len = 2u + answer[6];
    assert_int_equal(answer[5 + signed_len], 0x5F);
    certificate = read_pki("nist", "euicc/euicc.cert.der");
    assert_int_equal(sgp32_x509_parse(&euicc, certificate.data, certificate.len), SGP32_OK);
    {
        struct sgp32_ec_key key;
        sgp32_ec_key_init(&key);
        assert_int_equal(sgp32_x509_public_key(&euicc, &key), SGP32_OK);
        assert_int_equal(sgp32_ecdsa_verify_sha256(&key, answer + 5, signed_len, answer + 5 + signed_len + 3, 64),
                         SGP32_OK);
        sgp32_ec_key_free(&key);
    }
    free(certificate.data);
    free(answer);
    /* the session is gone */
    assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &request), SGP32_OK);
    assert_int_equal(transceive(&e, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(session_error_code(answer, answer_len), 4); /* noSessionContext */
    free(answer);
    assert_int_equal(transceive(&e, cancel, 8 + tid_len, &answer, &answer_len), SGP32_OK);
    assert_int_equal(answer_len, 6);
    assert_int_equal(answer[3], 0x81);
    assert_int_equal(answer[5], 5); /* invalidTransactionId */
    free(answer);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(session);
    env_stop(&e);
}

static void test_tampered_installation_result_refused(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.tamper_result = 1;
    env_start(&e, "nist");
    download(&e, &f, &o);
    assert_true(o.have_result);
    assert_int_equal(o.result_status, SGP32_ERR_CRYPTO);
    env_stop(&e);
}

/* Confirmation code (ccRequiredFlag): the right code downloads, a wrong one is refused by the SM-DP+
 * (hashCc mismatch), none at all by the eUICC (PrepareDownload undefinedError). */
static void test_confirmation_code(void **state)
{
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    f.cc_code = "1234";
    f.cc_typed = "1234";
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
    f.cc_typed = "4321";
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 0);
    assert_int_equal(o.bpp_status, SGP32_ERR_CRYPTO);
    f.cc_typed = NULL;
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 127);
}

/* Each BPP segment in turn sent one byte short: the card answers an error (a PIR or a status word),
 * installs nothing, and the next download on the same card succeeds. */
static void test_truncated_segments(void **state)
{
    struct faults f;
    size_t n;
    int errors_as_result = 0;
    (void)state;
    memset(&f, 0, sizeof(f));
    for (n = 1;; n++) {
        struct env e;
        struct outcome o;
        uint8_t iccid[10];
        struct faults good;
        f.truncate_segment = n;
        env_start(&e, "nist");
        assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
        download(&e, &f, &o);
        if (o.status == SGP32_OK && o.have_result && o.result.success) {
            env_stop(&e); /* n is past the last segment */
            break;
        }
        if (o.have_result)
            errors_as_result++;
        assert_false(card_has_profile(&e, iccid));
        memset(&good, 0, sizeof(good));
        download(&e, &good, &o);
        assert_int_equal(o.status, SGP32_OK);
        assert_true(o.have_result && o.result.success);
        env_stop(&e);
    }
    assert_true(n > 10);
    assert_true(errors_as_result > 5);
}

/* ctxParams1 without a matchingId: the card accepts only its default SM-DP+ address (when it has one);
 * a matchingId the SM-DP+ does not know is refused by the SM-DP+ side. */
static void test_default_smdp_and_matching_id(void **state)
{
    static const char address[] = SMDP_ADDRESS;
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t request[64], *answer = NULL, iccid[10];
    size_t answer_len = 0, n = sizeof(address) - 1;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.ipa_matching_id = "UNKNOWN-MATCHING-ID";
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.client_status, SGP32_ERR_NOT_FOUND);
    memset(&f, 0, sizeof(f));
    f.omit_matching_id = 1;
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    /* SetDefaultDpAddress (SGP.32 BF65 {defaultDpAddress [0]}) to another server: refused */
    memcpy(request, "\xBF\x65\x0B\x80\x09other.net", 14);
    assert_int_equal(transceive(&e, request, 14, &answer, &answer_len), SGP32_OK);
    free(answer);
    download(&e, &f, &o);
    assert_int_equal(o.authenticate_error, 127);
    /* ... to this SM-DP+: accepted */
    request[0] = 0xBF;
    request[1] = 0x65;
    request[2] = (uint8_t)(n + 2);
    request[3] = 0x80;
    request[4] = (uint8_t)n;
    memcpy(request + 5, address, n);
    assert_int_equal(transceive(&e, request, n + 5, &answer, &answer_len), SGP32_OK);
    free(answer);
    download(&e, &f, &o);
    assert_int_equal(o.authenticate_error, 0);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* A card with every profile slot taken: StoreMetadata fails with insufficient memory. */
static void test_card_full(void **state)
{
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t info[32] = {0xE3, 0x1E, 0x5A, 0x0A, 0x98, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4F, 0x10,
                        0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x20, 0x00};
    uint8_t iccid[10];
    int slot;
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    for (slot = 0; sgp32_softeuicc_preload_profile(e.card, info, sizeof(info)) == SGP32_OK; slot++) {
        info[13]++; /* next ICCID */
        info[30]++; /* next AID */
    }
    assert_true(slot >= 1);
    download(&e, &f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 10);  /* installFailedDueToInsufficientMemoryForProfile */
    assert_false(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* The SM-DP+ chains to a CI the card does not trust (brainpool CI, card trusts the NIST one). */
static void test_untrusted_ci(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    new_smdp(&e, "brainpool");
    snprintf(e.curve, sizeof(e.curve), "mixed");
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 7); /* ciPKUnknown */
    env_stop(&e);
}

static void test_iccid_already_present(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    download(&e, &f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 9);   /* installFailedDueToIccidAlreadyExistsOnEuicc */
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* A power cut after each APDU of the download: after the reset (and after a reopen from the state
 * directory) the card has either no profile or the whole new one, and a new download works or the
 * profile is there. */
static void test_power_loss_after_each_apdu(void **state)
{
    struct faults f;
    uint32_t n;
    int completed = 0, cut_before = 0, cut_after = 0;
    (void)state;
    memset(&f, 0, sizeof(f));
    for (n = 1; !completed && n < 400; n++) {
        struct env e;
        struct outcome o;
        uint8_t iccid[10];
        int installed;
        env_start(&e, "nist");
        assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
        sgp32_softeuicc_power_loss_after(e.card, n);
        download(&e, &f, &o);
        if (o.status == SGP32_OK) {
            completed = 1; /* n is past the last APDU */
            assert_true(o.have_result && o.result.success);
            sgp32_softeuicc_power_loss_after(e.card, 0);
        } else {
            assert_false(sgp32_softeuicc_powered(e.card));
        }
        env_restart(&e, 0);
        installed = card_has_profile(&e, iccid);
        if (!completed) {
            cut_before += !installed;
            cut_after += installed; /* the last APDU took effect, its answer (the PIR) was lost */
        }
        env_restart(&e, 1);
        assert_int_equal(card_has_profile(&e, iccid), installed);
        if (!installed) { /* the card is usable: the download runs to completion now */
            download(&e, &f, &o);
            assert_int_equal(o.status, SGP32_OK);
            assert_true(o.have_result && o.result.success);
            assert_true(card_has_profile(&e, iccid));
        }
        env_stop(&e);
    }
    assert_true(completed);
    /* every APDU before the last one cut the download off; only the last one installed */
    assert_true(cut_before > 20);
    assert_int_equal(cut_after, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_nist),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_download_consumer_card),
        cmocka_unit_test(test_download_replace_session_keys_small_segments),
        cmocka_unit_test(test_download_double_wrapped_segments),
        cmocka_unit_test(test_bad_server_signature),
        cmocka_unit_test(test_wrong_challenge),
        cmocka_unit_test(test_wrong_transaction_id),
        cmocka_unit_test(test_reset_ends_session),
        cmocka_unit_test(test_bad_mac_in_profile_segment),
        cmocka_unit_test(test_segments_out_of_order),
        cmocka_unit_test(test_untrusted_ci),
        cmocka_unit_test(test_iccid_already_present),
        cmocka_unit_test(test_bad_smdp_signature2),
        cmocka_unit_test(test_bad_initialise_secure_channel_signature),
        cmocka_unit_test(test_metadata_refused),
        cmocka_unit_test(test_failed_state_write_at_install),
        cmocka_unit_test(test_confirmation_code),
        cmocka_unit_test(test_card_full),
        cmocka_unit_test(test_default_smdp_and_matching_id),
        cmocka_unit_test(test_truncated_segments),
        cmocka_unit_test(test_cancel_session_and_tampered_result),
        cmocka_unit_test(test_tampered_installation_result_refused),
        cmocka_unit_test(test_power_loss_after_each_apdu),
        cmocka_unit_test(test_install_result_is_the_notification),
        cmocka_unit_test(test_failed_install_result_is_the_notification),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
