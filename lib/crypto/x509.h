/* SPDX-License-Identifier: MIT */
/*
 * X.509 certificates of the GSMA RSP PKI (SGP.22 4.5.2, SGP.26): CI, EUM, eUICC, SM-DP+ auth/pb/tls,
 * eIM. Library-internal, needs SGP32_HAVE_CRYPTO / wolfSSL.
 *
 * API summary:
 *   struct sgp32_x509_cert c;                     // views into the caller's DER buffer, no copies
 *   sgp32_x509_parse(&c, der, der_len);           // DER only; PEM: sgp32_x509_pem_to_der() first
 *   c.curve, c.public_point (65 bytes), c.subject_key_id, c.authority_key_id, c.not_before ...
 *   sgp32_x509_public_key(&c, &ec_key);           // import the subject public key
 *   sgp32_x509_verify_issued_by(&child, &issuer, now);   // CI -> EUM -> eUICC, CI -> SM-DP+
 *   sgp32_x509_gsma_role(&c);                     // SGP.22 policy OID 2.23.146.1.2.1.x -> x
 *   sgp32_x509_has_policy(&c, oid, oid_len);      // any policy OID (DER contents)
 *
 * The parser is a small DER walker of its own (no allocation; wolfSSL is used for the signature
 * check only). It understands what the RSP profiles use: v3 certificates with ECDSA-SHA256
 * signatures over P-256/brainpoolP256r1 keys; anything else parses (fields are only located) but
 * sgp32_x509_public_key/verify refuse it with SGP32_ERR_NOT_SUPPORTED.
 */
#ifndef SGP32_LIB_CRYPTO_X509_H
#define SGP32_LIB_CRYPTO_X509_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ec.h"
#include "sgp32/status.h"

/* A byte range inside the parsed certificate. */
struct sgp32_x509_span {
    const uint8_t *data;
    size_t len; /* 0 when absent */
};

struct sgp32_x509_cert {
    struct sgp32_x509_span der;          /* the whole Certificate */
    struct sgp32_x509_span tbs;          /* TBSCertificate TLV: the signed bytes */
    struct sgp32_x509_span serial;       /* INTEGER contents */
    struct sgp32_x509_span issuer;       /* Name TLV */
    struct sgp32_x509_span subject;      /* Name TLV */
    struct sgp32_x509_span spki;         /* SubjectPublicKeyInfo TLV */
    struct sgp32_x509_span public_point; /* BIT STRING contents after the unused-bits octet */
    enum sgp32_curve curve;              /* SGP32_CURVE_NONE for a key that is not P-256/BP256r1 EC */
    int64_t not_before;                  /* seconds since 1970-01-01 UTC */
    int64_t not_after;
    struct sgp32_x509_span subject_key_id;   /* KeyIdentifier contents */
    struct sgp32_x509_span authority_key_id; /* keyIdentifier [0] contents */
    struct sgp32_x509_span policies;         /* certificatePolicies extension value (a SEQUENCE TLV) */
    int is_ca;                               /* basicConstraints cA TRUE */
    int signature_is_ecdsa_sha256;           /* signatureAlgorithm is ecdsa-with-SHA256 */
    struct sgp32_x509_span signature;        /* DER ECDSA-Sig-Value (BIT STRING contents) */
};

/* Time argument meaning "do not check validity dates". */
#define SGP32_X509_IGNORE_TIME INT64_MIN

/* SGP32_ERR_DECODE for anything malformed, SGP32_ERR_TRAILING for bytes after the certificate. */
enum sgp32_status sgp32_x509_parse(struct sgp32_x509_cert *cert, const uint8_t *der, size_t der_len);

/* The first "CERTIFICATE" PEM block of pem[0..pem_len) as DER. */
enum sgp32_status sgp32_x509_pem_to_der(const uint8_t *pem, size_t pem_len, uint8_t *der, size_t der_size,
                                        size_t *der_len);

/* Imports the subject public key (sgp32_ec_key_free it afterwards). */
enum sgp32_status sgp32_x509_public_key(const struct sgp32_x509_cert *cert, struct sgp32_ec_key *key);

/*
 * Checks that cert was issued by issuer: cert's issuer Name equals issuer's subject Name
 * (byte-wise), the authority key id matches issuer's subject key id when both are present, and
 * cert's ECDSA-SHA256 signature verifies with issuer's key. With now != SGP32_X509_IGNORE_TIME
 * also cert's validity period must contain now (seconds since the epoch). SGP32_ERR_CRYPTO when
 * the issuer does not match, the signature fails or the cert is expired / not yet valid (compare
 * not_before/not_after to tell), SGP32_ERR_NOT_SUPPORTED for other algorithms.
 */
enum sgp32_status sgp32_x509_verify_issued_by(const struct sgp32_x509_cert *cert, const struct sgp32_x509_cert *issuer,
                                              int64_t now);

/* 1 if the certificatePolicies extension lists the policy (oid = OBJECT IDENTIFIER contents). */
int sgp32_x509_has_policy(const struct sgp32_x509_cert *cert, const uint8_t *oid, size_t oid_len);

/* SGP.22 4.5.2.1 certificate policies id-rsp-cert-objectives 2.23.146.1.2.1.x. */
enum sgp32_x509_role {
    SGP32_X509_ROLE_NONE = -1,
    SGP32_X509_ROLE_CI = 0,
    SGP32_X509_ROLE_EUICC = 1,
    SGP32_X509_ROLE_EUM = 2,
    SGP32_X509_ROLE_DP_TLS = 3,
    SGP32_X509_ROLE_DP_AUTH = 4,
    SGP32_X509_ROLE_DP_PB = 5,
    SGP32_X509_ROLE_DS_TLS = 6,
    SGP32_X509_ROLE_DS_AUTH = 7
};

/* The first GSMA RSP role policy in cert, SGP32_X509_ROLE_NONE if none. */
enum sgp32_x509_role sgp32_x509_gsma_role(const struct sgp32_x509_cert *cert);

#endif
