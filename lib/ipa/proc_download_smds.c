/* SPDX-License-Identifier: MIT */
/*
 * SM-DS event retrieval (SGP.22 v2.5 3.6.3, ES11 JSON binding 6.6): the same mutual authentication
 * as a download (GetEUICCChallenge, GetEUICCInfo1 -> initiateAuthentication -> AuthenticateServer
 * without a matchingId -> authenticateClient), whose answer lists the event records of the eUICC.
 * The first event naming an SM-DP+ is taken: its eventId becomes the matchingId and the download
 * goes on directly with that SM-DP+ (proc_download.c switches the mode). An SM-DS session has no
 * cancellation and nothing to notify.
 */
#include <string.h>

#include "ipa/ipa_download.h"
#include "remote/es11_json.h"
#include "remote/remote_json.h"

static enum sgp32_status call(struct sgp32_ipa *ipa, const char *address, enum sgp32_es11_function function,
                              const union sgp32_es11_request *request)
{
    struct sgp32_remote_endpoint endpoint;
    ipa_download_endpoint(ipa, address, &endpoint);
    return ipa_download_send(ipa, sgp32_es11_build_request(&endpoint, function, request, &ipa->exchange.request),
                             IPA_EXCHANGE_ES11, (int)function, sgp32_es11_function_name(function), NULL, NULL);
}

static enum sgp32_status parse(struct sgp32_ipa *ipa, enum sgp32_es11_function function,
                               union sgp32_es11_response *response, void **storage)
{
    struct sgp32_remote_answer answer = ipa_exchange_answer(ipa);
    struct sgp32_remote_result result;
    enum sgp32_status st;
    *storage = NULL;
    if (ipa->exchange.result.status != SGP32_OK)
        return ipa->exchange.result.status;
    sgp32_remote_result_clear(&result);
    memset(response, 0, sizeof(*response));
    st = sgp32_es11_parse_response(function, &answer, response, storage, &result);
    if (st != SGP32_OK)
        return ipa_download_server_failure(ipa, sgp32_es11_function_name(function), &result, st);
    return SGP32_OK;
}

static enum sgp32_status initiate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es11_request request;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge.data = dl->challenge;
    request.initiate_authentication.euicc_challenge.len = sizeof(dl->challenge);
    request.initiate_authentication.euicc_info1.data = dl->info1.data;
    request.initiate_authentication.euicc_info1.len = dl->info1.len;
    request.initiate_authentication.smds_address.data = (const uint8_t *)dl->smds_address;
    request.initiate_authentication.smds_address.len = strlen(dl->smds_address);
    /* Event retrieval: no matchingId in ctxParams1 (SGP.22 v2.5 5.7.13). */
    dl->has_matching_id = 0;
    return call(ipa, dl->smds_address, SGP32_ES11_INITIATE_AUTHENTICATION, &request);
}

static enum sgp32_status initiate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es11_response response;
    void *storage = NULL;
    enum sgp32_status st = parse(ipa, SGP32_ES11_INITIATE_AUTHENTICATION, &response, &storage);
    if (st == SGP32_OK)
        st = ipa_download_take_initiate(dl, &response.initiate_authentication);
    sgp32_remote_storage_free(storage);
    if (st == SGP32_ERR_PROTOCOL)
        ipa_fail(ipa, st, "ES11 initiateAuthentication", "incomplete answer");
    return st;
}

static enum sgp32_status authenticate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es11_request request;
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id.data = dl->transaction_id;
    request.authenticate_client.transaction_id.len = dl->transaction_id_len;
    request.authenticate_client.authenticate_server_response.data = dl->authenticate_response.data;
    request.authenticate_client.authenticate_server_response.len = dl->authenticate_response.len;
    return call(ipa, dl->smds_address, SGP32_ES11_AUTHENTICATE_CLIENT, &request);
}

static enum sgp32_status authenticate_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    union sgp32_es11_response response;
    void *storage = NULL;
    size_t i;
    enum sgp32_status st = parse(ipa, SGP32_ES11_AUTHENTICATE_CLIENT, &response, &storage);
    if (st == SGP32_OK) {
        st = SGP32_ERR_NOT_FOUND;
        for (i = 0; i < response.authenticate_client.event_entry_count && st != SGP32_OK; i++) {
            const struct sgp32_es11_event_entry *e = &response.authenticate_client.event_entries[i];
            if (e->event_id.data == NULL || e->rsp_server_address.data == NULL || e->rsp_server_address.len == 0 ||
                !ipa_download_text(e->event_id.data, e->event_id.len, dl->matching_id, sizeof(dl->matching_id)) ||
                !ipa_download_text(e->rsp_server_address.data, e->rsp_server_address.len, dl->smdp_address,
                                   sizeof(dl->smdp_address)))
                continue;
            dl->has_matching_id = 1;
            st = SGP32_OK;
        }
        if (st != SGP32_OK)
            ipa_fail(ipa, st, "SM-DS", "no event record for this eUICC");
    }
    sgp32_remote_storage_free(storage);
    return st;
}

const struct ipa_download_transport ipa_download_es11 = {
    "ES11", initiate, initiate_answer, authenticate, authenticate_answer, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
