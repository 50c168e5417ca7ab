/* SPDX-License-Identifier: MIT */
/*
 * LoadCRL (SGP.22 v2.5 5.7.6, CRL profile 4.6.5). The card decodes the CertificateList, finds the CI
 * that signed it by its authorityKeyIdentifier among the CI keys it trusts, verifies the
 * ecdsa-with-SHA256 signature with that CI certificate and checks thisUpdate < nextUpdate. Then, by
 * kind (files and revocation check: crl_store.c):
 *  - a complete CRL must not be older than the list in force (cRLNumber, else thisUpdate:
 *    fresherCrlAlreadyLoaded) and replaces it; parts of an older partial CRL and a delta it covers go;
 *  - a partial CRL (SGP.22 4.6.5: id-rsp-partialCrlNumber n of id-rsp-totalPartialCrlNumber N, same
 *    cRLNumber for all parts) is collected until the N parts are there, then they together replace
 *    the list in force; until then loadCRLResponseOk lists the missing part numbers (missingParts);
 *  - a delta CRL (RFC 5280 5.2.4 deltaCRLIndicator BaseCRLNumber) applies on top of the list in force:
 *    it needs one (baseCrlMissing), whose cRLNumber is at least the BaseCRLNumber (else baseCrlMissing:
 *    it refers to a base the card does not hold) and below the delta's own cRLNumber (else
 *    fresherCrlAlreadyLoaded); a delta older than the delta held is refused (fresherCrlAlreadyLoaded),
 *    a newer one replaces it (deltas are cumulative).
 * AuthenticateServer and PrepareDownload then refuse an SM-DP+ certificate the lists revoke
 * (softeuicc_crl_revoked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "LoadCRLRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "crl_internal.h"
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

/* loadCRLResponseOk [0] { missingParts [0] SEQUENCE OF INTEGER OPTIONAL } or loadCRLResponseError [1] */
static uint16_t crl_answer(struct der_writer *out, long code, const long *missing, size_t missing_count)
{
    size_t i;
    der_begin(out, 0xBF35);
    if (code == 0) {
        der_begin(out, 0xA0);
        if (missing_count > 0) {
            der_begin(out, 0xA0);
            for (i = 0; i < missing_count; i++)
                der_integer(out, 0x02, missing[i]);
            der_end(out);
        }
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
    /* id-rspExt 2.23.146.1.2.0 (RSPDefinitions) */
    static const uint8_t rsp_ext[6] = {0x67, 0x81, 0x12, 0x01, 0x02, 0x00};
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
        } else if (oid_is(&oid, 0x1B)) { /* deltaCRLIndicator: BaseCRLNumber */
            if (!dl_one(field.value, field.len, &inner) || inner.tag != 0x02 || inner.len == 0)
                return 0;
            crl->delta_base = inner.value;
            crl->delta_base_len = inner.len;
        } else if (oid.tag == 0x06 && oid.len == sizeof(rsp_ext) + 1 &&
                   memcmp(oid.value, rsp_ext, sizeof(rsp_ext)) == 0 &&
                   (oid.value[sizeof(rsp_ext)] == 2 || oid.value[sizeof(rsp_ext)] == 3)) {
            /* id-rsp-totalPartialCrlNumber (2) / id-rsp-partialCrlNumber (3): INTEGER, small here */
            long number = 0;
            size_t k;
            if (!dl_one(field.value, field.len, &inner) || inner.tag != 0x02 || inner.len == 0 || inner.len > 2 ||
                (inner.value[0] & 0x80) != 0)
                return 0;
            for (k = 0; k < inner.len; k++)
                number = number * 256 + inner.value[k];
            if (oid.value[sizeof(rsp_ext)] == 2)
                crl->total = number;
            else
                crl->partial = number;
        }
    }
    return 1;
}

/* Locates the fields of a CertificateList from its contents (the request carries them under A0,
 * the stored files under 30); 0 when it is not one. */
int crl_parse(const uint8_t *contents, size_t len, struct crl_view *crl)
{
    struct dl_tlv t, algorithm;
    const uint8_t *p = contents;
    size_t left = len;
    memset(crl, 0, sizeof(*crl));
    crl->contents = contents;
    crl->contents_len = len;
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

/* -1, 0, 1: INTEGER contents compared as non-negative numbers (DER minimal encoding). */
int crl_compare_numbers(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
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
        return crl_compare_numbers(fresh->number, fresh->number_len, stored->number, stored->number_len) < 0;
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

static int numbers_known(const struct crl_view *a, const struct crl_view *b)
{
    return a->number != NULL && b->number != NULL;
}

/* -1, 0, 1 by cRLNumber (both present). */
static int compare_crl(const struct crl_view *a, const struct crl_view *b)
{
    return crl_compare_numbers(a->number, a->number_len, b->number, b->number_len);
}

/* After a new list in force: parts of an older partial CRL and a delta it covers are dropped. */
static void drop_superseded(struct sgp32_softeuicc *card, const uint8_t *pkid, const struct crl_view *base)
{
    struct crl_set set;
    if (crl_set_read(card, pkid, CRL_PENDING, &set)) {
        if (!numbers_known(&set.parts[0], base) || compare_crl(&set.parts[0], base) <= 0)
            crl_set_remove(card, pkid, CRL_PENDING);
        crl_set_free(&set);
    }
    if (crl_set_read(card, pkid, CRL_DELTA, &set)) {
        if (!numbers_known(&set.parts[0], base) || compare_crl(&set.parts[0], base) <= 0 ||
            crl_compare_numbers(set.parts[0].delta_base, set.parts[0].delta_base_len, base->number, base->number_len) >
                0)
            crl_set_remove(card, pkid, CRL_DELTA);
        crl_set_free(&set);
    }
}

/* RFC 5280 5.2.4: a delta on top of the list in force. */
static long load_delta(struct sgp32_softeuicc *card, const uint8_t *pkid, const struct crl_view *crl,
                       const struct crl_set *active)
{
    struct crl_set held;
    const struct crl_view *parts[1] = {crl};
    long code = 0;
    if (crl->number == NULL || crl->total != 0 || crl->partial != 0)
        return CRL_INVALID_FORMAT; /* a delta CRL carries its own cRLNumber and is never partial */
    if (active->count == 0 || active->parts[0].number == NULL ||
        crl_compare_numbers(crl->delta_base, crl->delta_base_len, active->parts[0].number,
                            active->parts[0].number_len) > 0)
        return CRL_BASE_MISSING;
    if (compare_crl(crl, &active->parts[0]) <= 0)
        return CRL_FRESHER_LOADED; /* the list in force is already as new as this delta */
    if (crl_set_read(card, pkid, CRL_DELTA, &held)) {
        if (compare_crl(crl, &held.parts[0]) < 0)
            code = CRL_FRESHER_LOADED; /* out of order: an older delta after a newer one */
        crl_set_free(&held);
    }
    if (code == 0 && !crl_set_write(card, pkid, CRL_DELTA, parts, 1))
        code = CRL_NOT_ENOUGH_MEMORY;
    return code;
}

/* SGP.22 4.6.5 partial CRLs: collected until every part of the cRLNumber is there. */
static long load_partial(struct sgp32_softeuicc *card, const uint8_t *pkid, const struct crl_view *crl,
                         const struct crl_set *active, long *missing, size_t *missing_count)
{
    struct crl_set pending;
    const struct crl_view *parts[CRL_MAX_PARTS];
    size_t count = 0, i;
    long part, code = 0;
    if (crl->number == NULL || crl->total < 1 || crl->partial < 1 || crl->partial > crl->total)
        return CRL_INVALID_FORMAT;
    if (crl->total > CRL_MAX_PARTS)
        return CRL_NOT_ENOUGH_MEMORY;
    if (active->count > 0 && active->parts[0].number != NULL) {
        int order = compare_crl(crl, &active->parts[0]);
        if (order < 0)
            return CRL_FRESHER_LOADED;
        if (order == 0)
            return 0; /* that CRL is in force already */
    }
    if (crl_set_read(card, pkid, CRL_PENDING, &pending)) {
        int order = compare_crl(crl, &pending.parts[0]);
        if (order < 0)
            code = CRL_FRESHER_LOADED; /* a part of an older CRL than the one being collected */
        else if (order == 0 && pending.parts[0].total != crl->total)
            code = CRL_INVALID_FORMAT;
        for (i = 0; code == 0 && order == 0 && i < pending.count; i++)
            if (pending.parts[i].partial != crl->partial) /* the same part again replaces the kept one */
                parts[count++] = &pending.parts[i];
    }
    if (code == 0) {
        parts[count++] = crl;
        *missing_count = 0;
        for (part = 1; part <= crl->total; part++) {
            int present = 0;
            for (i = 0; i < count; i++)
                present |= parts[i]->partial == part;
            if (!present)
                missing[(*missing_count)++] = part;
        }
    }
    if (code == 0 && *missing_count > 0) {
        if (!crl_set_write(card, pkid, CRL_PENDING, parts, count))
            code = CRL_NOT_ENOUGH_MEMORY;
    } else if (code == 0) {
        const struct crl_view *ordered[CRL_MAX_PARTS];
        for (i = 0; i < count; i++)
            ordered[parts[i]->partial - 1] = parts[i];
        if (!crl_set_write(card, pkid, CRL_ACTIVE, ordered, count))
            code = CRL_NOT_ENOUGH_MEMORY;
        else
            drop_superseded(card, pkid, crl);
    }
    crl_set_free(&pending);
    return code;
}

static long load_crl(struct sgp32_softeuicc *card, const struct dl_tlv *list, long *missing, size_t *missing_count)
{
    struct crl_view crl;
    struct crl_set active;
    const uint8_t *pkid = NULL;
    const struct crl_view *parts[1];
    uint8_t *ci_der;
    size_t ci_len = 0, i;
    long code;
    if (!crl_parse(list->value, list->len, &crl))
        return CRL_INVALID_FORMAT;
    if (crl.next_update != 0 && crl.next_update <= crl.this_update)
        return CRL_INVALID_FORMAT;
    /* SGP.22 4.6.5: the CRL carries the CI's key identifier as authorityKeyIdentifier. */
    for (i = 0; crl.aki_len == 20 && i < card->state.ci_pkid_count; i++)
        if (memcmp(card->state.ci_pkids[i], crl.aki, 20) == 0)
            pkid = card->state.ci_pkids[i];
    if (pkid == NULL || (ci_der = softeuicc_ci_certificate_read(&card->storage, pkid, &ci_len)) == NULL)
        return CRL_KEY_NOT_FOUND;
    code = verify_crl(&crl, ci_der, ci_len);
    free(ci_der);
    if (code != 0)
        return code;
    (void)crl_set_read(card, pkid, CRL_ACTIVE, &active);
    if (crl.delta_base != NULL) {
        code = load_delta(card, pkid, &crl, &active);
    } else if (crl.partial != 0 || crl.total != 0) {
        code = load_partial(card, pkid, &crl, &active, missing, missing_count);
    } else {
        if (active.count > 0 && older_than(&crl, &active.parts[0]))
            code = CRL_FRESHER_LOADED;
        parts[0] = &crl;
        if (code == 0 && !crl_set_write(card, pkid, CRL_ACTIVE, parts, 1))
            code = CRL_NOT_ENOUGH_MEMORY;
        if (code == 0)
            drop_superseded(card, pkid, &crl);
    }
    crl_set_free(&active);
    return code;
}
#else
static long load_crl(struct sgp32_softeuicc *card, const struct dl_tlv *list, long *missing, size_t *missing_count)
{
    (void)card;
    (void)list;
    (void)missing;
    (void)missing_count;
    return CRL_UNDEFINED; /* without the crypto layer no signature can be checked */
}
#endif

uint16_t es10_load_crl(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    struct dl_tlv request, list;
    long missing[CRL_MAX_PARTS], code;
    size_t missing_count = 0;
    void *decoded = softeuicc_decode(SGP32_TYPE(LoadCRLRequest), data, len);
    if (decoded == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(LoadCRLRequest), decoded);
    /* LoadCRLRequest ::= [53] SEQUENCE { crl [0] CertificateList } (AUTOMATIC TAGS: A0 holds the
     * CertificateList's contents) */
    if (!dl_one(data, len, &request) || request.tag != 0xBF35 || !dl_one(request.value, request.len, &list) ||
        list.tag != 0xA0)
        return SW_WRONG_DATA;
    code = load_crl(card, &list, missing, &missing_count);
    return crl_answer(out, code, missing, code == 0 ? missing_count : 0);
}
