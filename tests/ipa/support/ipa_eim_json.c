/* SPDX-License-Identifier: MIT */
/* The scripted eIM behind the ESipa JSON binding (SGP.32 v1.2 6.2, ipa_eim.h): each JSON request is
 * turned into its ASN.1 message (lib/remote/esipa_json.h, server side), handled exactly as on
 * /gsma/rsp2/asn1, and the ASN.1 answer turned back into JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa_eim.h"
#include "remote/esipa_json.h"

void ipa_eim_json_handler(void *eim, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_result result;
    struct sgp32_remote_response response;
    struct ipa_http_recorded inner;
    struct ipa_http_reply asn1;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE, answer_kind = SGP32_ESIPA_NONE;
    const char *user_agent = ipa_http_header(request, "User-Agent");
    const char *admin_protocol = ipa_http_header(request, "X-Admin-Protocol");
    uint8_t *message = NULL;
    size_t message_len = 0, i;
    enum sgp32_status status;
    ipa_http_incoming(request, &incoming);
    sgp32_remote_result_clear(&result);
    status = sgp32_esipa_json_parse_request(&incoming, &kind, &message, &message_len, NULL, &result);
    if (status != SGP32_OK) {
        fprintf(stderr, "ipa_eim: JSON request refused: %s (%s)\n", sgp32_strerror(status), result.detail);
        ipa_http_reply_set(reply, status == SGP32_ERR_NOT_FOUND ? 404 : 400, "text/plain",
                           (const uint8_t *)result.detail, strlen(result.detail));
        return;
    }
    /* the same request as the ASN.1 binding carries it */
    inner = *request;
    inner.path = (char *)(uintptr_t) "/gsma/rsp2/asn1";
    inner.header_count = 0;
    inner.headers[inner.header_count].name = "Content-Type";
    inner.headers[inner.header_count++].value = "application/x-gsma-rsp-asn1";
    if (admin_protocol != NULL) {
        inner.headers[inner.header_count].name = "X-Admin-Protocol";
        inner.headers[inner.header_count++].value = admin_protocol;
    }
    if (user_agent != NULL) {
        inner.headers[inner.header_count].name = "User-Agent";
        inner.headers[inner.header_count++].value = user_agent;
    }
    for (i = inner.header_count; i < IPA_HTTP_MAX_HEADERS; i++)
        inner.headers[i].name = inner.headers[i].value = NULL;
    inner.body = message;
    inner.body_len = message_len;
    memset(&asn1, 0, sizeof(asn1));
    ipa_eim_handler(eim, &inner, &asn1);
    sgp32_esipa_json_message_free(message);
    if (asn1.transport_status != SGP32_OK || (asn1.http_status != 200 && asn1.http_status != 204)) {
        /* failures of the eIM itself pass through as they are */
        if (asn1.transport_status != SGP32_OK)
            ipa_http_reply_fail(reply, asn1.transport_status, asn1.detail);
        else
            ipa_http_reply_set(reply, asn1.http_status, asn1.content_type, asn1.body, asn1.body_len);
        free(asn1.body);
        return;
    }
    status = sgp32_esipa_json_build_response(kind, asn1.http_status == 204 ? NULL : asn1.body, asn1.body_len, NULL,
                                             &answer_kind, &response);
    free(asn1.body);
    if (status != SGP32_OK) {
        fprintf(stderr, "ipa_eim: JSON answer: %s\n", sgp32_strerror(status));
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
        return;
    }
    {
        const char *content_type = NULL;
        for (i = 0; i < response.header_count; i++)
            if (strcmp(response.headers[i].name, "Content-Type") == 0)
                content_type = response.headers[i].value;
        ipa_http_reply_set(reply, response.http_status, content_type, response.body, response.body_len);
    }
    sgp32_remote_response_release(&response);
}
