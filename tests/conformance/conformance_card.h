/* SPDX-License-Identifier: MIT */
/*
 * The card every conformance path uses: a software eUICC (IoT mode, T=1 unless a test says otherwise)
 * with the identity of a fresh test PKI from examples/pki/sgp32-test-pki (NIST set), the same way the
 * PC/SC path makes its card with `sgp32 euicc-sim create --pki`: EID, CI PKID, EUM and eUICC
 * certificates, and where the crypto layer is built the eUICC key and the CI certificate (the card
 * then takes profile downloads from the PKI's SM-DP+).
 */
#ifndef SGP32_TESTS_CONFORMANCE_CARD_H
#define SGP32_TESTS_CONFORMANCE_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/softeuicc.h"

#define CONFORMANCE_PATH_CAP 256u

struct conformance_card {
    char pki_dir[64];                     /* temporary directory of the generated PKI */
    char curve_dir[CONFORMANCE_PATH_CAP]; /* <pki_dir>/nist: what es10_conformance_run() takes */
    char euicc_cert[CONFORMANCE_PATH_CAP], eum_cert[CONFORMANCE_PATH_CAP], euicc_key[CONFORMANCE_PATH_CAP];
    char ci_cert[CONFORMANCE_PATH_CAP];
    const char *ci_certificates[1];
    uint8_t ci_pkid[1][20];
    struct sgp32_softeuicc_identity identity; /* points into this struct */
};

/* Generates the PKI for `eid` (NULL: the tool's default EID) and fills card->identity. 0 on success,
 * else -1 with a message on stderr. */
int conformance_card_init(struct conformance_card *card, const uint8_t *eid);
/* Removes the PKI directory. */
void conformance_card_cleanup(struct conformance_card *card);

#endif
