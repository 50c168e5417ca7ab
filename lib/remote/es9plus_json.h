/* SPDX-License-Identifier: MIT */
/*
 * ES9+ JSON binding (SGP.22 v2.5 section 6.5; IPA/eIM <-> SM-DP+): POST
 * https://<smdp>/gsma/rsp2/es9plus/<function>, Content-Type application/json, X-Admin-Protocol
 * SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS. Requests carry no "header" (a received one is ignored);
 * responses carry header.functionExecutionStatus. A failure is HTTP 200 with status "Failed" and
 * statusCodeData: SGP32_ERR_SERVER_STATUS, the codes in struct sgp32_remote_result.
 * handleNotification is answered 204 (an empty 200 is accepted too).
 *
 * Every value crosses this layer as ASN.1 bytes (struct sgp32_bytes): what the eUICC produced goes
 * out base64-encoded as it is, what the SM-DP+ sent comes back as the exact bytes it encoded.
 * Internal header; docs/remote.md.
 */
#ifndef SGP32_REMOTE_ES9PLUS_JSON_H
#define SGP32_REMOTE_ES9PLUS_JSON_H

#include "remote/remote.h"

#define SGP32_ES9PLUS_PATH_PREFIX "/gsma/rsp2/es9plus/"

enum sgp32_es9plus_function {
    SGP32_ES9PLUS_INITIATE_AUTHENTICATION = 1,
    SGP32_ES9PLUS_AUTHENTICATE_CLIENT = 2,
    SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE = 3,
    SGP32_ES9PLUS_HANDLE_NOTIFICATION = 4,
    SGP32_ES9PLUS_CANCEL_SESSION = 5
};

/* Field names in the comments are the JSON member names (SGP.22 6.5.2.x). Encodings: TLV = base64
 * of the whole ASN.1 element (expected tag), VALUE = base64 of raw octets, hex, text. */
struct sgp32_es9plus_initiate_authentication_request {
    struct sgp32_bytes euicc_challenge; /* euiccChallenge: VALUE, the 16 octets of GetEUICCChallenge */
    struct sgp32_bytes euicc_info1;     /* euiccInfo1: TLV BF20 */
    struct sgp32_bytes smdp_address;    /* smdpAddress: text */
};
struct sgp32_es9plus_initiate_authentication_response {
    struct sgp32_bytes transaction_id;           /* transactionId: hex, 1..16 octets */
    struct sgp32_bytes server_signed1;           /* serverSigned1: TLV 30 */
    struct sgp32_bytes server_signature1;        /* serverSignature1: TLV 5F37 */
    struct sgp32_bytes euicc_ci_pkid_to_be_used; /* euiccCiPKIdToBeUsed: TLV 04 */
    struct sgp32_bytes server_certificate;       /* serverCertificate: TLV 30 */
};
struct sgp32_es9plus_authenticate_client_request {
    struct sgp32_bytes transaction_id;               /* transactionId: hex */
    struct sgp32_bytes authenticate_server_response; /* authenticateServerResponse: TLV BF38 */
};
struct sgp32_es9plus_authenticate_client_response {
    struct sgp32_bytes transaction_id;   /* transactionId: hex */
    struct sgp32_bytes profile_metadata; /* profileMetadata: TLV BF25 (StoreMetadataRequest) */
    struct sgp32_bytes smdp_signed2;     /* smdpSigned2: TLV 30 */
    struct sgp32_bytes smdp_signature2;  /* smdpSignature2: TLV 5F37 */
    struct sgp32_bytes smdp_certificate; /* smdpCertificate: TLV 30 */
};
struct sgp32_es9plus_get_bound_profile_package_request {
    struct sgp32_bytes transaction_id;            /* transactionId: hex */
    struct sgp32_bytes prepare_download_response; /* prepareDownloadResponse: TLV BF21 */
};
struct sgp32_es9plus_get_bound_profile_package_response {
    struct sgp32_bytes transaction_id;        /* transactionId: hex */
    struct sgp32_bytes bound_profile_package; /* boundProfilePackage: TLV BF36 */
};
struct sgp32_es9plus_handle_notification_request {
    struct sgp32_bytes pending_notification; /* pendingNotification: TLV BF37 or 30 */
};
struct sgp32_es9plus_cancel_session_request {
    struct sgp32_bytes transaction_id;          /* transactionId: hex */
    struct sgp32_bytes cancel_session_response; /* cancelSessionResponse: TLV BF41 */
};

union sgp32_es9plus_request {
    struct sgp32_es9plus_initiate_authentication_request initiate_authentication;
    struct sgp32_es9plus_authenticate_client_request authenticate_client;
    struct sgp32_es9plus_get_bound_profile_package_request get_bound_profile_package;
    struct sgp32_es9plus_handle_notification_request handle_notification;
    struct sgp32_es9plus_cancel_session_request cancel_session;
};

/* handleNotification and cancelSession have no response fields. */
union sgp32_es9plus_response {
    struct sgp32_es9plus_initiate_authentication_response initiate_authentication;
    struct sgp32_es9plus_authenticate_client_response authenticate_client;
    struct sgp32_es9plus_get_bound_profile_package_response get_bound_profile_package;
};

/* "initiateAuthentication" ...; NULL for an unknown value. */
const char *sgp32_es9plus_function_name(enum sgp32_es9plus_function function);

/* ---- Client ---- */

/* Builds the request of `function` from the matching union member (owned JSON body). */
enum sgp32_status sgp32_es9plus_build_request(const struct sgp32_remote_endpoint *endpoint,
                                              enum sgp32_es9plus_function function,
                                              const union sgp32_es9plus_request *request,
                                              struct sgp32_remote_request *out);
/*
 * Parses the answer to `function` into the matching union member; the bytes live in *storage (free
 * with sgp32_remote_storage_free(), also after an error). SGP32_ERR_SERVER_STATUS for a Failed or
 * Expired status (result holds the codes), SGP32_ERR_HTTP for another HTTP status than 200 (or 204
 * for handleNotification), SGP32_ERR_PROTOCOL for a wrong Content-Type, a missing header or field
 * or an unexpected tag, SGP32_ERR_DECODE for bad JSON, base64, hex or TLV structure.
 */
enum sgp32_status sgp32_es9plus_parse_response(enum sgp32_es9plus_function function,
                                               const struct sgp32_remote_answer *answer,
                                               union sgp32_es9plus_response *response, void **storage,
                                               struct sgp32_remote_result *result);

/* ---- Server ---- */

/* Parses a request: the function from the path (SGP32_ERR_NOT_FOUND for another path), headers,
 * fields into the matching union member (bytes in *storage), errors as for parse_response. */
enum sgp32_status sgp32_es9plus_parse_request(const struct sgp32_remote_incoming *incoming,
                                              enum sgp32_es9plus_function *function,
                                              union sgp32_es9plus_request *request, void **storage,
                                              struct sgp32_remote_result *result);
/*
 * Builds the answer of `function`: with failure NULL, success from the matching union member
 * (response may be NULL for handleNotification -> 204 and cancelSession -> header only); with
 * failure given (execution_status "Failed" or "Expired", subject_code, reason_code, optional
 * subject_identifier and message), the failure form. handleNotification has no failure form.
 */
enum sgp32_status sgp32_es9plus_build_response(enum sgp32_es9plus_function function,
                                               const union sgp32_es9plus_response *response,
                                               const struct sgp32_remote_result *failure,
                                               struct sgp32_remote_response *out);

#endif /* SGP32_REMOTE_ES9PLUS_JSON_H */
