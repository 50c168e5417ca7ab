/* SPDX-License-Identifier: MIT */
/*
 * ES9+ JSON binding (SGP.22 v2.5 6.5): see es9plus_json.h. Member names and encodings follow the
 * SGP.22 6.5.2 function definitions (as also used by public LPAs and SM-DP+ test servers); the
 * expected tags come from asn1/RSPDefinitions.asn.
 */
#include <stddef.h>
#include <string.h>

#include "remote/es9plus_json.h"
#include "remote/remote_json.h"

#define TRANSACTION_ID_MAX 16u  /* TransactionId ::= OCTET STRING (SIZE(1..16)) */
#define EUICC_CHALLENGE_LEN 16u /* Octet16 */

#define FIELD(json, kind, mandatory, tag, alt, min, max, type, member)                                                 \
    {                                                                                                                  \
        json, kind, mandatory, tag, alt, min, max, offsetof(type, member)                                              \
    }
#define TLV(json, tag, alt, type, member) FIELD(json, SGP32_JSON_BASE64_TLV, 1u, tag, alt, 0, 0, type, member)
#define TRANSACTION_ID(type, member)                                                                                   \
    FIELD("transactionId", SGP32_JSON_HEX, 1u, 0, 0, 1u, TRANSACTION_ID_MAX, type, member)

/* 6.5.2.6 ES9+.InitiateAuthentication */
static const struct sgp32_json_field initiate_authentication_request[] = {
    FIELD("euiccChallenge", SGP32_JSON_BASE64_VALUE, 1u, 0, 0, EUICC_CHALLENGE_LEN, EUICC_CHALLENGE_LEN,
          struct sgp32_es9plus_initiate_authentication_request, euicc_challenge),
    TLV("euiccInfo1", 0xBF20u, 0, struct sgp32_es9plus_initiate_authentication_request, euicc_info1),
    FIELD("smdpAddress", SGP32_JSON_STRING, 1u, 0, 0, 1u, 0, struct sgp32_es9plus_initiate_authentication_request,
          smdp_address),
};
static const struct sgp32_json_field initiate_authentication_response[] = {
    TRANSACTION_ID(struct sgp32_es9plus_initiate_authentication_response, transaction_id),
    TLV("serverSigned1", 0x30u, 0, struct sgp32_es9plus_initiate_authentication_response, server_signed1),
    TLV("serverSignature1", 0x5F37u, 0, struct sgp32_es9plus_initiate_authentication_response, server_signature1),
    TLV("euiccCiPKIdToBeUsed", 0x04u, 0, struct sgp32_es9plus_initiate_authentication_response,
        euicc_ci_pkid_to_be_used),
    TLV("serverCertificate", 0x30u, 0, struct sgp32_es9plus_initiate_authentication_response, server_certificate),
};

/* 6.5.2.8 ES9+.AuthenticateClient */
static const struct sgp32_json_field authenticate_client_request[] = {
    TRANSACTION_ID(struct sgp32_es9plus_authenticate_client_request, transaction_id),
    TLV("authenticateServerResponse", 0xBF38u, 0, struct sgp32_es9plus_authenticate_client_request,
        authenticate_server_response),
};
static const struct sgp32_json_field authenticate_client_response[] = {
    TRANSACTION_ID(struct sgp32_es9plus_authenticate_client_response, transaction_id),
    /* Read as optional: the SGP.32 ESipa twin (AuthenticateClientOkDPEsipa) makes it OPTIONAL. */
    FIELD("profileMetadata", SGP32_JSON_BASE64_TLV, 0, 0xBF25u, 0, 0, 0,
          struct sgp32_es9plus_authenticate_client_response, profile_metadata),
    TLV("smdpSigned2", 0x30u, 0, struct sgp32_es9plus_authenticate_client_response, smdp_signed2),
    TLV("smdpSignature2", 0x5F37u, 0, struct sgp32_es9plus_authenticate_client_response, smdp_signature2),
    TLV("smdpCertificate", 0x30u, 0, struct sgp32_es9plus_authenticate_client_response, smdp_certificate),
};

/* 6.5.2.7 ES9+.GetBoundProfilePackage */
static const struct sgp32_json_field get_bound_profile_package_request[] = {
    TRANSACTION_ID(struct sgp32_es9plus_get_bound_profile_package_request, transaction_id),
    TLV("prepareDownloadResponse", 0xBF21u, 0, struct sgp32_es9plus_get_bound_profile_package_request,
        prepare_download_response),
};
static const struct sgp32_json_field get_bound_profile_package_response[] = {
    TRANSACTION_ID(struct sgp32_es9plus_get_bound_profile_package_response, transaction_id),
    TLV("boundProfilePackage", 0xBF36u, 0, struct sgp32_es9plus_get_bound_profile_package_response,
        bound_profile_package),
};

/* 6.5.2.9 ES9+.HandleNotification: PendingNotification is a ProfileInstallationResult (BF37) or an
 * OtherSignedNotification (30). */
static const struct sgp32_json_field handle_notification_request[] = {
    TLV("pendingNotification", 0xBF37u, 0x30u, struct sgp32_es9plus_handle_notification_request, pending_notification),
};

/* 6.5.2.10 ES9+.CancelSession */
static const struct sgp32_json_field cancel_session_request[] = {
    TRANSACTION_ID(struct sgp32_es9plus_cancel_session_request, transaction_id),
    TLV("cancelSessionResponse", 0xBF41u, 0, struct sgp32_es9plus_cancel_session_request, cancel_session_response),
};

#define SPEC(table)                                                                                                    \
    {                                                                                                                  \
        table, sizeof(table) / sizeof(table[0])                                                                        \
    }

static const struct sgp32_json_function es9plus_functions[] = {
    {SGP32_ES9PLUS_INITIATE_AUTHENTICATION, "initiateAuthentication", SPEC(initiate_authentication_request),
     SPEC(initiate_authentication_response)},
    {SGP32_ES9PLUS_AUTHENTICATE_CLIENT, "authenticateClient", SPEC(authenticate_client_request),
     SPEC(authenticate_client_response)},
    {SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, "getBoundProfilePackage", SPEC(get_bound_profile_package_request),
     SPEC(get_bound_profile_package_response)},
    {SGP32_ES9PLUS_HANDLE_NOTIFICATION, "handleNotification", SPEC(handle_notification_request), {NULL, 0}},
    {SGP32_ES9PLUS_CANCEL_SESSION, "cancelSession", SPEC(cancel_session_request), {NULL, 0}},
};

static const struct sgp32_json_interface es9plus = {SGP32_ES9PLUS_PATH_PREFIX, es9plus_functions,
                                                    sizeof(es9plus_functions) / sizeof(es9plus_functions[0])};

const char *sgp32_es9plus_function_name(enum sgp32_es9plus_function function)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es9plus, (int)function);
    return info != NULL ? info->name : NULL;
}

enum sgp32_status sgp32_es9plus_build_request(const struct sgp32_remote_endpoint *endpoint,
                                              enum sgp32_es9plus_function function,
                                              const union sgp32_es9plus_request *request,
                                              struct sgp32_remote_request *out)
{
    return sgp32_remote_json_build_request(&es9plus, endpoint, (int)function, request, out);
}

enum sgp32_status sgp32_es9plus_parse_response(enum sgp32_es9plus_function function,
                                               const struct sgp32_remote_answer *answer,
                                               union sgp32_es9plus_response *response, void **storage,
                                               struct sgp32_remote_result *result)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es9plus, (int)function);

    sgp32_remote_result_clear(result);
    if (info == NULL || answer == NULL || storage == NULL || (answer->body == NULL && answer->body_len != 0) ||
        (response == NULL && info->response.count != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *storage = NULL;
    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (result != NULL)
        result->http_status = answer->http_status;
    /* SGP.22 6.5.2.9: handleNotification is answered 204; some servers answer 200 without a body. */
    if (function == SGP32_ES9PLUS_HANDLE_NOTIFICATION &&
        (answer->http_status == 204 || (answer->http_status == 200 && answer->body_len == 0)))
        return SGP32_OK;
    return sgp32_remote_json_parse_answer(answer, &info->response, response, storage, result, NULL);
}

enum sgp32_status sgp32_es9plus_parse_request(const struct sgp32_remote_incoming *incoming,
                                              enum sgp32_es9plus_function *function,
                                              union sgp32_es9plus_request *request, void **storage,
                                              struct sgp32_remote_result *result)
{
    int found = 0;
    enum sgp32_status st =
        sgp32_remote_json_parse_incoming(&es9plus, incoming, function != NULL ? &found : NULL, request,
                                         request != NULL ? sizeof(*request) : 0, storage, result);
    if (found != 0)
        *function = (enum sgp32_es9plus_function)found;
    return st;
}

enum sgp32_status sgp32_es9plus_build_response(enum sgp32_es9plus_function function,
                                               const union sgp32_es9plus_response *response,
                                               const struct sgp32_remote_result *failure,
                                               struct sgp32_remote_response *out)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es9plus, (int)function);

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (info == NULL || out == NULL || (failure == NULL && response == NULL && info->response.count != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (function == SGP32_ES9PLUS_HANDLE_NOTIFICATION) {
        if (failure != NULL)
            return SGP32_ERR_INVALID_ARGUMENT; /* a notification has no answer but 204 */
        sgp32_remote_response_init(out, 204, NULL, SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS, NULL, 0, NULL, NULL);
        return SGP32_OK;
    }
    return sgp32_remote_json_build_answer(&info->response, response, failure, NULL, out);
}
