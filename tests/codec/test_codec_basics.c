/* SPDX-License-Identifier: MIT */
/* The codec facade: lookup by name, decode/encode round trip, error mapping, the hang input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgp32/sgp32.h"

static void test_find_types(void **state)
{
    const struct sgp32_codec_type *t;
    (void)state;
    t = sgp32_codec_type_find("AddInitialEimRequest");
    assert_non_null(t);
    assert_string_equal(sgp32_codec_type_name(t), "AddInitialEimRequest");
    assert_string_equal(sgp32_codec_type_module(t), "SGP32Definitions");
    assert_string_equal(sgp32_codec_type_module(sgp32_codec_type_find("Certificate")), "PKIX1Explicit88");
    assert_string_equal(sgp32_codec_type_module(sgp32_codec_type_find("ProfileInfo")), "RSPDefinitions");
    assert_null(sgp32_codec_type_find("NoSuchType"));
    assert_null(sgp32_codec_type_find(NULL));
    assert_true(sgp32_codec_type_count() >= 440);
    assert_null(sgp32_codec_type_at(sgp32_codec_type_count()));
}

/* BF 57 80 81 01 01 00 01: an indefinite-length CHOICE whose end-of-contents is malformed. Unpatched
 * asn1c 0.9.28 loops forever on it. */
static void test_choice_end_of_contents_fails_fast(void **state)
{
    static const uint8_t hang[] = {0xBF, 0x57, 0x80, 0x81, 0x01, 0x01, 0x00, 0x01};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("AddInitialEimResponse");
    void *value = (void *)1;
    (void)state;
    assert_non_null(t);
    assert_int_equal(sgp32_decode(t, hang, sizeof(hang), NULL, &value, NULL), SGP32_ERR_DECODE);
    assert_null(value);
}

static void test_round_trip_and_errors(void **state)
{
    /* GetEimPackageRequest { eidValue 16 bytes } */
    static const uint8_t msg[] = {0xBF, 0x4F, 0x12, 0x5A, 0x10, 0x89, 0x04, 0x90, 0x32, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("GetEimPackageRequest");
    uint8_t out[64];
    uint8_t with_trailer[sizeof(msg) + 1];
    size_t len = 0, consumed = 0;
    void *value = NULL;
    const struct sgp32_decode_options trailing = {SGP32_DECODE_ALLOW_TRAILING, 0, 0};
    (void)state;

    assert_int_equal(sgp32_decode(t, msg, sizeof(msg), NULL, &value, &consumed), SGP32_OK);
    assert_int_equal(consumed, sizeof(msg));
    assert_int_equal(sgp32_encode_der(t, value, NULL, 0, &len), SGP32_OK);
    assert_int_equal(len, sizeof(msg));
    assert_int_equal(sgp32_encode_der(t, value, out, 4, &len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, sizeof(msg));
    assert_int_equal(sgp32_encode_der(t, value, out, sizeof(out), &len), SGP32_OK);
    assert_memory_equal(out, msg, sizeof(msg));
    sgp32_codec_free(t, value);

    assert_int_equal(sgp32_decode(t, msg, sizeof(msg) - 1, NULL, &value, NULL), SGP32_ERR_TRUNCATED);
    memcpy(with_trailer, msg, sizeof(msg));
    with_trailer[sizeof(msg)] = 0x00;
    assert_int_equal(sgp32_decode(t, with_trailer, sizeof(with_trailer), NULL, &value, NULL), SGP32_ERR_TRAILING);
    assert_int_equal(sgp32_decode(t, with_trailer, sizeof(with_trailer), &trailing, &value, &consumed), SGP32_OK);
    assert_int_equal(consumed, sizeof(msg));
    sgp32_codec_free(t, value);
    assert_int_equal(sgp32_decode(NULL, msg, sizeof(msg), NULL, &value, NULL), SGP32_ERR_INVALID_ARGUMENT);
}

/* Alias types keep their own constraint after first use: Iccid ::= OCTET STRING (SIZE(10)) inside
 * a Psmo (enable [3]). asn1c 0.9.28 overwrote it with the plain OCTET STRING check; asn1/generate.cmake
 * fixes the generated code. */
static void test_alias_constraints_survive_first_use(void **state)
{
    static const uint8_t iccid10[] = {0xA3, 0x0E, 0x5A, 0x0A, 0x89, 0x01, 0x02, 0x03,
                                      0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x05, 0x00};
    static const uint8_t iccid9[] = {0xA3, 0x0B, 0x5A, 0x09, 0x89, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    const struct sgp32_decode_options checked = {SGP32_DECODE_CONSTRAINTS, 0, 0};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("Psmo");
    void *value = NULL;
    int round;
    (void)state;
    assert_non_null(t);
    for (round = 0; round < 2; round++) {
        assert_int_equal(sgp32_decode(t, iccid10, sizeof(iccid10), &checked, &value, NULL), SGP32_OK);
        sgp32_codec_free(t, value);
        assert_int_equal(sgp32_decode(t, iccid9, sizeof(iccid9), &checked, &value, NULL), SGP32_ERR_CONSTRAINT);
        assert_null(value);
        /* Without the flag the size is not checked. */
        assert_int_equal(sgp32_decode(t, iccid9, sizeof(iccid9), NULL, &value, NULL), SGP32_OK);
        sgp32_codec_free(t, value);
    }
}

struct text {
    char buf[2048];
    size_t len;
};

static int collect(const char *t, size_t n, void *user)
{
    struct text *out = user;
    if (n >= sizeof(out->buf) - out->len)
        return -1;
    memcpy(out->buf + out->len, t, n);
    out->len += n;
    out->buf[out->len] = '\0';
    return 0;
}

static int refuse(const char *t, size_t n, void *user)
{
    (void)t;
    (void)n;
    (void)user;
    return 1;
}

/* JSON rendering: the Psmo enable with rollbackFlag, a named INTEGER (ProfileState), a refusing sink. */
static void test_json_rendering(void **state)
{
    static const uint8_t psmo[] = {0xA3, 0x0E, 0x5A, 0x0A, 0x89, 0x01, 0x02, 0x03,
                                   0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x05, 0x00};
    static const uint8_t profile_state[] = {0x02, 0x01, 0x01};
    const struct sgp32_codec_type *t = sgp32_codec_type_find("Psmo");
    const struct sgp32_codec_type *ps = sgp32_codec_type_find("ProfileState");
    struct text out;
    void *value = NULL;
    (void)state;
    assert_int_equal(sgp32_decode(t, psmo, sizeof(psmo), NULL, &value, NULL), SGP32_OK);
    out.len = 0;
    assert_int_equal(sgp32_print_json(t, value, collect, &out), SGP32_OK);
    assert_string_equal(out.buf, "{\"enable\":{\"iccid\":\"89010203040506070809\",\"rollbackFlag\":null}}");
    assert_int_equal(sgp32_print_json(t, value, refuse, NULL), SGP32_ERR_CANCELLED);
    assert_int_equal(sgp32_print_json(t, NULL, collect, &out), SGP32_ERR_INVALID_ARGUMENT);
    sgp32_codec_free(t, value);

    assert_non_null(ps);
    assert_int_equal(sgp32_decode(ps, profile_state, sizeof(profile_state), NULL, &value, NULL), SGP32_OK);
    out.len = 0;
    assert_int_equal(sgp32_print_json(ps, value, collect, &out), SGP32_OK);
    /* asn1c 0.9.28 keeps no names for named INTEGER values, only for ENUMERATED ones. */
    assert_string_equal(out.buf, "1");
    sgp32_codec_free(ps, value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_types),
        cmocka_unit_test(test_choice_end_of_contents_fails_fast),
        cmocka_unit_test(test_round_trip_and_errors),
        cmocka_unit_test(test_alias_constraints_survive_first_use),
        cmocka_unit_test(test_json_rendering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
