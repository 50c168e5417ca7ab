/* SPDX-License-Identifier: MIT */
/*
 * LoadCRL (SGP.22 v2.5 5.7.6) on the software eUICC: CRLs made by OpenSSL (`openssl ca -gencrl`, see
 * make_crl.sh) with the CI key of the test PKI examples/pki/sgp32-test-pki. The card verifies the
 * signature with the CI it trusts, refuses tampered, foreign and older CRLs with the LoadCRLResponseError
 * codes, keeps the CRL across a reopen, and a download whose SM-DP+ certificate (DPauth or DPpb) is
 * revoked stops with invalidCertificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "LoadCRLResponse.h"
#include "crypto/x509.h"
#include "sgp32/codec.h"
#include "download_harness.h"

/* LoadCRLResponseError (RSPDefinitions). */
#define INVALID_SIGNATURE 1
#define INVALID_CRL_FORMAT 2
#define VERIFICATION_KEY_NOT_FOUND 4
#define FRESHER_CRL_ALREADY_LOADED 5

static void write_blob(const char *path, struct smdp_blob blob)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(blob.data, 1, blob.len, file), blob.len);
    assert_int_equal(fclose(file), 0);
    free(blob.data);
}

/* The serial number of a certificate of the PKI, in hex for make_crl.sh. */
static void serial_of(const char *curve, const char *file, char *hex, size_t cap)
{
    struct smdp_blob der = read_pki(curve, file);
    struct sgp32_x509_cert cert;
    size_t i;
    assert_int_equal(sgp32_x509_parse(&cert, der.data, der.len), SGP32_OK);
    assert_true(cert.serial.len * 2 + 1 <= cap);
    for (i = 0; i < cert.serial.len; i++)
        snprintf(hex + 2 * i, cap - 2 * i, "%02X", cert.serial.data[i]);
    free(der.data);
}

/* A CRL (DER) signed by the CI of `curve`, with cRLNumber `number` (hex), the revoked serials (each
 * SERIAL or SERIAL,reason) and more CRL extensions in OpenSSL config lines (NULL: none). */
static struct smdp_blob make_crl_ext(const char *curve, const char *number, const char *serials, const char *extensions)
{
    char dir[64], path[128], command[1024];
    struct smdp_blob crl = {NULL, 0};
    snprintf(dir, sizeof(dir), "/tmp/softeuicc-crl-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ci.cert.pem", dir);
    write_blob(path, read_pki(curve, "ci/ci.cert.pem"));
    snprintf(path, sizeof(path), "%s/ci.key.pem", dir);
    write_blob(path, read_pki(curve, "ci/ci.key.pem"));
    snprintf(command, sizeof(command),
             "CRL_EXTENSIONS='%s' sh '%s/tests/softeuicc/make_crl.sh' '%s' '%s/crl.der' %s %s",
             extensions != NULL ? extensions : "", SGP32_SOURCE_DIR, dir, dir, number, serials);
    assert_int_equal(system(command), 0);
    snprintf(path, sizeof(path), "%s/crl.der", dir);
    assert_int_equal(smdp_read_file(path, &crl), SGP32_OK);
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    return crl;
}

static struct smdp_blob make_crl(const char *curve, const char *number, const char *serials)
{
    return make_crl_ext(curve, number, serials, NULL);
}

/* Sends LoadCRL; returns 0 for loadCRLResponseOk, else the LoadCRLResponseError code. */
static long load_crl(struct env *e, const uint8_t *crl, size_t crl_len)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long code;
    assert_int_equal(sgp32_es10_load_crl(e->es10, crl, crl_len, &answer, &answer_len) == SGP32_OK || answer != NULL, 1);
    assert_der_of("LoadCRLResponse", answer, answer_len);
    assert_true(answer_len >= 4 && answer[0] == 0xBF && answer[1] == 0x35);
    if (answer[3] == 0xA0) {
        code = 0;
    } else {
        assert_int_equal(answer[3], 0x81);
        assert_int_equal(answer[4], 1);
        code = answer[5];
    }
    free(answer);
    return code;
}

static void check_load_and_refusals(const char *curve, const char *other_curve)
{
    struct env e;
    struct smdp_blob first = make_crl(curve, "05", ""), older = make_crl(curve, "03", ""),
                     foreign = make_crl(other_curve, "09", "");
    uint8_t *tampered = malloc(first.len);
    assert_non_null(tampered);
    memcpy(tampered, first.data, first.len);
    tampered[first.len - 5] ^= 0x01; /* a bit of the signature */
    env_start(&e, curve);
    assert_int_equal(load_crl(&e, tampered, first.len), INVALID_SIGNATURE);
    memcpy(tampered, first.data, first.len);
    tampered[40] ^= 0x01; /* a bit of the signed tbsCertList (the issuer name) */
    assert_int_equal(load_crl(&e, tampered, first.len), INVALID_SIGNATURE);
    assert_int_equal(load_crl(&e, foreign.data, foreign.len), VERIFICATION_KEY_NOT_FOUND);
    {
        /* nextUpdate equal to thisUpdate (the first two UTCTimes of tbsCertList): invalidCRLFormat */
        size_t k, times[2], found = 0;
        memcpy(tampered, first.data, first.len);
        for (k = 0; k + 15 <= first.len && found < 2; k++)
            if (tampered[k] == 0x17 && tampered[k + 1] == 0x0D && tampered[k + 14] == 'Z')
                times[found++] = k + 2;
        assert_int_equal(found, 2);
        memcpy(tampered + times[1], tampered + times[0], 13);
        assert_int_equal(load_crl(&e, tampered, first.len), INVALID_CRL_FORMAT);
    }
    assert_int_equal(load_crl(&e, first.data, first.len), 0);
    assert_int_equal(load_crl(&e, first.data, first.len), 0); /* the same CRL again is not older */
    assert_int_equal(load_crl(&e, older.data, older.len), FRESHER_CRL_ALREADY_LOADED);
    env_restart(&e, 1); /* the loaded CRL survives a reopen */
    assert_int_equal(load_crl(&e, older.data, older.len), FRESHER_CRL_ALREADY_LOADED);
    env_stop(&e);
    free(tampered);
    free(first.data);
    free(older.data);
    free(foreign.data);
}

static void test_load_crl_nist(void **state)
{
    (void)state;
    check_load_and_refusals("nist", "brainpool");
}

static void test_load_crl_brainpool(void **state)
{
    (void)state;
    check_load_and_refusals("brainpool", "nist");
}

static void test_malformed_crl(void **state)
{
    struct env e;
    struct smdp_blob crl = make_crl("nist", "01", "");
    /* A CertificateList whose tbsCertList lacks issuer and thisUpdate. */
    static const uint8_t not_a_crl[] = {0x30, 0x0E, 0x30, 0x02, 0x30, 0x00, 0x30, 0x05,
                                        0x06, 0x03, 0x2A, 0x03, 0x04, 0x03, 0x01, 0x00};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    (void)state;
    env_start(&e, "nist");
    /* the card refuses a request that is no LoadCRLRequest with a status word, not a LoadCRLResponse */
    assert_int_not_equal(sgp32_es10_load_crl(e.es10, not_a_crl, sizeof(not_a_crl), &answer, &answer_len), SGP32_OK);
    assert_null(answer);
    free(answer);
    assert_int_equal(load_crl(&e, crl.data, crl.len), 0);
    env_stop(&e);
    free(crl.data);
}

#define BASE_CRL_MISSING 6

/* LoadCRL decoded as LoadCRLResponse: 0 (ok, *missing the missingParts, -1 terminated) or the error. */
static long load_crl_parts(struct env *e, const struct smdp_blob *crl, long missing[8])
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find("LoadCRLResponse");
    struct sgp32_decode_options strict = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    LoadCRLResponse_t *response = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long code = 0;
    int i;
    missing[0] = -1;
    (void)sgp32_es10_load_crl(e->es10, crl->data, crl->len, &answer, &answer_len);
    assert_non_null(answer);
    assert_int_equal(sgp32_decode(type, answer, answer_len, &strict, (void **)&response, NULL), SGP32_OK);
    free(answer);
    if (response->present == LoadCRLResponse_PR_loadCRLResponseError) {
        assert_int_equal(asn_INTEGER2long(&response->choice.loadCRLResponseError, &code), 0);
        assert_true(code != 0);
    } else if (response->choice.loadCRLResponseOk.missingParts != NULL) {
        const struct LoadCRLResponseOk__missingParts *parts = response->choice.loadCRLResponseOk.missingParts;
        assert_true(parts->list.count > 0 && parts->list.count < 8); /* never an empty list */
        for (i = 0; i < parts->list.count; i++)
            assert_int_equal(asn_INTEGER2long(parts->list.array[i], &missing[i]), 0);
        missing[parts->list.count] = -1;
    }
    sgp32_codec_free(type, response);
    return code;
}

/* Loads a CRL made with these extensions, expecting `expected` (and no missing parts when 0). */
static void load_expect(struct env *e, const char *number, const char *serials, const char *extensions, long expected)
{
    struct smdp_blob crl = make_crl_ext("nist", number, serials, extensions);
    long missing[8];
    assert_int_equal(load_crl_parts(e, &crl, missing), expected);
    assert_int_equal(missing[0], -1);
    free(crl.data);
}

/* A download's outcome as far as the revocation check goes: 0 through, 1 DPauth refused, 2 DPpb refused. */
static int download_refused(struct env *e)
{
    struct faults f;
    struct outcome o;
    memset(&f, 0, sizeof(f));
    download(e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    if (o.authenticate_error != 0) {
        assert_int_equal(o.authenticate_error, 1); /* invalidCertificate */
        return 1;
    }
    if (o.prepare_error != 0) {
        assert_int_equal(o.prepare_error, 1);
        return 2;
    }
    assert_true(o.have_result);
    return 0;
}

#define DELTA_OF(base) "2.5.29.27 = critical,ASN1:INTEGER:" base
#define PART(n, total) "2.23.146.1.2.0.3 = ASN1:INTEGER:" n "\n2.23.146.1.2.0.2 = ASN1:INTEGER:" total

/* Delta CRLs (RFC 5280 5.2.4) on top of the CRL in force. */
static void test_delta_crl(void **state)
{
    struct env e;
    char auth[80], pb[80], list[200];
    (void)state;
    serial_of("nist", "smdp/auth.cert.der", auth, sizeof(auth));
    serial_of("nist", "smdp/pb.cert.der", pb, sizeof(pb));
    env_start(&e, "nist");
    load_expect(&e, "06", auth, DELTA_OF("5"), BASE_CRL_MISSING); /* no CRL in force */
    load_expect(&e, "05", "0123456789", NULL, 0);
    load_expect(&e, "06", auth, DELTA_OF("7"), BASE_CRL_MISSING);           /* refers to a base the card lacks */
    load_expect(&e, "05", auth, DELTA_OF("4"), FRESHER_CRL_ALREADY_LOADED); /* not above the base */
    assert_int_equal(download_refused(&e), 0);
    load_expect(&e, "07", auth, DELTA_OF("5"), 0);
    assert_int_equal(download_refused(&e), 1);                            /* the delta revokes DPauth */
    load_expect(&e, "06", "", DELTA_OF("5"), FRESHER_CRL_ALREADY_LOADED); /* out of order */
    env_restart(&e, 1);
    assert_int_equal(download_refused(&e), 1); /* kept across a reopen */
    snprintf(list, sizeof(list), "%s,certificateHold", pb);
    load_expect(&e, "09", list, NULL, 0); /* a new base: the older delta no longer applies */
    assert_int_equal(download_refused(&e), 2);
    snprintf(list, sizeof(list), "%s,removeFromCRL", pb);
    load_expect(&e, "0A", list, DELTA_OF("9"), 0); /* the hold is lifted */
    assert_int_equal(download_refused(&e), 0);
    env_stop(&e);
}

/* SGP.22 4.6.5 partial CRLs: collected until complete, missingParts in between. */
static void test_partial_crl(void **state)
{
    struct env e;
    struct smdp_blob part;
    char auth[80];
    long missing[8];
    (void)state;
    serial_of("nist", "smdp/auth.cert.der", auth, sizeof(auth));
    env_start(&e, "nist");
    load_expect(&e, "05", "", NULL, 0);
    part = make_crl_ext("nist", "09", auth, PART("1", "2"));
    assert_int_equal(load_crl_parts(&e, &part, missing), 0);
    free(part.data);
    assert_int_equal(missing[0], 2);
    assert_int_equal(missing[1], -1);
    assert_int_equal(download_refused(&e), 0); /* not in force before it is complete */
    load_expect(&e, "09", "", PART("3", "2"), INVALID_CRL_FORMAT);
    load_expect(&e, "09", "", "2.23.146.1.2.0.3 = ASN1:INTEGER:2", INVALID_CRL_FORMAT); /* no total */
    load_expect(&e, "09", "", PART("2", "3"), INVALID_CRL_FORMAT); /* another total for the same CRL */
    load_expect(&e, "04", "", PART("2", "2"), FRESHER_CRL_ALREADY_LOADED);
    env_restart(&e, 1); /* the collected part is kept */
    load_expect(&e, "09", "0123456789", PART("2", "2"), 0);
    assert_int_equal(download_refused(&e), 1);              /* part 1 revokes DPauth */
    load_expect(&e, "09", "0123456789", PART("2", "2"), 0); /* in force already */
    load_expect(&e, "08", "", NULL, FRESHER_CRL_ALREADY_LOADED);
    part = make_crl_ext("nist", "0B", "", PART("1", "2"));
    assert_int_equal(load_crl_parts(&e, &part, missing), 0);
    free(part.data);
    assert_int_equal(missing[0], 2);
    load_expect(&e, "0C", "", NULL, 0); /* a complete newer CRL: the parts of 11 are dropped */
    load_expect(&e, "0B", "", PART("2", "2"), FRESHER_CRL_ALREADY_LOADED);
    assert_int_equal(download_refused(&e), 0);
    env_stop(&e);
}

static void check_revoked(const char *curve, const char *file, int at_prepare)
{
    struct env e;
    struct outcome o;
    struct faults f;
    char serial[80], list[200];
    struct smdp_blob crl, other;
    serial_of(curve, file, serial, sizeof(serial));
    snprintf(list, sizeof(list), "0123456789 %s", serial);
    crl = make_crl(curve, "07", list);
    other = make_crl(curve, "06", "0123456789"); /* revokes somebody else */
    memset(&f, 0, sizeof(f));
    env_start(&e, curve);
    assert_int_equal(load_crl(&e, other.data, other.len), 0);
    download(&e, &f, &o); /* not revoked: the download goes through */
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 0);
    assert_true(o.have_result && o.result.success);
    env_stop(&e);

    env_start(&e, curve);
    assert_int_equal(load_crl(&e, crl.data, crl.len), 0);
    env_restart(&e, 1); /* and after a reopen the CRL still applies */
    download(&e, &f, &o);
    if (at_prepare) {
        assert_int_equal(o.authenticate_error, 0);
        assert_int_equal(o.prepare_error, 1); /* invalidCertificate */
    } else {
        assert_int_equal(o.authenticate_error, 1); /* invalidCertificate */
    }
    assert_false(o.have_result);
    env_stop(&e);
    free(crl.data);
    free(other.data);
}

static void test_revoked_dp_auth(void **state)
{
    (void)state;
    check_revoked("nist", "smdp/auth.cert.der", 0);
    check_revoked("brainpool", "smdp/auth.cert.der", 0);
}

static void test_revoked_dp_pb(void **state)
{
    (void)state;
    check_revoked("nist", "smdp/pb.cert.der", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_crl_nist), cmocka_unit_test(test_load_crl_brainpool),
        cmocka_unit_test(test_malformed_crl), cmocka_unit_test(test_revoked_dp_auth),
        cmocka_unit_test(test_revoked_dp_pb), cmocka_unit_test(test_delta_crl),
        cmocka_unit_test(test_partial_crl),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
