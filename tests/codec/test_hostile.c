/* SPDX-License-Identifier: MIT */
/*
 * Hostile input for the codec facade and the TLV helpers: every truncation, wrong tags, lengths past
 * the buffer or past their parent, oversized length fields, deep nesting, BER forms under strict DER,
 * constraint violations, the known hang input and random byte flips over real messages. Every case
 * must end in a precise error (or a clean decode), never a crash, a hang, undefined behaviour or a
 * leak (this test runs under ASan+UBSan+LSan in the sanitizer builds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sgp32/sgp32.h"

struct bytes {
    uint8_t *data;
    size_t len;
};

static struct bytes bytes_new(size_t len)
{
    struct bytes b;
    b.data = malloc(len > 0 ? len : 1);
    assert_non_null(b.data);
    b.len = len;
    return b;
}

static struct bytes hex(const char *text)
{
    struct bytes b = bytes_new(strlen(text) / 2);
    size_t n = 0;
    unsigned value;
    while (*text != '\0') {
        if (*text == ' ') {
            text++;
            continue;
        }
        assert_int_equal(sscanf(text, "%2x", &value), 1);
        b.data[n++] = (uint8_t)value;
        text += 2;
    }
    b.len = n;
    return b;
}

static struct bytes shared_file(const char *relative)
{
    char path[512];
    FILE *f;
    long size;
    struct bytes b;
    snprintf(path, sizeof(path), "%s/%s", SGP32_SHARED_DIR, relative);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    b = bytes_new((size_t)size);
    assert_int_equal(fread(b.data, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

/* DER length octets of n into out (at most 5); returns their count. */
static size_t der_length(size_t n, uint8_t *out)
{
    size_t octets = 0, i;
    if (n < 0x80) {
        out[0] = (uint8_t)n;
        return 1;
    }
    for (i = n; i > 0; i >>= 8)
        octets++;
    out[0] = (uint8_t)(0x80u | octets);
    for (i = 0; i < octets; i++)
        out[1 + i] = (uint8_t)(n >> (8 * (octets - 1 - i)));
    return 1 + octets;
}

/* A TLV (tag given as its encoded bytes, big-endian, e.g. 0xBF51) holding the concatenation of
 * `count` parts, which it takes over (frees). */
static struct bytes tlv(uint32_t tag, int count, ...)
{
    struct bytes parts[12], out;
    size_t content = 0, pos = 0;
    uint8_t header[9];
    size_t header_len = 0;
    int i, shift;
    va_list ap;
    assert_true(count <= 12);
    va_start(ap, count);
    for (i = 0; i < count; i++) {
        parts[i] = va_arg(ap, struct bytes);
        content += parts[i].len;
    }
    va_end(ap);
    for (shift = 24; shift >= 0; shift -= 8)
        if ((tag >> shift) != 0 || shift == 0)
            header[header_len++] = (uint8_t)(tag >> shift);
    header_len += der_length(content, header + header_len);
    out = bytes_new(header_len + content);
    memcpy(out.data, header, header_len);
    pos = header_len;
    for (i = 0; i < count; i++) {
        memcpy(out.data + pos, parts[i].data, parts[i].len);
        pos += parts[i].len;
        free(parts[i].data);
    }
    return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* The samples: real vectors and certificates, and small messages of each kind built here (DER). */

struct sample {
    const char *type;
    struct bytes der;
};

#define EID "89049032000000000000000000000001"
#define ICCID "98001032547698103214"
#define SIGNATURE64 "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"

static struct bytes euicc_package_request(void)
{
    /* EuiccPackageRequest (SGP.32 2.11.1.1): one enable PSMO, counter 1, a 64-byte signature. */
    return tlv(0xBF51, 2,
               tlv(0x30, 4, hex("80 03 65494D"), hex("5A 10" EID), hex("81 01 01"),
                   tlv(0xA0, 1, tlv(0xA3, 1, hex("5A 0A" ICCID)))),
               hex("5F37 40" SIGNATURE64 SIGNATURE64));
}

static struct bytes sgp32_profile_info(const char *iccid_tlv)
{
    return tlv(0xE3, 6, hex(iccid_tlv), hex("4F 10 A0000005591010FFFFFFFF8900001000"), hex("9F70 01 01"),
               hex("91 04 41434D45"), hex("92 04 54657374"), hex("9F7B 01 FF"));
}

static struct bytes euicc_package_result(const char *iccid_tlv)
{
    /* EuiccPackageResult: signed result with an enable result and a profile list (SGP.32 2.11.2.1). */
    return tlv(0xBF51, 1,
               tlv(0xA0, 2,
                   tlv(0x30, 4, hex("80 03 65494D"), hex("81 01 01"), hex("83 01 05"),
                       tlv(0x30, 2, hex("83 01 00"), tlv(0xBF2D, 1, tlv(0xA0, 1, sgp32_profile_info(iccid_tlv))))),
                   hex("5F37 40" SIGNATURE64 SIGNATURE64)));
}

static struct bytes authenticate_server_request(void)
{
    /* AuthenticateServerRequest (SGP.22 5.7.13) carrying a real SGP.26 DPauth certificate. */
    return tlv(0xBF38, 5,
               tlv(0x30, 4, hex("80 10 00112233445566778899AABBCCDDEEFF"),
                   hex("81 10 00112233445566778899AABBCCDDEEFF"), hex("83 09 736D64702E74657374"),
                   hex("84 10 FFEEDDCCBBAA99887766554433221100")),
               hex("5F37 40" SIGNATURE64 SIGNATURE64), hex("04 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3"),
               shared_file("certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der"),
               tlv(0xA0, 2, hex("80 00"), tlv(0xA1, 2, hex("80 04 35290611"), hex("A1 00"))));
}

#define SAMPLE_MAX 24
static struct sample samples[SAMPLE_MAX];
static size_t sample_count;

static void add_sample(const char *type, struct bytes der)
{
    assert_true(sample_count < SAMPLE_MAX);
    samples[sample_count].type = type;
    samples[sample_count].der = der;
    sample_count++;
}

static int samples_setup(void **state)
{
    static const char *const certs[] = {
        "certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.der", "certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        "certs/sgp26/DPpb/CERT_S_SM_DPpb_ECDSA_BRP.der", "certs/sgp26/DPtls/CERT_S_SM_DP_TLS_NIST.der"};
    size_t i;
    (void)state;
    sample_count = 0;
    add_sample("AddInitialEimRequest", shared_file("vectors/sample_eim_cfg.AddInitialEimRequest.ber"));
    add_sample("AddInitialEimResponse", hex("BF57 07 A0 05 84 01 01 05 00"));
    add_sample("AddInitialEimResponse", hex("BF57 03 81 01 01"));
    add_sample("GetEimPackageRequest", hex("BF4F 17 5A 10" EID "82 03 00F110"));
    add_sample("EsipaMessageFromIpaToEim", hex("BF4F 12 5A 10" EID));
    add_sample("GetEimPackageResponse", hex("BF4F 03 02 01 01"));
    add_sample("GetEimPackageResponse", tlv(0xBF4F, 1, euicc_package_request()));
    add_sample("EsipaMessageFromEimToIpa", tlv(0xBF4F, 1, euicc_package_request()));
    add_sample("EuiccPackageRequest", euicc_package_request());
    add_sample("EuiccPackageResult", euicc_package_result("5A 0A" ICCID));
    add_sample("SGP32-ProfileInfoListResponse", tlv(0xBF2D, 1, tlv(0xA0, 1, sgp32_profile_info("5A 0A" ICCID))));
    add_sample("ProfileInfoListResponse",
               tlv(0xBF2D, 1,
                   tlv(0xA0, 2, tlv(0xE3, 3, hex("5A 0A" ICCID), hex("9F70 01 00"), hex("95 01 02")),
                       tlv(0xE3, 1, hex("5A 0A" ICCID)))));
    add_sample("AuthenticateServerRequest", authenticate_server_request());
    add_sample("BoundProfilePackage", shared_file("vectors/bsp/bpp_decode_test.BoundProfilePackage.der"));
    for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
        add_sample("Certificate", shared_file(certs[i]));
    return 0;
}

static int samples_teardown(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sample_count; i++)
        free(samples[i].der.data);
    sample_count = 0;
    return 0;
}

static const struct sgp32_codec_type *type_of(const struct sample *s)
{
    const struct sgp32_codec_type *t = sgp32_codec_type_find(s->type);
    assert_non_null(t);
    return t;
}

static const struct sgp32_decode_options ber_options = {0, 0, 0};
static const struct sgp32_decode_options der_options = {SGP32_DECODE_DER, 0, 0};
static const struct sgp32_decode_options strict_options = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};

static int discard_text(const char *text, size_t len, void *user)
{
    (void)text;
    (void)len;
    (void)user;
    return 0;
}

/* Decodes and, on success, uses the value every way the facade allows (so a half-initialised value
 * would show up under the sanitizers), then frees it. Returns the decode status. */
static enum sgp32_status decode_and_use(const struct sgp32_codec_type *t, const uint8_t *data, size_t len,
                                        const struct sgp32_decode_options *options)
{
    void *value = (void *)&value;
    uint8_t *out = NULL;
    size_t out_len = 0, consumed = 1;
    enum sgp32_status st = sgp32_decode(t, data, len, options, &value, &consumed);
    if (st != SGP32_OK) {
        assert_null(value);
        assert_int_equal(consumed, 0);
        assert_true(st == SGP32_ERR_DECODE || st == SGP32_ERR_TRUNCATED || st == SGP32_ERR_TRAILING ||
                    st == SGP32_ERR_NOT_DER || st == SGP32_ERR_TOO_LARGE || st == SGP32_ERR_TOO_DEEP ||
                    st == SGP32_ERR_CONSTRAINT);
        return st;
    }
    assert_non_null(value);
    assert_int_equal(consumed, len);
    /* Printing may fail (SGP32_ERR_CANCELLED) where asn1c cannot print a value that decoded: an
     * OBJECT IDENTIFIER arc above unsigned long or with a non-minimal subidentifier (80 ..). */
    st = sgp32_print(t, value, discard_text, NULL);
    assert_true(st == SGP32_OK || st == SGP32_ERR_CANCELLED);
    st = SGP32_OK;
    (void)sgp32_check_constraints(t, value, NULL, 0);
    if (sgp32_encode_der_alloc(t, value, &out, &out_len) == SGP32_OK) {
        if (options != NULL && (options->flags & SGP32_DECODE_DER)) {
            assert_int_equal(out_len, len); /* strict DER accepted: must be its own encoding */
            assert_memory_equal(out, data, len);
        }
        sgp32_buffer_free(out);
    } else {
        /* Only BER can decode to a value with no DER encoding; DER was checked by re-encoding. */
        assert_true(options == NULL || !(options->flags & SGP32_DECODE_DER));
    }
    sgp32_codec_free(t, value);
    return st;
}

static void test_samples_decode(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        print_message("sample %zu: %s, %zu bytes\n", i, s->type, s->der.len);
        assert_int_equal(decode_and_use(type_of(s), s->der.data, s->der.len, &ber_options), SGP32_OK);
        assert_int_equal(decode_and_use(type_of(s), s->der.data, s->der.len, &strict_options), SGP32_OK);
    }
}

static void test_every_truncation(void **state)
{
    size_t i, cut;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        for (cut = 0; cut < s->der.len; cut++) {
            assert_int_equal(decode_and_use(type_of(s), s->der.data, cut, &ber_options), SGP32_ERR_TRUNCATED);
            assert_int_equal(decode_and_use(type_of(s), s->der.data, cut, &der_options), SGP32_ERR_TRUNCATED);
        }
        /* A copy of exactly the prefix, so ASan sees any read past it. */
        for (cut = 0; cut < s->der.len && cut < 300; cut++) {
            uint8_t *copy = malloc(cut > 0 ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, s->der.data, cut);
            assert_int_equal(decode_and_use(type_of(s), copy, cut, &ber_options), SGP32_ERR_TRUNCATED);
            free(copy);
        }
    }
}

/* The outer header of a sample, re-written: tag bytes, then `length_octets` (NULL: unchanged). */
static struct bytes reheader(const struct sample *s, const uint8_t *tag, size_t tag_len, const uint8_t *length_octets,
                             size_t length_len)
{
    struct sgp32_tlv_header h;
    struct bytes out;
    size_t content;
    assert_int_equal(sgp32_tlv_parse_header(s->der.data, s->der.len, &h), SGP32_OK);
    content = s->der.len - h.header_len;
    if (tag == NULL) {
        tag = s->der.data;
        tag_len = h.tag_len;
    }
    if (length_octets == NULL) {
        length_octets = s->der.data + h.tag_len;
        length_len = (size_t)(h.header_len - h.tag_len);
    }
    out = bytes_new(tag_len + length_len + content);
    memcpy(out.data, tag, tag_len);
    memcpy(out.data + tag_len, length_octets, length_len);
    memcpy(out.data + tag_len + length_len, s->der.data + h.header_len, content);
    return out;
}

static void test_wrong_outer_tag(void **state)
{
    static const uint8_t private_126[] = {0xFF, 0x7E};            /* constructed [PRIVATE 126] */
    static const uint8_t universal_set[] = {0x31};                /* SET */
    static const uint8_t octet_string[] = {0x04};                 /* primitive OCTET STRING */
    static const uint8_t application_3000[] = {0x7F, 0x97, 0x38}; /* a 3-byte tag */
    const uint8_t *tags[] = {private_126, universal_set, octet_string, application_3000};
    const size_t tag_lens[] = {2, 1, 1, 3};
    size_t i, k;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        for (k = 0; k < 4; k++) {
            struct bytes b = reheader(&samples[i], tags[k], tag_lens[k], NULL, 0);
            print_message("sample %zu (%s) with outer tag %02X\n", i, samples[i].type, tags[k][0]);
            assert_int_equal(decode_and_use(type_of(&samples[i]), b.data, b.len, &ber_options), SGP32_ERR_DECODE);
            assert_int_equal(decode_and_use(type_of(&samples[i]), b.data, b.len, &der_options), SGP32_ERR_DECODE);
            free(b.data);
        }
    }
}

static void test_lengths_past_the_buffer(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        struct sgp32_tlv_header h;
        uint8_t octets[9];
        size_t n;
        struct bytes b;
        assert_int_equal(sgp32_tlv_parse_header(s->der.data, s->der.len, &h), SGP32_OK);

        /* one byte more than there is (minimal length octets: the same answer under DER) */
        n = der_length(h.length + 1, octets);
        b = reheader(s, NULL, 0, octets, n);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options), SGP32_ERR_TRUNCATED);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &der_options), SGP32_ERR_TRUNCATED);
        free(b.data);

        /* 84 FF FF FF FE: 4 GB; and 84 FF FF FF FF, which must not be taken for "indefinite" */
        memcpy(octets, "\x84\xFF\xFF\xFF\xFE", 5);
        b = reheader(s, NULL, 0, octets, 5);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options), SGP32_ERR_TRUNCATED);
        free(b.data);
        memcpy(octets, "\x84\xFF\xFF\xFF\xFF", 5);
        b = reheader(s, NULL, 0, octets, 5);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options),
                         SIZE_MAX > 0xFFFFFFFFu ? SGP32_ERR_TRUNCATED : SGP32_ERR_DECODE);
        free(b.data);

        /* five and more length octets are refused outright (X.690 allows them, we do not) */
        memcpy(octets, "\x85\x00\x00\x00\x00\x10", 6);
        b = reheader(s, NULL, 0, octets, 6);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options), SGP32_ERR_DECODE);
        free(b.data);
        memcpy(octets, "\x88\x00\x00\x00\x00\x00\x00\x00\x10", 9);
        b = reheader(s, NULL, 0, octets, 9);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options), SGP32_ERR_DECODE);
        free(b.data);
        octets[0] = 0xFF; /* reserved (X.690 8.1.3.5 c) */
        b = reheader(s, NULL, 0, octets, 1);
        assert_int_equal(decode_and_use(type_of(s), b.data, b.len, &ber_options), SGP32_ERR_DECODE);
        free(b.data);
    }
}

/* Writes a length: in the long form with 4 octets if `long_form`, otherwise DER. */
static size_t write_length(int long_form, size_t n, uint8_t *out)
{
    size_t k;
    if (!long_form)
        return der_length(n, out);
    out[0] = 0x84;
    for (k = 0; k < 4; k++)
        out[1 + k] = (uint8_t)(n >> (24 - 8 * k));
    return 5;
}

/* Can a constructed element (content in[0..len)) take an indefinite length here? asn1c 0.9.28's tag
 * check refuses an indefinite explicit tag around a definite element (its FIXME in ber_check_tags:
 * "no mixing"), and a primitive is always definite: so not when the content is one primitive element,
 * nor when it is one constructed element that cannot be indefinite itself. Since an explicit tag
 * cannot be told from an implicit SEQUENCE by the bytes, such elements stay definite in mode 0. */
static int indefinite_ok(const uint8_t *in, size_t len)
{
    struct sgp32_tlv_header h;
    if (len == 0)
        return 1;
    assert_int_equal(sgp32_tlv_parse_header(in, len, &h), SGP32_OK);
    if (h.header_len + h.length != len)
        return 1; /* more than one element */
    return h.constructed && indefinite_ok(in + h.header_len, h.length);
}

/* Re-encodes DER elements in other BER forms. mode 0: constructed elements with an indefinite length
 * (see indefinite_ok()); mode 1: the length of every constructed element in the long form with 4 octets; mode 2: every
 * universal OCTET STRING in the constructed, indefinite form (segments of at most 7 bytes); mode 3:
 * every length in the long form. Returns the bytes written. */
static size_t reencode_ber(const uint8_t *in, size_t len, int mode, uint8_t *out)
{
    size_t pos = 0, n = 0;
    while (pos < len) {
        struct sgp32_tlv_header h;
        const uint8_t *content;
        size_t k;
        assert_int_equal(sgp32_tlv_parse_header(in + pos, len - pos, &h), SGP32_OK);
        assert_true(h.length <= len - pos - h.header_len);
        content = in + pos + h.header_len;
        memcpy(out + n, in + pos, h.tag_len);
        n += h.tag_len;
        if (mode == 2 && in[pos] == 0x04) {
            out[n - 1] = 0x24;
            out[n++] = 0x80;
            for (k = 0; k < h.length; k += 7) {
                size_t piece = h.length - k < 7 ? h.length - k : 7;
                out[n++] = 0x04;
                out[n++] = (uint8_t)piece;
                memcpy(out + n, content + k, piece);
                n += piece;
            }
            out[n++] = 0x00;
            out[n++] = 0x00;
        } else if (h.constructed) {
            uint8_t *inner = malloc(h.length * 4 + 64);
            size_t m;
            assert_non_null(inner);
            m = reencode_ber(content, h.length, mode, inner);
            int indefinite = mode == 0 && indefinite_ok(content, h.length);
            if (indefinite)
                out[n++] = 0x80;
            else
                n += write_length(mode == 1 || mode == 3, m, out + n);
            memcpy(out + n, inner, m);
            n += m;
            if (indefinite) {
                out[n++] = 0x00;
                out[n++] = 0x00;
            }
            free(inner);
        } else {
            n += write_length(mode == 3, h.length, out + n);
            memcpy(out + n, content, h.length);
            n += h.length;
        }
        pos += h.header_len + h.length;
    }
    return n;
}

static void test_ber_forms_under_der(void **state)
{
    size_t i;
    int mode;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        for (mode = 0; mode < 4; mode++) {
            uint8_t *ber = malloc(s->der.len * 4 + 64);
            size_t n, cut;
            void *value = NULL;
            uint8_t *out = NULL;
            size_t out_len = 0;
            assert_non_null(ber);
            n = reencode_ber(s->der.data, s->der.len, mode, ber);
            if (n == s->der.len && memcmp(ber, s->der.data, n) == 0) {
                free(ber); /* nothing to change in this form (e.g. no OCTET STRING for mode 2) */
                continue;
            }
            print_message("sample %zu (%s) in BER form %d: %zu bytes\n", i, s->type, mode, n);
            /* BER accepts the other forms and decodes the same value (the same DER encoding; not in
             * mode 3, where open types (ANY) keep the long-form lengths of their content as received) */
            assert_int_equal(sgp32_decode(type_of(s), ber, n, &ber_options, &value, NULL), SGP32_OK);
            assert_int_equal(sgp32_encode_der_alloc(type_of(s), value, &out, &out_len), SGP32_OK);
            if (mode != 3) {
                assert_int_equal(out_len, s->der.len);
                assert_memory_equal(out, s->der.data, out_len);
            }
            sgp32_buffer_free(out);
            sgp32_codec_free(type_of(s), value);
            /* ... strict DER refuses them; every truncation is still TRUNCATED */
            assert_int_equal(decode_and_use(type_of(s), ber, n, &der_options), SGP32_ERR_NOT_DER);
            for (cut = 0; cut < n && cut < 4096; cut++)
                assert_int_equal(decode_and_use(type_of(s), ber, cut, &ber_options), SGP32_ERR_TRUNCATED);
            free(ber);
        }
    }
}

/* Empty and short ICCIDs (Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))): the decoder takes the
 * bytes as they are (the structure is sound); SGP32_DECODE_CONSTRAINTS refuses them. */
static void test_iccid_size_constraint(void **state)
{
    static const char *const bad[] = {"5A 00", "5A 01 98", "5A 0B 9800103254769810321400"};
    const struct sgp32_codec_type *info = sgp32_codec_type_find("SGP32-ProfileInfo");
    const struct sgp32_codec_type *result = sgp32_codec_type_find("EuiccPackageResult");
    const struct sgp32_codec_type *list = sgp32_codec_type_find("ProfileInfoListResponse");
    size_t i;
    (void)state;
    assert_non_null(info);
    assert_non_null(result);
    assert_non_null(list);
    for (i = 0; i < 3; i++) {
        struct bytes a = sgp32_profile_info(bad[i]);
        struct bytes b = euicc_package_result(bad[i]);
        struct bytes c = tlv(0xBF2D, 1, tlv(0xA0, 1, tlv(0xE3, 2, hex(bad[i]), hex("95 01 02"))));
        assert_int_equal(decode_and_use(info, a.data, a.len, &der_options), SGP32_OK);
        assert_int_equal(decode_and_use(info, a.data, a.len, &strict_options), SGP32_ERR_CONSTRAINT);
        assert_int_equal(decode_and_use(result, b.data, b.len, &der_options), SGP32_OK);
        assert_int_equal(decode_and_use(result, b.data, b.len, &strict_options), SGP32_ERR_CONSTRAINT);
        assert_int_equal(decode_and_use(list, c.data, c.len, &ber_options), SGP32_OK);
        assert_int_equal(decode_and_use(list, c.data, c.len, &strict_options), SGP32_ERR_CONSTRAINT);
        free(a.data);
        free(b.data);
        free(c.data);
    }
}

/* A BIT STRING's first content octet counts the unused bits of the last octet: 0..7 (X.690 8.6.2.2).
 * asn1c 0.9.28 used any value as a shift count (undefined behaviour); patch 0004 refuses it. */
static void test_bit_string_unused_bits(void **state)
{
    const struct sgp32_codec_type *spki = sgp32_codec_type_find("SubjectPublicKeyInfo");
    static const char *const prefix = "30 0D 30 09 06 07 2A8648CE3D0201 ";
    static const char *const good[] = {"03 02 00 FF", "03 02 07 80", "03 01 00"};
    static const char *const bad[] = {"03 02 08 00", "03 02 B6 00", "03 02 FF FF", "03 01 FF"};
    char text[128];
    size_t i;
    (void)state;
    assert_non_null(spki);
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct bytes b;
        snprintf(text, sizeof(text), "%s%s", prefix, good[i]);
        b = hex(text);
        b.data[1] = (uint8_t)(b.len - 2);
        assert_int_equal(decode_and_use(spki, b.data, b.len, &ber_options), SGP32_OK);
        free(b.data);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bytes b;
        snprintf(text, sizeof(text), "%s%s", prefix, bad[i]);
        b = hex(text);
        b.data[1] = (uint8_t)(b.len - 2);
        assert_int_equal(decode_and_use(spki, b.data, b.len, &ber_options), SGP32_ERR_DECODE);
        free(b.data);
    }
}

/* Empty strings in the constructed BER form (24 00, 33 00, B4 00 ...) decoded to a value with no
 * buffer: encoding it gave the output callback (NULL, 0), which the codec passed on to memcpy, and
 * printing it computed NULL + 0 (undefined behaviour, both found by fuzz_decode_any; fixed in
 * lib/codec/codec.c and by patch 0005). BER decodes it, DER re-encodes it primitive. */
static void test_empty_constructed_strings(void **state)
{
    static const struct {
        const char *type, *ber, *der;
    } cases[] = {{"X520SerialNumber", "33 00", "13 00"},
                 {"ProfileInfo", "E3 02 B4 00", "E3 02 94 00"},
                 {"ProfileInfo", "E3 06 B4 80 04 00 00 00", "E3 02 94 00"},
                 {"SubjectKeyIdentifier", "24 80 00 00", "04 00"}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_find(cases[i].type);
        struct bytes ber = hex(cases[i].ber), der = hex(cases[i].der);
        void *value = NULL;
        uint8_t out[8];
        size_t len = 0;
        assert_non_null(t);
        assert_int_equal(sgp32_decode(t, ber.data, ber.len, &ber_options, &value, NULL), SGP32_OK);
        assert_int_equal(sgp32_encode_der(t, value, out, sizeof(out), &len), SGP32_OK);
        assert_int_equal(len, der.len);
        assert_memory_equal(out, der.data, len);
        sgp32_codec_free(t, value);
        assert_int_equal(decode_and_use(t, ber.data, ber.len, &ber_options), SGP32_OK); /* prints it */
        assert_int_equal(decode_and_use(t, ber.data, ber.len, &der_options), SGP32_ERR_NOT_DER);
        assert_int_equal(decode_and_use(t, der.data, der.len, &der_options), SGP32_OK);
        free(ber.data);
        free(der.data);
    }
}

/* UniversalString (4 bytes a character) printing shifted a byte >= 0x80 into the sign bit of an int and
 * pointed before short buffers (undefined behaviour, found by fuzz_decode_any; patch 0006). */
static void test_universal_string_print(void **state)
{
    static const char *const inputs[] = {"1C 04 9E021E04", "1C 08 FFFFFFFF 80000041", "1C 03 414243", "1C 00",
                                         "3C 80 1C 04 0001F600 00 00"};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("X520LocalityName");
    size_t i;
    (void)state;
    assert_non_null(t);
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct bytes b = hex(inputs[i]);
        assert_int_equal(decode_and_use(t, b.data, b.len, &ber_options), SGP32_OK);
        free(b.data);
    }
}

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* Nesting 10,000 levels deep, indefinite and definite, under several root types: refused at the
 * structure check's depth limit, at once. */
static void test_deep_nesting(void **state)
{
    static const char *const types[] = {"AddInitialEimResponse", "EsipaMessageFromEimToIpa", "Certificate",
                                        "BoundProfilePackage", "SGP32-ProfileInfoListResponse"};
    const size_t levels = 10000;
    struct bytes indefinite = bytes_new(levels * 4 + 1), definite = bytes_new(levels * 6 + 1);
    size_t i, n, content;
    clock_t start = clock();
    (void)state;
    for (i = 0; i < levels; i++) {
        indefinite.data[2 * i] = 0xA0;
        indefinite.data[2 * i + 1] = 0x80;
    }
    memset(indefinite.data + 2 * levels, 0, 2 * levels);
    indefinite.len = 4 * levels;
    /* definite: built from the innermost level (A0 00) outwards, minimal length octets */
    n = definite.len;
    content = 0;
    for (i = 0; i < levels; i++) {
        uint8_t octets[9];
        size_t ol = der_length(content, octets);
        n -= ol;
        memcpy(definite.data + n, octets, ol);
        definite.data[--n] = 0xA0;
        content = definite.len - n;
    }
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_find(types[i]);
        assert_non_null(t);
        assert_int_equal(decode_and_use(t, indefinite.data, indefinite.len, &ber_options), SGP32_ERR_TOO_DEEP);
        assert_int_equal(decode_and_use(t, indefinite.data, indefinite.len, &der_options), SGP32_ERR_NOT_DER);
        assert_int_equal(decode_and_use(t, definite.data + n, definite.len - n, &ber_options), SGP32_ERR_TOO_DEEP);
        assert_int_equal(decode_and_use(t, definite.data + n, definite.len - n, &der_options), SGP32_ERR_TOO_DEEP);
        /* truncated deep input: the depth limit comes first */
        assert_int_equal(decode_and_use(t, indefinite.data, levels, &ber_options), SGP32_ERR_TOO_DEEP);
    }
    assert_true(seconds_since(start) < 2.0);
    free(indefinite.data);
    free(definite.data);
}

/* BF 57 80 81 01 01 00 01 (an indefinite AddInitialEimResponse whose end-of-contents is 00 01):
 * unpatched asn1c loops forever on it; here it is a malformed-input error, and its valid and truncated
 * neighbours decode or fail as they should. */
static void test_choice_end_of_contents(void **state)
{
    static const uint8_t hang[] = {0xBF, 0x57, 0x80, 0x81, 0x01, 0x01, 0x00, 0x01};
    static const uint8_t valid[] = {0xBF, 0x57, 0x80, 0x81, 0x01, 0x01, 0x00, 0x00};
    static const uint8_t nested[] = {0xBF, 0x57, 0x80, 0xA0, 0x80, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("AddInitialEimResponse");
    clock_t start = clock();
    size_t cut;
    (void)state;
    assert_int_equal(decode_and_use(t, hang, sizeof(hang), &ber_options), SGP32_ERR_DECODE);
    assert_int_equal(decode_and_use(t, hang, sizeof(hang), &der_options), SGP32_ERR_NOT_DER);
    assert_int_equal(decode_and_use(t, valid, sizeof(valid), &ber_options), SGP32_OK);
    assert_int_equal(decode_and_use(t, valid, sizeof(valid), &der_options), SGP32_ERR_NOT_DER);
    assert_int_equal(decode_and_use(t, nested, sizeof(nested), &ber_options), SGP32_ERR_DECODE);
    for (cut = 0; cut < sizeof(hang); cut++)
        assert_int_equal(decode_and_use(t, hang, cut, &ber_options), SGP32_ERR_TRUNCATED);
    assert_true(seconds_since(start) < 1.0);
}

static enum sgp32_status header_of(const char *text, struct sgp32_tlv_header *h)
{
    struct bytes b = hex(text);
    enum sgp32_status st;
    memset(h, 0xA5, sizeof(*h));
    st = sgp32_tlv_parse_header(b.data, b.len, h);
    free(b.data);
    return st;
}

static void test_tlv_parse_header_edges(void **state)
{
    struct sgp32_tlv_header h;
    static const uint8_t one = 0x04;
    (void)state;
    assert_int_equal(sgp32_tlv_parse_header(NULL, 2, &h), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_parse_header(&one, 1, NULL), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_parse_header(&one, 0, &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("04", &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("1F", &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("BF 81", &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("04 82 01", &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("04 84 00 00 00", &h), SGP32_ERR_NEED_MORE);
    assert_int_equal(header_of("04 80", &h), SGP32_ERR_DECODE);                /* indefinite primitive */
    assert_int_equal(header_of("04 85 00 00 00 00 01", &h), SGP32_ERR_DECODE); /* 5 length octets */
    assert_int_equal(header_of("24 FF", &h), SGP32_ERR_DECODE);                /* reserved */
    assert_int_equal(header_of("DF 81 82 83 04 00", &h), SGP32_ERR_DECODE);    /* 5-byte tag */
    assert_int_equal(header_of("DF 81 82 03 00", &h), SGP32_OK);               /* 4-byte tag */
    assert_int_equal(h.tag, 0xDF818203u);
    assert_int_equal(h.tag_len, 4);
    assert_int_equal(h.header_len, 5);
    assert_int_equal(h.length, 0);
    assert_int_equal(h.constructed, 0);
    assert_int_equal(header_of("BF 51 80", &h), SGP32_OK);
    assert_int_equal(h.tag, 0xBF51u);
    assert_true(h.length == SGP32_TLV_INDEFINITE);
    assert_int_equal(h.constructed, 1);
    assert_int_equal(header_of("5A 81 05", &h), SGP32_OK); /* non-minimal but valid BER */
    assert_int_equal(h.length, 5);
    assert_int_equal(h.header_len, 3);
    assert_int_equal(header_of("04 84 FF FF FF FE", &h), SGP32_OK);
    assert_true(h.length == 0xFFFFFFFEu);
    assert_int_equal(h.header_len, 6);
    /* the largest 4-octet length is a length, never SGP32_TLV_INDEFINITE (they meet on 32-bit) */
    if (header_of("30 84 FF FF FF FF", &h) == SGP32_OK)
        assert_true(h.length == 0xFFFFFFFFu && h.length != SGP32_TLV_INDEFINITE);
}

static enum sgp32_status check_of(const char *text, unsigned max_depth, unsigned flags, size_t *element_len)
{
    struct bytes b = hex(text);
    enum sgp32_status st;
    *element_len = 12345;
    st = sgp32_tlv_check(b.data, b.len, max_depth, flags, element_len);
    free(b.data);
    return st;
}

static void test_tlv_check_edges(void **state)
{
    const unsigned der = SGP32_TLV_CHECK_DER;
    size_t n;
    uint8_t deep[2 * 65];
    int i;
    (void)state;
    assert_int_equal(sgp32_tlv_check(NULL, 1, 0, 0, &n), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_tlv_check(NULL, 0, 0, 0, &n), SGP32_ERR_TRUNCATED);
    assert_int_equal(sgp32_tlv_check(deep, 0, 0, 0, NULL), SGP32_ERR_TRUNCATED);
    assert_int_equal(check_of("04 00 FF", 0, 0, &n), SGP32_OK);
    assert_int_equal(n, 2);
    assert_int_equal(check_of("30 03 04 01 AA", 0, der, &n), SGP32_OK);
    assert_int_equal(n, 5);
    assert_int_equal(check_of("30 04 04 01 AA", 0, 0, &n), SGP32_ERR_TRUNCATED);
    assert_int_equal(check_of("30 80 04 01 AA 00 00 FF", 0, 0, &n), SGP32_OK);
    assert_int_equal(n, 7);
    assert_int_equal(check_of("30 80 30 80 00 00 00 00", 0, 0, &n), SGP32_OK);
    assert_int_equal(n, 8);
    assert_int_equal(check_of("30 06 30 80 04 00 00 00", 0, 0, &n), SGP32_OK);
    assert_int_equal(n, 8);
    /* truncated inside indefinite elements */
    assert_int_equal(check_of("30 80 04 01 AA", 0, 0, &n), SGP32_ERR_TRUNCATED);
    assert_int_equal(check_of("30 80 04 01 AA 00", 0, 0, &n), SGP32_ERR_TRUNCATED);
    assert_int_equal(check_of("30 80 30 03 04 01", 0, 0, &n), SGP32_ERR_TRUNCATED);
    /* end-of-contents is exactly 00 00 */
    assert_int_equal(check_of("30 80 04 01 AA 00 01", 0, 0, &n), SGP32_ERR_DECODE);
    /* children overrunning a definite parent are malformed, also when the parent ends the input */
    assert_int_equal(check_of("30 03 04 02 AA BB", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 03 04 05 AA", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 03 04 05 AA FF FF FF FF", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 03 04 01 AA 04", 0, 0, &n), SGP32_OK); /* the trailer is not ours */
    assert_int_equal(check_of("30 02 30 80", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 05 30 80 04 00 00 00", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 80 30 02 04 05 00 00", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 06 04 84 FF FF FF FF", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("04 84 FF FF FF FF 00 00", 0, 0, &n), SGP32_ERR_TRUNCATED);
    assert_int_equal(check_of("30 85 00 00 00 00 02 05 00", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 80 04 80 00 00", 0, 0, &n), SGP32_ERR_DECODE);
    assert_int_equal(check_of("30 02 1F 81", 0, 0, &n), SGP32_ERR_DECODE); /* header cut by the parent */
    assert_int_equal(check_of("30 03 1F 81", 0, 0, &n), SGP32_ERR_TRUNCATED);
    /* strict DER: no indefinite length, minimal length octets */
    assert_int_equal(check_of("30 80 00 00", 0, der, &n), SGP32_ERR_NOT_DER);
    assert_int_equal(check_of("04 81 01 AA", 0, der, &n), SGP32_ERR_NOT_DER);
    assert_int_equal(check_of("04 82 00 80", 0, der, &n), SGP32_ERR_NOT_DER);
    assert_int_equal(check_of("30 04 04 81 01 AA", 0, der, &n), SGP32_ERR_NOT_DER);
    assert_int_equal(check_of("30 04 04 81 01 AA", 0, 0, &n), SGP32_OK);
    assert_int_equal(n, 6);
    assert_int_equal(check_of("04 81 80", 0, der, &n), SGP32_ERR_TRUNCATED); /* minimal, just short */
    /* depth: max_depth counts constructed levels; 0 and oversized ask for the cap (64) */
    assert_int_equal(check_of("30 02 30 00", 1, 0, &n), SGP32_ERR_TOO_DEEP);
    assert_int_equal(check_of("30 02 30 00", 2, 0, &n), SGP32_OK);
    assert_int_equal(check_of("30 80 30 80 00 00 00 00", 1, 0, &n), SGP32_ERR_TOO_DEEP);
    for (i = 0; i < 65; i++) {
        deep[2 * i] = 0x30;
        deep[2 * i + 1] = 0x80;
    }
    assert_int_equal(sgp32_tlv_check(deep, sizeof(deep), 0, 0, &n), SGP32_ERR_TOO_DEEP);
    assert_int_equal(sgp32_tlv_check(deep, sizeof(deep), 1000, 0, &n), SGP32_ERR_TOO_DEEP);
    assert_int_equal(sgp32_tlv_check(deep, 2 * 64, 0, 0, &n), SGP32_ERR_TRUNCATED); /* 64 levels fit */
}

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t next_random(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void test_random_mutations(void **state)
{
    uint32_t seed = 0x5EED1234u;
    size_t i, ok = 0, total = 0;
    int round;
    (void)state;
    for (i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        int rounds = s->der.len > 4096 ? 150 : 400;
        uint8_t *copy = malloc(s->der.len);
        assert_non_null(copy);
        for (round = 0; round < rounds; round++) {
            int flips = 1 + (int)(next_random(&seed) % 4), f;
            size_t len = s->der.len;
            memcpy(copy, s->der.data, len);
            for (f = 0; f < flips; f++) {
                uint32_t r = next_random(&seed);
                /* bias towards headers: most flips land in the first 64 bytes */
                size_t at = (r & 1) ? (r >> 8) % len : (r >> 8) % (len < 64 ? len : 64);
                copy[at] ^= (uint8_t)(1u + (next_random(&seed) % 255u));
            }
            if (next_random(&seed) % 8 == 0)
                len = next_random(&seed) % len; /* and sometimes cut */
            ok += decode_and_use(type_of(s), copy, len, &ber_options) == SGP32_OK;
            ok += decode_and_use(type_of(s), copy, len, &strict_options) == SGP32_OK;
            total += 2;
        }
        free(copy);
    }
    print_message("random mutations: %zu of %zu decodes succeeded\n", ok, total);
    assert_true(total >= 4000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_decode),         cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_wrong_outer_tag),        cmocka_unit_test(test_lengths_past_the_buffer),
        cmocka_unit_test(test_ber_forms_under_der),    cmocka_unit_test(test_iccid_size_constraint),
        cmocka_unit_test(test_bit_string_unused_bits), cmocka_unit_test(test_empty_constructed_strings),
        cmocka_unit_test(test_universal_string_print), cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_choice_end_of_contents), cmocka_unit_test(test_random_mutations),
        cmocka_unit_test(test_tlv_parse_header_edges), cmocka_unit_test(test_tlv_check_edges),
    };
    return cmocka_run_group_tests(tests, samples_setup, samples_teardown);
}
