/* SPDX-License-Identifier: MIT */
/*
 * The ESipa HTTP JSON binding of sgp32-eim (SGP.32 v1.2 6.2, 6.4.1): POST /gsma/rsp2/esipa/<function>.
 * lib/remote's server functions (esipa_json.h) turn the JSON body into the EsipaMessageFromIpaToEim
 * bytes the ASN.1 binding carries; eim_esipa_dispatch() handles them exactly as it does for
 * /gsma/rsp2/asn1, and its ASN.1 answer goes back as JSON (200 with header.functionExecutionStatus
 * Executed-Success and the members of the alternative chosen, or 204). Signed objects cross as their
 * bytes, base64 in the JSON: nothing is decoded and re-encoded on the way.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim_server.h"
#include "remote/esipa_json.h"

static void plain(struct sgp32_remote_response *response, int status, const char *text)
{
    char *copy = strdup(text);
    sgp32_remote_response_init(response, status, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, (const uint8_t *)copy,
                               copy != NULL ? strlen(copy) : 0, copy, free);
}

void eim_esipa_json_handle(struct eim_server *server, const struct sgp32_remote_incoming *incoming,
                           struct sgp32_remote_response *response)
{
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE, answered = SGP32_ESIPA_NONE;
    struct sgp32_remote_result result;
    struct sgp32_remote_response asn1;
    uint8_t *message = NULL;
    size_t len = 0;
    enum sgp32_status status;
    char text[200];
    sgp32_remote_result_clear(&result);
    /* As on the ASN.1 binding: an unknown function 404, anything that is not its message 400 */
    status = sgp32_esipa_json_parse_request(incoming, &kind, &message, &len, NULL, &result);
    if (status != SGP32_OK) {
        snprintf(text, sizeof(text), "not an ESipa JSON request: %s (%s)", sgp32_strerror(status), result.detail);
        plain(response, status == SGP32_ERR_NOT_FOUND ? 404 : 400, text);
        return;
    }
    memset(&asn1, 0, sizeof(asn1));
    eim_esipa_dispatch(server, kind, message, len, &asn1);
    sgp32_esipa_json_message_free(message);
    if (asn1.http_status != 200 && asn1.http_status != 204) {
        *response = asn1; /* a plain-text error: the same on both bindings */
        return;
    }
    /* The answer belongs to the request's function (a BF4F to getEimPackage ...); 204: no body */
    status = sgp32_esipa_json_build_response(kind, asn1.http_status == 200 ? asn1.body : NULL,
                                             asn1.http_status == 200 ? asn1.body_len : 0, NULL, &answered, response);
    sgp32_remote_response_release(&asn1);
    if (status != SGP32_OK) {
        snprintf(text, sizeof(text), "cannot answer %s in JSON: %s", sgp32_esipa_message_name(kind),
                 sgp32_strerror(status));
        fprintf(stderr, "sgp32-eim: %s\n", text);
        plain(response, 500, text);
    }
}
