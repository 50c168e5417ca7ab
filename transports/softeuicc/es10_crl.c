/* SPDX-License-Identifier: MIT */
/*
 * LoadCRL (SGP.22 v2.5 5.7.6, CRL profile 4.6.5). The card decodes the CertificateList, finds the CI
 * that signed it by its authorityKeyIdentifier among the CI keys it trusts, verifies the
 * ecdsa-with-SHA256 signature with that CI certificate, checks thisUpdate < nextUpdate and that the
 * CRL is not older than the one already loaded for that CI, and keeps the whole CRL (DER) as
 * <dir>/crl-<PKID>.der next to the CI certificate: AuthenticateServer and PrepareDownload then
 * refuse an SM-DP+ certificate whose serial number it lists (softeuicc_crl_revoked).
 * Partial CRLs (id-rsp-partialCrlNumber) and delta CRLs are not supported: a delta CRL answers
 * baseCrlMissing without a loaded base CRL and undefinedError otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "LoadCRLRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "download_internal.h"

/* LoadCRLResponseError values (RSPDefinitions LoadCRLResponseError). */
enum {
    CRL_INVALID_SIGNATURE = 1,
    CRL_INVALID_FORMAT = 2,
    CRL_NOT_ENOUGH_MEMORY = 3,
    CRL_KEY_NOT_FOUND = 4,
    CRL_FRESHER_LOADED = 5,
    CRL_BASE_MISSING = 6,
    CRL_UNDEFINED = 127
};

static uint16_t crl_answer(struct der_writer *out, long code)
{
    der_begin(out, 0xBF35);
    if (code == 0) {
        der_begin(out, 0xA0); /* loadCRLResponseOk: no missingParts, partial CRLs are not used */
        der_end(out);
    } else {
        der_integer(out, 0x81, code);
    }
    der_end(out);
    return SW_OK;
}

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "identity.h"

/* The parts of a CertificateList (RFC 5280 5.1) the card uses. */
struct crl_view {
    struct dl_tlv tbs, signature;
    int64_t this_update, next_update; /* next_update 0 when absent */
    struct dl_tlv revoked;            /* SEQUENCE OF, len 0 when absent */
    const uint8_t *aki;               /* authorityKeyIdentifier keyIdentifier */
    size_t aki_len;
    const uint8_t *number; /* cRLNumber INTEGER contents, NULL when absent */
    size_t number_len;
    int delta;
};

static int two_digits(const uint8_t *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ to seconds since 1970. */
static int crl_time(const struct dl_tlv *t, int64_t *out)
{
    const uint8_t *p = t->value;
    int year, month, day, hour, minute, second, y, era;
    int64_t days;
    unsigned doy, yoe;
    if (t->tag == 0x17 && t->len == 13) {
        year = two_digits(p);
        year = year < 0 ? -1 : (year < 50 ? 2000 + year : 1900 + year);
        p += 2;
    } else if (t->tag == 0x18 && t->len == 15) {
        int high = two_digits(p), low = two_digits(p + 2);
        year = high < 0 || low < 0 ? -1 : high * 100 + low;
        p += 4;
    } else {
        return 0;
    }
    month = two_digits(p);
    day = two_digits(p + 2);
    hour = two_digits(p + 4);
    minute = two_digits(p + 6);
    second = two_digits(p + 8);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 59 || p[10] != 'Z')
        return 0;
    /* Days from the civil date (proleptic Gregorian), era-based. */
    y = month <= 2 ? year - 1 : year;
    era = y / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (unsigned)((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1);
    days = (int64_t)era * 146097 + (int64_t)(yoe * 365 + yoe / 4 - yoe / 100 + doy) - 719468;
    *out = days * 86400 + hour * 3600 + minute * 60 + second;
    return 1;
}

static int oid_is(const struct dl_tlv *oid, uint8_t last)
{
    /* id-ce 2.5.29.x */
    return oid->tag == 0x06 && oid->len == 3 && oid->value[0] == 0x55 && oid->value[1] == 0x1D && oid->value[2] == last;
}

static int crl_extensions(const struct dl_tlv *wrapper, struct crl_view *crl)
{
    struct dl_tlv list, ext, field, inner, key;
    const uint8_t *p, *q;
    size_t left, qleft;
    if (!dl_one(wrapper->value, wrapper->len, &list) || list.tag != 0x30)
        return 0;
    p = list.value;
    left = list.len;
    while (left > 0) {
        struct dl_tlv oid;
        if (!dl_next(&p, &left, &ext) || ext.tag != 0x30)
            return 0;
        q = ext.value;
        qleft = ext.len;
        if (!dl_next(&q, &qleft, &oid) || !dl_next(&q, &qleft, &field))
            return 0;
        if (field.tag == 0x01 && !dl_next(&q, &qleft, &field))
            return 0;
        if (field.tag != 0x04 || qleft != 0)
            return 0;
        if (oid_is(&oid, 0x23)) { /* authorityKeyIdentifier */
            if (!dl_one(field.value, field.len, &inner) || inner.tag != 0x30 || !dl_child(&inner, 0x80, &key))
                return 0;
            crl->aki = key.value;
            crl->aki_len = key.len;
        } else if (oid_is(&oid, 0x14)) { /* cRLNumber */
            if (!dl_one(field.value, field.len, &inner) || inner.tag != 0x02 || inner.len == 0)
                return 0;
            crl->number = inner.value;
            crl->number_len = inner.len;
        } else if (oid_is(&oid, 0x1B)) { /* deltaCRLIndicator */
            crl->delta = 1;
        }
    }
    return 1;
}

/* Locates the fields of a CertificateList from its contents (the request carries them under A0,
 * the stored file under 30); 0 when it is not one. */
static int crl_parse(const uint8_t *contents, size_t len, struct crl_view *crl)
{
    struct dl_tlv t, algorithm;
    const uint8_t *p = contents;
    size_t left = len;
    memset(crl, 0, sizeof(*crl));
    if (!dl_next(&p, &left, &crl->tbs) || crl->tbs.tag != 0x30 || !dl_next(&p, &left, &algorithm) ||
        algorithm.tag != 0x30 || !dl_next(&p, &left, &crl->signature) || crl->signature.tag != 0x03 ||
        crl->signature.len < 2 || crl->signature.value[0] != 0 || left != 0)
        return 0;
    p = crl->tbs.value;
    left = crl->tbs.len;
    if (!dl_next(&p, &left, &t))
        return 0;
    if (t.tag == 0x02 && !dl_next(&p, &left, &t)) /* version v2 */
        return 0;
    if (t.tag != 0x30 || !dl_next(&p, &left, &t) || t.tag != 0x30) /* signature, issuer */
        return 0;
    if (!dl_next(&p, &left, &t) || !crl_time(&t, &crl->this_update))
        return 0;
    while (left > 0) {
        if (!dl_next(&p, &left, &t))
            return 0;
        if (t.tag == 0x17 || t.tag == 0x18) {
            if (crl->next_update != 0 || crl->revoked.all != NULL || !crl_time(&t, &crl->next_update))
                return 0;
        } else if (t.tag == 0x30) {
            if (crl->revoked.all != NULL)
                return 0;
            crl->revoked = t;
        } else if (t.tag == 0xA0) {
            if (left != 0 || !crl_extensions(&t, crl))
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Next to the CI certificate (identity.c): <dir>/crl-<PKID in upper-case hex>.der */
static int crl_path(const struct sgp32_softeuicc *card, const uint8_t pkid[20], char *path, size_t cap)
{
    size_t at, i;
    int n = snprintf(path, cap, "%s/crl-", card->dir);
    if (n < 0 || (size_t)n + 2u * 20u + sizeof(".der") > cap)
        return -1;
    at = (size_t)n;
    for (i = 0; i < 20; i++)
        at += (size_t)snprintf(path + at, cap - at, "%02X", pkid[i]);
    snprintf(path + at, cap - at, ".der");
    return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data;
    long size;
    if (file == NULL)
        return NULL;
    if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) <= 0 || fseek(file, 0, SEEK_SET) != 0) {
        fclose(file);
        return NULL;
    }
    data = malloc((size_t)size);
    if (data != NULL && fread(data, 1, (size_t)size, file) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *len = (size_t)size;
    return data;
}

/* -1, 0, 1: INTEGER contents compared as non-negative numbers (DER minimal encoding). */
static int compare_unsigned(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    while (a_len > 1 && a[0] == 0) {
        a++;
        a_len--;
    }
    while (b_len > 1 && b[0] == 0) {
        b++;
        b_len--;
    }
    if (a_len != b_len)
        return a_len < b_len ? -1 : 1;
    return memcmp(a, b, a_len) < 0 ? -1 : (memcmp(a, b, a_len) > 0 ? 1 : 0);
}

/* 1 when `fresh` is older than `stored` (by cRLNumber when both have one, else by thisUpdate). */
static int older_than(const struct crl_view *fresh, const struct crl_view *stored)
{
    if (fresh->number != NULL && stored->number != NULL)
        return compare_unsigned(fresh->number, fresh->number_len, stored->number, stored->number_len) < 0;
    return fresh->this_update < stored->this_update;
}

static long verify_crl(const struct crl_view *crl, const uint8_t *ci_der, size_t ci_len)
{
    struct sgp32_x509_cert ci;
    struct sgp32_ec_key key;
    uint8_t digest[SGP32_SHA256_SIZE], raw[SGP32_ECDSA_RAW_SIZE];
    long code = CRL_INVALID_SIGNATURE;
    if (sgp32_x509_parse(&ci, ci_der, ci_len) != SGP32_OK)
        return CRL_KEY_NOT_FOUND;
    if (sgp32_sha256(crl->tbs.all, crl->tbs.all_len, digest) != SGP32_OK)
        return CRL_UNDEFINED;
    sgp32_ec_key_init(&key);
    if (sgp32_x509_public_key(&ci, &key) != SGP32_OK)
        code = CRL_KEY_NOT_FOUND;
    else if (sgp32_ecdsa_der_to_raw(crl->signature.value + 1, crl->signature.len - 1, raw) == SGP32_OK &&
             sgp32_ecdsa_verify_digest(&key, digest, raw, sizeof(raw)) == SGP32_OK)
        code = 0;
    sgp32_ec_key_free(&key);
    return code;
}

/* Stores the CertificateList (contents given) as DER: 30 <length> contents. */
static int write_crl(const char *path, const uint8_t *data, size_t len)
{
    char temp[4096 + 64 + 8];
    uint8_t header[6];
    size_t header_len = 0, shift;
    FILE *out;
    int ok;
    header[header_len++] = 0x30;
    if (len < 0x80) {
        header[header_len++] = (uint8_t)len;
    } else {
        size_t bytes = 0;
        for (shift = len; shift > 0; shift >>= 8)
            bytes++;
        if (bytes > 4)
            return 0;
        header[header_len++] = (uint8_t)(0x80 | bytes);
        while (bytes-- > 0)
            header[header_len++] = (uint8_t)(len >> (8 * bytes));
    }
    snprintf(temp, sizeof(temp), "%s.tmp", path);
    out = fopen(temp, "wb");
    if (out == NULL)
        return 0;
    ok = fwrite(header, 1, header_len, out) == header_len && fwrite(data, 1, len, out) == len;
    ok = fclose(out) == 0 && ok;
    ok = ok && rename(temp, path) == 0;
    if (!ok)
        remove(temp);
    return ok;
}

static long load_crl(struct sgp32_softeuicc *card, const struct dl_tlv *list)
{
    struct crl_view crl, stored;
    struct dl_tlv file;
    char path[4096 + 64], ci_file[4096];
    const uint8_t *pkid = NULL;
    uint8_t *ci_der, *old;
    size_t ci_len = 0, old_len = 0, i;
    long code;
    if (!crl_parse(list->value, list->len, &crl))
        return CRL_INVALID_FORMAT;
    if (crl.next_update != 0 && crl.next_update <= crl.this_update)
        return CRL_INVALID_FORMAT;
    /* SGP.22 4.6.5: the CRL carries the CI's key identifier as authorityKeyIdentifier. */
    for (i = 0; crl.aki_len == 20 && i < card->state.ci_pkid_count; i++)
        if (memcmp(card->state.ci_pkids[i], crl.aki, 20) == 0)
            pkid = card->state.ci_pkids[i];
    if (pkid == NULL || softeuicc_ci_certificate_path(card->dir, pkid, ci_file, sizeof(ci_file)) != 0 ||
        (ci_der = read_file(ci_file, &ci_len)) == NULL)
        return CRL_KEY_NOT_FOUND;
    code = verify_crl(&crl, ci_der, ci_len);
    free(ci_der);
    if (code != 0)
        return code;
    if (crl_path(card, pkid, path, sizeof(path)) != 0)
        return CRL_UNDEFINED;
    old = read_file(path, &old_len);
    if (crl.delta) {
        free(old);
        return old == NULL ? CRL_BASE_MISSING : CRL_UNDEFINED;
    }
    if (old != NULL && dl_one(old, old_len, &file) && file.tag == 0x30 && crl_parse(file.value, file.len, &stored) &&
        older_than(&crl, &stored))
        code = CRL_FRESHER_LOADED;
    free(old);
    if (code == 0 && !write_crl(path, list->value, list->len))
        code = CRL_NOT_ENOUGH_MEMORY;
    return code;
}

int softeuicc_crl_revoked(const struct sgp32_softeuicc *card, const uint8_t pkid[20], const uint8_t *serial,
                          size_t serial_len)
{
    struct crl_view crl;
    struct dl_tlv entry, number;
    char path[4096 + 64];
    const uint8_t *p;
    size_t len = 0, left;
    uint8_t *der;
    int revoked = 0;
    if (crl_path(card, pkid, path, sizeof(path)) != 0 || (der = read_file(path, &len)) == NULL)
        return 0;
    if (dl_one(der, len, &entry) && entry.tag == 0x30 && crl_parse(entry.value, entry.len, &crl) &&
        crl.revoked.all != NULL) {
        p = crl.revoked.value;
        left = crl.revoked.len;
        while (!revoked && dl_next(&p, &left, &entry)) {
            /* revokedCertificates entry: SEQUENCE { userCertificate INTEGER, revocationDate, ... } */
            const uint8_t *q = entry.value;
            size_t qleft = entry.len;
            revoked = entry.tag == 0x30 && dl_next(&q, &qleft, &number) && number.tag == 0x02 &&
                      compare_unsigned(number.value, number.len, serial, serial_len) == 0;
        }
    }
    free(der);
    return revoked;
}
#else
static long load_crl(struct sgp32_softeuicc *card, const struct dl_tlv *list)
{
    (void)card;
    (void)list;
    return CRL_UNDEFINED; /* without the crypto layer no signature can be checked */
}
#endif

uint16_t es10_load_crl(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    struct dl_tlv request, list;
    void *decoded = softeuicc_decode(SGP32_TYPE(LoadCRLRequest), data, len);
    if (decoded == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(LoadCRLRequest), decoded);
    /* LoadCRLRequest ::= [53] SEQUENCE { crl [0] CertificateList } (AUTOMATIC TAGS: A0 holds the
     * CertificateList's contents) */
    if (!dl_one(data, len, &request) || request.tag != 0xBF35 || !dl_one(request.value, request.len, &list) ||
        list.tag != 0xA0)
        return SW_WRONG_DATA;
    return crl_answer(out, load_crl(card, &list));
}
