/* SPDX-License-Identifier: MIT */
/*
 * ECDSA with SHA-256 on P-256 / brainpoolP256r1 (library-internal, needs SGP32_HAVE_CRYPTO /
 * wolfSSL). Signatures are the raw 64-byte r || s form that SGP.22/SGP.32 carry in
 * `5F37 40 <r||s>` (serverSignature1, euiccSignature1/2, smdpSignature2) and in eimSignature;
 * X.509 and TLS use the DER ECDSA-Sig-Value, converted here.
 *
 * API summary:
 *   sgp32_ecdsa_sign_sha256(&key, &rng, msg, len, sig64);
 *   sgp32_ecdsa_verify_sha256(&key, msg, len, sig64, 64);          // SGP32_ERR_CRYPTO if bad
 *   sgp32_ecdsa_sign_digest(&key, &rng, digest32, sig64);          // with struct sgp32_sha256 for
 *   sgp32_ecdsa_verify_digest(&key, digest32, sig64, 64);          // multi-part inputs
 *   sgp32_ecdsa_verify_sha256_with_cert(cert_der, n, msg, len, sig64, 64);
 *   sgp32_ecdsa_raw_to_der(sig64, der, sizeof der, &der_len);      // at most 72 bytes
 *   sgp32_ecdsa_der_to_raw(der, der_len, sig64);                   // strict DER
 *
 * Errors: SGP32_ERR_CRYPTO (signature does not verify, or signing failed), SGP32_ERR_DECODE
 * (malformed DER signature or certificate), SGP32_ERR_INVALID_ARGUMENT, SGP32_ERR_STATE (signing
 * without a private key).
 */
#ifndef SGP32_LIB_CRYPTO_ECDSA_H
#define SGP32_LIB_CRYPTO_ECDSA_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "sgp32/status.h"

#define SGP32_ECDSA_RAW_SIZE 64
#define SGP32_ECDSA_DER_MAX_SIZE 72 /* 30 46 | 02 21 00 r | 02 21 00 s */

enum sgp32_status sgp32_ecdsa_sign_digest(struct sgp32_ec_key *key, struct sgp32_crypto_rng *rng,
                                          const uint8_t digest[SGP32_SHA256_SIZE],
                                          uint8_t signature[SGP32_ECDSA_RAW_SIZE]);
enum sgp32_status sgp32_ecdsa_sign_sha256(struct sgp32_ec_key *key, struct sgp32_crypto_rng *rng,
                                          const uint8_t *message, size_t message_len,
                                          uint8_t signature[SGP32_ECDSA_RAW_SIZE]);

/* signature_len must be 64 (r || s); r or s of zero or >= the curve order fail as SGP32_ERR_CRYPTO. */
enum sgp32_status sgp32_ecdsa_verify_digest(struct sgp32_ec_key *key, const uint8_t digest[SGP32_SHA256_SIZE],
                                            const uint8_t *signature, size_t signature_len);
enum sgp32_status sgp32_ecdsa_verify_sha256(struct sgp32_ec_key *key, const uint8_t *message, size_t message_len,
                                            const uint8_t *signature, size_t signature_len);
/* Verifies with the public key of a DER X.509 certificate (no chain or validity check here). */
enum sgp32_status sgp32_ecdsa_verify_sha256_with_cert(const uint8_t *cert_der, size_t cert_len, const uint8_t *message,
                                                      size_t message_len, const uint8_t *signature,
                                                      size_t signature_len);

/* r || s (two 32-byte big-endian integers) -> DER SEQUENCE { INTEGER r, INTEGER s }, minimal. */
enum sgp32_status sgp32_ecdsa_raw_to_der(const uint8_t raw[SGP32_ECDSA_RAW_SIZE], uint8_t *der, size_t der_size,
                                         size_t *der_len);
/* DER ECDSA-Sig-Value -> r || s. Refuses BER, negative or non-minimal integers, values wider than
 * 32 bytes and trailing bytes (SGP32_ERR_DECODE). */
enum sgp32_status sgp32_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[SGP32_ECDSA_RAW_SIZE]);

#endif
