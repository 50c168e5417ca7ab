/* SPDX-License-Identifier: MIT */
/*
 * The SM-DP+ side of an SGP.22 v2.5 profile download (ES9+ functions without the HTTP binding), as a
 * reusable library for the project's test SM-DP+ server and for tests of the software eUICC. Real
 * signatures (DPauth, DPpb keys) and real BSP protection (ECKA, X9.63 KDF, AES-CBC / CMAC) through
 * lib/crypto. Test material only: keys are held in memory, unprotected.
 *
 *   struct smdp_core *core;  smdp_core_new(&credentials, &core);
 *   struct smdp_session *s;  smdp_session_new(core, &s);
 *   smdp_initiate_authentication(s, euicc_challenge, euicc_info1, n, &auth);  // ES9+.InitiateAuthentication
 *   ... eUICC: AuthenticateServer ...
 *   smdp_authenticate_client(s, authenticate_server_response, n, &prep);        // ES9+.AuthenticateClient
 *   ... eUICC: PrepareDownload ...
 *   smdp_get_bound_profile_package(s, prepare_download_response, n, upp, n, &options, &bpp);
 *   ... eUICC: LoadBoundProfilePackage, segment by segment ...
 *   smdp_verify_installation_result(s, profile_installation_result, n, &result);
 *   smdp_session_free(s);  smdp_core_free(core);
 *
 * Signature inputs (SGP.22 5.6 / 5.7, the bytes as received, never re-encoded):
 *   serverSignature1 = sign_DPauth(serverSigned1)
 *   euiccSignature1  = sign_eUICC(euiccSigned1)
 *   smdpSignature2   = sign_DPpb(smdpSigned2 || euiccSignature1 TLV (5F37 40 ..))
 *   euiccSignature2  = sign_eUICC(euiccSigned2 || smdpSignature2 TLV)
 *   smdpSign (BF23)  = sign_DPpb(remoteOpId || transactionId || controlRefTemplate || smdpOtpk TLVs ||
 *                                euiccOtpk TLV (5F49 41 ..))
 *   euiccSignPIR     = sign_eUICC(profileInstallationResultData (BF27 TLV))
 * All signatures are ECDSA-SHA256 r||s (64 bytes) carried as 5F37 40 <r||s>.
 *
 * Errors: enum sgp32_status; SGP32_ERR_CRYPTO for a certificate, signature or MAC that does not check,
 * SGP32_ERR_DECODE for malformed input, SGP32_ERR_STATE for a call out of order, SGP32_ERR_PROTOCOL for
 * a wrong transaction id, challenge or address, SGP32_ERR_NOT_FOUND for an unknown matching id,
 * SGP32_ERR_EUICC_RESULT when the eUICC answered its error alternative.
 */
#ifndef SGP32_SMDP_CORE_H
#define SGP32_SMDP_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DER certificates; private keys PEM or DER (SEC1 or PKCS#8). All copied by smdp_core_new(). */
struct smdp_core_credentials {
    const uint8_t *ci_certificate;
    size_t ci_certificate_len;
    const uint8_t *auth_certificate; /* CERT.DPauth.ECDSA */
    size_t auth_certificate_len;
    const uint8_t *auth_key;
    size_t auth_key_len;
    const uint8_t *pb_certificate; /* CERT.DPpb.ECDSA */
    size_t pb_certificate_len;
    const uint8_t *pb_key;
    size_t pb_key_len;
    const char *address; /* serverAddress, e.g. "127.0.0.1:8443" */
};

struct smdp_core;
struct smdp_session;

/* A malloc'd byte string (free with free()). */
struct smdp_blob {
    uint8_t *data;
    size_t len;
};

enum sgp32_status smdp_core_new(const struct smdp_core_credentials *credentials, struct smdp_core **core);
void smdp_core_free(struct smdp_core *core);
/* Reads a whole file (certificates and keys for the credentials). */
enum sgp32_status smdp_read_file(const char *path, struct smdp_blob *blob);
/* smdp_core_new with the credentials of a test PKI curve directory (the layout of
 * examples/pki/sgp32-test-pki, docs/test-pki.md): the CI certificate, DPauth and DPpb certificates
 * and keys (SGP.22 4.5.2). When a file cannot be read, its path is left in unread[unread_cap] (if
 * not NULL; "" for any other failure). */
enum sgp32_status smdp_core_load_pki(const char *pki_dir, const char *address, struct smdp_core **core, char *unread,
                                     size_t unread_cap);

/* One download. expected_matching_id: NULL accepts any (or none). */
enum sgp32_status smdp_session_new(struct smdp_core *core, const char *expected_matching_id,
                                   struct smdp_session **session);
void smdp_session_free(struct smdp_session *session);
const uint8_t *smdp_session_transaction_id(const struct smdp_session *session, size_t *len);
/* Requires a confirmation code (SGP.22 3.1.3: ccRequiredFlag in smdpSigned2; the PrepareDownload
 * response must carry hashCc = SHA-256(SHA-256(code) || transactionId)). Before AuthenticateClient. */
enum sgp32_status smdp_session_require_confirmation_code(struct smdp_session *session, const char *code);
/* The hashCc an IPA computes from the code the user typed (transaction_id: the session's). */
enum sgp32_status smdp_hash_confirmation_code(const char *code, const uint8_t *transaction_id,
                                              size_t transaction_id_len, uint8_t hash_cc[32]);
/* Tests only: from AuthenticateClient on, sign messages with this transaction id instead of the
 * session's (a misbehaving SM-DP+ the eUICC must refuse with invalidTransactionId). */
void smdp_session_forge_transaction_id(struct smdp_session *session, const uint8_t tid[16]);

/* ES9+.InitiateAuthentication output; every field a complete TLV as it goes into BF38. */
struct smdp_authentication {
    struct smdp_blob server_signed1;     /* 30 .. */
    struct smdp_blob server_signature1;  /* 5F37 40 r||s */
    struct smdp_blob euicc_ci_pkid;      /* 04 14 <SKI of the CI> */
    struct smdp_blob server_certificate; /* 30 .. (CERT.DPauth.ECDSA) */
};
/* euicc_info1 (BF20 ..) may be NULL; when given, the CI must be in its verification list
 * (SGP32_ERR_NOT_SUPPORTED otherwise: "ciPKUnknown" at the ES9+ level). */
enum sgp32_status smdp_initiate_authentication(struct smdp_session *session, const uint8_t euicc_challenge[16],
                                               const uint8_t *euicc_info1, size_t euicc_info1_len,
                                               struct smdp_authentication *out);
void smdp_authentication_clear(struct smdp_authentication *auth);

/* ES9+.AuthenticateClient: checks the AuthenticateServerResponse (BF38, SGP.22 or SGP.32 form): eUICC
 * -> EUM -> CI chain, euiccSignature1 over the received euiccSigned1 bytes, transactionId,
 * serverChallenge, serverAddress, matching id. Output: the PrepareDownload material. */
struct smdp_prepare {
    struct smdp_blob smdp_signed2;     /* 30 .. */
    struct smdp_blob smdp_signature2;  /* 5F37 40 .. */
    struct smdp_blob smdp_certificate; /* 30 .. (CERT.DPpb.ECDSA) */
};
enum sgp32_status smdp_authenticate_client(struct smdp_session *session, const uint8_t *response, size_t len,
                                           struct smdp_prepare *out);
void smdp_prepare_clear(struct smdp_prepare *prepare);
/* The PrepareDownloadRequest (BF21) an IPA builds from the material (hash_cc NULL: none). */
enum sgp32_status smdp_build_prepare_download_request(const struct smdp_prepare *prepare, const uint8_t *hash_cc,
                                                      struct smdp_blob *request);

/* The AuthenticateServerRequest (BF38) an IPA builds (matching_id NULL: absent; device info: a
 * fixed test TAC and empty capabilities). */
enum sgp32_status smdp_build_authenticate_server_request(const struct smdp_authentication *auth,
                                                         const char *matching_id, struct smdp_blob *request);

struct smdp_bpp_options {
    size_t segment_size;      /* profile bytes per 86 segment (0: 1020) */
    int replace_session_keys; /* 1: A2 with fresh PPKs; the 86 segments use them */
    const uint8_t *metadata;  /* StoreMetadataRequest (BF25 ..); NULL: built from the UPP header */
    size_t metadata_len;
};
/* The StoreMetadataRequest (BF25) the BPP carries when smdp_bpp_options.metadata is NULL: ICCID and
 * profileType of the UPP's ProfileHeader, service provider "libsgp32 test SM-DP+", notifications of
 * every event to the SM-DP+ address (ES9+.AuthenticateClient's profileMetadata). */
enum sgp32_status smdp_profile_metadata(struct smdp_core *core, const uint8_t *upp, size_t upp_len,
                                        struct smdp_blob *metadata);

/* ES9+.GetBoundProfilePackage: checks euiccSignature2 and the transaction id of the PrepareDownload
 * response (BF21), then binds the UPP (DER sequence of ProfileElements) to the eUICC's otPK. */
enum sgp32_status smdp_get_bound_profile_package(struct smdp_session *session, const uint8_t *response,
                                                 size_t response_len, const uint8_t *upp, size_t upp_len,
                                                 const struct smdp_bpp_options *options, struct smdp_blob *bpp);

/* Splits a BPP into the ES10b LoadBoundProfilePackage segments of SGP.22 2.5.5: BF36+BF23, A0 (whole),
 * A1 header, each 88, A2 (whole, if present), A3 header, each 86. segments[i] point into bpp. */
struct smdp_segment {
    const uint8_t *data;
    size_t len;
};
enum sgp32_status smdp_split_bpp(const uint8_t *bpp, size_t bpp_len, struct smdp_segment *segments, size_t cap,
                                 size_t *count);

/* Checks a ProfileInstallationResult (BF37): eUICC signature (with the certificate from
 * AuthenticateClient), transaction id, smdpOid. *success 1 for successResult; else *bpp_command_id and
 * *error_reason from errorResult. */
struct smdp_installation_result {
    int success;
    long bpp_command_id;
    long error_reason;
    uint8_t iccid[10];
    int has_iccid;
};
enum sgp32_status smdp_verify_installation_result(struct smdp_session *session, const uint8_t *result, size_t len,
                                                  struct smdp_installation_result *out);

/* SGP.22 5.6.5 ES9+.CancelSession: checks the eUICC's CancelSessionResponse (BF41). SGP32_OK for a
 * cancelSessionResponseOk whose signature (eUICC certificate from AuthenticateClient), transactionId
 * and smdpOid (CERT.DPauth's) check, *reason its CancelSessionReason; SGP32_ERR_EUICC_RESULT for
 * cancelSessionResponseError (*reason: its code); SGP32_ERR_STATE before AuthenticateClient (no
 * eUICC certificate yet); SGP32_ERR_CRYPTO, SGP32_ERR_PROTOCOL (transactionId), SGP32_ERR_NOT_FOUND
 * (smdpOid), SGP32_ERR_DECODE otherwise. (smdp_checks.c) */
enum sgp32_status smdp_verify_cancel_session(struct smdp_session *session, const uint8_t *response, size_t len,
                                             long *reason);

/* SGP.22 5.6.4 ES9+.HandleNotification with an OtherSignedNotification (30 {BF2F, 5F37, eUICC and EUM
 * certificates}): the chain to the CI and the signature over tbsOtherNotification. The metadata
 * fields are filled as far as readable, also when the check fails. (smdp_checks.c) */
struct smdp_notification_info {
    long seq_number; /* -1 when absent */
    int operation;   /* NotificationEvent bit: 0 install, 1 enable, 2 disable, 3 delete */
    uint8_t iccid[10];
    int has_iccid;
    uint8_t eid[16];
    int has_eid;
};
enum sgp32_status smdp_verify_other_notification(struct smdp_core *core, const uint8_t *notification, size_t len,
                                                 struct smdp_notification_info *out);

/* The ICCID (10 bytes) of the UPP's ProfileHeader as SGP.22 codes it (Iccid, tag 5A: as in EF.ICCID,
 * nibbles swapped), the form of the metadata, ProfileInfo and notifications. */
enum sgp32_status smdp_upp_iccid(const uint8_t *upp, size_t upp_len, uint8_t iccid[10]);
/* The same as the ProfileHeader holds it (digits in reading order). */
enum sgp32_status smdp_upp_header_iccid(const uint8_t *upp, size_t upp_len, uint8_t iccid[10]);

#ifdef __cplusplus
}
#endif

#endif
