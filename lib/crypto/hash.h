/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 and the ANSI X9.63 KDF (library-internal, needs SGP32_HAVE_CRYPTO / wolfSSL).
 *
 * API summary:
 *   sgp32_sha256(data, len, digest);                              // one shot
 *   struct sgp32_sha256 h; sgp32_sha256_init(&h);
 *   sgp32_sha256_update(&h, part1, n1); sgp32_sha256_update(&h, part2, n2);
 *   sgp32_sha256_final(&h, digest);                               // also releases h
 *   sgp32_x963_kdf_sha256(z, z_len, shared_info, info_len, out, out_len);
 *
 * The streaming form serves signatures over concatenations, e.g. the eIM signature input
 * DER(EuiccPackageSigned) || 84 len associationToken (SGP.32 5.9.x), without copying.
 */
#ifndef SGP32_LIB_CRYPTO_HASH_H
#define SGP32_LIB_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "sgp32/status.h"

#define SGP32_SHA256_SIZE 32

struct sgp32_sha256 {
    wc_Sha256 ctx;
};

enum sgp32_status sgp32_sha256_init(struct sgp32_sha256 *hash);
enum sgp32_status sgp32_sha256_update(struct sgp32_sha256 *hash, const uint8_t *data, size_t len);
/* Writes the digest and releases the context (init again to reuse it). */
enum sgp32_status sgp32_sha256_final(struct sgp32_sha256 *hash, uint8_t digest[SGP32_SHA256_SIZE]);
enum sgp32_status sgp32_sha256(const uint8_t *data, size_t len, uint8_t digest[SGP32_SHA256_SIZE]);

/* ANSI X9.63 KDF with SHA-256 (SEC 1 3.6.1): out = H(Z || 00000001 || info) || H(Z || 00000002 ||
 * info) ... truncated to out_len. Used by the BSP key derivation (SGP.22 Annex G). */
enum sgp32_status sgp32_x963_kdf_sha256(const uint8_t *secret, size_t secret_len, const uint8_t *shared_info,
                                        size_t shared_info_len, uint8_t *out, size_t out_len);

#endif
