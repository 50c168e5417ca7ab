/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sgp32/sgp32.h"

static void test_version_matches_header(void **state)
{
    (void)state;
    assert_string_equal(sgp32_version(), SGP32_VERSION_STRING);
    assert_int_equal(sgp32_version_number(), SGP32_VERSION_NUMBER);
}

static void test_every_status_has_a_name_and_text(void **state)
{
    int code;
    (void)state;
    assert_string_equal(sgp32_status_name(SGP32_OK), "SGP32_OK");
    assert_string_equal(sgp32_status_name(SGP32_ERR_DECODE), "SGP32_ERR_DECODE");
    for (code = 0; code <= SGP32_ERR_CANCELLED; code++) {
        const char *name = sgp32_status_name((enum sgp32_status)code);
        const char *text = sgp32_strerror((enum sgp32_status)code);
        assert_non_null(text);
        /* Codes are dense per group; a gap is fine, but a named code must also have a real text. */
        if (strcmp(name, "SGP32_UNKNOWN") != 0)
            assert_string_not_equal(text, "unknown status");
    }
    assert_string_equal(sgp32_strerror((enum sgp32_status)9999), "unknown status");
    assert_string_equal(sgp32_status_name((enum sgp32_status)9999), "SGP32_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_matches_header),
        cmocka_unit_test(test_every_status_has_a_name_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
