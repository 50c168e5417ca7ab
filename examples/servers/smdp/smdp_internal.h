/* SPDX-License-Identifier: MIT */
/* Internals shared by the SM-DP+ core files. */
#ifndef SGP32_SMDP_INTERNAL_H
#define SGP32_SMDP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "crypto/x509.h"
#include "smdp_core.h"

/* A growing DER buffer with sticky errors (zero-initialise). */
struct dbuf {
    uint8_t *data;
    size_t len, cap;
    int failed;
};
void dbuf_raw(struct dbuf *b, const uint8_t *p, size_t n);
void dbuf_header(struct dbuf *b, uint32_t tag, size_t n);
void dbuf_tlv(struct dbuf *b, uint32_t tag, const uint8_t *v, size_t n);
/* Appends inner's content wrapped as `tag`; frees inner. */
void dbuf_wrap(struct dbuf *b, uint32_t tag, struct dbuf *inner);
/* Moves the buffer into blob (SGP32_ERR_NO_MEMORY after an error, buffer freed). */
enum sgp32_status dbuf_take(struct dbuf *b, struct smdp_blob *blob);
/* dbuf_take while status is SGP32_OK, else frees the buffer: a chain of takes after a failure
 * frees every later buffer. The new status. */
enum sgp32_status dbuf_take_after(enum sgp32_status status, struct dbuf *b, struct smdp_blob *blob);

/* One parsed TLV. */
struct tlv {
    uint32_t tag;
    const uint8_t *all; /* header + value */
    size_t all_len;
    const uint8_t *value;
    size_t len;
};
/* The next complete TLV of [*p, *p + *left); 0 at the end or on malformed input (*bad set). */
int next_tlv(const uint8_t **p, size_t *left, struct tlv *t, int *bad);
/* data is exactly one TLV. */
int parse_one(const uint8_t *data, size_t len, struct tlv *t);
/* An eUICC response `tag` {ok [0], error [1]} (AuthenticateServerResponse, PrepareDownloadResponse):
 * SGP32_OK with its ok alternative, SGP32_ERR_EUICC_RESULT for the error alternative, SGP32_ERR_DECODE
 * for anything else. */
enum sgp32_status smdp_response_ok(const uint8_t *response, size_t len, uint32_t tag, struct tlv *ok);
/* The first child with `tag` inside a constructed value. */
int find_child(const struct tlv *parent, uint32_t tag, struct tlv *out);
/* subjectAltName registeredID (the SM-DP+ OID) content bytes. */
int smdp_certificate_registered_id(const struct sgp32_x509_cert *cert, struct tlv *oid);
/* The EID from the subject serialNumber of an eUICC certificate. */
int smdp_certificate_eid(const struct sgp32_x509_cert *cert, uint8_t eid[16]);

struct smdp_core {
    struct smdp_blob ci, auth_cert, pb_cert;
    struct sgp32_x509_cert ci_parsed, auth_parsed, pb_parsed;
    struct sgp32_ec_key auth_key, pb_key;
    struct sgp32_crypto_rng rng;
    char *address;
};

enum session_stage { STAGE_NEW, STAGE_INITIATED, STAGE_AUTHENTICATED, STAGE_BOUND };

struct smdp_session {
    struct smdp_core *core;
    enum session_stage stage;
    char *matching_id;
    uint8_t transaction_id[16];
    uint8_t forged_transaction_id[16];
    int forged;
    int cc_required;
    uint8_t cc_hash1[32]; /* SHA-256 of the confirmation code */
    uint8_t euicc_challenge[16], server_challenge[16];
    struct smdp_blob euicc_certificate;
    uint8_t euicc_signature1[67]; /* 5F37 40 r||s */
    struct smdp_blob smdp_signature2;
    uint8_t eid[16];
    enum sgp32_curve curve;
};

/* SHA-256(part1 || part2), the digest every ECDSA signature of SGP.22 is made over (part2 may be empty). */
enum sgp32_status smdp_digest_parts(const uint8_t *part1, size_t len1, const uint8_t *part2, size_t len2,
                                    uint8_t digest[SGP32_SHA256_SIZE]);
/* 5F37 40 <ECDSA-SHA256(part1 || part2)> appended to b. */
enum sgp32_status smdp_sign_parts(struct smdp_core *core, struct sgp32_ec_key *key, const uint8_t *part1, size_t len1,
                                  const uint8_t *part2, size_t len2, struct dbuf *b);
/* Verifies a 5F37 signature TLV over part1 || part2 with a certificate's key. */
enum sgp32_status smdp_verify_parts(const uint8_t *cert, size_t cert_len, const uint8_t *part1, size_t len1,
                                    const uint8_t *part2, size_t len2, const struct tlv *signature);

#endif
