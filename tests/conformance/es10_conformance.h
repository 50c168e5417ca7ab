/* SPDX-License-Identifier: MIT */
/*
 * The shared ES10 conformance suite: one fixed, ordered list of checks run through lib/es10 over any
 * APDU transport (software eUICC, AT CCHO/CGLA, AT CSIM, QMI, PC/SC). Each path's test renders the
 * report to a canonical text, free of path-specific values (EIDs, channel numbers, modem session ids),
 * and compares it byte for byte with tests/conformance/expected_report.txt. What the checks are and
 * how to add a transport: docs/conformance.md.
 */
#ifndef SGP32_TESTS_ES10_CONFORMANCE_H
#define SGP32_TESTS_ES10_CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#define ES10_CONFORMANCE_MAX_CHECKS 24u
#define ES10_CONFORMANCE_OUTCOME_CAP 200u

enum es10_conformance_status { ES10_CONFORMANCE_PASS = 0, ES10_CONFORMANCE_FAIL = 1 };

struct es10_conformance_check {
    const char *name; /* e.g. "get_eid" */
    enum es10_conformance_status status;
    uint16_t sw;                                /* the status word that ended the check's exchange (0: none) */
    char outcome[ES10_CONFORMANCE_OUTCOME_CAP]; /* what was seen, in path-independent words */
};

struct es10_conformance_report {
    size_t count;
    struct es10_conformance_check checks[ES10_CONFORMANCE_MAX_CHECKS];
};

/*
 * Runs every check, in order, over `transport`, which the caller has opened (ops->open) and closes
 * afterwards. The card must be an IoT eUICC (SGP.32) made from the test PKI curve directory `pki_dir`
 * (examples/pki/sgp32-test-pki, e.g. <out>/nist): its EID `expected_eid`, CI, EUM and eUICC
 * certificates and key, trusting the CI for downloads; no profiles, no notifications and no eIM.
 * The suite plays the SM-DP+ (examples/servers/smdp) and the eIM (examples/servers/eim) with that
 * PKI. The run leaves no profile and no notification behind, but one eIM. Returns the number of
 * failed checks. A failing check never stops the run.
 */
unsigned es10_conformance_run(const struct sgp32_apdu_transport *transport, const uint8_t expected_eid[16],
                              const char *pki_dir, struct es10_conformance_report *report);

/* The canonical text of a report (one line per check and a summary line) into text[0..cap), NUL
 * terminated. Returns the length it needs (without the NUL); text may be NULL when cap is 0. */
size_t es10_conformance_render(const struct es10_conformance_report *report, char *text, size_t cap);

/* Renders the report, prints it to stdout under `path_name` and compares it with the reference file
 * (expected_report.txt). Returns 0 when they are equal byte for byte; else prints both texts and the
 * first differing line and returns -1. */
int es10_conformance_compare(const struct es10_conformance_report *report, const char *expected_file,
                             const char *path_name);

struct sgp32_es10;
/* GetEID on a connected session: 1 when the answer decodes (DER) as GetEuiccDataResponse holding
 * `eid`, else 0. For the per-path tests, which read the EID around their own faults. */
int es10_conformance_eid_matches(struct sgp32_es10 *session, const uint8_t eid[16]);

/*
 * A whole profile download over a connected session, as the suite's bpp_download check runs it: the
 * SM-DP+ (examples/servers/smdp) with the credentials of the PKI curve directory pki_dir, the typed
 * functions up to PrepareDownload, then the BPP through the BPP loader in 1000-byte chunks.
 * before_bpp(user) (may be NULL) runs once the BPP is built, just before the loader sends it.
 * iccid receives the profile's ICCID. SGP32_OK with *success 1 for a successResult the SM-DP+
 * verified; else the failing status, *step naming the stage. SGP32_ERR_NOT_SUPPORTED without the
 * crypto layer or the examples.
 */
enum sgp32_status es10_conformance_download(struct sgp32_es10 *session, const char *pki_dir,
                                            void (*before_bpp)(void *user), void *user, uint8_t iccid[10], int *success,
                                            const char **step);
/* GetProfilesInfo (typed): how many profiles the card has. */
enum sgp32_status es10_conformance_profile_count(struct sgp32_es10 *session, int *count);

/* es10_conformance_run() and es10_conformance_compare() in one: 0 when the report equals the
 * reference text. */
int es10_conformance_check_path(const struct sgp32_apdu_transport *transport, const uint8_t expected_eid[16],
                                const char *pki_dir, const char *expected_file, const char *path_name);

#endif
