/* SPDX-License-Identifier: MIT */
/*
 * ES11 JSON binding (SGP.22 v2.5 6.6): see es11_json.h. Scalar fields go through the table machinery
 * of remote_json.c; the eventEntries array is read and written here, each entry with a table too.
 */
#include <stddef.h>
#include <string.h>

#include "remote/es11_json.h"
#include "remote/remote_json.h"

#define FIELD(json, kind, mandatory, tag, alt, min, max, type, member)                                                 \
    {                                                                                                                  \
        json, kind, mandatory, tag, alt, min, max, offsetof(type, member)                                              \
    }

/* 6.6.2.1 ES11.InitiateAuthentication */
static const struct sgp32_json_field initiate_authentication_request[] = {
    FIELD("euiccChallenge", SGP32_JSON_BASE64_VALUE, 1u, 0, 0, 16u, 16u,
          struct sgp32_es11_initiate_authentication_request, euicc_challenge),
    FIELD("euiccInfo1", SGP32_JSON_BASE64_TLV, 1u, 0xBF20u, 0, 0, 0, struct sgp32_es11_initiate_authentication_request,
          euicc_info1),
    FIELD("smdsAddress", SGP32_JSON_STRING, 1u, 0, 0, 1u, 0, struct sgp32_es11_initiate_authentication_request,
          smds_address),
};
/* The answer is ES9+'s (transactionId, serverSigned1, serverSignature1, euiccCiPKIdToBeUsed,
 * serverCertificate). */
static const struct sgp32_json_field initiate_authentication_response[] = {
    FIELD("transactionId", SGP32_JSON_HEX, 1u, 0, 0, 1u, 16u, struct sgp32_es9plus_initiate_authentication_response,
          transaction_id),
    FIELD("serverSigned1", SGP32_JSON_BASE64_TLV, 1u, 0x30u, 0, 0, 0,
          struct sgp32_es9plus_initiate_authentication_response, server_signed1),
    FIELD("serverSignature1", SGP32_JSON_BASE64_TLV, 1u, 0x5F37u, 0, 0, 0,
          struct sgp32_es9plus_initiate_authentication_response, server_signature1),
    FIELD("euiccCiPKIdToBeUsed", SGP32_JSON_BASE64_TLV, 1u, 0x04u, 0, 0, 0,
          struct sgp32_es9plus_initiate_authentication_response, euicc_ci_pkid_to_be_used),
    FIELD("serverCertificate", SGP32_JSON_BASE64_TLV, 1u, 0x30u, 0, 0, 0,
          struct sgp32_es9plus_initiate_authentication_response, server_certificate),
};

/* 6.6.2.2 ES11.AuthenticateClient */
static const struct sgp32_json_field authenticate_client_request[] = {
    FIELD("transactionId", SGP32_JSON_HEX, 1u, 0, 0, 1u, 16u, struct sgp32_es11_authenticate_client_request,
          transaction_id),
    FIELD("authenticateServerResponse", SGP32_JSON_BASE64_TLV, 1u, 0xBF38u, 0, 0, 0,
          struct sgp32_es11_authenticate_client_request, authenticate_server_response),
};
static const struct sgp32_json_field authenticate_client_response[] = {
    FIELD("transactionId", SGP32_JSON_HEX, 1u, 0, 0, 1u, 16u, struct sgp32_es11_authenticate_client_response,
          transaction_id),
};
/* One element of eventEntries: EventEntries ::= SEQUENCE {eventId UTF8String, rspServerAddress
 * UTF8String} (asn1/RSPDefinitions.asn). */
static const struct sgp32_json_field event_entry_fields[] = {
    FIELD("eventId", SGP32_JSON_STRING, 1u, 0, 0, 1u, 0, struct sgp32_es11_event_entry, event_id),
    FIELD("rspServerAddress", SGP32_JSON_STRING, 1u, 0, 0, 1u, 0, struct sgp32_es11_event_entry, rsp_server_address),
};

#define SPEC(table)                                                                                                    \
    {                                                                                                                  \
        table, sizeof(table) / sizeof(table[0])                                                                        \
    }

static const struct sgp32_json_message_spec event_entry_spec = SPEC(event_entry_fields);

static const struct sgp32_json_function es11_functions[] = {
    {SGP32_ES11_INITIATE_AUTHENTICATION, "initiateAuthentication", SPEC(initiate_authentication_request),
     SPEC(initiate_authentication_response)},
    {SGP32_ES11_AUTHENTICATE_CLIENT, "authenticateClient", SPEC(authenticate_client_request),
     SPEC(authenticate_client_response)},
};

static const struct sgp32_json_interface es11 = {SGP32_ES11_PATH_PREFIX, es11_functions,
                                                 sizeof(es11_functions) / sizeof(es11_functions[0])};

const char *sgp32_es11_function_name(enum sgp32_es11_function function)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es11, (int)function);
    return info != NULL ? info->name : NULL;
}

enum sgp32_status sgp32_es11_build_request(const struct sgp32_remote_endpoint *endpoint,
                                           enum sgp32_es11_function function, const union sgp32_es11_request *request,
                                           struct sgp32_remote_request *out)
{
    return sgp32_remote_json_build_request(&es11, endpoint, (int)function, request, out);
}

static enum sgp32_status es11_read_events(const cJSON *root, struct sgp32_es11_authenticate_client_response *response,
                                          void **storage, struct sgp32_remote_result *result)
{
    const cJSON *array = NULL;
    const cJSON *child;
    const cJSON *entry;
    struct sgp32_es11_event_entry *entries;
    size_t count = 0;
    size_t i = 0;

    for (child = root->child; child != NULL; child = child->next) {
        if (child->string != NULL && strcmp(child->string, "eventEntries") == 0) {
            if (array != NULL)
                return sgp32_remote_fail(result, SGP32_ERR_DECODE, "duplicate member eventEntries", NULL);
            array = child;
        }
    }
    if (array == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing field eventEntries", NULL);
    if (!cJSON_IsArray(array))
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "eventEntries is not an array", NULL);
    for (entry = array->child; entry != NULL; entry = entry->next)
        count++;
    if (count > SGP32_ES11_MAX_EVENTS)
        return sgp32_remote_fail(result, SGP32_ERR_TOO_LARGE, "too many eventEntries", NULL);
    if (count == 0)
        return SGP32_OK;
    entries = sgp32_remote_storage_alloc(storage, count * sizeof(*entries));
    if (entries == NULL)
        return SGP32_ERR_NO_MEMORY;
    for (entry = array->child; entry != NULL; entry = entry->next, i++) {
        enum sgp32_status st;
        if (!cJSON_IsObject(entry))
            return sgp32_remote_fail(result, SGP32_ERR_DECODE, "an eventEntries element is not an object", NULL);
        st = sgp32_remote_json_read_fields(entry, &event_entry_spec, &entries[i], storage, result);
        if (st != SGP32_OK)
            return st;
    }
    response->event_entries = entries;
    response->event_entry_count = count;
    return SGP32_OK;
}

enum sgp32_status sgp32_es11_parse_response(enum sgp32_es11_function function, const struct sgp32_remote_answer *answer,
                                            union sgp32_es11_response *response, void **storage,
                                            struct sgp32_remote_result *result)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es11, (int)function);
    cJSON *root = NULL;
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (info == NULL || answer == NULL || response == NULL || storage == NULL ||
        (answer->body == NULL && answer->body_len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *storage = NULL;
    memset(response, 0, sizeof(*response));
    if (result != NULL)
        result->http_status = answer->http_status;
    st = sgp32_remote_json_parse_answer(answer, &info->response, response, storage, result, &root);
    if (st == SGP32_OK && function == SGP32_ES11_AUTHENTICATE_CLIENT)
        st = es11_read_events(root, &response->authenticate_client, storage, result);
    cJSON_Delete(root);
    return st;
}

enum sgp32_status sgp32_es11_parse_request(const struct sgp32_remote_incoming *incoming,
                                           enum sgp32_es11_function *function, union sgp32_es11_request *request,
                                           void **storage, struct sgp32_remote_result *result)
{
    int found = 0;
    enum sgp32_status st = sgp32_remote_json_parse_incoming(&es11, incoming, function != NULL ? &found : NULL, request,
                                                            request != NULL ? sizeof(*request) : 0, storage, result);
    if (found != 0)
        *function = (enum sgp32_es11_function)found;
    return st;
}

/* The eventEntries of an authenticateClient answer (the tables cannot describe an array). */
static enum sgp32_status es11_add_events(cJSON *root, const void *values)
{
    const struct sgp32_es11_authenticate_client_response *response =
        &((const union sgp32_es11_response *)values)->authenticate_client;
    cJSON *array;
    size_t i;

    if (response->event_entry_count > SGP32_ES11_MAX_EVENTS ||
        (response->event_entry_count != 0 && response->event_entries == NULL))
        return SGP32_ERR_INVALID_ARGUMENT;
    array = cJSON_AddArrayToObject(root, "eventEntries");
    if (array == NULL)
        return SGP32_ERR_NO_MEMORY;
    for (i = 0; i < response->event_entry_count; i++) {
        cJSON *entry = NULL;
        enum sgp32_status st = sgp32_remote_json_build(&event_entry_spec, &response->event_entries[i], NULL, &entry);
        if (st != SGP32_OK)
            return st;
        if (!cJSON_AddItemToArray(array, entry)) {
            cJSON_Delete(entry);
            return SGP32_ERR_NO_MEMORY;
        }
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_es11_build_response(enum sgp32_es11_function function,
                                            const union sgp32_es11_response *response,
                                            const struct sgp32_remote_result *failure,
                                            struct sgp32_remote_response *out)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(&es11, (int)function);

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (info == NULL || out == NULL || (failure == NULL && response == NULL))
        return SGP32_ERR_INVALID_ARGUMENT;
    return sgp32_remote_json_build_answer(&info->response, response, failure,
                                          function == SGP32_ES11_AUTHENTICATE_CLIENT ? es11_add_events : NULL, out);
}
