/* SPDX-License-Identifier: MIT */
/* ESipa HTTP ASN.1 binding (SGP.32 v1.2 6.1): see esipa_asn1.h. */
#include <string.h>

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include "codec/codec_internal.h"
#include "remote/esipa_asn1.h"
#include "sgp32/tlv.h"

struct esipa_message_info {
    enum sgp32_esipa_message message;
    uint32_t tag;
    const char *name;
    unsigned directions; /* bit 1: IPA to eIM, bit 2: eIM to IPA (enum sgp32_esipa_direction) */
};

/* The alternatives of both CHOICEs, asn1/SGP32Definitions.asn (SGP.32 v1.2 6.3). */
static const struct esipa_message_info esipa_messages[] = {
    {SGP32_ESIPA_INITIATE_AUTHENTICATION, 0xBF39u, "initiateAuthentication", 3u},
    {SGP32_ESIPA_AUTHENTICATE_CLIENT, 0xBF3Bu, "authenticateClient", 3u},
    {SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE, 0xBF3Au, "getBoundProfilePackage", 3u},
    {SGP32_ESIPA_CANCEL_SESSION, 0xBF41u, "cancelSession", 3u},
    {SGP32_ESIPA_HANDLE_NOTIFICATION, 0xBF3Du, "handleNotification", 1u},
    {SGP32_ESIPA_TRANSFER_EIM_PACKAGE, 0xBF4Eu, "transferEimPackage", 3u},
    {SGP32_ESIPA_GET_EIM_PACKAGE, 0xBF4Fu, "getEimPackage", 3u},
    {SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT, 0xBF50u, "provideEimPackageResult", 3u},
};

#define ESIPA_MESSAGE_COUNT (sizeof(esipa_messages) / sizeof(esipa_messages[0]))

static const struct esipa_message_info *esipa_info(enum sgp32_esipa_message message)
{
    size_t i;
    for (i = 0; i < ESIPA_MESSAGE_COUNT; i++) {
        if (esipa_messages[i].message == message)
            return &esipa_messages[i];
    }
    return NULL;
}

const char *sgp32_esipa_message_name(enum sgp32_esipa_message message)
{
    const struct esipa_message_info *info = esipa_info(message);
    if (message == SGP32_ESIPA_NONE)
        return "none";
    return info != NULL ? info->name : "?";
}

uint32_t sgp32_esipa_message_tag(enum sgp32_esipa_message message)
{
    const struct esipa_message_info *info = esipa_info(message);
    return info != NULL ? info->tag : 0;
}

static const struct sgp32_codec_type *esipa_type(enum sgp32_esipa_direction direction)
{
    if (direction == SGP32_ESIPA_IPA_TO_EIM)
        return SGP32_TYPE(EsipaMessageFromIpaToEim);
    if (direction == SGP32_ESIPA_EIM_TO_IPA)
        return SGP32_TYPE(EsipaMessageFromEimToIpa);
    return NULL;
}

enum sgp32_status sgp32_esipa_message_of(enum sgp32_esipa_direction direction, const uint8_t *data, size_t len,
                                         enum sgp32_esipa_message *message)
{
    struct sgp32_tlv_header header;
    enum sgp32_status st;
    size_t i;

    if (message == NULL || esipa_type(direction) == NULL || (data == NULL && len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *message = SGP32_ESIPA_NONE;
    st = sgp32_tlv_parse_header(data, len, &header);
    if (st == SGP32_ERR_NEED_MORE)
        return SGP32_ERR_TRUNCATED;
    if (st != SGP32_OK)
        return st;
    for (i = 0; i < ESIPA_MESSAGE_COUNT; i++) {
        if (esipa_messages[i].tag == header.tag && (esipa_messages[i].directions & (unsigned)direction) != 0) {
            *message = esipa_messages[i].message;
            return SGP32_OK;
        }
    }
    return SGP32_ERR_PROTOCOL;
}

enum sgp32_status sgp32_esipa_decode(enum sgp32_esipa_direction direction, const uint8_t *data, size_t len,
                                     enum sgp32_esipa_message *message, void **decoded)
{
    struct sgp32_decode_options options;
    void *value = NULL;
    enum sgp32_status st;

    if (decoded != NULL)
        *decoded = NULL;
    st = sgp32_esipa_message_of(direction, data, len, message);
    if (st != SGP32_OK)
        return st;
    memset(&options, 0, sizeof(options));
    options.max_input = SGP32_ESIPA_MAX_MESSAGE;
    /* BER as the binding allows; signed parts are forwarded as received and checked by the eUICC. */
    st = sgp32_decode(esipa_type(direction), data, len, &options, &value, NULL);
    if (st != SGP32_OK) {
        *message = SGP32_ESIPA_NONE;
        return st;
    }
    if (decoded != NULL)
        *decoded = value;
    else
        sgp32_codec_free(esipa_type(direction), value);
    return SGP32_OK;
}

void sgp32_esipa_free(enum sgp32_esipa_direction direction, void *decoded)
{
    if (decoded != NULL && esipa_type(direction) != NULL)
        sgp32_codec_free(esipa_type(direction), decoded);
}

enum sgp32_status sgp32_esipa_asn1_build_request(const struct sgp32_remote_endpoint *endpoint, const uint8_t *message,
                                                 size_t len, enum sgp32_esipa_message *kind,
                                                 struct sgp32_remote_request *request)
{
    enum sgp32_esipa_message found = SGP32_ESIPA_NONE;
    enum sgp32_status st;

    if (request == NULL || message == NULL || len == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(request, 0, sizeof(*request));
    st = sgp32_esipa_decode(SGP32_ESIPA_IPA_TO_EIM, message, len, &found, NULL);
    if (st != SGP32_OK)
        return st;
    if (kind != NULL)
        *kind = found;
    return sgp32_remote_request_init(request, endpoint, SGP32_REMOTE_ASN1_PATH, SGP32_REMOTE_CONTENT_TYPE_ASN1,
                                     SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, message, len, NULL, NULL);
}

enum sgp32_status sgp32_esipa_asn1_check_answer(int http_status, const char *content_type, int *has_message,
                                                struct sgp32_remote_result *result)
{
    if (has_message == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *has_message = 0;
    if (result != NULL)
        result->http_status = http_status;
    if (http_status == 204)
        return SGP32_OK; /* the eIM has no message for this request */
    if (http_status != 200)
        return sgp32_remote_fail(result, SGP32_ERR_HTTP, "unexpected HTTP status from the eIM", NULL);
    if (!sgp32_remote_media_type_is(content_type, SGP32_REMOTE_CONTENT_TYPE_ASN1))
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "wrong Content-Type, expected",
                                 SGP32_REMOTE_CONTENT_TYPE_ASN1);
    *has_message = 1;
    return SGP32_OK;
}

enum sgp32_status sgp32_esipa_asn1_parse_response(const struct sgp32_remote_answer *answer,
                                                  enum sgp32_esipa_message *kind, void **decoded,
                                                  struct sgp32_remote_result *result)
{
    enum sgp32_status st;
    int has_message = 0;

    sgp32_remote_result_clear(result);
    if (decoded != NULL)
        *decoded = NULL;
    if (answer == NULL || kind == NULL || (answer->body == NULL && answer->body_len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    *kind = SGP32_ESIPA_NONE;
    st = sgp32_esipa_asn1_check_answer(answer->http_status, answer->content_type, &has_message, result);
    if (st != SGP32_OK || !has_message)
        return st;
    if (answer->body_len == 0)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "HTTP 200 without a message", NULL);
    st = sgp32_esipa_decode(SGP32_ESIPA_EIM_TO_IPA, answer->body, answer->body_len, kind, decoded);
    if (st != SGP32_OK)
        return sgp32_remote_fail(result, st, "the body is not an EsipaMessageFromEimToIpa:", sgp32_status_name(st));
    return SGP32_OK;
}

enum sgp32_status sgp32_esipa_asn1_parse_request(const struct sgp32_remote_incoming *incoming,
                                                 enum sgp32_esipa_message *kind, void **decoded,
                                                 struct sgp32_remote_result *result)
{
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (decoded != NULL)
        *decoded = NULL;
    if (incoming == NULL || kind == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *kind = SGP32_ESIPA_NONE;
    if (incoming->path == NULL || strcmp(incoming->path, SGP32_REMOTE_ASN1_PATH) != 0)
        return sgp32_remote_fail(result, SGP32_ERR_NOT_FOUND, "unknown path", incoming->path);
    st = sgp32_remote_check_incoming(incoming, SGP32_REMOTE_CONTENT_TYPE_ASN1, result);
    if (st != SGP32_OK)
        return st;
    if (incoming->body_len == 0)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "empty body", NULL);
    st = sgp32_esipa_decode(SGP32_ESIPA_IPA_TO_EIM, incoming->body, incoming->body_len, kind, decoded);
    if (st != SGP32_OK)
        return sgp32_remote_fail(result, st, "the body is not an EsipaMessageFromIpaToEim:", sgp32_status_name(st));
    return SGP32_OK;
}

enum sgp32_status sgp32_esipa_asn1_build_response(const uint8_t *message, size_t len, enum sgp32_esipa_message *kind,
                                                  struct sgp32_remote_response *response)
{
    enum sgp32_esipa_message found = SGP32_ESIPA_NONE;

    if (response == NULL || (message == NULL && len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (message == NULL) {
        sgp32_remote_response_init(response, 204, NULL, SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, NULL, 0, NULL, NULL);
    } else {
        enum sgp32_status st = sgp32_esipa_decode(SGP32_ESIPA_EIM_TO_IPA, message, len, &found, NULL);
        if (st != SGP32_OK)
            return st;
        sgp32_remote_response_init(response, 200, SGP32_REMOTE_CONTENT_TYPE_ASN1, SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   message, len, NULL, NULL);
    }
    if (kind != NULL)
        *kind = found;
    return SGP32_OK;
}
