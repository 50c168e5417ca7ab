/* SPDX-License-Identifier: MIT */
/*
 * sgp32_parse_json(), the inverse of sgp32_print_json(): for every top-level type of every module and
 * enough generated variants that every alternative of every reachable CHOICE is produced (the
 * generator of test_roundtrip, tests/codec/exemplar.c), DER -> decode -> print_json -> parse_json ->
 * DER must give the same bytes. Then known answers for hand-written JSON and hostile input: strict
 * errors, never a crash or a leak (run under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec_internal.h"
#include "coverage_table.h"
#include "exemplar.h"
#include "sgp32/sgp32.h"

/* The variant schedule of test_roundtrip: at least MIN, then until every CHOICE the type reaches has
 * shown every alternative and STABLE more variants brought nothing new; never more than MAX. */
#define VARIANTS_MIN 4u
#define VARIANTS_STABLE 4u
#define VARIANTS_MAX 96u
#define MAX_REPORTED 40
#define TEST_MAX_STACK (1024u * 1024u)

struct run {
    struct exemplar_coverage selection; /* what the generator picked */
    struct exemplar_coverage produced;  /* what the values parsed back from JSON held */
    size_t types, values, rejected, json_bytes;
    int failures;
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

/* DER of a value parsed from json (NULL on failure, status in *st). */
static uint8_t *der_of_json(const struct sgp32_codec_type *type, const char *json, size_t len, size_t *der_len,
                            enum sgp32_status *st)
{
    void *value = NULL;
    uint8_t *der = NULL;
    *st = sgp32_parse_json(type, json, len, &value);
    if (*st == SGP32_OK) {
        assert_non_null(value);
        *st = sgp32_encode_der_alloc(type, value, &der, der_len);
    } else {
        assert_null(value);
    }
    sgp32_codec_free(type, value);
    return der;
}

/* ---- every type, every CHOICE alternative ------------------------------------------------------ */

static int round_trip(const struct coverage_entry *e, const struct sgp32_codec_type *type, unsigned variant)
{
    asn_TYPE_descriptor_t *td = sgp32_codec_descriptor(type);
    const struct sgp32_decode_options der = {SGP32_DECODE_DER, 0, TEST_MAX_STACK};
    const char *why = NULL;
    void *generated = NULL, *decoded = NULL, *parsed = NULL;
    uint8_t *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0;
    struct exemplar_json_text j = {NULL, 0, 0};
    enum sgp32_status st;
    int constrained, rc = -1;

    if (exemplar_new(td, variant, &run.selection, &generated, &why) != 0) {
        failure("%s variant %u: cannot generate a value: %s", e->name, variant, why);
        return -1;
    }
    constrained = sgp32_check_constraints(type, generated, NULL, 0) == SGP32_OK;
    if (sgp32_encode_der_alloc(type, generated, &first, &first_len) != SGP32_OK ||
        sgp32_decode(type, first, first_len, &der, &decoded, NULL) != SGP32_OK) {
        failure("%s variant %u: DER round trip failed (see test_roundtrip)", e->name, variant);
        goto out;
    }
    if (sgp32_print_json(type, decoded, exemplar_json_append, &j) != SGP32_OK) {
        failure("%s variant %u: print_json failed", e->name, variant);
        goto out;
    }
    st = sgp32_parse_json(type, j.text, j.len, &parsed);
    if (!constrained) {
        /* The few generated values outside their constraints must be refused as such. */
        if (st != SGP32_ERR_CONSTRAINT) {
            failure("%s variant %u: constraint-violating value parsed with %s", e->name, variant,
                    sgp32_status_name(st));
            goto out;
        }
        run.rejected++;
        rc = 0;
        goto out;
    }
    if (st != SGP32_OK) {
        failure("%s variant %u: parse_json: %s on %.300s", e->name, variant, sgp32_status_name(st), j.text);
        goto out;
    }
    st = sgp32_encode_der_alloc(type, parsed, &second, &second_len);
    if (st != SGP32_OK || second_len != first_len || memcmp(first, second, first_len) != 0) {
        failure("%s variant %u: DER of the parsed JSON differs (%zu bytes, then %zu: %s) for %.300s", e->name, variant,
                first_len, second_len, sgp32_status_name(st), j.text);
        goto out;
    }
    exemplar_record(td, parsed, &run.produced);
    run.values++;
    run.json_bytes += j.len;
    rc = 0;
out:
    free(j.text);
    sgp32_buffer_free(first);
    sgp32_buffer_free(second);
    sgp32_codec_free(type, parsed);
    sgp32_codec_free(type, decoded);
    sgp32_codec_free(type, generated);
    return rc;
}

struct reach_check {
    const char *context;
    int missing;
};

static void check_reached_choice(asn_TYPE_descriptor_t *choice, void *user)
{
    struct reach_check *rc = user;
    const struct exemplar_choice_stat *stat = exemplar_coverage_find(&run.produced, choice);
    int i;
    for (i = 0; i < choice->elements_count; i++) {
        if (stat == NULL || stat->counts[i] == 0) {
            fprintf(stderr, "CHOICE %s (from %s): alternative %s never came back from JSON\n", choice->name,
                    rc->context, choice->elements[i].name);
            rc->missing++;
        }
    }
}

static void test_every_type_and_alternative(void **state)
{
    size_t i;
    struct reach_check reach = {NULL, 0};
    (void)state;
    for (i = 0; i < coverage_table_count; i++) {
        const struct coverage_entry *e = &coverage_table[i];
        const struct sgp32_codec_type *type = sgp32_codec_type_find(e->name);
        unsigned k, stable = 0;
        size_t seen_before = 0;
        assert_non_null(type);
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
    }
    printf("json_parse: %zu types, %zu values back from JSON byte-identical (%zu JSON bytes), %zu refused for "
           "their constraints, %zu CHOICE types, %d failures\n",
           run.types, run.values, run.json_bytes, run.rejected, run.produced.count, run.failures);
    assert_int_equal(run.failures, 0);
    assert_int_equal(run.types, coverage_table_count);
    assert_true(run.values > run.types);
    for (i = 0; i < coverage_table_count; i++) {
        reach.context = coverage_table[i].name;
        exemplar_reachable_choices(sgp32_codec_descriptor(sgp32_codec_type_find(coverage_table[i].name)),
                                   check_reached_choice, &reach);
    }
    assert_int_equal(reach.missing, 0);
}

/* ---- known answers ------------------------------------------------------------------------------ */

static void expect_der(const char *type_name, const char *json, const char *hex)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    size_t der_len = 0, i;
    enum sgp32_status st;
    uint8_t *der;
    char *got;
    assert_non_null(type);
    der = der_of_json(type, json, strlen(json), &der_len, &st);
    if (st != SGP32_OK)
        fprintf(stderr, "%s: %s: %s\n", type_name, json, sgp32_status_name(st));
    assert_int_equal(st, SGP32_OK);
    got = malloc(der_len * 2 + 1);
    assert_non_null(got);
    for (i = 0; i < der_len; i++)
        snprintf(got + 2 * i, 3, "%02X", der[i]);
    got[2 * der_len] = '\0';
    assert_string_equal(got, hex);
    free(got);
    sgp32_buffer_free(der);
}

static void test_known_answers(void **state)
{
    (void)state;
    /* Members in any order, whitespace, lower-case hex, a CHOICE alternative. */
    expect_der("ProfileInfoListRequest",
               " {\n \"tagList\" : \"5a\", \"searchCriteria\": {\"iccid\": \"89000000000000000001\"} } ",
               "BF2D11A00C5A0A890000000000000000015C015A");
    expect_der("ProfileInfoListRequest", "{}", "BF2D00");
    expect_der("GetEuiccDataRequest", "{\"tagList\":\"5A\"}", "BF3E035C015A");
    /* ENUMERATED by name and by number. */
    expect_der("CRLReason", "\"keyCompromise\"", "0A0101");
    expect_der("CRLReason", "1", "0A0101");
    /* BIT STRING with and without "bits", keys in either order. */
    expect_der("PprIds", "{\"bits\":2,\"hex\":\"C0\"}", "030206C0");
    expect_der("PprIds", "{\"hex\":\"C0\"}", "030200C0");
    /* Named INTEGER: a number; negative and 64-bit values keep every digit. */
    expect_der("RemoteOpId", "1", "820101");
    expect_der("RemoteOpId", "-129", "8202FF7F");
    expect_der("RemoteOpId", "9223372036854775807", "82087FFFFFFFFFFFFFFF");
    expect_der("RemoteOpId", "-9223372036854775808", "82088000000000000000");
    expect_der("RemoteOpId", "\"0100000000000000000000\"", "820B0100000000000000000000");
    /* OBJECT IDENTIFIER dotted, and as the hex of its contents. */
    expect_der("KeyPurposeId", "\"1.3.6.1.5.5.7.3.1\"", "06082B06010505070301");
    expect_der("KeyPurposeId", "\"2a03\"", "06022A03");
    expect_der("KeyPurposeId", "\"0.39\"", "060127");
    expect_der("KeyPurposeId", "\"2.999.18446744073709551615\"",
               "060C8837"
               "81FFFFFFFFFFFFFFFF7F");
    /* Time is a CHOICE; the time itself is text. */
    expect_der("ExpirationDate", "{\"utcTime\":\"250101000000Z\"}", "170D3235303130313030303030305A");
    /* Text: raw UTF-8, escapes (a surrogate pair); in a UTF8String \u00e9 is U+00E9. */
    expect_der("DirectoryString", "{\"utf8String\":\"\xc3\xa9\\u00e9\\n\\\"\\ud83d\\ude00\"}",
               "0C0AC3A9C3A90A22F09F9880");
    expect_der("DirectoryString", "{\"printableString\":\"\\u0041 b\"}", "1303412062");
    expect_der("DirectoryString", "{\"teletexString\":\"41e9\"}", "140241E9"); /* printed as hex too */
}

/* ---- hostile input ------------------------------------------------------------------------------- */

static void expect_status(const char *type_name, const char *json, size_t len, enum sgp32_status want)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    void *value = (void *)&value;
    enum sgp32_status st;
    assert_non_null(type);
    st = sgp32_parse_json(type, json, len, &value);
    if (st != want)
        fprintf(stderr, "%s: %.*s: %s, expected %s\n", type_name, (int)(len < 200 ? len : 200), json,
                sgp32_status_name(st), sgp32_status_name(want));
    assert_int_equal(st, want);
    assert_null(value);
}

#define REFUSE(type, json, status) expect_status(type, json, strlen(json), status)

static void test_strict_errors(void **state)
{
    (void)state;
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\",\"other\":\"00\"}", SGP32_ERR_DECODE);   /* unknown member */
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\",\"tagList\":\"5A\"}", SGP32_ERR_DECODE); /* repeated */
    REFUSE("GetEuiccDataRequest", "{}", SGP32_ERR_DECODE);                                      /* mandatory */
    REFUSE("GetEuiccDataRequest", "{\"tagList\":90}", SGP32_ERR_DECODE);                        /* JSON type */
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5\"}", SGP32_ERR_DECODE);                     /* odd hex */
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5G\"}", SGP32_ERR_DECODE);                    /* not hex */
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\"", SGP32_ERR_TRUNCATED);
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\"} x", SGP32_ERR_TRAILING);
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\",}", SGP32_ERR_DECODE);
    REFUSE("GetEuiccDataRequest", "[]", SGP32_ERR_DECODE);
    REFUSE("GetEuiccDataRequest", "", SGP32_ERR_TRUNCATED);
    REFUSE("GetEuiccDataRequest", "{\"tagList\":\"5A\x01\"}", SGP32_ERR_DECODE); /* raw control character */
    expect_status("GetEuiccDataRequest", "{\"tagList\":\"5A\"}\0", 17, SGP32_ERR_DECODE);
    REFUSE("Iccid", "\"890000000000000000\"", SGP32_ERR_CONSTRAINT); /* SIZE(10) */
    REFUSE("ProfileInfoListRequest", "{\"searchCriteria\":{}}", SGP32_ERR_DECODE);
    REFUSE("ProfileInfoListRequest", "{\"searchCriteria\":null}", SGP32_ERR_DECODE);
    REFUSE("ProfileInfoListRequest", "{\"searchCriteria\":{\"iccid\":\"89000000000000000001\",\"tagList\":\"5A\"}}",
           SGP32_ERR_DECODE);
    REFUSE("ProfileInfoListRequest", "{\"searchCriteria\":{\"iccid\":\"89000000000000000001\",\"isdpAid\":\"A0\"}}",
           SGP32_ERR_DECODE); /* two alternatives */
    REFUSE("CRLReason", "\"noSuchReason\"", SGP32_ERR_DECODE);
    REFUSE("CRLReason", "1.0", SGP32_ERR_DECODE);
    REFUSE("CRLReason", "1e0", SGP32_ERR_DECODE);
    REFUSE("CRLReason", "01", SGP32_ERR_DECODE);
    REFUSE("CRLReason", "-", SGP32_ERR_TRUNCATED);
    REFUSE("CRLReason", "true", SGP32_ERR_DECODE);
    REFUSE("RemoteOpId", "9223372036854775808", SGP32_ERR_CONSTRAINT);
    REFUSE("RemoteOpId", "-9223372036854775809", SGP32_ERR_CONSTRAINT);
    REFUSE("RemoteOpId", "\"\"", SGP32_ERR_DECODE);
    REFUSE("RemoteOpId", "\"0001\"", SGP32_ERR_DECODE); /* not minimal: DER would change it */
    REFUSE("RemoteOpId", "\"FF80\"", SGP32_ERR_DECODE);
    REFUSE("RemoteOpId", "\"12345G\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"802A03\"", SGP32_ERR_DECODE); /* padded arc */
    REFUSE("KeyPurposeId", "\"2A83\"", SGP32_ERR_DECODE);   /* unfinished arc */
    REFUSE("KeyPurposeId", "\"0.40\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"3.1\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"1..2\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"1.2.\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"1.02\"", SGP32_ERR_DECODE);
    REFUSE("KeyPurposeId", "\"1.2.99999999999999999999999\"", SGP32_ERR_DECODE);
    REFUSE("DirectoryString", "{\"utf8String\":\"\\ud83d\"}", SGP32_ERR_DECODE); /* lone surrogate */
    REFUSE("DirectoryString", "{\"utf8String\":\"\\ude00\"}", SGP32_ERR_DECODE);
    REFUSE("DirectoryString", "{\"utf8String\":\"\\u12\"}", SGP32_ERR_DECODE);
    REFUSE("DirectoryString", "{\"utf8String\":\"\\x\"}", SGP32_ERR_DECODE);
    REFUSE("DirectoryString", "{\"utf8String\":\"\xc3\"}", SGP32_ERR_DECODE); /* not UTF-8 */
    REFUSE("DirectoryString", "{\"utf8String\":\"\"}", SGP32_ERR_CONSTRAINT); /* SIZE (1..MAX) */
    REFUSE("DirectoryString", "{\"utf8String\":\"abc", SGP32_ERR_TRUNCATED);
    REFUSE("PprIds", "{\"hex\":\"E0\",\"bits\":2}", SGP32_ERR_DECODE); /* an unused bit set */
    REFUSE("PprIds", "{\"hex\":\"C0\",\"bits\":9}", SGP32_ERR_DECODE);
    REFUSE("PprIds", "{\"hex\":\"C000\",\"bits\":8}", SGP32_ERR_DECODE); /* a whole unused byte */
    REFUSE("PprIds", "{\"hex\":\"\",\"bits\":1}", SGP32_ERR_DECODE);
    REFUSE("PprIds", "{\"bits\":2}", SGP32_ERR_DECODE);
    REFUSE("PprIds", "{\"hex\":\"C0\",\"bits\":2,\"bits\":2}", SGP32_ERR_DECODE);
    REFUSE("PprIds", "{\"hex\":\"C0\",\"size\":2}", SGP32_ERR_DECODE);
}

/* A deep or long text: bounded, no recursion without a limit. */
static void test_bounds(void **state)
{
    const size_t deep = 100000, big = SGP32_CODEC_JSON_MAX_INPUT + 1;
    char *text = malloc(big);
    (void)state;
    assert_non_null(text);
    memset(text, '[', deep);
    expect_status("GetEuiccDataRequest", text, deep, SGP32_ERR_DECODE);
    memset(text, ' ', big);
    expect_status("GetEuiccDataRequest", text, big, SGP32_ERR_TOO_LARGE);
    expect_status("GetEuiccDataRequest", text, big - 1, SGP32_ERR_TRUNCATED);
    {
        void *value = NULL;
        assert_int_equal(sgp32_parse_json(NULL, "{}", 2, &value), SGP32_ERR_INVALID_ARGUMENT);
        assert_int_equal(sgp32_parse_json(sgp32_codec_type_find("Iccid"), NULL, 2, &value), SGP32_ERR_INVALID_ARGUMENT);
        assert_int_equal(sgp32_parse_json(sgp32_codec_type_find("Iccid"), "{}", 2, NULL), SGP32_ERR_INVALID_ARGUMENT);
    }
    free(text);
}

/* Every prefix and every single-byte change of a real message's JSON: an error or a value that
 * encodes, never a crash (ASan) or a leak. */
static void test_mutations(void **state)
{
    static const char replacements[] = "\"{}[],:0-.e\\u \x01\x80";
    const struct sgp32_codec_type *type = sgp32_codec_type_find("EuiccPackageRequest");
    const char *why = NULL;
    void *generated = NULL;
    struct exemplar_json_text j = {NULL, 0, 0};
    size_t i, r, accepted = 0;
    (void)state;
    assert_non_null(type);
    assert_int_equal(exemplar_new(sgp32_codec_descriptor(type), 0, &run.selection, &generated, &why), 0);
    assert_int_equal(sgp32_print_json(type, generated, exemplar_json_append, &j), SGP32_OK);
    for (i = 0; i < j.len; i++) {
        size_t der_len;
        enum sgp32_status st;
        uint8_t *der = der_of_json(type, j.text, i, &der_len, &st);
        assert_int_not_equal(st, SGP32_OK);
        for (r = 0; r < sizeof(replacements) - 1; r++) {
            char saved = j.text[i];
            j.text[i] = replacements[r];
            sgp32_buffer_free(der);
            der = der_of_json(type, j.text, j.len, &der_len, &st);
            accepted += st == SGP32_OK;
            j.text[i] = saved;
        }
        sgp32_buffer_free(der);
    }
    printf("json_parse mutations: %zu JSON bytes, %zu changed texts still parsed\n", j.len, accepted);
    free(j.text);
    sgp32_codec_free(type, generated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_and_alternative),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_strict_errors),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_mutations),
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
