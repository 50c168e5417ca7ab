/* SPDX-License-Identifier: MIT */
/* EC keys (P-256, brainpoolP256r1) and ECKA-DH over wolfCrypt (SGP.22 2.6.4, BSI TR-03111). */
#include "crypto/ec.h"

#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

/* DER of an EC private key (SEC1 or PKCS#8) for 256-bit curves with explicit public key stays far
 * below this; PEM input larger than that is refused rather than allocated for. */
#define EC_PRIVATE_DER_MAX 512u

/* OBJECT IDENTIFIER contents of the two curves (RFC 5480, RFC 5639). */
static const uint8_t oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t oid_brainpoolp256r1[] = {0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07};

static int wolf_curve_id(enum sgp32_curve curve)
{
    switch (curve) {
    case SGP32_CURVE_P256:
        return ECC_SECP256R1;
    case SGP32_CURVE_BRAINPOOLP256R1:
        return ECC_BRAINPOOLP256R1;
    default:
        return ECC_CURVE_INVALID;
    }
}

static enum sgp32_curve curve_of_wolf_key(const ecc_key *key)
{
    if (key->dp == NULL)
        return SGP32_CURVE_NONE;
    if (key->dp->id == ECC_SECP256R1)
        return SGP32_CURVE_P256;
    if (key->dp->id == ECC_BRAINPOOLP256R1)
        return SGP32_CURVE_BRAINPOOLP256R1;
    return SGP32_CURVE_NONE;
}

/* wolfCrypt's getters take non-const keys although they do not modify them. */
static ecc_key *wolf_key(const struct sgp32_ec_key *key)
{
    return (ecc_key *)(uintptr_t)(const void *)&key->key;
}

void sgp32_ec_key_init(struct sgp32_ec_key *key)
{
    if (key == NULL)
        return;
    memset(key, 0, sizeof *key);
}

void sgp32_ec_key_free(struct sgp32_ec_key *key)
{
    if (key == NULL)
        return;
    if (key->initialised)
        wc_ecc_free(&key->key);
    memset(key, 0, sizeof *key);
}

/* Empties the key and readies the wolfSSL structure for an import. */
static enum sgp32_status key_reset(struct sgp32_ec_key *key)
{
    sgp32_ec_key_free(key);
    if (wc_ecc_init(&key->key) != 0)
        return SGP32_ERR_CRYPTO;
    key->initialised = 1;
    return SGP32_OK;
}

/* After a wolfSSL import: only our two curves, a point on the curve. */
static enum sgp32_status key_accept(struct sgp32_ec_key *key, int has_private)
{
    enum sgp32_curve curve = curve_of_wolf_key(&key->key);

    if (curve == SGP32_CURVE_NONE) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_NOT_SUPPORTED;
    }
    if (wc_ecc_check_key(&key->key) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_DECODE;
    }
    key->curve = curve;
    key->has_private = has_private;
    return SGP32_OK;
}

enum sgp32_curve sgp32_ec_curve_from_oid(const uint8_t *oid, size_t oid_len)
{
    if (oid == NULL)
        return SGP32_CURVE_NONE;
    if (oid_len == sizeof oid_p256 && memcmp(oid, oid_p256, oid_len) == 0)
        return SGP32_CURVE_P256;
    if (oid_len == sizeof oid_brainpoolp256r1 && memcmp(oid, oid_brainpoolp256r1, oid_len) == 0)
        return SGP32_CURVE_BRAINPOOLP256R1;
    return SGP32_CURVE_NONE;
}

enum sgp32_status sgp32_ec_import_spki_der(struct sgp32_ec_key *key, const uint8_t *spki, size_t spki_len)
{
    word32 index = 0;
    enum sgp32_status st;

    if (key == NULL || spki == NULL || spki_len == 0 || spki_len > 0xFFFFu)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = key_reset(key);
    if (st != SGP32_OK)
        return st;
    if (wc_EccPublicKeyDecode(spki, &index, &key->key, (word32)spki_len) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_DECODE;
    }
    if (index != spki_len) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_TRAILING;
    }
    return key_accept(key, 0);
}

enum sgp32_status sgp32_ec_import_public_raw(struct sgp32_ec_key *key, enum sgp32_curve curve, const uint8_t *point,
                                             size_t point_len)
{
    enum sgp32_status st;

    if (key == NULL || point == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (wolf_curve_id(curve) == ECC_CURVE_INVALID)
        return SGP32_ERR_NOT_SUPPORTED;
    if (point_len != SGP32_EC_POINT_SIZE || point[0] != 0x04)
        return SGP32_ERR_DECODE;
    st = key_reset(key);
    if (st != SGP32_OK)
        return st;
    if (wc_ecc_import_x963_ex(point, (word32)point_len, &key->key, wolf_curve_id(curve)) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_DECODE;
    }
    return key_accept(key, 0);
}

static int is_pem(const uint8_t *data, size_t len)
{
    static const char marker[] = "-----BEGIN";
    size_t i;
    /* Leading whitespace is common in PEM files; skip it. */
    for (i = 0; i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'); i++)
        ;
    return len - i >= sizeof marker - 1 && memcmp(data + i, marker, sizeof marker - 1) == 0;
}

/* Computes the public point of a key that holds only its private scalar. */
static enum sgp32_status key_complete_public(struct sgp32_ec_key *key)
{
    if (key->key.type == ECC_PRIVATEKEY_ONLY && wc_ecc_make_pub(&key->key, NULL) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_DECODE;
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_ec_import_private(struct sgp32_ec_key *key, const uint8_t *data, size_t len)
{
    uint8_t der[EC_PRIVATE_DER_MAX];
    const uint8_t *input = data;
    word32 input_len = (word32)len;
    word32 index = 0;
    enum sgp32_status st;
    int rc;

    if (key == NULL || data == NULL || len == 0 || len > 0xFFFFu)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (is_pem(data, len)) {
        /* Finds the "EC PRIVATE KEY" or "PRIVATE KEY" block, skipping "EC PARAMETERS". */
        rc = wc_KeyPemToDer(data, (int)len, der, (int)sizeof der, NULL);
        if (rc <= 0)
            return SGP32_ERR_DECODE;
        input = der;
        input_len = (word32)rc;
    }
    st = key_reset(key);
    if (st == SGP32_OK) {
        /* wolfSSL strips a PKCS#8 wrapper itself before the SEC1 ECPrivateKey. */
        if (wc_EccPrivateKeyDecode(input, &index, &key->key, input_len) != 0) {
            sgp32_ec_key_free(key);
            st = SGP32_ERR_DECODE;
        } else if (index != input_len) {
            sgp32_ec_key_free(key);
            st = SGP32_ERR_TRAILING;
        } else {
            st = key_complete_public(key);
        }
    }
    memset(der, 0, sizeof der);
    if (st != SGP32_OK)
        return st;
    return key_accept(key, 1);
}

enum sgp32_status sgp32_ec_import_private_raw(struct sgp32_ec_key *key, enum sgp32_curve curve, const uint8_t *d,
                                              size_t d_len)
{
    enum sgp32_status st;

    if (key == NULL || d == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (wolf_curve_id(curve) == ECC_CURVE_INVALID)
        return SGP32_ERR_NOT_SUPPORTED;
    if (d_len != SGP32_EC_COORDINATE_SIZE)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = key_reset(key);
    if (st != SGP32_OK)
        return st;
    if (wc_ecc_import_private_key_ex(d, (word32)d_len, NULL, 0, &key->key, wolf_curve_id(curve)) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_DECODE;
    }
    st = key_complete_public(key);
    if (st != SGP32_OK)
        return st;
    return key_accept(key, 1);
}

enum sgp32_status sgp32_ec_generate(struct sgp32_ec_key *key, enum sgp32_curve curve, struct sgp32_crypto_rng *rng)
{
    enum sgp32_status st;

    if (key == NULL || rng == NULL || !rng->ready)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (wolf_curve_id(curve) == ECC_CURVE_INVALID)
        return SGP32_ERR_NOT_SUPPORTED;
    st = key_reset(key);
    if (st != SGP32_OK)
        return st;
    if (wc_ecc_make_key_ex(&rng->drbg, SGP32_EC_COORDINATE_SIZE, &key->key, wolf_curve_id(curve)) != 0) {
        sgp32_ec_key_free(key);
        return SGP32_ERR_CRYPTO;
    }
    return key_accept(key, 1);
}

enum sgp32_status sgp32_ec_export_public(const struct sgp32_ec_key *key, uint8_t *point, size_t point_size,
                                         size_t *point_len)
{
    word32 out_len = SGP32_EC_POINT_SIZE;

    if (key == NULL || point == NULL || point_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (key->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_STATE;
    if (point_size < SGP32_EC_POINT_SIZE)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (wc_ecc_export_x963(wolf_key(key), point, &out_len) != 0 || out_len != SGP32_EC_POINT_SIZE)
        return SGP32_ERR_CRYPTO;
    *point_len = out_len;
    return SGP32_OK;
}

enum sgp32_status sgp32_ec_export_spki_der(const struct sgp32_ec_key *key, uint8_t *der, size_t der_size,
                                           size_t *der_len)
{
    int rc;

    if (key == NULL || der == NULL || der_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (key->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_STATE;
    if (der_size > 0xFFFFu)
        der_size = 0xFFFFu;
    rc = wc_EccPublicKeyToDer(wolf_key(key), der, (word32)der_size, 1);
    if (rc == BUFFER_E)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (rc <= 0)
        return SGP32_ERR_CRYPTO;
    *der_len = (size_t)rc;
    return SGP32_OK;
}

enum sgp32_status sgp32_ec_export_private_raw(const struct sgp32_ec_key *key, uint8_t *d, size_t d_size)
{
    word32 out_len = SGP32_EC_COORDINATE_SIZE;

    if (key == NULL || d == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!key->has_private)
        return SGP32_ERR_STATE;
    if (d_size < SGP32_EC_COORDINATE_SIZE)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (wc_ecc_export_private_only(wolf_key(key), d, &out_len) != 0 || out_len != SGP32_EC_COORDINATE_SIZE)
        return SGP32_ERR_CRYPTO;
    return SGP32_OK;
}

enum sgp32_status sgp32_ec_shared_secret(struct sgp32_ec_key *own_private, struct sgp32_ec_key *peer_public,
                                         struct sgp32_crypto_rng *rng, uint8_t secret[SGP32_EC_SECRET_SIZE])
{
    word32 out_len = SGP32_EC_SECRET_SIZE;
    int rc;

    if (own_private == NULL || peer_public == NULL || rng == NULL || !rng->ready || secret == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!own_private->has_private || peer_public->curve == SGP32_CURVE_NONE)
        return SGP32_ERR_STATE;
    if (own_private->curve != peer_public->curve)
        return SGP32_ERR_INVALID_ARGUMENT;
    /* ECC_TIMING_RESISTANT builds refuse the multiplication without an RNG (MISSING_RNG_E). */
    if (wc_ecc_set_rng(&own_private->key, &rng->drbg) != 0)
        return SGP32_ERR_CRYPTO;
    rc = wc_ecc_shared_secret(&own_private->key, &peer_public->key, secret, &out_len);
    wc_ecc_set_rng(&own_private->key, NULL);
    if (rc != 0 || out_len != SGP32_EC_SECRET_SIZE)
        return SGP32_ERR_CRYPTO;
    return SGP32_OK;
}
