/* SPDX-License-Identifier: MIT */
/*
 * ESipa HTTP JSON binding (SGP.32 v1.2 6.2 / 6.4.1): each function is POSTed to
 * /gsma/rsp2/esipa/<function> (initiateAuthentication, authenticateClient, getBoundProfilePackage,
 * cancelSession, handleNotification, transferEimPackage, getEimPackage, provideEimPackageResult)
 * with a JSON body, and answered with a JSON body carrying header.functionExecutionStatus as on ES9+
 * (remote_json.h), or 204 when the eIM has nothing to say.
 *
 * The callers see exactly what the ASN.1 binding (esipa_asn1.h) gives them: the ASN.1 message bytes
 * of EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa (a GetEimPackageRequest BF4F, a
 * ProvideEimPackageResult BF50 ...). The binding converts between those bytes and JSON internally,
 * at the TLV level: one JSON member per ASN.1 component of the message (or of the chosen alternative
 * of a response CHOICE), named as the component in asn1/SGP32Definitions.asn. Objects (signed ones
 * included: EuiccPackageRequest, EuiccPackageResult, BPP, eUICC responses in full or compact form)
 * travel as base64 of their received bytes, never re-encoded; only the message's outer wrapper
 * (the BF4F SEQUENCE, a CHOICE alternative's A0 ...) is rebuilt, in DER. docs/remote.md lists every
 * member, its encoding and which names are grounded in public implementations.
 * Internal header (SGP32_WITH_JSON).
 */
#ifndef SGP32_REMOTE_ESIPA_JSON_H
#define SGP32_REMOTE_ESIPA_JSON_H

#include "remote/esipa_asn1.h"

#define SGP32_ESIPA_JSON_PATH_PREFIX "/gsma/rsp2/esipa/"
/* Largest JSON body accepted: base64 of a SGP32_ESIPA_MAX_MESSAGE message plus the JSON around it. */
#define SGP32_ESIPA_JSON_MAX_BODY (2u * 1024u * 1024u)

/* ---- Client (IPA) ---- */

/*
 * Builds the POST of one IPA message (its bytes, as for sgp32_esipa_asn1_build_request(): the CHOICE
 * or equally the inner message, DER outer lengths): the message is checked by decoding it, converted
 * to JSON (owned by the request) and sent to the function's path. *kind gets the function.
 * SGP32_ERR_PROTOCOL if the message holds a component the JSON binding cannot carry.
 */
enum sgp32_status sgp32_esipa_json_build_request(const struct sgp32_remote_endpoint *endpoint, const uint8_t *message,
                                                 size_t len, enum sgp32_esipa_message *kind,
                                                 struct sgp32_remote_request *request);
/*
 * Parses the eIM's answer to a request of kind request_kind: 204 (and, for handleNotification, an
 * empty 200 or a header-only 200) -> SGP32_OK with *kind NONE and no message. A 200 JSON answer with
 * a success header -> the EsipaMessageFromEimToIpa it stands for: *message (owned, free with
 * sgp32_esipa_json_message_free()) and *message_len, and, if decoded is not NULL, the decoded value
 * (free with sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, ...)). The failure form (Failed/Expired) ->
 * SGP32_ERR_SERVER_STATUS with the codes in result. Other errors as sgp32_es9plus_parse_response()
 * (SGP32_ERR_HTTP, SGP32_ERR_PROTOCOL, SGP32_ERR_DECODE ...). Outputs are NULL/0 after an error.
 */
enum sgp32_status sgp32_esipa_json_parse_response(enum sgp32_esipa_message request_kind,
                                                  const struct sgp32_remote_answer *answer,
                                                  enum sgp32_esipa_message *kind, uint8_t **message,
                                                  size_t *message_len, void **decoded,
                                                  struct sgp32_remote_result *result);

/* ---- Server (eIM) ---- */

/*
 * Parses a request: the function from the path (SGP32_ERR_NOT_FOUND for another path),
 * X-Admin-Protocol and Content-Type (SGP32_ERR_PROTOCOL), the JSON body converted to the
 * EsipaMessageFromIpaToEim bytes (*message, owned) and optionally decoded (*decoded, as
 * sgp32_esipa_asn1_parse_request()).
 */
enum sgp32_status sgp32_esipa_json_parse_request(const struct sgp32_remote_incoming *incoming,
                                                 enum sgp32_esipa_message *kind, uint8_t **message, size_t *message_len,
                                                 void **decoded, struct sgp32_remote_result *result);
/*
 * Builds the answer to a request of kind request_kind: 204 when message is NULL and failure is NULL;
 * the failure form when failure is not NULL (execution_status "Failed" or "Expired", message NULL);
 * else 200 with the JSON of message, an EsipaMessageFromEimToIpa of the same function (checked by
 * decoding it; SGP32_ERR_INVALID_ARGUMENT for another function).
 */
enum sgp32_status sgp32_esipa_json_build_response(enum sgp32_esipa_message request_kind, const uint8_t *message,
                                                  size_t len, const struct sgp32_remote_result *failure,
                                                  enum sgp32_esipa_message *kind,
                                                  struct sgp32_remote_response *response);

void sgp32_esipa_json_message_free(uint8_t *message);

#endif /* SGP32_REMOTE_ESIPA_JSON_H */
