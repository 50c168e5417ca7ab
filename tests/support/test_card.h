/* SPDX-License-Identifier: MIT */
/*
 * A fresh software eUICC (IoT mode) of a test PKI curve set's eUICC identity (EID and CI PKID from its
 * manifest.txt, docs/test-pki.md), trusting that set's CI, connected through lib/es10. The helpers
 * assert (cmocka): compile test_card.c into a test executable linked with sgp32_softeuicc.
 */
#ifndef SGP32_TESTS_SUPPORT_TEST_CARD_H
#define SGP32_TESTS_SUPPORT_TEST_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/es10.h"
#include "sgp32/softeuicc.h"

struct card_env {
    char dir[64];
    struct sgp32_softeuicc *card;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *es10;
    uint8_t eid[16];
    char eid_hex[33];
};

/* The card of <curve_dir> (a curve set of the PKI, e.g. "<pki>/nist"), its state in a new directory
 * from dir_template (e.g. "/tmp/x-card-XXXXXX", at most 63 characters). */
void test_card_start(struct card_env *env, const char *curve_dir, const char *dir_template);
/* The card's material for an InitiateAuthentication: GetEUICCChallenge and GetEUICCInfo1 (*info1
 * freed with sgp32_buffer_free). */
void card_authentication_material(struct card_env *env, uint8_t challenge[16], uint8_t **info1, size_t *info1_len);
/* Frees the card and removes its directory. */
void card_stop(struct card_env *env);

#endif
