/* SPDX-License-Identifier: MIT */
/*
 * Random numbers for the crypto layer (library-internal, needs SGP32_HAVE_CRYPTO / wolfSSL).
 *
 * API summary:
 *   struct sgp32_crypto_rng rng;
 *   sgp32_crypto_rng_init(&rng, platform_random, platform_user);   // platform_random may be NULL
 *   ... sgp32_ec_generate(&key, curve, &rng) / sgp32_ecdsa_sign_*(..., &rng, ...) ...
 *   sgp32_crypto_rng_free(&rng);
 *
 * The generator is wolfSSL's Hash_DRBG (SP 800-90A, SHA-256) held in the caller's struct (one per
 * context, no globals). wolfSSL seeds it from its configured entropy source (getrandom/urandom on
 * Linux; CUSTOM_RAND_GENERATE_SEED on a firmware build). When the platform's random callback is
 * given, 32 bytes from it are mixed into the instantiation as the DRBG nonce, so a platform with a
 * hardware TRNG contributes its entropy; a callback failure fails the init.
 */
#ifndef SGP32_LIB_CRYPTO_RNG_H
#define SGP32_LIB_CRYPTO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "sgp32/status.h"

/* Platform random source, as in the platform struct: fill buf[0..len), return 0 on success. */
typedef int (*sgp32_random_fn)(void *user, uint8_t *buf, size_t len);

struct sgp32_crypto_rng {
    WC_RNG drbg;
    int ready;
};

/* SGP32_ERR_CRYPTO when the DRBG cannot be instantiated or the callback fails. */
enum sgp32_status sgp32_crypto_rng_init(struct sgp32_crypto_rng *rng, sgp32_random_fn random, void *user);

/* Fills buf[0..len) with DRBG output. */
enum sgp32_status sgp32_crypto_rng_bytes(struct sgp32_crypto_rng *rng, uint8_t *buf, size_t len);

/* Releases the DRBG; safe on a zeroed or already freed struct. */
void sgp32_crypto_rng_free(struct sgp32_crypto_rng *rng);

#endif
