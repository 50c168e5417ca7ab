/* SPDX-License-Identifier: MIT */
/*
 * Known answers from third-party encodings (shared/vectors, shared/certs): an AddInitialEimRequest
 * (onomondo-ipa's sample eIM configuration), the eIM's X.509 certificate, a complete Bound Profile
 * Package and its unprotected profile (pySim's BSP test vectors). Each must decode to the documented
 * field values and re-encode byte-identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec_internal.h"
#include "codec/pem.h"
#include "sgp32/sgp32.h"

#include "AddInitialEimRequest.h"
#include "BoundProfilePackage.h"
#include "Certificate.h"
#include "ProfileElement.h"

#define VECTORS SGP32_SHARED_DIR "/vectors/"
#define CERTS SGP32_SHARED_DIR "/certs/"
/* asn1c's recursion budget. The 32 KiB default fits release builds; a sanitizer build at -O0 uses
 * several times the stack per decoder frame and would refuse this AddInitialEimRequest. */
#define TEST_MAX_STACK (1024u * 1024u)

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;
    if (f == NULL) {
        fail_msg("cannot open %s", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) == (size_t)size) {
            buf[size] = 0;
            *len = (size_t)size;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    assert_non_null(buf);
    return buf;
}

/* The DER inside a PEM file (first block), or the file itself when it is already DER. */
static uint8_t *read_certificate(const char *path, size_t *len)
{
    size_t file_len;
    uint8_t *file = read_file(path, &file_len);
    if (!sgp32_pem_present((const char *)file, file_len)) {
        *len = file_len;
        return file;
    }
    /* The DER is shorter than its PEM text: decode in place. */
    assert_int_equal(sgp32_pem_decode((const char *)file, file_len, "CERTIFICATE", file, file_len, len), SGP32_OK);
    return file;
}

/* Decodes data as type (strict DER when der is set), checks it re-encodes byte-identical. */
static void *decode_reencodes(const char *type_name, const uint8_t *data, size_t len, int der)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    const struct sgp32_decode_options options = {der ? SGP32_DECODE_DER : 0u, 0, TEST_MAX_STACK};
    void *value = NULL;
    uint8_t *again = NULL;
    size_t again_len = 0, consumed = 0;
    assert_non_null(type);
    assert_int_equal(sgp32_decode(type, data, len, &options, &value, &consumed), SGP32_OK);
    assert_int_equal(consumed, len);
    assert_int_equal(sgp32_encode_der_alloc(type, value, &again, &again_len), SGP32_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, data, len);
    sgp32_buffer_free(again);
    return value;
}

static long integer_value(const INTEGER_t *i)
{
    long v = 0;
    assert_non_null(i);
    assert_int_equal(asn_INTEGER2long(i, &v), 0);
    return v;
}

static void assert_octets(const OCTET_STRING_t *os, const char *text)
{
    assert_int_equal(os->size, (int)strlen(text));
    assert_memory_equal(os->buf, text, strlen(text));
}

static uint8_t *encode(const char *type_name, const void *value, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_der_alloc(sgp32_codec_type_find(type_name), value, &out, len), SGP32_OK);
    return out;
}

static void test_add_initial_eim_request(void **state)
{
    size_t len, cert_len, spki_len, cfg_spki_len;
    uint8_t *ber = read_file(VECTORS "sample_eim_cfg.AddInitialEimRequest.ber", &len);
    uint8_t *cert_der = read_certificate(CERTS "eim-sample/sample_eim_cert_nist.crt", &cert_len);
    AddInitialEimRequest_t *req;
    Certificate_t *cert;
    const EimConfigurationData_t *cfg;
    uint8_t *spki, *cfg_spki;
    (void)state;

    assert_int_equal(len, 127);
    req = decode_reencodes("AddInitialEimRequest", ber, len, 1);
    assert_int_equal(req->eimConfigurationDataList.list.count, 1);
    cfg = req->eimConfigurationDataList.list.array[0];
    assert_octets(&cfg->eimId, "eIM");
    assert_non_null(cfg->eimFqdn);
    assert_octets(cfg->eimFqdn, "127.0.0.1:8000");
    assert_int_equal(integer_value(cfg->counterValue), 1);
    assert_int_equal(integer_value(cfg->associationToken), -1);
    assert_null(cfg->eimIdType);
    assert_null(cfg->trustedPublicKeyDataTls);
    assert_non_null(cfg->eimPublicKeyData);
    assert_int_equal(cfg->eimPublicKeyData->present, EimConfigurationData__eimPublicKeyData_PR_eimPublicKey);

    /* The configured key is the eIM certificate's SubjectPublicKeyInfo, byte for byte. */
    cert = decode_reencodes("Certificate", cert_der, cert_len, 1);
    spki = encode("SubjectPublicKeyInfo", &cert->tbsCertificate.subjectPublicKeyInfo, &spki_len);
    cfg_spki = encode("SubjectPublicKeyInfo", &cfg->eimPublicKeyData->choice.eimPublicKey, &cfg_spki_len);
    assert_int_equal(spki_len, 91); /* P-256: 30 59 ... 03 42 00 04 X Y */
    assert_int_equal(cfg_spki_len, spki_len);
    assert_memory_equal(cfg_spki, spki, spki_len);
    assert_int_equal(cfg->eimPublicKeyData->choice.eimPublicKey.subjectPublicKey.size, 65);
    assert_int_equal(cfg->eimPublicKeyData->choice.eimPublicKey.subjectPublicKey.buf[0], 0x04);

    sgp32_buffer_free(spki);
    sgp32_buffer_free(cfg_spki);
    sgp32_codec_free(sgp32_codec_type_find("Certificate"), cert);
    sgp32_codec_free(sgp32_codec_type_find("AddInitialEimRequest"), req);
    free(cert_der);
    free(ber);
}

static void test_bound_profile_package(void **state)
{
    size_t len, i, total86 = 0;
    uint8_t *der = read_file(VECTORS "bsp/bpp_decode_test.BoundProfilePackage.der", &len);
    BoundProfilePackage_t *bpp;
    const InitialiseSecureChannelRequest_t *isc;
    (void)state;

    assert_int_equal(len, 12928);
    bpp = decode_reencodes("BoundProfilePackage", der, len, 1);
    isc = &bpp->initialiseSecureChannelRequest;
    assert_int_equal(integer_value(&isc->remoteOpId), 1); /* installBoundProfilePackage */
    assert_int_equal(isc->transactionId.size, 16);
    assert_int_equal(isc->controlRefTemplate.keyType.size, 1);
    assert_int_equal(isc->controlRefTemplate.keyType.buf[0], 0x88); /* AES */
    assert_int_equal(isc->controlRefTemplate.keyLen.size, 1);
    assert_int_equal(isc->controlRefTemplate.keyLen.buf[0], 0x10);
    assert_int_equal(isc->controlRefTemplate.hostId.size, 8); /* 84 08 in the CRT (A6 16) */
    assert_memory_equal(isc->controlRefTemplate.hostId.buf, "mahlzeit", 8);
    assert_int_equal(isc->smdpOtpk.size, 65);
    assert_int_equal(isc->smdpOtpk.buf[0], 0x04);
    assert_int_equal(isc->smdpSign.size, 64);

    /* One 87 (ConfigureISDP), one 88 (StoreMetadata), no second 87 (no ReplaceSessionKeys), 13 x 86. */
    assert_int_equal(bpp->firstSequenceOf87.list.count, 1);
    assert_int_equal(bpp->firstSequenceOf87.list.array[0]->size, 26);
    assert_int_equal(bpp->sequenceOf88.list.count, 1);
    assert_int_equal(bpp->sequenceOf88.list.array[0]->size, 53);
    assert_null(bpp->secondSequenceOf87);
    assert_int_equal(bpp->sequenceOf86.list.count, 13);
    for (i = 0; i < 12; i++)
        assert_int_equal(bpp->sequenceOf86.list.array[i]->size, 1036);
    assert_int_equal(bpp->sequenceOf86.list.array[12]->size, 171);
    for (i = 0; i < 13; i++)
        total86 += (size_t)bpp->sequenceOf86.list.array[i]->size;
    assert_int_equal(total86, 12 * 1036 + 171);

    sgp32_codec_free(sgp32_codec_type_find("BoundProfilePackage"), bpp);
    free(der);
}

/* The profile inside that BPP (after BSP decryption): a sequence of SAIP ProfileElements, header first
 * and end last, each decoding and re-encoding byte-identical. */
static void test_unprotected_profile_package(void **state)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find("ProfileElement");
    const struct sgp32_decode_options options = {SGP32_DECODE_ALLOW_TRAILING, 0, TEST_MAX_STACK};
    size_t len, offset = 0, count = 0;
    uint8_t *upp = read_file(VECTORS "bsp/bpp_decode_test.expected_upp.der", &len);
    int first = -1, last = -1;
    (void)state;

    assert_non_null(type);
    assert_int_equal(len, 12251);
    while (offset < len) {
        ProfileElement_t *pe = NULL;
        size_t consumed = 0, again_len = 0;
        uint8_t *again = NULL;
        assert_int_equal(sgp32_decode(type, upp + offset, len - offset, &options, (void **)&pe, &consumed), SGP32_OK);
        assert_true(consumed > 0);
        assert_int_equal(sgp32_encode_der_alloc(type, pe, &again, &again_len), SGP32_OK);
        assert_int_equal(again_len, consumed);
        assert_memory_equal(again, upp + offset, consumed);
        if (first < 0)
            first = (int)pe->present;
        last = (int)pe->present;
        sgp32_buffer_free(again);
        sgp32_codec_free(type, pe);
        offset += consumed;
        count++;
    }
    assert_int_equal(offset, len);
    assert_true(count >= 3);
    assert_int_equal(first, ProfileElement_PR_header);
    assert_int_equal(last, ProfileElement_PR_end);
    printf("vectors: unprotected profile package: %zu ProfileElements, %zu bytes\n", count, len);
    free(upp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_initial_eim_request),
        cmocka_unit_test(test_bound_profile_package),
        cmocka_unit_test(test_unprotected_profile_package),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
