/* SPDX-License-Identifier: MIT */
/* sgp32_es10_result_name(): the ASN.1 names of ES10 result codes, per command and shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sgp32/es10.h"

static void test_per_command(void **state)
{
    (void)state;
    assert_string_equal(sgp32_es10_result_name(0xBF31, 1), "iccidOrAidNotFound");
    assert_string_equal(sgp32_es10_result_name(0xBF31, 2), "profileNotInDisabledState");
    assert_string_equal(sgp32_es10_result_name(0xBF32, 2), "profileNotInEnabledState");
    assert_string_equal(sgp32_es10_result_name(0xBF33, 21), "returnFallbackProfile");
    assert_string_equal(sgp32_es10_result_name(0xBF29, 1), "iccidNotFound");
    assert_string_equal(sgp32_es10_result_name(0xBF30, 1), "nothingToDelete");
    assert_string_equal(sgp32_es10_result_name(0xBF57, 5), "invalidAssociationToken");
    assert_string_equal(sgp32_es10_result_name(0xBF64, 2), "eimResetNotSupported");
    assert_string_equal(sgp32_es10_result_name(0xBF5D, 6), "fallbackNotAvailable");
    assert_string_equal(sgp32_es10_result_name(0xBF5B, 8), "ecallNotAvailable");
    assert_string_equal(sgp32_es10_result_name(0xBF35, 6), "baseCrlMissing");
}

static void test_shared_and_unknown(void **state)
{
    (void)state;
    assert_string_equal(sgp32_es10_result_name(0xBF31, 0), "ok");
    assert_string_equal(sgp32_es10_result_name(0xBF31, 5), "catBusy");
    assert_string_equal(sgp32_es10_result_name(0xBF5E, 127), "undefinedError");
    assert_string_equal(sgp32_es10_result_name(0x1234, 104), "ecallActive");
    /* Same code, other command, other meaning. */
    assert_string_equal(sgp32_es10_result_name(0xBF58, 1), "rollbackNotAllowed");
    assert_string_equal(sgp32_es10_result_name(0xBF42, 1), "notSupported");
    assert_null(sgp32_es10_result_name(0xBF31, 99));
    assert_null(sgp32_es10_result_name(0x1234, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_per_command), cmocka_unit_test(test_shared_and_unknown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
