/* SPDX-License-Identifier: MIT */
/*
 * Direct profile download (SGP.22 v2.5 3.1.3, SGP.32 v1.2 3.2.2): the steps of the download over ES9+
 * (JSON binding, lib/remote/es9plus_json.h) to the SM-DP+ of the activation code or the eUICC's
 * default. The getBoundProfilePackage answer is streamed: lib/remote/es9plus_stream.h decodes the
 * "boundProfilePackage" base64 from the HTTP sink and hands the bytes to the BPP loader; memory
 * stays one capture buffer and the loader's segment buffer whatever the profile's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa/ipa_download.h"
#include "remote/es9plus_json.h"
#include "remote/es9plus_stream.h"
#include "remote/remote_json.h"

struct es9_stream {
    struct sgp32_es9plus_bpp_stream stream;
    char capture[IPA_DL_CAPTURE];
};

static void release(struct ipa_download *dl)
{
    free(dl->transport_state);
    dl->transport_state = NULL;
}

void ipa_download_endpoint(struct sgp32_ipa *ipa, const char *address, struct sgp32_remote_endpoint *endpoint)
{
    ipa_exchange_end(ipa);
    memset(endpoint, 0, sizeof(*endpoint));
    endpoint->address = address;
    endpoint->user_agent = ipa->user_agent;
    endpoint->timeout_ms = ipa->config.http_timeout_ms;
}

enum sgp32_status ipa_download_send(struct sgp32_ipa *ipa, enum sgp32_status built, enum ipa_exchange_kind kind,
                                    int function, const char *name, sgp32_http_body_sink sink, void *sink_user)
{
    if (built != SGP32_OK) {
        sgp32_remote_request_release(&ipa->exchange.request);
        return ipa_fail(ipa, built, name, "request");
    }
    return ipa_exchange_start_request(ipa, kind, function, sink, sink_user);
}

static enum sgp32_status call(struct sgp32_ipa *ipa, const char *address, enum sgp32_es9plus_function function,
                              const union sgp32_es9plus_request *request, sgp32_http_body_sink sink, void *sink_user)
{
    struct sgp32_remote_endpoint endpoint;
    ipa_download_endpoint(ipa, address, &endpoint);
    return ipa_download_send(ipa, sgp32_es9plus_build_request(&endpoint, function, request, &ipa->exchange.request),
                             IPA_EXCHANGE_ES9PLUS, (int)function, sgp32_es9plus_function_name(function), sink,
                             sink_user);
}

enum sgp32_status ipa_download_server_failure(struct sgp32_ipa *ipa, const char *what,
                                              const struct sgp32_remote_result *result, enum sgp32_status st)
{
    char text[160];
    if (st == SGP32_ERR_SERVER_STATUS)
        snprintf(text, sizeof(text), "%.23s %.20s/%.20s %.80s", result->execution_status, result->subject_code,
                 result->reason_code, result->message);
    else
        snprintf(text, sizeof(text), "%.127s", result->detail);
    return ipa_fail(ipa, st, what, text);
}

static enum sgp32_status parse(struct sgp32_ipa *ipa, enum sgp32_es9plus_function function,
                               union sgp32_es9plus_response *response, void **storage)
{
    struct sgp32_remote_answer answer = ipa_exchange_answer(ipa);
    struct sgp32_remote_result result;
    enum sgp32_status st;
    *storage = NULL;
    if (ipa->exchange.result.status != SGP32_OK)
        return ipa->exchange.result.status;
    sgp32_remote_result_clear(&result);
    memset(response, 0, sizeof(*response));
    st = sgp32_es9plus_parse_response(function, &answer, response, storage, &result);
    if (st != SGP32_OK)
        return ipa_download_server_failure(ipa, sgp32_es9plus_function_name(function), &result, st);
    return SGP32_OK;
}

static enum sgp32_status copy(struct ipa_blob *blob, const struct sgp32_bytes *bytes)
{
    if (bytes->data == NULL)
        return SGP32_ERR_PROTOCOL;
    return ipa_blob_set(blob, bytes->data, bytes->len);
}

static int same_tid(const struct ipa_download *dl, const struct sgp32_bytes *tid)
{
    return tid->len == dl->transaction_id_len && tid->data != NULL &&
           memcmp(tid->data, dl->transaction_id, tid->len) == 0;
}

static enum sgp32_status initiate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_request request;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge.data = dl->challenge;
    request.initiate_authentication.euicc_challenge.len = sizeof(dl->challenge);
    request.initiate_authentication.euicc_info1.data = dl->info1.data;
    request.initiate_authentication.euicc_info1.len = dl->info1.len;
    request.initiate_authentication.smdp_address.data = (const uint8_t *)dl->smdp_address;
    request.initiate_authentication.smdp_address.len = strlen(dl->smdp_address);
    return call(ipa, dl->smdp_address, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, NULL, NULL);
}

enum sgp32_status ipa_download_take_initiate(struct ipa_download *dl,
                                             const struct sgp32_es9plus_initiate_authentication_response *r)
{
    enum sgp32_status st;
    if (r->transaction_id.len == 0 || r->transaction_id.len > sizeof(dl->transaction_id))
        return SGP32_ERR_PROTOCOL;
    memcpy(dl->transaction_id, r->transaction_id.data, r->transaction_id.len);
    dl->transaction_id_len = r->transaction_id.len;
    st = copy(&dl->server_signed1, &r->server_signed1);
    if (st == SGP32_OK)
        st = copy(&dl->server_signature1, &r->server_signature1);
    if (st == SGP32_OK)
        st = copy(&dl->ci_pkid, &r->euicc_ci_pkid_to_be_used);
    if (st == SGP32_OK)
        st = copy(&dl->server_certificate, &r->server_certificate);
    return st;
}

static enum sgp32_status initiate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_response response;
    void *storage = NULL;
    enum sgp32_status st = parse(ipa, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &response, &storage);
    if (st == SGP32_OK)
        st = ipa_download_take_initiate(dl, &response.initiate_authentication);
    sgp32_remote_storage_free(storage);
    if (st == SGP32_ERR_PROTOCOL)
        ipa_fail(ipa, st, "initiateAuthentication", "incomplete answer");
    return st;
}

static enum sgp32_status authenticate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_request request;
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id.data = dl->transaction_id;
    request.authenticate_client.transaction_id.len = dl->transaction_id_len;
    request.authenticate_client.authenticate_server_response.data = dl->authenticate_response.data;
    request.authenticate_client.authenticate_server_response.len = dl->authenticate_response.len;
    return call(ipa, dl->smdp_address, SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &request, NULL, NULL);
}

static enum sgp32_status authenticate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_response response;
    void *storage = NULL;
    enum sgp32_status st = parse(ipa, SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &response, &storage);
    if (st == SGP32_OK && !same_tid(dl, &response.authenticate_client.transaction_id))
        st = ipa_fail(ipa, SGP32_ERR_PROTOCOL, "authenticateClient", "another transactionId");
    if (st == SGP32_OK && response.authenticate_client.profile_metadata.data != NULL)
        st = copy(&dl->profile_metadata, &response.authenticate_client.profile_metadata);
    if (st == SGP32_OK)
        st = copy(&dl->smdp_signed2, &response.authenticate_client.smdp_signed2);
    if (st == SGP32_OK)
        st = copy(&dl->smdp_signature2, &response.authenticate_client.smdp_signature2);
    if (st == SGP32_OK)
        st = copy(&dl->smdp_certificate, &response.authenticate_client.smdp_certificate);
    sgp32_remote_storage_free(storage);
    return st;
}

static enum sgp32_status package_sink(void *user, const uint8_t *data, size_t len)
{
    return ipa_download_feed(user, data, len);
}

static enum sgp32_status load(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_request request;
    struct es9_stream *s;
    release(dl);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SGP32_ERR_NO_MEMORY;
    dl->transport_state = s;
    sgp32_es9plus_bpp_stream_init(&s->stream, s->capture, sizeof(s->capture), package_sink, dl);
    memset(&request, 0, sizeof(request));
    request.get_bound_profile_package.transaction_id.data = dl->transaction_id;
    request.get_bound_profile_package.transaction_id.len = dl->transaction_id_len;
    request.get_bound_profile_package.prepare_download_response.data = dl->prepare_response.data;
    request.get_bound_profile_package.prepare_download_response.len = dl->prepare_response.len;
    return call(ipa, dl->smdp_address, SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &request, sgp32_es9plus_bpp_stream_feed,
                &s->stream);
}

static enum sgp32_status load_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct es9_stream *s = dl->transport_state;
    struct sgp32_remote_answer answer = ipa_exchange_answer(ipa);
    struct sgp32_remote_result result;
    struct sgp32_bytes tid = {NULL, 0};
    enum sgp32_status st;
    if (s == NULL)
        return SGP32_ERR_STATE;
    if (s->stream.error != SGP32_OK && s->stream.error != SGP32_ERR_DECODE && s->stream.error != SGP32_ERR_TOO_LARGE)
        return s->stream.error; /* the eUICC side failed (the loader's error) */
    if (ipa->exchange.result.status != SGP32_OK)
        return ipa->exchange.result.status;
    sgp32_remote_result_clear(&result);
    answer.body = NULL;
    answer.body_len = 0;
    st = sgp32_es9plus_bpp_stream_finish(&s->stream, &answer, &tid, NULL, &result);
    if (st != SGP32_OK)
        return ipa_download_server_failure(ipa, "getBoundProfilePackage", &result, st);
    if (!same_tid(dl, &tid))
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "getBoundProfilePackage", "another transactionId");
    return SGP32_OK;
}

static enum sgp32_status notify(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_request request;
    const uint8_t *address = NULL;
    size_t address_len = 0;
    long seq;
    char receiver[IPA_DL_TEXT_MAX];
    /* To the notificationAddress of the result (SGP.22 v2.5 3.5), else the session's SM-DP+. */
    if (!ipa_notification_info(dl->result.data, dl->result.len, &seq, &address, &address_len) || address == NULL ||
        !ipa_download_text(address, address_len, receiver, sizeof(receiver)) || receiver[0] == '\0')
        memcpy(receiver, dl->smdp_address, sizeof(receiver));
    if (receiver[0] == '\0')
        return ipa_fail(ipa, SGP32_ERR_NOT_FOUND, "handleNotification", "no receiver address");
    memset(&request, 0, sizeof(request));
    request.handle_notification.pending_notification.data = dl->result.data;
    request.handle_notification.pending_notification.len = dl->result.len;
    return call(ipa, receiver, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, NULL, NULL);
}

static enum sgp32_status notify_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_response response;
    void *storage = NULL;
    enum sgp32_status st = parse(ipa, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &response, &storage);
    (void)dl;
    sgp32_remote_storage_free(storage);
    return st;
}

static enum sgp32_status cancel(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_request request;
    if (dl->smdp_address[0] == '\0')
        return SGP32_ERR_NOT_FOUND;
    memset(&request, 0, sizeof(request));
    request.cancel_session.transaction_id.data = dl->transaction_id;
    request.cancel_session.transaction_id.len = dl->transaction_id_len;
    request.cancel_session.cancel_session_response.data = dl->cancel_response.data;
    request.cancel_session.cancel_session_response.len = dl->cancel_response.len;
    return call(ipa, dl->smdp_address, SGP32_ES9PLUS_CANCEL_SESSION, &request, NULL, NULL);
}

static enum sgp32_status cancel_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es9plus_response response;
    void *storage = NULL;
    enum sgp32_status st = parse(ipa, SGP32_ES9PLUS_CANCEL_SESSION, &response, &storage);
    (void)dl;
    sgp32_remote_storage_free(storage);
    if (st == SGP32_OK)
        ipa_log(ipa, SGP32_LOG_INFO, "session cancelled at the SM-DP+", NULL);
    return st;
}

const struct ipa_download_transport ipa_download_es9plus = {
    "ES9+",      initiate, initiate_answer, authenticate, authenticate_answer, load,
    load_answer, notify,   notify_answer,   cancel,       cancel_answer,       release};
