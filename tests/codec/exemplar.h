/* SPDX-License-Identifier: MIT */
/*
 * Exemplar values for any asn1c 0.9.28 type: a generator that walks the type descriptors (members,
 * offsets, CHOICE presence fields, SEQUENCE OF lists) and builds a valid C value, so that every type of
 * the GSMA modules can be round-tripped without hand-written samples.
 *
 * Variant k of a type: OPTIONAL members are all present when k % 4 is 0 or 3 and all absent when it
 * is 1 or 2 (so every CHOICE alternative, which rotates with k, meets both settings); each CHOICE
 * takes its least-produced alternative so far (ties broken by (k + depth) mod count), which covers
 * every alternative of every reachable CHOICE, nested ones included, in few variants. Primitive
 * values are chosen to pass the type's constraints (sizes and ranges are tried from a candidate list).
 */
#ifndef SGP32_TESTS_EXEMPLAR_H
#define SGP32_TESTS_EXEMPLAR_H

#include <stddef.h>

#include "asn_application.h"

/* Per CHOICE descriptor: how often each alternative was seen. */
struct exemplar_choice_stat {
    const asn_TYPE_descriptor_t *choice;
    unsigned *counts;   /* elements_count entries */
    unsigned long mark; /* last epoch in which the CHOICE was seen */
};

struct exemplar_coverage {
    struct exemplar_choice_stat *stats;
    size_t count;
    size_t cap;
    unsigned long epoch;
};

void exemplar_coverage_init(struct exemplar_coverage *coverage);
void exemplar_coverage_free(struct exemplar_coverage *coverage);
/* The statistics of one CHOICE (NULL when it was never seen). */
const struct exemplar_choice_stat *exemplar_coverage_find(const struct exemplar_coverage *coverage,
                                                          const asn_TYPE_descriptor_t *choice);
/* Number of alternatives of stat never seen. */
int exemplar_choice_missing(const struct exemplar_choice_stat *stat);

/* Have the CHOICEs seen in coverage's current epoch all shown every alternative? *seen: how many
 * were seen. (The variant schedule of test_roundtrip and test_json_parse stops on this.) */
int exemplar_coverage_epoch_complete(const struct exemplar_coverage *coverage, size_t *seen);

/* A growing NUL-terminated text for sgp32_print_json(): start from {NULL, 0, 0}, free(text). */
struct exemplar_json_text {
    char *text;
    size_t len, cap;
};
/* The sgp32_print_json() sink appending to a struct exemplar_json_text (user). */
int exemplar_json_append(const char *text, size_t len, void *user);

/* Must run before any value of any type is encoded, decoded or freed: remembers the constraint check
 * of every registry type, which asn1c 0.9.28 overwrites on the first use of an alias type. */
void exemplar_init(void);

/*
 * Builds variant `variant` of a value of td into *value (free with td->free_struct). `selection` keeps
 * the CHOICE alternatives the generator picked (it steers the next variants). Returns 0, or -1 when
 * the type cannot be generated (message in *why).
 */
int exemplar_new(asn_TYPE_descriptor_t *td, unsigned variant, struct exemplar_coverage *selection, void **value,
                 const char **why);

/* Walks a value of td and counts the CHOICE alternatives it holds into coverage (with its epoch). */
void exemplar_record(asn_TYPE_descriptor_t *td, const void *value, struct exemplar_coverage *coverage);

/* Calls visit once for every CHOICE type reachable from td through its members (td included). */
typedef void (*exemplar_choice_visitor)(asn_TYPE_descriptor_t *choice, void *user);
void exemplar_reachable_choices(asn_TYPE_descriptor_t *td, exemplar_choice_visitor visit, void *user);

/* The kind of a type, resolving alias descriptors first ("SEQUENCE", "CHOICE", "OCTET STRING"...). */
const char *exemplar_kind_name(asn_TYPE_descriptor_t *td);

#endif
