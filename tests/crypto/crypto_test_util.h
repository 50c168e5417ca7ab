/* SPDX-License-Identifier: MIT */
/* Helpers for the crypto tests: files from SGP32_SHARED_DIR and the "name = hex" vector files. */
#ifndef SGP32_TESTS_CRYPTO_TEST_UTIL_H
#define SGP32_TESTS_CRYPTO_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads SGP32_SHARED_DIR/<relative> into a malloc'd buffer (NUL-terminated); fails the test if absent. */
uint8_t *test_read_shared(const char *relative, size_t *len);

/* The same in a buffer of exactly *len bytes (no terminator), so that ASan sees any over-read. */
uint8_t *test_read_shared_exact(const char *relative, size_t *len);

/*
 * Looks up `key = <hex>` in a vector text: in the "[section]" block when section is not NULL
 * (everything up to the next "[" line), else anywhere. Returns 1 and the decoded bytes, 0 if the
 * key is missing; fails the test on bad hex or a too small buffer.
 */
int test_vector_hex(const char *text, const char *section, const char *key, uint8_t *out, size_t size, size_t *len);

/* Decodes a hex string literal; fails the test on error. Returns the byte count. */
size_t test_hex(const char *hex, uint8_t *out, size_t size);

#endif
