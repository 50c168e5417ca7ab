/* SPDX-License-Identifier: MIT */
/* The relay, Failed answers and in-process SM-DS of test_ipa_download_relay.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "smds_server.h"
#include "test_ipa_download_relay.h"

struct ipa_relay {
    struct ipa_fixture *f;
};

/* One ES9+ call to the in-process SM-DP+ as the eIM would make it. */
static enum sgp32_status es9(struct ipa_relay *relay, enum sgp32_es9plus_function function,
                             const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                             void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint = {IPA_FIXTURE_SMDP_ADDRESS, "test-eim", 10000};
    struct sgp32_remote_request built;
    struct ipa_http_recorded incoming;
    struct ipa_http_reply reply;
    struct sgp32_remote_answer answer;
    char path[96];
    size_t i;
    enum sgp32_status st = sgp32_es9plus_build_request(&endpoint, function, request, &built);
    *storage = NULL;
    if (st != SGP32_OK)
        return st;
    memset(&incoming, 0, sizeof(incoming));
    memset(&reply, 0, sizeof(reply));
    snprintf(path, sizeof(path), "%s%s", SGP32_ES9PLUS_PATH_PREFIX, sgp32_es9plus_function_name(function));
    incoming.path = path;
    incoming.method = (char *)"POST";
    for (i = 0; i < built.http.header_count && i < IPA_HTTP_MAX_HEADERS; i++)
        incoming.headers[i] = built.http.headers[i];
    incoming.header_count = i;
    incoming.body = (uint8_t *)built.http.body;
    incoming.body_len = built.http.body_len;
    ipa_smdp_handler(relay->f->smdp, &incoming, &reply);
    sgp32_remote_request_release(&built);
    answer.http_status = reply.http_status;
    answer.content_type = reply.content_type;
    answer.body = reply.body;
    answer.body_len = reply.body_len;
    sgp32_remote_result_clear(result);
    st = sgp32_es9plus_parse_response(function, &answer, response, storage, result);
    free(reply.body);
    return st;
}

static void answer(struct ipa_http_reply *reply, struct sgp32_der_writer *w)
{
    if (w->error)
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
    else
        ipa_http_reply_set(reply, 200, SGP32_REMOTE_CONTENT_TYPE_ASN1, w->buf, w->len);
    sgp32_der_writer_release(w);
}

static void answer_code(struct ipa_http_reply *reply, uint32_t tag, long code)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, 64);
    sgp32_der_writer_begin(&w, tag);
    sgp32_der_writer_integer(&w, 0x02, code);
    sgp32_der_writer_end(&w);
    answer(reply, &w);
}

static struct sgp32_bytes child(const uint8_t *message, size_t len, uint32_t tag, int whole)
{
    struct sgp32_bytes bytes = {NULL, 0};
    if (whole)
        sgp32_der_find_element(message, len, tag, &bytes.data, &bytes.len);
    else
        sgp32_der_find_child(message, len, tag, &bytes.data, &bytes.len, NULL);
    return bytes;
}

static void raw(struct sgp32_der_writer *w, const struct sgp32_bytes *bytes)
{
    if (bytes->data != NULL)
        sgp32_der_writer_raw(w, bytes->data, bytes->len);
}

static void relay_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_relay *relay = user;
    const uint8_t *m = request->body;
    size_t len = request->body_len;
    uint32_t tag = len >= 2 ? (uint32_t)(m[0] << 8 | m[1]) : 0;
    union sgp32_es9plus_request rq;
    union sgp32_es9plus_response rs;
    struct sgp32_remote_result result;
    struct sgp32_der_writer w;
    struct sgp32_bytes tid = child(m, len, 0x80, 0);
    uint8_t *rewrapped = NULL;
    void *storage = NULL;
    enum sgp32_status st;
    memset(&rq, 0, sizeof(rq));
    memset(&rs, 0, sizeof(rs));
    sgp32_der_writer_init_dynamic(&w, 4u * 1024u * 1024u);
    if (tag == 0xBF39) {
        struct sgp32_bytes address = child(m, len, 0x83, 0);
        rq.initiate_authentication.euicc_challenge = child(m, len, 0x81, 0);
        rq.initiate_authentication.euicc_info1 = child(m, len, 0xBF20, 1);
        rq.initiate_authentication.smdp_address = address;
        st = es9(relay, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &rq, &rs, &storage, &result);
        if (st == SGP32_OK) {
            sgp32_der_writer_begin(&w, 0xBF39);
            sgp32_der_writer_begin(&w, 0x30);
            sgp32_der_writer_bytes(&w, 0x80, rs.initiate_authentication.transaction_id.data,
                                   rs.initiate_authentication.transaction_id.len);
            raw(&w, &rs.initiate_authentication.server_signed1);
            raw(&w, &rs.initiate_authentication.server_signature1);
            raw(&w, &rs.initiate_authentication.euicc_ci_pkid_to_be_used);
            raw(&w, &rs.initiate_authentication.server_certificate);
        }
    } else if (tag == 0xBF3B) {
        rq.authenticate_client.transaction_id = tid;
        rq.authenticate_client.authenticate_server_response = child(m, len, 0xBF38, 1);
        st = es9(relay, SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &rq, &rs, &storage, &result);
        if (st == SGP32_OK) {
            sgp32_der_writer_begin(&w, 0xBF3B);
            sgp32_der_writer_begin(&w, 0x30);
            sgp32_der_writer_bytes(&w, 0x80, rs.authenticate_client.transaction_id.data,
                                   rs.authenticate_client.transaction_id.len);
            raw(&w, &rs.authenticate_client.profile_metadata);
            raw(&w, &rs.authenticate_client.smdp_signed2);
            raw(&w, &rs.authenticate_client.smdp_signature2);
            raw(&w, &rs.authenticate_client.smdp_certificate);
        }
    } else if (tag == 0xBF3A) {
        rq.get_bound_profile_package.transaction_id = tid;
        rq.get_bound_profile_package.prepare_download_response = child(m, len, 0xBF21, 1);
        st = es9(relay, SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &rq, &rs, &storage, &result);
        if (st == SGP32_OK) {
            sgp32_der_writer_begin(&w, 0xBF3A);
            sgp32_der_writer_begin(&w, 0x30);
            sgp32_der_writer_bytes(&w, 0x80, rs.get_bound_profile_package.transaction_id.data,
                                   rs.get_bound_profile_package.transaction_id.len);
            raw(&w, &rs.get_bound_profile_package.bound_profile_package);
        }
    } else if (tag == 0xBF41) {
        /* cancelSessionResponse [1] replaces the BF41 of ES10b: put it back */
        struct sgp32_bytes inner = child(m, len, 0xA1, 0);
        struct sgp32_der_writer back;
        sgp32_der_writer_init_dynamic(&back, 4096);
        sgp32_der_writer_begin(&back, 0xBF41);
        raw(&back, &inner);
        sgp32_der_writer_end(&back);
        rewrapped = sgp32_der_writer_take(&back, &rq.cancel_session.cancel_session_response.len);
        rq.cancel_session.cancel_session_response.data = rewrapped;
        rq.cancel_session.transaction_id = tid;
        st = es9(relay, SGP32_ES9PLUS_CANCEL_SESSION, &rq, &rs, &storage, &result);
        if (st == SGP32_OK) {
            sgp32_der_writer_begin(&w, 0xBF41);
            sgp32_der_writer_begin(&w, 0x30);
        }
    } else {
        sgp32_der_writer_release(&w);
        ipa_http_reply_set(reply, 400, "text/plain", NULL, 0);
        return;
    }
    free(rewrapped);
    sgp32_remote_storage_free(storage);
    if (st != SGP32_OK) {
        /* the closest ESipa code (eim_relay.c's mapping, the cases the tests meet) */
        long code = 127;
        if (tag == 0xBF3B && strcmp(result.subject_code, "8.2.6") == 0)
            code = 6; /* matchingIdRefused */
        else if (tag == 0xBF3A && strcmp(result.subject_code, "8.2.7") == 0)
            code = strcmp(result.reason_code, "2.2") == 0 ? 2 : 3;
        sgp32_der_writer_release(&w);
        answer_code(reply, tag, code);
        return;
    }
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    answer(reply, &w);
}

enum sgp32_status ipa_relay_new(struct ipa_fixture *f, struct ipa_relay **out)
{
    struct ipa_relay *relay = calloc(1, sizeof(*relay));
    if (relay == NULL)
        return SGP32_ERR_NO_MEMORY;
    relay->f = f;
    ipa_eim_set_other_handler(f->eim, relay_handler, relay);
    *out = relay;
    return SGP32_OK;
}

void ipa_relay_free(struct ipa_relay *relay)
{
    free(relay);
}

size_t ipa_relay_trigger_results(const struct ipa_fixture *f)
{
    size_t i, n = 0;
    for (i = 0; i < ipa_eim_received_count(f->eim); i++) {
        const struct ipa_eim_received *r = ipa_eim_received_at(f->eim, i);
        n += r->message == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT && r->result_kind == IPA_EIM_DOWNLOAD_TRIGGER_RESULT;
    }
    return n;
}

enum sgp32_status ipa_relay_failed_answer(const char *function, const char *subject, const char *reason,
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
