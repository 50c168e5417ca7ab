/* SPDX-License-Identifier: MIT */
/* Test values for lib/remote: real ASN.1 objects built with the codec (the exemplar generator of
 * tests/codec walks the asn1c descriptors and fills a valid value), certificates of the SGP.26 test
 * PKI, and small helpers. */
#ifndef SGP32_TESTS_REMOTE_FIXTURES_H
#define SGP32_TESTS_REMOTE_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"

/* Once per process, before anything else. */
void fixture_init(void);
/* DER of variant `variant` of the named type (sgp32_codec_type_find() name); free() it. Fails the test
 * if the type cannot be built. */
uint8_t *fixture_der(const char *type_name, unsigned variant, size_t *len);
/* A whole file from the shared directory (relative path), free() it. */
uint8_t *fixture_file(const char *relative_path, size_t *len);
/* A TLV with a long value: tag (1 or 2 bytes), length, `value_len` bytes of a pattern. free() it. */
uint8_t *fixture_tlv(uint32_t tag, size_t value_len, uint8_t seed, size_t *len);
/* A Bound Profile Package shaped element: BF36 { A3 { 86 <1000 bytes> x segments } }. free() it. */
uint8_t *fixture_large_bpp(size_t segments, size_t *len);
/* The answer a client would see for a server response. */
struct sgp32_remote_answer fixture_answer_of(const struct sgp32_remote_response *response);
/* The incoming request a server would see for a client request (header lookup by name). */
struct sgp32_remote_incoming fixture_incoming_of(const struct sgp32_remote_request *request, const char *path);
/* A request header's value, NULL if absent. */
const char *fixture_header(const struct sgp32_remote_request *request, const char *name);
/* The bytes as a struct sgp32_bytes. */
struct sgp32_bytes fixture_bytes(const uint8_t *data, size_t len);
/* 1 if a equals b byte for byte. */
int fixture_same(struct sgp32_bytes a, const uint8_t *b, size_t b_len);
/* Deterministic pseudo-random numbers for mutation loops. */
uint32_t fixture_random(uint32_t *state);

#endif
