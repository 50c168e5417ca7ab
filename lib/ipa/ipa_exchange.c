/* SPDX-License-Identifier: MIT */
/*
 * One HTTP exchange at a time over the host's non-blocking client: a state starts it, the poll loop
 * drives it with poll(max_wait 0) and hands the completed answer to the state's `answer` step.
 * ESipa messages go out in the configured binding; ES9+ / ES11 requests come built by lib/remote.
 */
#include <string.h>

#include "ipa/ipa_internal.h"
#include "remote/esipa_asn1.h"
#ifdef SGP32_HAVE_JSON
#include "remote/esipa_json.h"
#endif

void ipa_eim_endpoint(const struct sgp32_ipa *ipa, struct sgp32_remote_endpoint *endpoint)
{
    memset(endpoint, 0, sizeof(*endpoint));
    endpoint->address = ipa->config.eim_address != NULL ? ipa->config.eim_address : ipa->eim_fqdn;
    endpoint->user_agent = ipa->user_agent;
    endpoint->timeout_ms = ipa->config.http_timeout_ms;
}

static enum sgp32_status start(struct sgp32_ipa *ipa)
{
    struct ipa_exchange *ex = &ipa->exchange;
    const struct sgp32_http_ops *ops = ipa->platform.http.ops;
    enum sgp32_status st;
    size_t max = IPA_BODY_MAX;
#ifdef SGP32_HAVE_JSON
    /* The JSON binding cannot stream a Bound Profile Package (it is one base64 string inside the JSON
     * answer): that one answer may be as large as the binding accepts. The ASN.1 binding streams. */
    if (ex->kind == IPA_EXCHANGE_ESIPA && ipa->config.binding == SGP32_IPA_BINDING_JSON &&
        ex->function == (int)SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE)
        max = SGP32_ESIPA_JSON_MAX_BODY;
#endif
    memset(&ex->result, 0, sizeof(ex->result));
    sgp32_remote_body_init(&ex->body, max);
    ex->request.http.timeout_ms = ipa->config.http_timeout_ms;
    st = ops->start(ipa->platform.http.user, &ex->request.http, ex->sink != NULL ? ex->sink : sgp32_remote_body_sink,
                    ex->sink != NULL ? ex->sink_user : (void *)&ex->body, &ex->request_id);
    if (st != SGP32_OK) {
        sgp32_remote_request_release(&ex->request);
        return ipa_fail(ipa, st, "HTTP request not started", ex->request.url);
    }
    ex->active = 1;
    ex->done = 0;
    ipa_log(ipa, SGP32_LOG_DEBUG, "POST", ex->request.url);
    return SGP32_OK;
}

enum sgp32_status ipa_exchange_start_esipa(struct sgp32_ipa *ipa, const uint8_t *message, size_t len)
{
    struct sgp32_remote_endpoint endpoint;
    enum sgp32_esipa_message kind;
    enum sgp32_status st;
    ipa_exchange_end(ipa);
    ipa_eim_endpoint(ipa, &endpoint);
    if (endpoint.address == NULL || endpoint.address[0] == '\0')
        return ipa_fail(ipa, SGP32_ERR_STATE, "no eIM address", "configure eimFqdn or config.eim_address");
    if (ipa->config.binding == SGP32_IPA_BINDING_JSON) {
#ifdef SGP32_HAVE_JSON
        st = sgp32_esipa_json_build_request(&endpoint, message, len, &kind, &ipa->exchange.request);
#else
        return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "ESipa JSON binding", "not in this build");
#endif
    } else {
        st = sgp32_esipa_asn1_build_request(&endpoint, message, len, &kind, &ipa->exchange.request);
    }
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "ESipa request", NULL);
    ipa->exchange.kind = IPA_EXCHANGE_ESIPA;
    ipa->exchange.function = (int)kind;
    ipa->exchange.sink = NULL;
    return start(ipa);
}

enum sgp32_status ipa_exchange_start_request(struct sgp32_ipa *ipa, enum ipa_exchange_kind kind, int function,
                                             sgp32_http_body_sink sink, void *sink_user)
{
    /* The caller built ipa->exchange.request with lib/remote; nothing may be in flight. */
    if (ipa->exchange.active)
        return SGP32_ERR_STATE;
    ipa->exchange.kind = kind;
    ipa->exchange.function = function;
    ipa->exchange.sink = sink;
    ipa->exchange.sink_user = sink_user;
    return start(ipa);
}

enum sgp32_status ipa_exchange_poll(struct sgp32_ipa *ipa, int *done)
{
    struct ipa_exchange *ex = &ipa->exchange;
    enum sgp32_status st;
    *done = 0;
    if (!ex->active)
        return SGP32_ERR_STATE;
    st = ipa->platform.http.ops->poll(ipa->platform.http.user, ex->request_id, 0, done, &ex->result);
    if (st != SGP32_OK) {
        /* The client lost the request: complete it as a transport failure. */
        memset(&ex->result, 0, sizeof(ex->result));
        ex->result.status = st;
        *done = 1;
    }
    if (*done) {
        ex->active = 0;
        ex->done = 1;
        if (ex->result.status != SGP32_OK)
            ipa_fail(ipa, ex->result.status, "HTTP", ex->result.detail[0] ? ex->result.detail : ex->request.url);
    }
    return SGP32_OK;
}

struct sgp32_remote_answer ipa_exchange_answer(const struct sgp32_ipa *ipa)
{
    return sgp32_remote_answer_of(&ipa->exchange.result, &ipa->exchange.body);
}

enum sgp32_status ipa_exchange_esipa_message(struct sgp32_ipa *ipa, enum sgp32_esipa_message *kind,
                                             const uint8_t **message, size_t *len, struct sgp32_remote_result *result)
{
    struct sgp32_remote_answer answer = ipa_exchange_answer(ipa);
    enum sgp32_status st;
    *kind = SGP32_ESIPA_NONE;
    *message = NULL;
    *len = 0;
    sgp32_remote_result_clear(result);
    if (ipa->config.binding == SGP32_IPA_BINDING_JSON) {
#ifdef SGP32_HAVE_JSON
        sgp32_esipa_json_message_free(ipa->exchange.message);
        ipa->exchange.message = NULL;
        st = sgp32_esipa_json_parse_response((enum sgp32_esipa_message)ipa->exchange.function, &answer, kind,
                                             &ipa->exchange.message, len, NULL, result);
        *message = ipa->exchange.message;
        return st;
#else
        return SGP32_ERR_NOT_SUPPORTED;
#endif
    }
    st = sgp32_esipa_asn1_parse_response(&answer, kind, NULL, result);
    if (st == SGP32_OK && *kind != SGP32_ESIPA_NONE) {
        *message = answer.body;
        *len = answer.body_len;
    }
    return st;
}

void ipa_exchange_end(struct sgp32_ipa *ipa)
{
    struct ipa_exchange *ex = &ipa->exchange;
#ifdef SGP32_HAVE_JSON
    sgp32_esipa_json_message_free(ex->message);
#endif
    if (ex->active)
        ipa->platform.http.ops->cancel(ipa->platform.http.user, ex->request_id);
    if (ex->active || ex->done) {
        sgp32_remote_request_release(&ex->request);
        sgp32_remote_body_release(&ex->body);
    }
    memset(ex, 0, sizeof(*ex));
}
