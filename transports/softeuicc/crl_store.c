/* SPDX-License-Identifier: MIT */
/*
 * The CRL records of the software eUICC and the revocation check (SGP.22 v2.5 4.6.5, 5.7.6; RFC 5280 5.2.4
 * delta CRLs). Each CI the card trusts may have three records beside its certificate (crl_internal.h):
 * the revocation list in force (a complete CRL or the assembled parts of a partial CRL), the parts of a
 * partial CRL still being collected, and the latest delta CRL. Each is a SegmentedCrlList (SEQUENCE OF
 * CertificateList, RSPDefinitions), a record of the card's storage replaced by one atomic save.
 *
 * A certificate is revoked when the delta CRL lists its serial with any reason but removeFromCRL (8: a
 * certificateHold of the base is lifted), or, when the delta does not list it, when a CertificateList
 * of the list in force does.
 */
#include <stdlib.h>
#include <string.h>

#include "crl_internal.h"

#ifdef SGP32_HAVE_CRYPTO /* the CRLs LoadCRL accepted; without crypto it accepts none */

static const char *const suffixes[3] = {".der", "-pending.der", "-delta.der"};

static void crl_name(const uint8_t pkid[20], enum crl_kind kind, char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX])
{
    softeuicc_record_name("crl-", pkid, suffixes[kind], name);
}

void crl_set_free(struct crl_set *set)
{
    free(set->der);
    memset(set, 0, sizeof(*set));
}

int crl_set_read(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind, struct crl_set *set)
{
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    struct dl_tlv file, element, first;
    const uint8_t *p;
    size_t len = 0, left;
    memset(set, 0, sizeof(*set));
    crl_name(pkid, kind, name);
    if (softeuicc_storage_read(&card->storage, name, 4u * 1024u * 1024u, &set->der, &len) != SGP32_OK) {
        set->der = NULL;
        return 0;
    }
    if (!dl_one(set->der, len, &file) || file.tag != 0x30)
        goto bad;
    /* A file of an older card holds one CertificateList (its tbsCertList starts with the version
     * INTEGER); a SegmentedCrlList starts with a CertificateList (SEQUENCE). */
    p = file.value;
    left = file.len;
    if (dl_next(&p, &left, &element) && element.tag == 0x30) {
        const uint8_t *q = element.value;
        size_t qleft = element.len;
        if (!dl_next(&q, &qleft, &first) || first.tag != 0x30) {
            if (!crl_parse(file.value, file.len, &set->parts[0]))
                goto bad;
            set->count = 1;
            return 1;
        }
    }
    p = file.value;
    left = file.len;
    while (left > 0) {
        if (set->count == CRL_MAX_PARTS || !dl_next(&p, &left, &element) || element.tag != 0x30 ||
            !crl_parse(element.value, element.len, &set->parts[set->count]))
            goto bad;
        set->count++;
    }
    if (set->count > 0)
        return 1;
bad:
    crl_set_free(set);
    return 0;
}

int crl_set_write(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind,
                  const struct crl_view *const *parts, size_t count)
{
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    struct der_writer writer;
    uint8_t *der;
    size_t len = 0, i;
    int ok;
    crl_name(pkid, kind, name);
    der_writer_init(&writer);
    der_begin(&writer, 0x30);
    for (i = 0; i < count; i++)
        der_bytes(&writer, 0x30, parts[i]->contents, parts[i]->contents_len);
    der_end(&writer);
    der = der_writer_take(&writer, &len);
    if (der == NULL)
        return 0;
    ok = softeuicc_storage_write(&card->storage, name, der, len) == SGP32_OK;
    free(der);
    return ok;
}

void crl_set_remove(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind)
{
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    crl_name(pkid, kind, name);
    (void)softeuicc_storage_write(&card->storage, name, NULL, 0);
}

/* 1 when the CertificateList lists the serial (*reason: its CRLReason, -1 without reasonCode). */
static int listed(const struct crl_view *crl, const uint8_t *serial, size_t serial_len, long *reason)
{
    static const uint8_t reason_code[5] = {0x06, 0x03, 0x55, 0x1D, 0x15}; /* id-ce-cRLReasons */
    struct dl_tlv entry, number, field;
    const uint8_t *p = crl->revoked.value;
    size_t left = crl->revoked.all != NULL ? crl->revoked.len : 0;
    while (dl_next(&p, &left, &entry)) {
        /* revokedCertificates entry: SEQUENCE { userCertificate, revocationDate, crlEntryExtensions } */
        const uint8_t *q = entry.value;
        size_t qleft = entry.len, k;
        if (entry.tag != 0x30 || !dl_next(&q, &qleft, &number) || number.tag != 0x02 ||
            crl_compare_numbers(number.value, number.len, serial, serial_len) != 0)
            continue;
        *reason = -1;
        /* reasonCode: 30 { 06 03 55 1D 15, 04 03 0A 01 <reason> } inside the entry's extensions */
        if (dl_next(&q, &qleft, &field) && dl_next(&q, &qleft, &field) && field.tag == 0x30)
            for (k = 0; k + sizeof(reason_code) + 5 <= field.len; k++)
                if (memcmp(field.value + k, reason_code, sizeof(reason_code)) == 0 &&
                    memcmp(field.value + k + sizeof(reason_code), "\x04\x03\x0A\x01", 4) == 0)
                    *reason = field.value[k + sizeof(reason_code) + 4];
        return 1;
    }
    return 0;
}

int softeuicc_crl_revoked(const struct sgp32_softeuicc *card, const uint8_t pkid[20], const uint8_t *serial,
                          size_t serial_len)
{
    struct crl_set set;
    long reason = -1;
    size_t i;
    int revoked = 0, decided = 0;
    if (crl_set_read(card, pkid, CRL_DELTA, &set)) {
        if (listed(&set.parts[0], serial, serial_len, &reason)) {
            decided = 1;
            revoked = reason != 8; /* removeFromCRL */
        }
        crl_set_free(&set);
    }
    if (!decided && crl_set_read(card, pkid, CRL_ACTIVE, &set)) {
        for (i = 0; i < set.count && !revoked; i++)
            revoked = listed(&set.parts[i], serial, serial_len, &reason);
        crl_set_free(&set);
    }
    return revoked;
}
#else
typedef int softeuicc_crl_store_unused; /* ISO C: a translation unit is not empty */
#endif
