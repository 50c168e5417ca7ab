/* SPDX-License-Identifier: MIT */
/* The Failed ES9+ answers and the in-process SM-DS of test_ipa_download_smds.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "smds_server.h"
#include "test_ipa_download_smds.h"

enum sgp32_status ipa_es9_failed_answer(const char *function, const char *subject, const char *reason,
                                        struct ipa_http_reply *reply)
{
    struct sgp32_remote_result failure;
    struct sgp32_remote_response response;
    const char *content_type = NULL;
    int f;
    size_t i;
    enum sgp32_status st;
    for (f = SGP32_ES9PLUS_INITIATE_AUTHENTICATION; f <= SGP32_ES9PLUS_CANCEL_SESSION; f++)
        if (strcmp(sgp32_es9plus_function_name((enum sgp32_es9plus_function)f), function) == 0)
            break;
    if (f > SGP32_ES9PLUS_CANCEL_SESSION)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_remote_result_clear(&failure);
    snprintf(failure.execution_status, sizeof(failure.execution_status), "Failed");
    snprintf(failure.subject_code, sizeof(failure.subject_code), "%s", subject);
    snprintf(failure.reason_code, sizeof(failure.reason_code), "%s", reason);
    snprintf(failure.message, sizeof(failure.message), "scripted refusal");
    memset(&response, 0, sizeof(response));
    st = sgp32_es9plus_build_response((enum sgp32_es9plus_function)f, NULL, &failure, &response);
    if (st != SGP32_OK)
        return st;
    for (i = 0; i < response.header_count; i++)
        if (strcmp(response.headers[i].name, "Content-Type") == 0)
            content_type = response.headers[i].value;
    st = ipa_http_reply_set(reply, response.http_status, content_type, response.body, response.body_len);
    sgp32_remote_response_release(&response);
    return st;
}

/* ---- SM-DS ---- */

struct ipa_smds {
    struct smds_server server;
    char calls[64][32];
    size_t call_count;
};

static void smds_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_smds *smds = user;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response response;
    const char *content_type = NULL, *name = strrchr(request->path, '/');
    size_t i;
    if (smds->call_count < 64)
        snprintf(smds->calls[smds->call_count++], sizeof(smds->calls[0]), "%s", name != NULL ? name + 1 : "");
    memset(&incoming, 0, sizeof(incoming));
    incoming.path = request->path;
    incoming.content_type = ipa_http_header(request, "Content-Type");
    incoming.admin_protocol = ipa_http_header(request, "X-Admin-Protocol");
    incoming.body = request->body;
    incoming.body_len = request->body_len;
    memset(&response, 0, sizeof(response));
    smds_server_handle_es11(&smds->server, &incoming, &response);
    for (i = 0; i < response.header_count; i++)
        if (strcmp(response.headers[i].name, "Content-Type") == 0)
            content_type = response.headers[i].value;
    ipa_http_reply_set(reply, response.http_status, content_type, response.body, response.body_len);
    sgp32_remote_response_release(&response);
}

enum sgp32_status ipa_smds_new(struct ipa_fixture *f, const char *event_id, struct ipa_smds **out)
{
    struct ipa_smds *smds = calloc(1, sizeof(*smds));
    struct smds_event *event = calloc(1, sizeof(*event));
    char ci[600], cert[600], key[600];
    enum sgp32_status st;
    if (smds == NULL || event == NULL) {
        free(smds);
        free(event);
        return SGP32_ERR_NO_MEMORY;
    }
    ipa_fixture_pki_path(f, "ci/ci.cert.der", ci, sizeof(ci));
    /* signs with CERT.DPauth: the software eUICC's AuthenticateServer accepts no DSauth certificate yet
     * (as tests/smds/test_smds_server.c does) */
    ipa_fixture_pki_path(f, "smdp/auth.cert.der", cert, sizeof(cert));
    ipa_fixture_pki_path(f, "smdp/auth.key.pem", key, sizeof(key));
    snprintf(smds->server.address, sizeof(smds->server.address), "lpa.ds.gsma.com");
    smds->server.session_ttl_ms = 300000u;
    st = smds_server_init(&smds->server, ci, cert, key);
    memcpy(event->eid, f->eid, 16);
    snprintf(event->event_id, sizeof(event->event_id), "%s", event_id);
    snprintf(event->smdp_address, sizeof(event->smdp_address), "%s", f->smdp_address);
    smds->server.events = event;
    smds->server.event_count = 1;
    if (st == SGP32_OK)
        st = ipa_http_peer_route(f->http, "/gsma/rsp2/es11/", smds_handler, smds);
    if (st != SGP32_OK) {
        ipa_smds_free(smds);
        return st;
    }
    *out = smds;
    return SGP32_OK;
}

void ipa_smds_free(struct ipa_smds *smds)
{
    if (smds == NULL)
        return;
    smds_server_free(&smds->server); /* the events too */
    free(smds);
}

size_t ipa_smds_calls(const struct ipa_smds *smds, const char *function)
{
    size_t i, n = 0;
    for (i = 0; i < smds->call_count; i++)
        n += strcmp(smds->calls[i], function) == 0;
    return n;
}
