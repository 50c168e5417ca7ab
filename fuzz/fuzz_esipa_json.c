/* SPDX-License-Identifier: MIT */
/*
 * The ESipa HTTP JSON binding (lib/remote/esipa_json.c) on hostile input, on both sides. The first
 * byte picks the mode: bits 0-1 what the rest is, bits 2-4 the function (modulo 8).
 *   0  a JSON request body, parsed by the eIM side at the function's path;
 *   1  a JSON answer body, parsed by the IPA side as the answer to that function;
 *   2  an ASN.1 message from the IPA, sent as a JSON request;
 *   3  an ASN.1 message from the eIM, sent as a JSON answer to the function it belongs to.
 * Whatever is accepted is carried on: the ASN.1 message it gives (or the one the JSON stands for)
 * goes to JSON and back twice, and the two results must be the same bytes (abort() otherwise): the
 * conversion has a fixed point after one pass, whatever the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote/esipa_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An ASN.1 message of the direction, to JSON and back; NULL if the binding refuses it. */
static uint8_t *through_json(enum sgp32_esipa_direction direction, const uint8_t *message, size_t len, size_t *out_len)
{
    static const struct sgp32_remote_endpoint eim = {"eim.example.com", NULL, 1000};
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    uint8_t *out = NULL;
    void *decoded = NULL;
    *out_len = 0;
    if (direction == SGP32_ESIPA_IPA_TO_EIM) {
        struct sgp32_remote_request request;
        struct sgp32_remote_incoming incoming;
        memset(&request, 0, sizeof(request));
        if (sgp32_esipa_json_build_request(&eim, message, len, &kind, &request) != SGP32_OK) {
            sgp32_remote_request_release(&request);
            return NULL;
        }
        incoming.path = strstr(request.http.url, "/gsma/");
        incoming.content_type = "application/json";
        incoming.admin_protocol = "gsma/rsp/v2.1.0";
        incoming.body = request.http.body;
        incoming.body_len = request.http.body_len;
        if (sgp32_esipa_json_parse_request(&incoming, &kind, &out, out_len, &decoded, NULL) != SGP32_OK)
            abort(); /* what the IPA side writes, the eIM side must read */
        sgp32_remote_request_release(&request);
    } else {
        struct sgp32_remote_response response;
        struct sgp32_remote_answer answer;
        if (sgp32_esipa_message_of(direction, message, len, &kind) != SGP32_OK ||
            sgp32_esipa_json_build_response(kind, message, len, NULL, NULL, &response) != SGP32_OK)
            return NULL;
        answer.http_status = response.http_status;
        answer.content_type = "application/json";
        answer.body = response.body;
        answer.body_len = response.body_len;
        if (sgp32_esipa_json_parse_response(kind, &answer, &kind, &out, out_len, &decoded, NULL) != SGP32_OK)
            abort();
        sgp32_remote_response_release(&response);
    }
    sgp32_esipa_free(direction, decoded);
    return out;
}

/* Two passes through JSON must agree. */
static void check_fixed_point(enum sgp32_esipa_direction direction, const uint8_t *message, size_t len)
{
    size_t first_len = 0;
    size_t second_len = 0;
    uint8_t *first = through_json(direction, message, len, &first_len);
    uint8_t *second = first != NULL ? through_json(direction, first, first_len, &second_len) : NULL;
    if (first != NULL && (second == NULL || second_len != first_len || memcmp(first, second, first_len) != 0))
        abort();
    sgp32_esipa_json_message_free(first);
    sgp32_esipa_json_message_free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum sgp32_esipa_message function;
    uint8_t *message = NULL;
    size_t len = 0;
    char path[80];

    if (size < 1)
        return 0;
    function = (enum sgp32_esipa_message)(1 + ((data[0] >> 2) & 7u));
    switch (data[0] & 3u) {
    case 0: {
        struct sgp32_remote_incoming incoming = {path, "application/json", "gsma/rsp/v2.1.0", data + 1, size - 1};
        strcpy(path, SGP32_ESIPA_JSON_PATH_PREFIX);
        strcat(path, sgp32_esipa_message_name(function));
        if (sgp32_esipa_json_parse_request(&incoming, &function, &message, &len, NULL, NULL) == SGP32_OK)
            check_fixed_point(SGP32_ESIPA_IPA_TO_EIM, message, len);
        break;
    }
    case 1: {
        struct sgp32_remote_answer answer = {200, "application/json", data + 1, size - 1};
        enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
        if (sgp32_esipa_json_parse_response(function, &answer, &kind, &message, &len, NULL, NULL) == SGP32_OK &&
            message != NULL)
            check_fixed_point(SGP32_ESIPA_EIM_TO_IPA, message, len);
        break;
    }
    default:
        check_fixed_point((data[0] & 3u) == 2 ? SGP32_ESIPA_IPA_TO_EIM : SGP32_ESIPA_EIM_TO_IPA, data + 1, size - 1);
        break;
    }
    sgp32_esipa_json_message_free(message);
    return 0;
}
