/* SPDX-License-Identifier: MIT */
/*
 * The server half of the SGP.22 v2.5 mutual authentication with an eUICC, shared by the test SM-DP+
 * (ES9+ InitiateAuthentication / AuthenticateClient, 5.6.1 / 5.6.2) and the test SM-DS (ES11
 * InitiateAuthentication / AuthenticateClient, 5.8.1 / 5.8.2): both sign serverSigned1 with their
 * authentication key (CERT.DPauth.ECDSA or CERT.DSauth.ECDSA) and both check the eUICC -> EUM -> CI
 * chain and euiccSignature1 of the AuthenticateServerResponse. Also the check of a certificate chain
 * an eUICC sends along a signed notification (OtherSignedNotification). Test material only.
 */
#ifndef SGP32_RSP_SERVER_AUTH_H
#define SGP32_RSP_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"
#include "smdp_internal.h"

/* What a server authenticates with; nothing is copied (the pointers outlive the calls). */
struct rsp_server_credentials {
    const struct sgp32_x509_cert *ci; /* the CI the eUICC chains must end at */
    const uint8_t *certificate;       /* CERT.DPauth.ECDSA or CERT.DSauth.ECDSA (DER) */
    size_t certificate_len;
    struct sgp32_ec_key *key; /* its private key */
    struct sgp32_crypto_rng *rng;
    const char *address; /* serverAddress */
};

/* 5F37 40 <ECDSA-SHA256(part1 || part2)> appended to b. */
enum sgp32_status rsp_server_sign(struct sgp32_crypto_rng *rng, struct sgp32_ec_key *key, const uint8_t *part1,
                                  size_t len1, const uint8_t *part2, size_t len2, struct dbuf *b);

/* euiccInfo1 (BF20 ..) must list the CI in euiccCiPKIdListForVerification (SGP.22 5.6.1 / 5.8.1):
 * SGP32_ERR_NOT_SUPPORTED when it does not, SGP32_ERR_DECODE when malformed. */
enum sgp32_status rsp_server_check_euicc_info1(const struct sgp32_x509_cert *ci, const uint8_t *euicc_info1,
                                               size_t len);

/* serverSigned1 {transactionId, euiccChallenge, serverAddress, serverChallenge (fresh, written to
 * server_challenge)}, serverSignature1, euiccCiPKIdToBeUsed (the CI's SKI) and the server certificate. */
enum sgp32_status rsp_server_initiate(const struct rsp_server_credentials *credentials,
                                      const uint8_t transaction_id[16], const uint8_t euicc_challenge[16],
                                      uint8_t server_challenge[16], struct smdp_authentication *out);

/* The checked parts of an AuthenticateServerResponse (pointers into the response). */
struct rsp_client_authentication {
    struct tlv euicc_signed1;     /* 30 .. */
    struct tlv euicc_signature1;  /* 5F37 40 .. */
    struct tlv euicc_certificate; /* 30 .. */
    struct sgp32_x509_cert euicc; /* parsed euicc_certificate */
    uint8_t eid[16];              /* from its subject serialNumber */
};

/* Checks an AuthenticateServerResponse (BF38): SGP32_ERR_EUICC_RESULT for its error alternative,
 * SGP32_ERR_DECODE when malformed, SGP32_ERR_CRYPTO for a chain (eUICC -> EUM -> CI, roles) or
 * euiccSignature1 that does not verify, SGP32_ERR_PROTOCOL for a transactionId, serverChallenge or
 * serverAddress that is not this session's. */
enum sgp32_status rsp_server_verify_client(const struct rsp_server_credentials *credentials,
                                           const uint8_t transaction_id[16], const uint8_t server_challenge[16],
                                           const uint8_t *response, size_t len, struct rsp_client_authentication *out);

/* eUICC certificate -> EUM certificate -> ci, with their GSMA roles (SGP32_ERR_DECODE, SGP32_ERR_CRYPTO). */
enum sgp32_status rsp_server_verify_euicc_chain(const struct sgp32_x509_cert *ci, const struct tlv *euicc_certificate,
                                                const struct tlv *eum_certificate, struct sgp32_x509_cert *euicc);

/* What the ES9+ and ES11 front ends share. The monotonic clock in milliseconds, for session expiry. */
uint64_t rsp_server_now_ms(void);

/* r becomes a "Failed" functionExecutionStatus with its subjectCode, reasonCode and message
 * (the JSON header of every ES9+ / ES11 answer; SGP.22 v2.5 section 8 lists the codes). */
void rsp_server_fail(struct sgp32_remote_result *r, const char *subject, const char *reason, const char *message);

/* A text/plain answer: for what has no JSON answer (not a function call at all, or an answer that
 * could not be built). */
void rsp_server_text_answer(struct sgp32_remote_response *response, int http_status, const char *text);

/* The answer to a request the binding could not parse (status and result from its parse_request):
 * 404 for an unknown function, 400 otherwise (SGP.22 v2.5 6.5.1 / 6.6.1: HTTP status codes). */
void rsp_server_refuse_request(struct sgp32_remote_response *response, enum sgp32_status status,
                               const struct sgp32_remote_result *result);

#endif
