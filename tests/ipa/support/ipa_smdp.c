/* SPDX-License-Identifier: MIT */
/* The in-process SM-DP+ of ipa_smdp.h: smdp_server_handle() fed from the scripted HTTP peer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa_smdp.h"
#include "ipa_smdp_internal.h"
#include "remote/remote_json.h"
#include "smdp_server.h"

#define MAX_CALLS 256u

struct ipa_smdp {
    struct smdp_server server;
    char *profiles_dir;
    char *confirmation_code;
    char *calls[MAX_CALLS];
    size_t call_count;
    int last_http_status;
    size_t relayed;
};

enum sgp32_status ipa_smdp_new(const struct ipa_smdp_options *options, struct ipa_smdp **out)
{
    struct ipa_smdp *smdp;
    char profiles[1024];
    enum sgp32_status status;
    *out = NULL;
    if (options == NULL || options->pki_dir == NULL || options->address == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    smdp = calloc(1, sizeof(*smdp));
    if (smdp == NULL)
        return SGP32_ERR_NO_MEMORY;
    snprintf(profiles, sizeof(profiles), "%s", options->profiles_dir != NULL ? options->profiles_dir : "");
    if (options->profiles_dir == NULL)
        snprintf(profiles, sizeof(profiles), "%s/profiles", SGP32_SHARED_DIR);
    smdp->profiles_dir = ipa_copy_string(profiles);
    if (options->confirmation_code != NULL)
        smdp->confirmation_code = ipa_copy_string(options->confirmation_code);
    if (smdp->profiles_dir == NULL || (options->confirmation_code != NULL && smdp->confirmation_code == NULL)) {
        ipa_smdp_free(smdp);
        return SGP32_ERR_NO_MEMORY;
    }
    snprintf(smdp->server.address, sizeof(smdp->server.address), "%s", options->address);
    smdp->server.profiles_dir = smdp->profiles_dir;
    smdp->server.confirmation_code = smdp->confirmation_code;
    smdp->server.session_ttl_ms = 300000u; /* real time: smdp_server_es9.c reads CLOCK_MONOTONIC */
    smdp->server.verbose = getenv("IPA_TEST_VERBOSE") != NULL;
    status = smdp_core_load_pki(options->pki_dir, smdp->server.address, &smdp->server.core, NULL, 0);
    if (status != SGP32_OK) {
        fprintf(stderr, "ipa_smdp: SM-DP+ credentials from %s: %s\n", options->pki_dir, sgp32_strerror(status));
        ipa_smdp_free(smdp);
        return status;
    }
    *out = smdp;
    return SGP32_OK;
}

void ipa_smdp_free(struct ipa_smdp *smdp)
{
    size_t i;
    if (smdp == NULL)
        return;
    smdp_server_sessions_free(&smdp->server);
    smdp_core_free(smdp->server.core);
    for (i = 0; i < smdp->call_count; i++)
        free(smdp->calls[i]);
    free(smdp->profiles_dir);
    free(smdp->confirmation_code);
    free(smdp);
}

/* One request through the test server's ES9+ code; the caller releases *response. */
static void handle(struct ipa_smdp *smdp, const struct sgp32_remote_incoming *incoming,
                   struct sgp32_remote_response *response)
{
    const char *function = strrchr(incoming->path, '/');
    if (smdp->call_count < MAX_CALLS)
        smdp->calls[smdp->call_count++] = ipa_copy_string(function != NULL ? function + 1 : incoming->path);
    memset(response, 0, sizeof(*response));
    smdp_server_handle(&smdp->server, incoming, response);
    smdp->last_http_status = response->http_status;
}

static const char *header_value(const struct sgp32_http_header *headers, size_t count, const char *name)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (strcmp(headers[i].name, name) == 0)
            return headers[i].value;
    return NULL;
}

enum sgp32_status ipa_smdp_call(struct ipa_smdp *smdp, enum sgp32_es9plus_function function,
                                const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                                void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint;
    struct sgp32_remote_request built;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response answered;
    struct sgp32_remote_answer answer;
    const char *path;
    enum sgp32_status status;
    *storage = NULL;
    sgp32_remote_result_clear(result);
    memset(&endpoint, 0, sizeof(endpoint));
    endpoint.address = smdp->server.address;
    endpoint.user_agent = "ipa-test-eim";
    endpoint.timeout_ms = 10000;
    status = sgp32_es9plus_build_request(&endpoint, function, request, &built);
    if (status != SGP32_OK)
        return status;
    path = strstr(built.url, "://");
    path = strchr(path != NULL ? path + 3 : built.url, '/');
    memset(&incoming, 0, sizeof(incoming));
    incoming.path = path != NULL ? path : "/";
    incoming.content_type = header_value(built.headers, built.http.header_count, "Content-Type");
    incoming.admin_protocol = header_value(built.headers, built.http.header_count, "X-Admin-Protocol");
    incoming.body = built.http.body;
    incoming.body_len = built.http.body_len;
    handle(smdp, &incoming, &answered);
    sgp32_remote_request_release(&built);
    memset(&answer, 0, sizeof(answer));
    answer.http_status = answered.http_status;
    answer.content_type = header_value(answered.headers, answered.header_count, "Content-Type");
    answer.body = answered.body;
    answer.body_len = answered.body_len;
    status = sgp32_es9plus_parse_response(function, &answer, response, storage, result);
    sgp32_remote_response_release(&answered);
    return status;
}

size_t ipa_smdp_relayed(const struct ipa_smdp *smdp)
{
    return smdp->relayed;
}

void ipa_smdp_count_relayed(struct ipa_smdp *smdp)
{
    smdp->relayed++;
}

const char *ipa_smdp_address(const struct ipa_smdp *smdp)
{
    return smdp->server.address;
}

void ipa_smdp_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_smdp *smdp = user;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response response;
    ipa_http_incoming(request, &incoming);
    handle(smdp, &incoming, &response);
    ipa_http_reply_from_response(reply, &response);
}

size_t ipa_smdp_calls(const struct ipa_smdp *smdp, const char *function)
{
    size_t i, n = 0;
    for (i = 0; i < smdp->call_count; i++)
        n += function == NULL || (smdp->calls[i] != NULL && strcmp(smdp->calls[i], function) == 0);
    return n;
}

int ipa_smdp_last_http_status(const struct ipa_smdp *smdp)
{
    return smdp->last_http_status;
}
