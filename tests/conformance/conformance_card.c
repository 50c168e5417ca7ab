/* SPDX-License-Identifier: MIT */
/* The conformance card identity from a generated test PKI (see conformance_card.h). */
#define _POSIX_C_SOURCE 200809L

#include "conformance_card.h"
#include "test_pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of `key` in the nist manifest of the PKI. */
static int manifest_value(const char *dir, const char *key, char *value, size_t cap)
{
    char curve_dir[CONFORMANCE_PATH_CAP];
    if ((size_t)snprintf(curve_dir, sizeof(curve_dir), "%s/nist", dir) >= sizeof(curve_dir))
        return -1;
    return test_pki_manifest_value(curve_dir, key, value, cap);
}

/* A manifest path (relative to the curve directory) made absolute. */
static int manifest_path(const char *dir, const char *key, char *path, size_t cap)
{
    char relative[CONFORMANCE_PATH_CAP];
    if (manifest_value(dir, key, relative, sizeof(relative)) != 0)
        return -1;
    return (size_t)snprintf(path, cap, "%s/nist/%s", dir, relative) < cap ? 0 : -1;
}

int conformance_card_init(struct conformance_card *card, const uint8_t *wanted_eid)
{
    char command[512], eid[64], pkid[64], eid_option[48] = "";
    size_t i;
    memset(card, 0, sizeof(*card));
    snprintf(card->pki_dir, sizeof(card->pki_dir), "/tmp/sgp32-conformance-XXXXXX");
    if (mkdtemp(card->pki_dir) == NULL)
        return -1;
    if (wanted_eid != NULL) {
        strcpy(eid_option, "--eid ");
        for (i = 0; i < 16; i++)
            snprintf(eid_option + 6 + 2 * i, 3, "%02X", wanted_eid[i]);
    }
    snprintf(command, sizeof(command), "'%s/examples/pki/sgp32-test-pki' --curve nist %s '%s' >/dev/null",
             SGP32_SOURCE_DIR, eid_option, card->pki_dir);
    if (system(command) != 0) {
        fprintf(stderr, "conformance card: %s failed\n", command);
        return -1;
    }
    if (manifest_value(card->pki_dir, "eid", eid, sizeof(eid)) != 0 ||
        manifest_value(card->pki_dir, "ci_pkid", pkid, sizeof(pkid)) != 0 ||
        test_parse_hex(eid, card->identity.eid, sizeof(card->identity.eid)) != 0 ||
        test_parse_hex(pkid, card->ci_pkid[0], sizeof(card->ci_pkid[0])) != 0 ||
        manifest_path(card->pki_dir, "euicc_cert_der", card->euicc_cert, sizeof(card->euicc_cert)) != 0 ||
        manifest_path(card->pki_dir, "eum_cert_der", card->eum_cert, sizeof(card->eum_cert)) != 0 ||
        manifest_path(card->pki_dir, "euicc_key_der", card->euicc_key, sizeof(card->euicc_key)) != 0 ||
        manifest_path(card->pki_dir, "ci_cert_der", card->ci_cert, sizeof(card->ci_cert)) != 0 ||
        (size_t)snprintf(card->curve_dir, sizeof(card->curve_dir), "%s/nist", card->pki_dir) >=
            sizeof(card->curve_dir)) {
        fprintf(stderr, "conformance card: incomplete manifest in %s/nist\n", card->pki_dir);
        return -1;
    }
    card->identity.ci_pkids = (const uint8_t(*)[20])card->ci_pkid;
    card->identity.ci_pkid_count = 1;
    card->identity.euicc_certificate_file = card->euicc_cert;
    card->identity.eum_certificate_file = card->eum_cert;
#ifdef CONFORMANCE_WITH_CRYPTO
    /* The key makes the card sign notifications; without the crypto layer create() refuses it. */
    card->identity.euicc_private_key_file = card->euicc_key;
    /* The CI certificate lets the card verify the SM-DP+ of the suite's profile download. */
    card->ci_certificates[0] = card->ci_cert;
    card->identity.ci_certificate_files = card->ci_certificates;
    card->identity.ci_certificate_count = 1;
#endif
    return 0;
}

void conformance_card_cleanup(struct conformance_card *card)
{
    char command[128];
    if (card->pki_dir[0] == '\0')
        return;
    snprintf(command, sizeof(command), "rm -rf '%s'", card->pki_dir);
    if (system(command) != 0)
        fprintf(stderr, "conformance card: cannot remove %s\n", card->pki_dir);
    card->pki_dir[0] = '\0';
}
