/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests that use a test PKI made by examples/pki/sgp32-test-pki. */
#ifndef SGP32_TESTS_SUPPORT_TEST_PKI_H
#define SGP32_TESTS_SUPPORT_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>

/* The value of `key` in <curve_dir>/manifest.txt (key=value lines, docs/test-pki.md): 0, or -1 when
 * the file or the key is missing or the value does not fit in cap. */
int test_pki_manifest_value(const char *curve_dir, const char *key, char *value, size_t cap);

/* Exactly len bytes from 2 * len hex digits: 0, or -1 for any other text. */
int test_parse_hex(const char *text, uint8_t *out, size_t len);

#endif
