/* SPDX-License-Identifier: MIT */
/*
 * X.509 (RFC 5280) certificate parsing for the RSP PKI profiles (SGP.22 4.5.2, SGP.26): a DER walker
 * that records where the fields are, plus the issuer signature check.
 */
#include "crypto/x509.h"

#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "sgp32/tlv.h"

/* OBJECT IDENTIFIER contents. */
static const uint8_t oid_ec_public_key[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};           /* 1.2.840.10045.2.1 */
static const uint8_t oid_ecdsa_with_sha256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}; /* ...4.3.2 */
static const uint8_t oid_subject_key_id[] = {0x55, 0x1D, 0x0E};                                  /* 2.5.29.14 */
static const uint8_t oid_basic_constraints[] = {0x55, 0x1D, 0x13};                               /* 2.5.29.19 */
static const uint8_t oid_certificate_policies[] = {0x55, 0x1D, 0x20};                            /* 2.5.29.32 */
static const uint8_t oid_authority_key_id[] = {0x55, 0x1D, 0x23};                                /* 2.5.29.35 */
/* id-rsp-cert-objectives 2.23.146.1.2.1 (SGP.22 4.5.2.1); one more arc names the role. */
static const uint8_t oid_rsp_cert_objectives[] = {0x67, 0x81, 0x12, 0x01, 0x02, 0x01};

/* A cursor over the contents of one constructed element. */
struct der_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

struct der_element {
    uint32_t tag;
    struct sgp32_x509_span value; /* contents */
    struct sgp32_x509_span whole; /* tag, length and contents */
};

static void reader_open(struct der_reader *reader, struct sgp32_x509_span span)
{
    reader->data = span.data;
    reader->len = span.len;
    reader->pos = 0;
}

static int reader_at_end(const struct der_reader *reader)
{
    return reader->pos >= reader->len;
}

static uint32_t reader_peek_tag(const struct der_reader *reader)
{
    return reader_at_end(reader) ? 0 : reader->data[reader->pos];
}

/* Reads the next element (definite lengths only, as DER requires). */
static enum sgp32_status reader_next(struct der_reader *reader, struct der_element *element)
{
    struct sgp32_tlv_header header;
    size_t rest = reader->len - reader->pos;

    if (reader_at_end(reader))
        return SGP32_ERR_DECODE;
    if (sgp32_tlv_parse_header(reader->data + reader->pos, rest, &header) != SGP32_OK ||
        header.length == SGP32_TLV_INDEFINITE || header.length > rest - header.header_len)
        return SGP32_ERR_DECODE;
    element->tag = header.tag;
    element->whole.data = reader->data + reader->pos;
    element->whole.len = header.header_len + header.length;
    element->value.data = element->whole.data + header.header_len;
    element->value.len = header.length;
    reader->pos += element->whole.len;
    return SGP32_OK;
}

/* Reads the next element and requires its tag. */
static enum sgp32_status reader_expect(struct der_reader *reader, uint32_t tag, struct der_element *element)
{
    enum sgp32_status st = reader_next(reader, element);
    if (st == SGP32_OK && element->tag != tag)
        return SGP32_ERR_DECODE;
    return st;
}

static int span_equals(struct sgp32_x509_span span, const uint8_t *bytes, size_t len)
{
    return span.len == len && memcmp(span.data, bytes, len) == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t year, int64_t month, int64_t day)
{
    int64_t era, year_of_era, day_of_year, day_of_era;
    year -= month <= 2;
    era = (year >= 0 ? year : year - 399) / 400;
    year_of_era = year - era * 400;
    day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static int read_digits(const uint8_t *text, size_t count, int64_t *value)
{
    size_t i;
    *value = 0;
    for (i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        *value = *value * 10 + (text[i] - '0');
    }
    return 1;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5) -> epoch seconds. */
static enum sgp32_status parse_time(const struct der_element *element, int64_t *seconds)
{
    const uint8_t *text = element->value.data;
    size_t year_digits;
    int64_t year, month, day, hour, minute, second;

    if (element->tag == 0x17 && element->value.len == 13)
        year_digits = 2;
    else if (element->tag == 0x18 && element->value.len == 15)
        year_digits = 4;
    else
        return SGP32_ERR_DECODE;
    if (text[element->value.len - 1] != 'Z' || !read_digits(text, year_digits, &year) ||
        !read_digits(text + year_digits, 2, &month) || !read_digits(text + year_digits + 2, 2, &day) ||
        !read_digits(text + year_digits + 4, 2, &hour) || !read_digits(text + year_digits + 6, 2, &minute) ||
        !read_digits(text + year_digits + 8, 2, &second))
        return SGP32_ERR_DECODE;
    if (year_digits == 2)
        year += year >= 50 ? 1900 : 2000;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return SGP32_ERR_DECODE;
    *seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return SGP32_OK;
}

static enum sgp32_status parse_validity(struct sgp32_x509_cert *cert, struct sgp32_x509_span validity)
{
    struct der_reader reader;
    struct der_element element;
    enum sgp32_status st;

    reader_open(&reader, validity);
    st = reader_next(&reader, &element);
    if (st == SGP32_OK)
        st = parse_time(&element, &cert->not_before);
    if (st == SGP32_OK)
        st = reader_next(&reader, &element);
    if (st == SGP32_OK)
        st = parse_time(&element, &cert->not_after);
    if (st == SGP32_OK && !reader_at_end(&reader))
        st = SGP32_ERR_DECODE;
    return st;
}

/* SubjectPublicKeyInfo: algorithm id-ecPublicKey with a named curve, then the point. */
static enum sgp32_status parse_spki(struct sgp32_x509_cert *cert, struct sgp32_x509_span spki)
{
    struct der_reader reader, algorithm;
    struct der_element element, oid;
    enum sgp32_status st;

    reader_open(&reader, spki);
    st = reader_expect(&reader, 0x30, &element);
    if (st != SGP32_OK)
        return st;
    reader_open(&algorithm, element.value);
    st = reader_expect(&algorithm, 0x06, &oid);
    if (st != SGP32_OK)
        return st;
    if (span_equals(oid.value, oid_ec_public_key, sizeof oid_ec_public_key) && reader_peek_tag(&algorithm) == 0x06) {
        st = reader_next(&algorithm, &oid);
        if (st != SGP32_OK)
            return st;
        cert->curve = sgp32_ec_curve_from_oid(oid.value.data, oid.value.len);
    }
    st = reader_expect(&reader, 0x03, &element);
    if (st != SGP32_OK)
        return st;
    if (element.value.len < 1 || element.value.data[0] != 0 || !reader_at_end(&reader))
        return SGP32_ERR_DECODE;
    cert->public_point.data = element.value.data + 1;
    cert->public_point.len = element.value.len - 1;
    return SGP32_OK;
}

/* Records the extensions this layer uses; the others (and criticality) are the caller's business. */
static enum sgp32_status parse_extension(struct sgp32_x509_cert *cert, struct sgp32_x509_span extension)
{
    struct der_reader reader, inner;
    struct der_element oid, element, value;
    enum sgp32_status st;

    reader_open(&reader, extension);
    st = reader_expect(&reader, 0x06, &oid);
    if (st == SGP32_OK && reader_peek_tag(&reader) == 0x01)
        st = reader_next(&reader, &element); /* critical */
    if (st == SGP32_OK)
        st = reader_expect(&reader, 0x04, &value);
    if (st == SGP32_OK && !reader_at_end(&reader))
        st = SGP32_ERR_DECODE;
    if (st != SGP32_OK)
        return st;
    reader_open(&inner, value.value);
    if (span_equals(oid.value, oid_subject_key_id, sizeof oid_subject_key_id)) {
        st = reader_expect(&inner, 0x04, &element);
        if (st == SGP32_OK)
            cert->subject_key_id = element.value;
    } else if (span_equals(oid.value, oid_authority_key_id, sizeof oid_authority_key_id)) {
        struct der_reader fields;
        st = reader_expect(&inner, 0x30, &element);
        if (st != SGP32_OK)
            return st;
        reader_open(&fields, element.value);
        if (reader_peek_tag(&fields) == 0x80) {
            st = reader_next(&fields, &element);
            if (st == SGP32_OK)
                cert->authority_key_id = element.value;
        }
    } else if (span_equals(oid.value, oid_basic_constraints, sizeof oid_basic_constraints)) {
        struct der_reader fields;
        st = reader_expect(&inner, 0x30, &element);
        if (st != SGP32_OK)
            return st;
        reader_open(&fields, element.value);
        if (reader_peek_tag(&fields) == 0x01) {
            st = reader_next(&fields, &element);
            if (st == SGP32_OK && element.value.len == 1)
                cert->is_ca = element.value.data[0] != 0;
        }
    } else if (span_equals(oid.value, oid_certificate_policies, sizeof oid_certificate_policies)) {
        st = reader_expect(&inner, 0x30, &element);
        if (st == SGP32_OK)
            cert->policies = element.whole;
    }
    return st;
}

static enum sgp32_status parse_extensions(struct sgp32_x509_cert *cert, struct sgp32_x509_span explicit_tag)
{
    struct der_reader reader, list;
    struct der_element element;
    enum sgp32_status st;

    reader_open(&reader, explicit_tag);
    st = reader_expect(&reader, 0x30, &element);
    if (st != SGP32_OK || !reader_at_end(&reader))
        return SGP32_ERR_DECODE;
    reader_open(&list, element.value);
    while (!reader_at_end(&list)) {
        st = reader_expect(&list, 0x30, &element);
        if (st == SGP32_OK)
            st = parse_extension(cert, element.value);
        if (st != SGP32_OK)
            return st;
    }
    return SGP32_OK;
}

static enum sgp32_status parse_tbs(struct sgp32_x509_cert *cert, struct sgp32_x509_span tbs)
{
    struct der_reader reader;
    struct der_element element;
    enum sgp32_status st;

    reader_open(&reader, tbs);
    if (reader_peek_tag(&reader) == 0xA0 && (st = reader_next(&reader, &element)) != SGP32_OK)
        return st; /* version */
    if ((st = reader_expect(&reader, 0x02, &element)) != SGP32_OK)
        return st;
    cert->serial = element.value;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK) /* signature algorithm */
        return st;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK)
        return st;
    cert->issuer = element.whole;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK ||
        (st = parse_validity(cert, element.value)) != SGP32_OK)
        return st;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK)
        return st;
    cert->subject = element.whole;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK)
        return st;
    cert->spki = element.whole;
    if ((st = parse_spki(cert, element.value)) != SGP32_OK)
        return st;
    while (!reader_at_end(&reader)) {
        if ((st = reader_next(&reader, &element)) != SGP32_OK)
            return st;
        if (element.tag == 0xA3 && (st = parse_extensions(cert, element.value)) != SGP32_OK)
            return st;
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_x509_parse(struct sgp32_x509_cert *cert, const uint8_t *der, size_t der_len)
{
    struct der_reader outer, reader, algorithm;
    struct der_element element, oid;
    struct sgp32_x509_span whole;
    enum sgp32_status st;

    if (cert == NULL || der == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(cert, 0, sizeof *cert);
    whole.data = der;
    whole.len = der_len;
    reader_open(&outer, whole);
    if ((st = reader_expect(&outer, 0x30, &element)) != SGP32_OK)
        return st;
    if (!reader_at_end(&outer))
        return SGP32_ERR_TRAILING;
    cert->der = element.whole;
    reader_open(&reader, element.value);
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK)
        return st;
    cert->tbs = element.whole;
    if ((st = parse_tbs(cert, element.value)) != SGP32_OK)
        return st;
    if ((st = reader_expect(&reader, 0x30, &element)) != SGP32_OK)
        return st;
    reader_open(&algorithm, element.value);
    if ((st = reader_expect(&algorithm, 0x06, &oid)) != SGP32_OK)
        return st;
    cert->signature_is_ecdsa_sha256 = span_equals(oid.value, oid_ecdsa_with_sha256, sizeof oid_ecdsa_with_sha256);
    if ((st = reader_expect(&reader, 0x03, &element)) != SGP32_OK)
        return st;
    if (element.value.len < 1 || element.value.data[0] != 0 || !reader_at_end(&reader))
        return SGP32_ERR_DECODE;
    cert->signature.data = element.value.data + 1;
    cert->signature.len = element.value.len - 1;
    return SGP32_OK;
}

enum sgp32_status sgp32_x509_pem_to_der(const uint8_t *pem, size_t pem_len, uint8_t *der, size_t der_size,
                                        size_t *der_len)
{
    int rc;

    if (pem == NULL || der == NULL || der_len == NULL || pem_len > 0x7FFFFFFFu)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (der_size > 0x7FFFFFFFu)
        der_size = 0x7FFFFFFFu;
    rc = wc_CertPemToDer(pem, (int)pem_len, der, (int)der_size, CERT_TYPE);
    if (rc == BUFFER_E)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (rc <= 0)
        return SGP32_ERR_DECODE;
    *der_len = (size_t)rc;
    return SGP32_OK;
}

enum sgp32_status sgp32_x509_public_key(const struct sgp32_x509_cert *cert, struct sgp32_ec_key *key)
{
    if (cert == NULL || key == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (cert->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_NOT_SUPPORTED;
    return sgp32_ec_import_public_raw(key, cert->curve, cert->public_point.data, cert->public_point.len);
}

enum sgp32_status sgp32_x509_verify_issued_by(const struct sgp32_x509_cert *cert, const struct sgp32_x509_cert *issuer,
                                              int64_t now)
{
    uint8_t digest[SGP32_SHA256_SIZE];
    uint8_t raw[SGP32_ECDSA_RAW_SIZE];
    struct sgp32_ec_key key;
    enum sgp32_status st;

    if (cert == NULL || issuer == NULL || cert->der.data == NULL || issuer->der.data == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!cert->signature_is_ecdsa_sha256 || issuer->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_NOT_SUPPORTED;
    if (cert->issuer.len != issuer->subject.len ||
        memcmp(cert->issuer.data, issuer->subject.data, cert->issuer.len) != 0)
        return SGP32_ERR_CRYPTO;
    if (cert->authority_key_id.len > 0 && issuer->subject_key_id.len > 0 &&
        !span_equals(cert->authority_key_id, issuer->subject_key_id.data, issuer->subject_key_id.len))
        return SGP32_ERR_CRYPTO;
    if (now != SGP32_X509_IGNORE_TIME && (now < cert->not_before || now > cert->not_after))
        return SGP32_ERR_CRYPTO;
    if (sgp32_ecdsa_der_to_raw(cert->signature.data, cert->signature.len, raw) != SGP32_OK)
        return SGP32_ERR_CRYPTO;
    st = sgp32_sha256(cert->tbs.data, cert->tbs.len, digest);
    if (st != SGP32_OK)
        return st;
    sgp32_ec_key_init(&key);
    st = sgp32_x509_public_key(issuer, &key);
    if (st == SGP32_OK)
        st = sgp32_ecdsa_verify_digest(&key, digest, raw, sizeof raw);
    sgp32_ec_key_free(&key);
    return st;
}

/* Looks for a policy OID equal to oid, or (prefix_only) one arc below oid, reporting that arc. */
static int find_policy(const struct sgp32_x509_cert *cert, const uint8_t *oid, size_t oid_len, int prefix_only,
                       uint8_t *next_arc)
{
    struct der_reader list, info;
    struct der_element element, policy;
    struct sgp32_x509_span value;

    if (cert == NULL || cert->policies.len == 0)
        return 0;
    reader_open(&list, cert->policies);
    if (reader_expect(&list, 0x30, &element) != SGP32_OK)
        return 0;
    value = element.value;
    reader_open(&list, value);
    while (!reader_at_end(&list)) {
        if (reader_expect(&list, 0x30, &element) != SGP32_OK)
            return 0;
        reader_open(&info, element.value);
        if (reader_expect(&info, 0x06, &policy) != SGP32_OK)
            return 0;
        if (!prefix_only && span_equals(policy.value, oid, oid_len))
            return 1;
        if (prefix_only && policy.value.len == oid_len + 1 && memcmp(policy.value.data, oid, oid_len) == 0 &&
            policy.value.data[oid_len] < 0x80u) {
            *next_arc = policy.value.data[oid_len];
            return 1;
        }
    }
    return 0;
}

int sgp32_x509_has_policy(const struct sgp32_x509_cert *cert, const uint8_t *oid, size_t oid_len)
{
    if (oid == NULL || oid_len == 0)
        return 0;
    return find_policy(cert, oid, oid_len, 0, NULL);
}

enum sgp32_x509_role sgp32_x509_gsma_role(const struct sgp32_x509_cert *cert)
{
    uint8_t arc = 0;

    if (!find_policy(cert, oid_rsp_cert_objectives, sizeof oid_rsp_cert_objectives, 1, &arc) ||
        arc > SGP32_X509_ROLE_DS_AUTH)
        return SGP32_X509_ROLE_NONE;
    return (enum sgp32_x509_role)arc;
}
