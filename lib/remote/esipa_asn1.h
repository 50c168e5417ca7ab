/* SPDX-License-Identifier: MIT */
/*
 * ESipa HTTP ASN.1 binding (SGP.32 v1.2 section 6.1): every message is POSTed to /gsma/rsp2/asn1 as
 * the encoding of EsipaMessageFromIpaToEim; the eIM answers 200 with an EsipaMessageFromEimToIpa, or
 * 204 when it has nothing to say.
 *
 * Both CHOICEs are untagged and each alternative carries its own tag (BF39, BF3B, ... BF50, checked
 * against asn1/SGP32Definitions.asn), so the encoding of the CHOICE IS the encoding of the inner
 * message: a caller holding the inner message bytes (a GetEimPackageRequest BF4F, a
 * ProvideEimPackageResult BF50 carrying the eUICC-signed result) sends them as they are, with no
 * wrapper and no re-encoding, and the answer's body is the inner message of the eIM.
 */
#ifndef SGP32_REMOTE_ESIPA_ASN1_H
#define SGP32_REMOTE_ESIPA_ASN1_H

#include "remote/remote.h"

/* The alternatives of EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa, by their tag. */
enum sgp32_esipa_message {
    SGP32_ESIPA_NONE = 0,                  /* no message (HTTP 204) */
    SGP32_ESIPA_INITIATE_AUTHENTICATION,   /* BF39 */
    SGP32_ESIPA_AUTHENTICATE_CLIENT,       /* BF3B */
    SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE, /* BF3A */
    SGP32_ESIPA_CANCEL_SESSION,            /* BF41 */
    SGP32_ESIPA_HANDLE_NOTIFICATION,       /* BF3D, IPA to eIM only */
    SGP32_ESIPA_TRANSFER_EIM_PACKAGE,      /* BF4E */
    SGP32_ESIPA_GET_EIM_PACKAGE,           /* BF4F */
    SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT /* BF50 */
};

enum sgp32_esipa_direction {
    SGP32_ESIPA_IPA_TO_EIM = 1, /* EsipaMessageFromIpaToEim */
    SGP32_ESIPA_EIM_TO_IPA = 2  /* EsipaMessageFromEimToIpa */
};

/* Largest message decoded whole (a GetBoundProfilePackageResponseEsipa carries the BPP). */
#define SGP32_ESIPA_MAX_MESSAGE (1024u * 1024u)

/* "getEimPackage" ...; "none" for SGP32_ESIPA_NONE, "?" for unknown values. */
const char *sgp32_esipa_message_name(enum sgp32_esipa_message message);
/* The tag of the alternative (0xBF4F), 0 for NONE. */
uint32_t sgp32_esipa_message_tag(enum sgp32_esipa_message message);
/* Which alternative the bytes are, from their tag alone (no decoding): SGP32_ERR_PROTOCOL for a tag
 * that is not an alternative of the direction's CHOICE, SGP32_ERR_DECODE / SGP32_ERR_TRUNCATED for a
 * bad header. */
enum sgp32_status sgp32_esipa_message_of(enum sgp32_esipa_direction direction, const uint8_t *data, size_t len,
                                         enum sgp32_esipa_message *message);

/*
 * Decodes the bytes as the direction's CHOICE (BER, the whole input, at most SGP32_ESIPA_MAX_MESSAGE):
 * *message gets the alternative; *decoded (if not NULL) the value, an EsipaMessageFromIpaToEim_t or
 * EsipaMessageFromEimToIpa_t, to free with sgp32_esipa_free().
 */
enum sgp32_status sgp32_esipa_decode(enum sgp32_esipa_direction direction, const uint8_t *data, size_t len,
                                     enum sgp32_esipa_message *message, void **decoded);
void sgp32_esipa_free(enum sgp32_esipa_direction direction, void *decoded);

/* ---- Client (IPA) ---- */

/* Builds the POST of one message (its bytes: the CHOICE or, equally, the inner message). The message
 * is checked by decoding it (nothing is kept); the body is the caller's bytes. */
enum sgp32_status sgp32_esipa_asn1_build_request(const struct sgp32_remote_endpoint *endpoint, const uint8_t *message,
                                                 size_t len, enum sgp32_esipa_message *kind,
                                                 struct sgp32_remote_request *request);
/*
 * Parses the eIM's answer: 204 -> SGP32_OK with *kind NONE; 200 with Content-Type
 * application/x-gsma-rsp-asn1 and a body -> the decoded EsipaMessageFromEimToIpa (*decoded may be
 * NULL if only the check is wanted; the message's bytes are answer->body). Other HTTP codes:
 * SGP32_ERR_HTTP; a wrong content type, an empty 200 or an unexpected alternative:
 * SGP32_ERR_PROTOCOL; a body that does not decode: the codec's error.
 */
enum sgp32_status sgp32_esipa_asn1_parse_response(const struct sgp32_remote_answer *answer,
                                                  enum sgp32_esipa_message *kind, void **decoded,
                                                  struct sgp32_remote_result *result);

/* For a streamed answer (a GetBoundProfilePackageResponseEsipa carrying the BPP, fed from the HTTP
 * sink to the streaming TLV reader instead of being decoded whole): the checks of
 * sgp32_esipa_asn1_parse_response() that need no body. *has_message is 0 for 204, 1 for a 200 with
 * the right Content-Type; errors as parse_response. */
enum sgp32_status sgp32_esipa_asn1_check_answer(int http_status, const char *content_type, int *has_message,
                                                struct sgp32_remote_result *result);

/* ---- Server (eIM) ---- */

/* Parses a request: path /gsma/rsp2/asn1 (else SGP32_ERR_NOT_FOUND), X-Admin-Protocol, Content-Type
 * (SGP32_ERR_PROTOCOL), body decoded as EsipaMessageFromIpaToEim (*decoded may be NULL). */
enum sgp32_status sgp32_esipa_asn1_parse_request(const struct sgp32_remote_incoming *incoming,
                                                 enum sgp32_esipa_message *kind, void **decoded,
                                                 struct sgp32_remote_result *result);
/* Builds the answer: 200 with the message bytes (checked as EsipaMessageFromEimToIpa, borrowed), or
 * 204 when message is NULL. */
enum sgp32_status sgp32_esipa_asn1_build_response(const uint8_t *message, size_t len, enum sgp32_esipa_message *kind,
                                                  struct sgp32_remote_response *response);

#endif /* SGP32_REMOTE_ESIPA_ASN1_H */
