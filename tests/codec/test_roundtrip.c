/* SPDX-License-Identifier: MIT */
/*
 * Every top-level type of every module: generated value -> DER -> strict-DER decode -> DER again,
 * byte-identical, over enough variants that every alternative of every reachable CHOICE is produced
 * (and survives decoding). The coverage table (coverage_table.c) must match the type registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifdef TEST_WITH_CJSON
#include <cjson/cJSON.h>
#endif

#include "codec/codec_internal.h"
#include "coverage_table.h"
#include "exemplar.h"
#include "sgp32/sgp32.h"

/* Variants per type: at least MIN, then until every CHOICE the type reaches has shown every
 * alternative and STABLE more variants brought nothing new; never more than MAX. */
#define VARIANTS_MIN 4u
#define VARIANTS_STABLE 4u
#define VARIANTS_MAX 96u
#define MAX_REPORTED 40
/* asn1c's recursion budget. The 32 KiB default fits release builds; a sanitizer build at -O0 uses
 * several times the stack per decoder frame and would refuse a plain Certificate. */
#define TEST_MAX_STACK (1024u * 1024u)

struct run {
    struct exemplar_coverage selection; /* what the generator picked */
    struct exemplar_coverage produced;  /* what the decoded values held */
    size_t types;
    size_t values;
    size_t constrained_values; /* values that also passed the constraints, decoded with the check */
    size_t bytes;
    int failures;
    int done;
};

static struct run run;

static void failure(const char *fmt, ...)
{
    va_list ap;
    if (run.failures++ >= MAX_REPORTED)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static asn_TYPE_descriptor_t *descriptor_of(const char *name)
{
    const struct sgp32_codec_type *t = sgp32_codec_type_find(name);
    return t != NULL ? sgp32_codec_descriptor(t) : NULL;
}

/* ---- the table and the registry agree ---------------------------------------------------------- */

static void test_table_matches_registry(void **state)
{
    size_t i, j, n = sgp32_codec_type_count();
    int bad = 0;
    (void)state;
    for (i = 0; i < n; i++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_at(i);
        const char *name = sgp32_codec_type_name(t), *module = sgp32_codec_type_module(t);
        for (j = 0; j < coverage_table_count; j++) {
            if (strcmp(coverage_table[j].name, name) == 0 && strcmp(coverage_table[j].module, module) == 0)
                break;
        }
        if (j == coverage_table_count) {
            fprintf(stderr, "type %s (%s) is compiled but missing from tests/codec/coverage_table.c\n", name, module);
            bad++;
        }
    }
    for (j = 0; j < coverage_table_count; j++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_find(coverage_table[j].name);
        if (t == NULL || strcmp(sgp32_codec_type_module(t), coverage_table[j].module) != 0) {
            fprintf(stderr, "coverage table entry %s (%s) is not a compiled type\n", coverage_table[j].name,
                    coverage_table[j].module);
            bad++;
        }
        for (i = 0; i < j; i++) {
            if (strcmp(coverage_table[i].name, coverage_table[j].name) == 0) {
                fprintf(stderr, "coverage table lists %s twice\n", coverage_table[j].name);
                bad++;
            }
        }
        if (coverage_table[j].role[0] == '\0' || coverage_table[j].direction[0] == '\0') {
            fprintf(stderr, "coverage table entry %s has no role or direction\n", coverage_table[j].name);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    assert_int_equal(coverage_table_count, n);
}

/* ---- round trip --------------------------------------------------------------------------------- */

/* One variant of one type; returns 0 on success. */

/* Every value renders as JSON (sgp32_print_json); with cJSON available the text must also parse. */
static int check_json(const struct sgp32_codec_type *type, const void *value)
{
    struct exemplar_json_text j = {NULL, 0, 0};
    int rc = sgp32_print_json(type, value, exemplar_json_append, &j) == SGP32_OK && j.len > 0 ? 0 : -1;
#ifdef TEST_WITH_CJSON
    if (rc == 0) {
        cJSON *parsed = cJSON_ParseWithLength(j.text, j.len);
        rc = parsed != NULL ? 0 : -1;
        cJSON_Delete(parsed);
    }
#endif
    free(j.text);
    return rc;
}

static int round_trip(const struct coverage_entry *e, const struct sgp32_codec_type *type, unsigned variant)
{
    asn_TYPE_descriptor_t *td = sgp32_codec_descriptor(type);
    const struct sgp32_decode_options der = {SGP32_DECODE_DER, 0, TEST_MAX_STACK};
    const struct sgp32_decode_options der_constrained = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0,
                                                         TEST_MAX_STACK};
    const char *why = NULL;
    void *value = NULL, *decoded = NULL;
    uint8_t *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0, consumed = 0;
    enum sgp32_status st;
    int constrained, rc = -1;

    if (exemplar_new(td, variant, &run.selection, &value, &why) != 0) {
        failure("%s variant %u: cannot generate a value: %s", e->name, variant, why);
        return -1;
    }
    constrained = sgp32_check_constraints(type, value, NULL, 0) == SGP32_OK;
    st = sgp32_encode_der_alloc(type, value, &first, &first_len);
    if (st != SGP32_OK) {
        failure("%s variant %u: encode: %s", e->name, variant, sgp32_strerror(st));
        goto out;
    }
    st = sgp32_decode(type, first, first_len, constrained ? &der_constrained : &der, &decoded, &consumed);
    if (st != SGP32_OK || consumed != first_len) {
        failure("%s variant %u: decode of its own %zu-byte DER: %s", e->name, variant, first_len, sgp32_strerror(st));
        goto out;
    }
    st = sgp32_encode_der_alloc(type, decoded, &second, &second_len);
    if (st != SGP32_OK) {
        failure("%s variant %u: re-encode: %s", e->name, variant, sgp32_strerror(st));
        goto out;
    }
    if (second_len != first_len || memcmp(first, second, first_len) != 0) {
        failure("%s variant %u: re-encoding differs (%zu bytes, then %zu)", e->name, variant, first_len, second_len);
        goto out;
    }
    if (check_json(type, decoded) != 0) {
        failure("%s variant %u: JSON rendering failed or is not valid JSON", e->name, variant);
        goto out;
    }
    exemplar_record(td, decoded, &run.produced);
    run.values++;
    run.constrained_values += (size_t)constrained;
    run.bytes += first_len;
    rc = 0;
out:
    sgp32_buffer_free(first);
    sgp32_buffer_free(second);
    sgp32_codec_free(type, decoded);
    sgp32_codec_free(type, value);
    return rc;
}

static void run_all(void)
{
    size_t i;
    unsigned total_variants = 0;
    if (run.done)
        return;
    run.done = 1;
    for (i = 0; i < coverage_table_count; i++) {
        const struct coverage_entry *e = &coverage_table[i];
        const struct sgp32_codec_type *type = sgp32_codec_type_find(e->name);
        unsigned k, stable = 0;
        size_t seen_before = 0;
        if (type == NULL)
            continue; /* reported by test_table_matches_registry */
        run.types++;
        run.produced.epoch = i + 1;
        for (k = 0; k < VARIANTS_MAX; k++) {
            size_t seen;
            int complete;
            if (round_trip(e, type, k) != 0)
                break;
            complete = exemplar_coverage_epoch_complete(&run.produced, &seen);
            stable = complete && seen == seen_before ? stable + 1 : 0;
            seen_before = seen;
            if (k + 1 >= VARIANTS_MIN && stable >= VARIANTS_STABLE)
                break;
        }
        total_variants += k < VARIANTS_MAX ? k + 1 : k;
    }
    printf("roundtrip: %zu types, %u variants, %zu values (%zu also constraint-valid), %zu DER bytes, %zu CHOICE "
           "types covered, %d failures\n",
           run.types, total_variants, run.values, run.constrained_values, run.bytes, run.produced.count, run.failures);
}

static void test_every_type_round_trips(void **state)
{
    (void)state;
    run_all();
    assert_int_equal(run.failures, 0);
    assert_int_equal(run.types, coverage_table_count);
    /* Most generated values must be valid, not just encodable: the generator aims at the constraints. */
    assert_true(run.constrained_values * 10 >= run.values * 9);
}

/* ---- CHOICE coverage --------------------------------------------------------------------------- */

static int report_choice(asn_TYPE_descriptor_t *choice, const char *context)
{
    const struct exemplar_choice_stat *stat = exemplar_coverage_find(&run.produced, choice);
    int i, missing = 0;
    if (stat == NULL) {
        fprintf(stderr, "CHOICE %s (reached from %s) never produced\n", choice->name, context);
        return 1;
    }
    for (i = 0; i < choice->elements_count; i++) {
        if (stat->counts[i] == 0) {
            fprintf(stderr, "CHOICE %s (reached from %s): alternative %s never produced\n", choice->name, context,
                    choice->elements[i].name);
            missing++;
        }
    }
    return missing;
}

struct reach_check {
    const char *context;
    int missing;
};

static void check_reached_choice(asn_TYPE_descriptor_t *choice, void *user)
{
    struct reach_check *rc = user;
    rc->missing += report_choice(choice, rc->context);
}

/* Every CHOICE reachable from any table type, at any depth, produced every alternative. */
static void test_every_reachable_choice_alternative(void **state)
{
    size_t i;
    struct reach_check rc = {NULL, 0};
    (void)state;
    run_all();
    for (i = 0; i < coverage_table_count; i++) {
        asn_TYPE_descriptor_t *td = descriptor_of(coverage_table[i].name);
        if (td == NULL)
            continue;
        rc.context = coverage_table[i].name;
        exemplar_reachable_choices(td, check_reached_choice, &rc);
    }
    assert_int_equal(rc.missing, 0);
}

/* The member type at a dotted path of member names (a SEQUENCE OF is stepped through implicitly). */
static asn_TYPE_descriptor_t *member_at(const char *type, const char *path)
{
    asn_TYPE_descriptor_t *td = descriptor_of(type);
    const char *name = path;
    while (td != NULL && *name != '\0') {
        const char *dot = strchr(name, '.');
        size_t len = dot != NULL ? (size_t)(dot - name) : strlen(name);
        asn_TYPE_descriptor_t *next = NULL;
        int i;
        (void)exemplar_kind_name(td); /* resolves alias descriptors */
        for (i = 0; i < td->elements_count; i++) {
            const char *m = td->elements[i].name;
            if (m != NULL && strlen(m) == len && strncmp(m, name, len) == 0)
                next = td->elements[i].type;
        }
        td = next;
        name += len + (dot != NULL);
    }
    return td;
}

static void test_key_choices_fully_covered(void **state)
{
    static const char *const named[] = {"EsipaMessageFromIpaToEim",
                                        "EsipaMessageFromEimToIpa",
                                        "EuiccPackage",
                                        "Psmo",
                                        "Eco",
                                        "EuiccPackageResult",
                                        "EuiccResultData",
                                        "IpaEuiccDataResponse",
                                        "ProfileDownloadData",
                                        "ProfileInfoListResponse",
                                        "SGP32-ProfileInfoListResponse",
                                        "PrepareDownloadResponse",
                                        "AuthenticateServerResponse",
                                        "CancelSessionResponse",
                                        "RetrieveNotificationsListResponse",
                                        "SGP32-RetrieveNotificationsListResponse",
                                        "LoadCRLResponse",
                                        "GetEimPackageResponse",
                                        "ProvideEimPackageResultResponse",
                                        "TransferEimPackageResponse",
                                        "InitiateAuthenticationResponseEsipa",
                                        "AuthenticateClientResponseEsipa",
                                        "GetBoundProfilePackageResponseEsipa",
                                        "CancelSessionResponseEsipa",
                                        "SGP32-PrepareDownloadResponse",
                                        "SGP32-AuthenticateServerResponse",
                                        "SGP32-CancelSessionResponse",
                                        "EimPackageResult"};
    static const struct {
        const char *type;
        const char *path;
    } inner[] = {
        {"EuiccPackageRequest", "euiccPackageSigned.euiccPackage"},
        {"ProfileDownloadTriggerResult", "profileDownloadTriggerResultData"},
        {"EimConfigurationData", "eimPublicKeyData"},
        {"EimConfigurationData", "trustedPublicKeyDataTls"},
        {"IpaEuiccDataRequest", "searchCriteriaNotification"},
    };
    size_t i, checked = 0;
    int missing = 0;
    (void)state;
    run_all();
    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        asn_TYPE_descriptor_t *td = descriptor_of(named[i]);
        if (td == NULL || strcmp(exemplar_kind_name(td), "CHOICE") != 0) {
            fprintf(stderr, "%s is not a CHOICE type\n", named[i]);
            missing++;
            continue;
        }
        missing += report_choice(td, named[i]);
        checked++;
    }
    for (i = 0; i < sizeof(inner) / sizeof(inner[0]); i++) {
        asn_TYPE_descriptor_t *td = member_at(inner[i].type, inner[i].path);
        if (td == NULL || strcmp(exemplar_kind_name(td), "CHOICE") != 0) {
            fprintf(stderr, "%s.%s is not a CHOICE\n", inner[i].type, inner[i].path);
            missing++;
            continue;
        }
        missing += report_choice(td, inner[i].type);
        checked++;
    }
    /* Every CHOICE-typed ES10 message (request or response) of the table. */
    for (i = 0; i < coverage_table_count; i++) {
        asn_TYPE_descriptor_t *td = descriptor_of(coverage_table[i].name);
        if (td == NULL || strstr(coverage_table[i].role, "ES10") == NULL ||
            strcmp(exemplar_kind_name(td), "CHOICE") != 0)
            continue;
        missing += report_choice(td, coverage_table[i].name);
        checked++;
    }
    assert_int_equal(missing, 0);
    assert_true(checked >= 40);
}

/* ---- docs/codec-coverage.md is the table, rendered ---------------------------------------------- */

struct text {
    char *buf;
    size_t len;
    size_t cap;
};

static void append(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *grown = realloc(t->buf, cap);
        assert_non_null(grown);
        t->buf = grown;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void render_coverage_doc(struct text *t)
{
    static const char *const modules[] = {"SGP32Definitions", "RSPDefinitions", "PEDefinitions", "PKIX1Explicit88",
                                          "PKIX1Implicit88"};
    size_t m, i;
    append(t,
           "<!-- SPDX-License-Identifier: MIT -->\n"
           "<!-- Generated from tests/codec/coverage_table.c by test_roundtrip: do not edit. Regenerate with\n"
           "     SGP32_UPDATE_DOCS=1 <build>/tests/test_roundtrip -->\n"
           "# Codec coverage\n\n"
           "Every top-level type of the ASN.1 modules compiled into libsgp32 (%zu types). `test_roundtrip`\n"
           "checks this list against the library's type registry, then for every type generates values from\n"
           "the asn1c descriptors (`tests/codec/exemplar.c`), DER-encodes them, decodes them as strict DER and\n"
           "re-encodes them byte-identical, over enough variants that every alternative of every CHOICE\n"
           "reachable from the type is produced and survives decoding. `test_vectors` adds known answers\n"
           "(an AddInitialEimRequest, an eIM certificate, a Bound Profile Package and its SAIP profile).\n\n"
           "Roles: ES10a/ES10b/ES10c (IPA - eUICC), ESipa (IPA - eIM), ESipa+ES10b (eUICC Packages and their\n"
           "results, relayed by the IPA), ES9+ (IPA - SM-DP+), ES11 (IPA - SM-DS), ES8+ (SM-DP+ - eUICC, inside\n"
           "a Bound Profile Package), SAIP (profile elements), PKIX (X.509), common (shared building blocks).\n"
           "Direction `-` marks building blocks that are not messages by themselves.\n",
           coverage_table_count);
    for (m = 0; m < sizeof(modules) / sizeof(modules[0]); m++) {
        size_t count = 0;
        for (i = 0; i < coverage_table_count; i++)
            count += strcmp(coverage_table[i].module, modules[m]) == 0;
        append(t, "\n## %s (%zu types)\n\n| type | kind | role | direction |\n|---|---|---|---|\n", modules[m], count);
        for (i = 0; i < coverage_table_count; i++) {
            asn_TYPE_descriptor_t *td;
            if (strcmp(coverage_table[i].module, modules[m]) != 0)
                continue;
            td = descriptor_of(coverage_table[i].name);
            append(t, "| %s | %s | %s | %s |\n", coverage_table[i].name, td != NULL ? exemplar_kind_name(td) : "?",
                   coverage_table[i].role, coverage_table[i].direction);
        }
    }
}

static void test_coverage_doc_in_sync(void **state)
{
    const char *path = SGP32_SOURCE_DIR "/docs/codec-coverage.md";
    struct text t = {NULL, 0, 0};
    char *current = NULL;
    long size = -1;
    FILE *f;
    (void)state;
    render_coverage_doc(&t);
    f = fopen(path, "rb");
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        current = malloc((size_t)size + 1);
        if (current != NULL && fread(current, 1, (size_t)size, f) != (size_t)size)
            size = -1;
    }
    if (f != NULL)
        fclose(f);
    if (size < 0 || (size_t)size != t.len || memcmp(current, t.buf, t.len) != 0) {
        if (getenv("SGP32_UPDATE_DOCS") != NULL) {
            f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(t.buf, 1, t.len, f), t.len);
            assert_int_equal(fclose(f), 0);
            fprintf(stderr, "wrote %s\n", path);
        } else {
            fprintf(stderr,
                    "%s is not in sync with tests/codec/coverage_table.c: regenerate with "
                    "SGP32_UPDATE_DOCS=1 tests/test_roundtrip\n",
                    path);
            fail();
        }
    }
    free(current);
    free(t.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_registry),
        cmocka_unit_test(test_every_type_round_trips),
        cmocka_unit_test(test_every_reachable_choice_alternative),
        cmocka_unit_test(test_key_choices_fully_covered),
        cmocka_unit_test(test_coverage_doc_in_sync),
    };
    int rc;
    exemplar_init();
    exemplar_coverage_init(&run.selection);
    exemplar_coverage_init(&run.produced);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    exemplar_coverage_free(&run.selection);
    exemplar_coverage_free(&run.produced);
    return rc;
}
