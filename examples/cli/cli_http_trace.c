/* SPDX-License-Identifier: MIT */
/* sgp32 -v for HTTP: every request and its answer on stderr, with the sizes, so that an exchange with
 * the eIM / SM-DP+ can be followed next to the APDU trace (cli_trace.c). */
#include <stdio.h>
#include <string.h>

#include "cli_http_trace.h"

/* Counts the body bytes of one request on their way to the real sink. */
static enum sgp32_status counting_sink(void *user, const uint8_t *data, size_t len)
{
    struct cli_http_trace_slot *slot = user;
    slot->bytes += len;
    return slot->sink(slot->sink_user, data, len);
}

static struct cli_http_trace_slot *slot_of(struct cli_http_trace *t, uint32_t id)
{
    size_t i;
    for (i = 0; i < CLI_HTTP_TRACE_SLOTS; i++)
        if (t->slots[i].used && t->slots[i].id == id)
            return &t->slots[i];
    return NULL;
}

static enum sgp32_status trace_start(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                                     void *sink_user, uint32_t *request_id)
{
    struct cli_http_trace *t = user;
    struct cli_http_trace_slot *slot = NULL;
    enum sgp32_status st;
    size_t i;
    for (i = 0; i < CLI_HTTP_TRACE_SLOTS && slot == NULL; i++)
        if (!t->slots[i].used)
            slot = &t->slots[i];
    fprintf(stderr, "> %s %s (%zu bytes)\n", request->method, request->url, request->body_len);
    if (slot == NULL) /* more in flight than traced: pass through uncounted */
        return t->inner.ops->start(t->inner.user, request, sink, sink_user, request_id);
    memset(slot, 0, sizeof(*slot));
    slot->sink = sink;
    slot->sink_user = sink_user;
    st = t->inner.ops->start(t->inner.user, request, counting_sink, slot, request_id);
    if (st == SGP32_OK) {
        slot->used = 1;
        slot->id = *request_id;
    } else {
        fprintf(stderr, "! start: %s\n", sgp32_status_name(st));
    }
    return st;
}

static enum sgp32_status trace_poll(void *user, uint32_t request_id, uint32_t max_wait_ms, int *done,
                                    struct sgp32_http_result *result)
{
    struct cli_http_trace *t = user;
    struct cli_http_trace_slot *slot = slot_of(t, request_id);
    enum sgp32_status st = t->inner.ops->poll(t->inner.user, request_id, max_wait_ms, done, result);
    if (st == SGP32_OK && *done) {
        if (result->status == SGP32_OK)
            fprintf(stderr, "< %d %s (%llu bytes)\n", result->http_status,
                    result->content_type[0] ? result->content_type : "-",
                    slot != NULL ? (unsigned long long)slot->bytes : 0ull);
        else
            fprintf(stderr, "! %s: %s\n", sgp32_status_name(result->status), result->detail);
    }
    if (slot != NULL && (st != SGP32_OK || *done))
        slot->used = 0;
    return st;
}

static void trace_cancel(void *user, uint32_t request_id)
{
    struct cli_http_trace *t = user;
    struct cli_http_trace_slot *slot = slot_of(t, request_id);
    t->inner.ops->cancel(t->inner.user, request_id);
    if (slot != NULL)
        slot->used = 0;
}

void cli_http_trace_wrap(struct cli_http_trace *trace, const struct sgp32_http_client *inner)
{
    memset(trace, 0, sizeof(*trace));
    trace->inner = *inner;
    trace->ops = *inner->ops;
    trace->ops.start = trace_start;
    trace->ops.poll = trace_poll;
    trace->ops.cancel = trace_cancel;
    trace->client.ops = &trace->ops;
    trace->client.user = trace;
}
