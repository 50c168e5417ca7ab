/* SPDX-License-Identifier: MIT */
/*
 * Elliptic-curve keys on NIST P-256 and brainpoolP256r1, and ECKA (ECDH) (library-internal, needs
 * SGP32_HAVE_CRYPTO / wolfSSL). SGP.22 2.6.4 / SGP.32 use only these two curves with 32-byte
 * coordinates.
 *
 * API summary:
 *   struct sgp32_ec_key key;                  // ~4.5 KB, caller-owned (stack or context)
 *   sgp32_ec_key_init(&key);                  // once, before the first use; imports replace the key
 *   sgp32_ec_import_spki_der(&key, spki, n);  // DER SubjectPublicKeyInfo (curve from its OID)
 *   sgp32_ec_import_public_raw(&key, SGP32_CURVE_P256, point, 65);   // 04 || X || Y
 *   sgp32_ec_import_private(&key, pem_or_der, n); // SEC1 "EC PRIVATE KEY" or PKCS#8, PEM or DER
 *   sgp32_ec_import_private_raw(&key, curve, d, 32); // raw scalar; public point computed
 *   sgp32_ec_generate(&key, curve, &rng);     // ephemeral key pair (otPK/otSK)
 *   sgp32_ec_export_public(&key, point, sizeof point, &n);  // 04 || X || Y (65 bytes)
 *   sgp32_ec_export_private_raw(&key, d, 32);
 *   sgp32_ec_shared_secret(&own_private, &peer_public, &rng, z);  // 32-byte x-coordinate
 *   sgp32_ec_key_free(&key);                  // always, also after a failed import
 *
 * Errors: SGP32_ERR_INVALID_ARGUMENT (NULL, wrong size, curve mismatch), SGP32_ERR_DECODE (malformed
 * key encoding, point not on the curve), SGP32_ERR_NOT_SUPPORTED (another curve),
 * SGP32_ERR_STATE (the key lacks the part the call needs), SGP32_ERR_CRYPTO (wolfSSL failure).
 */
#ifndef SGP32_LIB_CRYPTO_EC_H
#define SGP32_LIB_CRYPTO_EC_H

#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "crypto/rng.h"
#include "sgp32/status.h"

enum sgp32_curve {
    SGP32_CURVE_NONE = 0,
    SGP32_CURVE_P256 = 1,           /* secp256r1, OID 1.2.840.10045.3.1.7 */
    SGP32_CURVE_BRAINPOOLP256R1 = 2 /* brainpoolP256r1, OID 1.3.36.3.3.2.8.1.1.7 */
};

#define SGP32_EC_COORDINATE_SIZE 32
#define SGP32_EC_POINT_SIZE 65 /* uncompressed: 04 || X || Y */
#define SGP32_EC_SECRET_SIZE 32

struct sgp32_ec_key {
    ecc_key key;
    enum sgp32_curve curve; /* SGP32_CURVE_NONE while empty */
    int has_private;
    int initialised; /* wolfSSL's ecc_key needs wc_ecc_free exactly once */
};

void sgp32_ec_key_init(struct sgp32_ec_key *key);
void sgp32_ec_key_free(struct sgp32_ec_key *key);

/* The curve named by a DER OBJECT IDENTIFIER value (contents only), SGP32_CURVE_NONE if other. */
enum sgp32_curve sgp32_ec_curve_from_oid(const uint8_t *oid, size_t oid_len);

enum sgp32_status sgp32_ec_import_spki_der(struct sgp32_ec_key *key, const uint8_t *spki, size_t spki_len);
enum sgp32_status sgp32_ec_import_public_raw(struct sgp32_ec_key *key, enum sgp32_curve curve, const uint8_t *point,
                                             size_t point_len);
enum sgp32_status sgp32_ec_import_private(struct sgp32_ec_key *key, const uint8_t *data, size_t len);
enum sgp32_status sgp32_ec_import_private_raw(struct sgp32_ec_key *key, enum sgp32_curve curve, const uint8_t *d,
                                              size_t d_len);
enum sgp32_status sgp32_ec_generate(struct sgp32_ec_key *key, enum sgp32_curve curve, struct sgp32_crypto_rng *rng);

enum sgp32_status sgp32_ec_export_public(const struct sgp32_ec_key *key, uint8_t *point, size_t point_size,
                                         size_t *point_len);
/* The DER SubjectPublicKeyInfo (91 bytes for these curves; brainpool uses the named-curve OID). */
enum sgp32_status sgp32_ec_export_spki_der(const struct sgp32_ec_key *key, uint8_t *der, size_t der_size,
                                           size_t *der_len);
enum sgp32_status sgp32_ec_export_private_raw(const struct sgp32_ec_key *key, uint8_t *d, size_t d_size);

/* ECKA-DH (BSI TR-03111 / SGP.22 2.6.4): the x-coordinate of own_private.d * peer_public.Q.
 * The rng is needed by wolfSSL's timing-resistant scalar multiplication. */
enum sgp32_status sgp32_ec_shared_secret(struct sgp32_ec_key *own_private, struct sgp32_ec_key *peer_public,
                                         struct sgp32_crypto_rng *rng, uint8_t secret[SGP32_EC_SECRET_SIZE]);

#endif
