/* SPDX-License-Identifier: MIT */
/*
 * The codec coverage table: every top-level type of the five GSMA/PKIX modules compiled into libsgp32,
 * with the interface it belongs to and, for messages, which way it travels. test_roundtrip checks the
 * table against the library's type registry (both ways) and round-trips every entry.
 *
 * Roles: ES10a / ES10b / ES10c (IPA <-> eUICC, SGP.22 5.7 and SGP.32 5.9), ESipa (IPA <-> eIM,
 * SGP.32 6.3), ESipa+ES10b (eUICC Packages and their results, which the IPA relays between eIM and
 * eUICC, SGP.32 2.11), ES9+ (IPA <-> SM-DP+), ES11 (IPA <-> SM-DS), ES8+ (SM-DP+ -> eUICC inside a
 * Bound Profile Package), SAIP (the profile package elements), PKIX (X.509), common (shared types).
 */
#ifndef SGP32_TESTS_COVERAGE_TABLE_H
#define SGP32_TESTS_COVERAGE_TABLE_H

#include <stddef.h>

struct coverage_entry {
    const char *name;      /* ASN.1 name, as in the module */
    const char *module;    /* defining module */
    const char *role;      /* interface (see above) */
    const char *direction; /* "IPA -> eUICC", "eIM -> IPA", ... or "-" for building blocks */
};

extern const struct coverage_entry coverage_table[];
extern const size_t coverage_table_count;

#endif
