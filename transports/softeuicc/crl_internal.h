/* SPDX-License-Identifier: MIT */
/* Internals shared by es10_crl.c (LoadCRL) and crl_store.c (the CRL files and the revocation check);
 * crypto builds only. */
#ifndef SOFTEUICC_CRL_INTERNAL_H
#define SOFTEUICC_CRL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "card_internal.h"
#include "download_internal.h"

#define CRL_MAX_PARTS 8 /* partial CRLs per CRL number the card assembles */

/* The parts of a CertificateList (RFC 5280 5.1) the card uses. */
struct crl_view {
    const uint8_t *contents; /* the CertificateList's contents (what follows its 30 L) */
    size_t contents_len;
    struct dl_tlv tbs, signature;
    int64_t this_update, next_update; /* next_update 0 when absent */
    struct dl_tlv revoked;            /* SEQUENCE OF, len 0 when absent */
    const uint8_t *aki;               /* authorityKeyIdentifier keyIdentifier */
    size_t aki_len;
    const uint8_t *number; /* cRLNumber INTEGER contents, NULL when absent */
    size_t number_len;
    const uint8_t *delta_base; /* deltaCRLIndicator BaseCRLNumber contents, NULL: a complete CRL */
    size_t delta_base_len;
    long partial, total; /* id-rsp-partialCrlNumber / id-rsp-totalPartialCrlNumber, 0 when absent */
};

/* Locates the fields of a CertificateList from its contents; 0 when it is not one. */
int crl_parse(const uint8_t *contents, size_t len, struct crl_view *crl);
/* -1, 0, 1: INTEGER contents compared as non-negative numbers. */
int crl_compare_numbers(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* The CRL records of a CI, next to its certificate (SegmentedCrlList DER, RSPDefinitions):
 *   crl-<PKID>.der          the revocation list in force: one complete CRL, or every part of a
 *                           partial CRL (same cRLNumber, ordered by partialCrlNumber);
 *   crl-<PKID>-pending.der  the parts received so far of a newer partial CRL;
 *   crl-<PKID>-delta.der    the latest delta CRL on top of the list in force (one element). */
enum crl_kind { CRL_ACTIVE = 0, CRL_PENDING = 1, CRL_DELTA = 2 };

struct crl_set {
    uint8_t *der; /* the file */
    struct crl_view parts[CRL_MAX_PARTS];
    size_t count;
};

/* Reads a CRL record: 1 when present and well-formed (parts filled), 0 otherwise (set empty). */
int crl_set_read(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind, struct crl_set *set);
void crl_set_free(struct crl_set *set);
/* Replaces a CRL record with these CertificateLists (one atomic save); 0 on failure. */
int crl_set_write(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind,
                  const struct crl_view *const *parts, size_t count);
void crl_set_remove(const struct sgp32_softeuicc *card, const uint8_t pkid[20], enum crl_kind kind);

#endif
