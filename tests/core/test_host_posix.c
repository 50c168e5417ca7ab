/* SPDX-License-Identifier: MIT */
/* The POSIX host services (transports/host): records in a directory, atomic replace, deletion,
 * sizes, refused names, the monotonic clock. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sgp32/host_posix.h"

static int setup(void **state)
{
    char *dir = malloc(64);
    assert_non_null(dir);
    snprintf(dir, 64, "/tmp/sgp32-host-XXXXXX");
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char *dir = *state, cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
    return 0;
}

static void test_records(void **state)
{
    char *dir = *state;
    uint8_t buf[16];
    size_t len = 0;
    static const uint8_t one[] = {1, 2, 3}, two[] = {9, 8, 7, 6, 5};
    assert_int_equal(sgp32_host_dir_load(dir, "ipa.job", buf, sizeof(buf), &len), SGP32_ERR_NOT_FOUND);
    assert_int_equal(sgp32_host_dir_save(dir, "ipa.job", one, sizeof(one)), SGP32_OK);
    assert_int_equal(sgp32_host_dir_load(dir, "ipa.job", buf, sizeof(buf), &len), SGP32_OK);
    assert_int_equal(len, sizeof(one));
    assert_memory_equal(buf, one, sizeof(one));
    /* replaced whole, no temporary file left behind */
    assert_int_equal(sgp32_host_dir_save(dir, "ipa.job", two, sizeof(two)), SGP32_OK);
    assert_int_equal(sgp32_host_dir_load(dir, "ipa.job", buf, sizeof(buf), &len), SGP32_OK);
    assert_int_equal(len, sizeof(two));
    assert_memory_equal(buf, two, sizeof(two));
    {
        char tmp[128];
        snprintf(tmp, sizeof(tmp), "%s/ipa.job.tmp", dir);
        assert_int_not_equal(access(tmp, F_OK), 0);
    }
    /* too small: the size needed comes back */
    len = 0;
    assert_int_equal(sgp32_host_dir_load(dir, "ipa.job", buf, 2, &len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, sizeof(two));
    /* an empty record is a record */
    assert_int_equal(sgp32_host_dir_save(dir, "empty", one, 0), SGP32_OK);
    assert_int_equal(sgp32_host_dir_load(dir, "empty", buf, sizeof(buf), &len), SGP32_OK);
    assert_int_equal(len, 0);
    /* deleted, twice */
    assert_int_equal(sgp32_host_dir_save(dir, "ipa.job", NULL, 0), SGP32_OK);
    assert_int_equal(sgp32_host_dir_save(dir, "ipa.job", NULL, 0), SGP32_OK);
    assert_int_equal(sgp32_host_dir_load(dir, "ipa.job", buf, sizeof(buf), &len), SGP32_ERR_NOT_FOUND);
}

static void test_refused(void **state)
{
    char *dir = *state;
    uint8_t buf[4];
    size_t len;
    static const uint8_t one[] = {1};
    assert_int_equal(sgp32_host_dir_save(dir, "../escape", one, 1), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_host_dir_save(dir, "a/b", one, 1), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_host_dir_save(dir, "", one, 1), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_host_dir_save(dir, ".hidden", one, 1), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_host_dir_save(NULL, "x", one, 1), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_host_dir_load(dir, "x", buf, sizeof(buf), NULL), SGP32_ERR_INVALID_ARGUMENT);
    /* a directory that does not exist: an I/O error, not a crash */
    assert_int_equal(sgp32_host_dir_save("/nonexistent-sgp32-dir", "x", one, 1), SGP32_ERR_STORAGE);
    assert_int_equal(sgp32_host_dir_load("/nonexistent-sgp32-dir", "x", buf, sizeof(buf), &len), SGP32_ERR_NOT_FOUND);
}

static void test_clock(void **state)
{
    uint64_t a = sgp32_host_now_ms(NULL), b;
    struct timespec pause = {0, 20 * 1000000L};
    (void)state;
    nanosleep(&pause, NULL);
    b = sgp32_host_now_ms(NULL);
    assert_true(a > 0);
    assert_true(b >= a + 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test_setup_teardown(test_records, setup, teardown),
                                       cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
                                       cmocka_unit_test(test_clock)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
