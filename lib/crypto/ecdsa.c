/* SPDX-License-Identifier: MIT */
/* ECDSA-SHA256 with raw r||s signatures (SGP.22 5F37, SGP.32 eimSignature) and DER conversion. */
#include "crypto/ecdsa.h"

#include <string.h>

#include "crypto/x509.h"

#define ECDSA_INTEGER_SIZE 32u

/* Appends INTEGER value (32 bytes big-endian) in minimal DER; returns the bytes written. */
static size_t der_put_integer(const uint8_t value[ECDSA_INTEGER_SIZE], uint8_t *out)
{
    size_t skip = 0;
    size_t len;
    size_t pos = 0;

    while (skip < ECDSA_INTEGER_SIZE - 1 && value[skip] == 0)
        skip++;
    len = ECDSA_INTEGER_SIZE - skip;
    out[pos++] = 0x02;
    if (value[skip] & 0x80u) {
        /* A leading 00 keeps the integer positive (X.690 8.3.2). */
        out[pos++] = (uint8_t)(len + 1);
        out[pos++] = 0x00;
    } else {
        out[pos++] = (uint8_t)len;
    }
    memcpy(out + pos, value + skip, len);
    return pos + len;
}

enum sgp32_status sgp32_ecdsa_raw_to_der(const uint8_t raw[SGP32_ECDSA_RAW_SIZE], uint8_t *der, size_t der_size,
                                         size_t *der_len)
{
    uint8_t body[SGP32_ECDSA_DER_MAX_SIZE];
    size_t body_len;

    if (raw == NULL || der == NULL || der_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    body_len = der_put_integer(raw, body);
    body_len += der_put_integer(raw + ECDSA_INTEGER_SIZE, body + body_len);
    if (der_size < body_len + 2)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    /* At most 2 * 35 = 70 content bytes: always the short length form. */
    der[0] = 0x30;
    der[1] = (uint8_t)body_len;
    memcpy(der + 2, body, body_len);
    *der_len = body_len + 2;
    return SGP32_OK;
}

/* Reads one DER INTEGER at der[*pos..end) into a 32-byte big-endian field. */
static enum sgp32_status der_get_integer(const uint8_t *der, size_t end, size_t *pos, uint8_t out[ECDSA_INTEGER_SIZE])
{
    size_t len;
    const uint8_t *value;

    if (end - *pos < 2 || der[*pos] != 0x02)
        return SGP32_ERR_DECODE;
    len = der[*pos + 1];
    if (len >= 0x80u || len == 0 || end - *pos - 2 < len)
        return SGP32_ERR_DECODE; /* an INTEGER of at most 33 bytes never needs the long form */
    value = der + *pos + 2;
    if (value[0] & 0x80u)
        return SGP32_ERR_DECODE; /* negative */
    if (len > 1 && value[0] == 0 && !(value[1] & 0x80u))
        return SGP32_ERR_DECODE; /* non-minimal (X.690 8.3.2) */
    if (value[0] == 0 && len > 1) {
        value++;
        len--;
    }
    if (len > ECDSA_INTEGER_SIZE)
        return SGP32_ERR_DECODE;
    memset(out, 0, ECDSA_INTEGER_SIZE - len);
    memcpy(out + ECDSA_INTEGER_SIZE - len, value, len);
    *pos += 2 + (size_t)der[*pos + 1];
    return SGP32_OK;
}

enum sgp32_status sgp32_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[SGP32_ECDSA_RAW_SIZE])
{
    uint8_t value[SGP32_ECDSA_RAW_SIZE];
    size_t pos = 2;
    enum sgp32_status st;

    if (der == NULL || raw == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (der_len < 2 || der[0] != 0x30 || der[1] >= 0x80u)
        return SGP32_ERR_DECODE;
    if ((size_t)der[1] + 2 != der_len)
        return (size_t)der[1] + 2 > der_len ? SGP32_ERR_TRUNCATED : SGP32_ERR_TRAILING;
    st = der_get_integer(der, der_len, &pos, value);
    if (st == SGP32_OK)
        st = der_get_integer(der, der_len, &pos, value + ECDSA_INTEGER_SIZE);
    if (st == SGP32_OK && pos != der_len)
        st = SGP32_ERR_DECODE;
    if (st == SGP32_OK)
        memcpy(raw, value, sizeof value);
    return st;
}

enum sgp32_status sgp32_ecdsa_sign_digest(struct sgp32_ec_key *key, struct sgp32_crypto_rng *rng,
                                          const uint8_t digest[SGP32_SHA256_SIZE],
                                          uint8_t signature[SGP32_ECDSA_RAW_SIZE])
{
    uint8_t der[SGP32_ECDSA_DER_MAX_SIZE];
    word32 der_len = sizeof der;

    if (key == NULL || rng == NULL || !rng->ready || digest == NULL || signature == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!key->has_private)
        return SGP32_ERR_STATE;
    if (wc_ecc_sign_hash(digest, SGP32_SHA256_SIZE, der, &der_len, &rng->drbg, &key->key) != 0)
        return SGP32_ERR_CRYPTO;
    return sgp32_ecdsa_der_to_raw(der, der_len, signature) == SGP32_OK ? SGP32_OK : SGP32_ERR_CRYPTO;
}

enum sgp32_status sgp32_ecdsa_sign_sha256(struct sgp32_ec_key *key, struct sgp32_crypto_rng *rng,
                                          const uint8_t *message, size_t message_len,
                                          uint8_t signature[SGP32_ECDSA_RAW_SIZE])
{
    uint8_t digest[SGP32_SHA256_SIZE];
    enum sgp32_status st = sgp32_sha256(message, message_len, digest);

    if (st != SGP32_OK)
        return st;
    return sgp32_ecdsa_sign_digest(key, rng, digest, signature);
}

enum sgp32_status sgp32_ecdsa_verify_digest(struct sgp32_ec_key *key, const uint8_t digest[SGP32_SHA256_SIZE],
                                            const uint8_t *signature, size_t signature_len)
{
    uint8_t der[SGP32_ECDSA_DER_MAX_SIZE];
    size_t der_len;
    int valid = 0;
    enum sgp32_status st;

    if (key == NULL || digest == NULL || signature == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (key->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_STATE;
    if (signature_len != SGP32_ECDSA_RAW_SIZE)
        return SGP32_ERR_CRYPTO; /* a signature of the wrong size is simply not valid */
    st = sgp32_ecdsa_raw_to_der(signature, der, sizeof der, &der_len);
    if (st != SGP32_OK)
        return st;
    /* wolfSSL rejects r, s outside [1, n-1] as not valid (or as an error): both mean refusal. */
    if (wc_ecc_verify_hash(der, (word32)der_len, digest, SGP32_SHA256_SIZE, &valid, &key->key) != 0 || valid != 1)
        return SGP32_ERR_CRYPTO;
    return SGP32_OK;
}

enum sgp32_status sgp32_ecdsa_verify_sha256(struct sgp32_ec_key *key, const uint8_t *message, size_t message_len,
                                            const uint8_t *signature, size_t signature_len)
{
    uint8_t digest[SGP32_SHA256_SIZE];
    enum sgp32_status st = sgp32_sha256(message, message_len, digest);

    if (st != SGP32_OK)
        return st;
    return sgp32_ecdsa_verify_digest(key, digest, signature, signature_len);
}

enum sgp32_status sgp32_ecdsa_verify_sha256_with_cert(const uint8_t *cert_der, size_t cert_len, const uint8_t *message,
                                                      size_t message_len, const uint8_t *signature,
                                                      size_t signature_len)
{
    struct sgp32_x509_cert cert;
    struct sgp32_ec_key key;
    enum sgp32_status st;

    if (cert_der == NULL || signature == NULL || (message == NULL && message_len > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    st = sgp32_x509_parse(&cert, cert_der, cert_len);
    if (st != SGP32_OK)
        return st;
    sgp32_ec_key_init(&key);
    st = sgp32_x509_public_key(&cert, &key);
    if (st == SGP32_OK)
        st = sgp32_ecdsa_verify_sha256(&key, message, message_len, signature, signature_len);
    sgp32_ec_key_free(&key);
    return st;
}
