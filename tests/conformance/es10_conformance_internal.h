/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of the ES10 conformance suite (es10_conformance.c: the session-level
 * checks; es10_conformance_typed.c: the typed functions, a profile download through the BPP loader
 * and an eIM-signed eUICC Package). Not for the path tests. */
#ifndef SGP32_TESTS_ES10_CONFORMANCE_INTERNAL_H
#define SGP32_TESTS_ES10_CONFORMANCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "es10_conformance.h"
#include "sgp32/sgp32.h"

#define FURTHER_SESSIONS 4u

/* The transport under test wrapped so that the suite sees the APDUs lib/es10 sends: the number of
 * STORE DATA blocks and the CLA bytes it coded. Everything is forwarded unchanged. */
struct observed_transport {
    struct sgp32_apdu_transport inner;
    struct sgp32_apdu_transport_ops ops;
    struct sgp32_apdu_transport outer;
    unsigned store_data_blocks;
    uint8_t last_store_data_cla;
};

struct run {
    struct observed_transport observed;
    const uint8_t *expected_eid;
    const char *pki_dir; /* the test PKI curve directory of the card */
    struct es10_conformance_report *report;
    struct sgp32_es10 *session;
    struct sgp32_es10 *further[FURTHER_SESSIONS];
};

/* Starts the next check of the report (recorded as failed until finished). */
struct es10_conformance_check *conformance_begin(struct run *run, const char *name);
void conformance_finish(struct es10_conformance_check *check, int passed, uint16_t sw, const char *format, ...);
/* Finishes as failed with the status and the step of the session's error detail. */
void conformance_finish_failure(struct es10_conformance_check *check, const struct sgp32_es10 *session,
                                enum sgp32_status st, const char *what);
/* 9000 after a success, else the status word kept in the error detail. */
uint16_t conformance_session_sw(const struct sgp32_es10 *session, enum sgp32_status st);

/* The checks of es10_conformance_typed.c, in report order, over run->session. */
void es10_conformance_typed_checks(struct run *run);

#ifdef CONFORMANCE_WITH_DOWNLOAD
#include "smdp_core.h"

/* The BPP goes to the loader in pieces of this size, as an HTTP body arrives. */
#define CONFORMANCE_BPP_CHUNK 1000u

/* The file of the PKI curve directory named by its manifest key (docs/test-pki.md). */
enum sgp32_status conformance_read_pki(const char *pki_dir, const char *key, struct smdp_blob *blob);
/* `der` decoded strictly as `type_name` (free with conformance_release), or NULL. */
void *conformance_decode(const char *type_name, const uint8_t *der, size_t len);
void conformance_release(const char *type_name, void *value);
/* The profile `iccid` in a GetProfilesInfo answer: *count profiles, *state its profileState (-1:
 * absent), nickname (at most cap - 1 bytes, "" if none). 0 when the answer decodes. */
int conformance_profile_of(const uint8_t *answer, size_t len, const uint8_t iccid[10], int *count, long *state,
                           char *nickname, size_t cap);
#endif

#endif
