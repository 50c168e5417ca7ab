/* SPDX-License-Identifier: MIT */
/* SHA-256 and the X9.63 KDF over wolfCrypt. */
#include "crypto/hash.h"

#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/ecc.h>

/* wolfCrypt takes word32 lengths. */
#define HASH_MAX_CHUNK 0x7FFFFFFFu

enum sgp32_status sgp32_sha256_init(struct sgp32_sha256 *hash)
{
    if (hash == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return wc_InitSha256(&hash->ctx) == 0 ? SGP32_OK : SGP32_ERR_CRYPTO;
}

enum sgp32_status sgp32_sha256_update(struct sgp32_sha256 *hash, const uint8_t *data, size_t len)
{
    if (hash == NULL || (data == NULL && len > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    while (len > 0) {
        word32 chunk = len > HASH_MAX_CHUNK ? HASH_MAX_CHUNK : (word32)len;
        if (wc_Sha256Update(&hash->ctx, data, chunk) != 0)
            return SGP32_ERR_CRYPTO;
        data += chunk;
        len -= chunk;
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_sha256_final(struct sgp32_sha256 *hash, uint8_t digest[SGP32_SHA256_SIZE])
{
    int rc;

    if (hash == NULL || digest == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    rc = wc_Sha256Final(&hash->ctx, digest);
    wc_Sha256Free(&hash->ctx);
    return rc == 0 ? SGP32_OK : SGP32_ERR_CRYPTO;
}

enum sgp32_status sgp32_sha256(const uint8_t *data, size_t len, uint8_t digest[SGP32_SHA256_SIZE])
{
    struct sgp32_sha256 hash;
    enum sgp32_status st = sgp32_sha256_init(&hash);

    if (st != SGP32_OK)
        return st;
    st = sgp32_sha256_update(&hash, data, len);
    if (st != SGP32_OK) {
        wc_Sha256Free(&hash.ctx);
        return st;
    }
    return sgp32_sha256_final(&hash, digest);
}

enum sgp32_status sgp32_x963_kdf_sha256(const uint8_t *secret, size_t secret_len, const uint8_t *shared_info,
                                        size_t shared_info_len, uint8_t *out, size_t out_len)
{
    if (secret == NULL || secret_len == 0 || (shared_info == NULL && shared_info_len > 0) || out == NULL ||
        out_len == 0 || secret_len > HASH_MAX_CHUNK || shared_info_len > HASH_MAX_CHUNK || out_len > HASH_MAX_CHUNK)
        return SGP32_ERR_INVALID_ARGUMENT;
    return wc_X963_KDF(WC_HASH_TYPE_SHA256, secret, (word32)secret_len, shared_info, (word32)shared_info_len, out,
                       (word32)out_len) == 0
               ? SGP32_OK
               : SGP32_ERR_CRYPTO;
}
