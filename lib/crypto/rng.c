/* SPDX-License-Identifier: MIT */
/* The crypto layer's DRBG: wolfSSL's Hash_DRBG per context, optionally mixed with platform entropy. */
#include "crypto/rng.h"

#include <string.h>

/* Bytes taken from the platform callback as DRBG nonce (SP 800-90A 8.6.7 wants >= 128 bits). */
#define RNG_PLATFORM_NONCE_SIZE 32u

enum sgp32_status sgp32_crypto_rng_init(struct sgp32_crypto_rng *rng, sgp32_random_fn random, void *user)
{
    int rc;

    if (rng == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(rng, 0, sizeof *rng);
    if (random != NULL) {
        uint8_t nonce[RNG_PLATFORM_NONCE_SIZE];
        if (random(user, nonce, sizeof nonce) != 0)
            return SGP32_ERR_CRYPTO;
        rc = wc_InitRngNonce(&rng->drbg, nonce, (word32)sizeof nonce);
        memset(nonce, 0, sizeof nonce);
    } else {
        rc = wc_InitRng(&rng->drbg);
    }
    if (rc != 0)
        return SGP32_ERR_CRYPTO;
    rng->ready = 1;
    return SGP32_OK;
}

enum sgp32_status sgp32_crypto_rng_bytes(struct sgp32_crypto_rng *rng, uint8_t *buf, size_t len)
{
    if (rng == NULL || !rng->ready || (buf == NULL && len > 0) || len > 0xFFFFFFFFu)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (len == 0)
        return SGP32_OK;
    return wc_RNG_GenerateBlock(&rng->drbg, buf, (word32)len) == 0 ? SGP32_OK : SGP32_ERR_CRYPTO;
}

void sgp32_crypto_rng_free(struct sgp32_crypto_rng *rng)
{
    if (rng == NULL || !rng->ready)
        return;
    wc_FreeRng(&rng->drbg);
    rng->ready = 0;
}
