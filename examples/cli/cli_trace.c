/* SPDX-License-Identifier: MIT */
/* -v: an APDU transport that forwards every call to the real one and prints the exchange to stderr
 * ("> " command, "< " response, in hex), so that a failing step can be read off the trace. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void trace_bytes(const char *prefix, uint32_t channel, int on_channel, const uint8_t *data, size_t len)
{
    if (on_channel)
        fprintf(stderr, "%s[channel %u] ", prefix, (unsigned)channel);
    else
        fputs(prefix, stderr);
    cli_print_hex(stderr, data, len);
    fputc('\n', stderr);
}

static void trace_status(const char *what, enum sgp32_status status)
{
    if (status != SGP32_OK)
        fprintf(stderr, "! %s: %s (%s)\n", what, sgp32_strerror(status), sgp32_status_name(status));
}

static enum sgp32_status trace_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    enum sgp32_status st = t->inner.ops->open(t->inner.user, atr, atr_cap, atr_len, timeout_ms);
    trace_status("open", st);
    return st;
}

static void trace_close(void *user)
{
    struct cli_trace *t = user;
    t->inner.ops->close(t->inner.user);
}

static enum sgp32_status trace_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                        size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    enum sgp32_status st;
    trace_bytes("> ", 0, 0, command, command_len);
    st = t->inner.ops->transmit(t->inner.user, command, command_len, response, response_cap, response_len, timeout_ms);
    if (st == SGP32_OK)
        trace_bytes("< ", 0, 0, response, *response_len);
    trace_status("transmit", st);
    return st;
}

static enum sgp32_status trace_reset(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    enum sgp32_status st;
    fputs("> (card reset)\n", stderr);
    st = t->inner.ops->reset(t->inner.user, atr, atr_cap, atr_len, timeout_ms);
    trace_status("reset", st);
    return st;
}

static enum sgp32_status trace_open_channel(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                            uint8_t *select_response, size_t select_cap, size_t *select_len,
                                            uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    enum sgp32_status st;
    trace_bytes("> (open logical channel, select) ", 0, 0, aid, aid_len);
    st = t->inner.ops->open_logical_channel(t->inner.user, aid, aid_len, channel, select_response, select_cap,
                                            select_len, timeout_ms);
    if (st == SGP32_OK)
        fprintf(stderr, "< channel %u\n", (unsigned)*channel);
    trace_status("open logical channel", st);
    return st;
}

static enum sgp32_status trace_close_channel(void *user, uint32_t channel, uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    fprintf(stderr, "> (close channel %u)\n", (unsigned)channel);
    return t->inner.ops->close_logical_channel(t->inner.user, channel, timeout_ms);
}

static enum sgp32_status trace_transmit_on_channel(void *user, uint32_t channel, const uint8_t *command,
                                                   size_t command_len, uint8_t *response, size_t response_cap,
                                                   size_t *response_len, uint32_t timeout_ms)
{
    struct cli_trace *t = user;
    enum sgp32_status st;
    trace_bytes("> ", channel, 1, command, command_len);
    st = t->inner.ops->transmit_on_channel(t->inner.user, channel, command, command_len, response, response_cap,
                                           response_len, timeout_ms);
    if (st == SGP32_OK)
        trace_bytes("< ", channel, 1, response, *response_len);
    trace_status("transmit", st);
    return st;
}

static int trace_proactive_pending(void *user)
{
    struct cli_trace *t = user;
    return t->inner.ops->proactive_pending(t->inner.user);
}

void cli_trace_wrap(struct cli_trace *trace, const struct sgp32_apdu_transport *inner)
{
    const struct sgp32_apdu_transport_ops *in = inner->ops;
    /* An implementation built against an older, shorter ops structure has no proactive_pending. */
    int has_proactive =
        in->size >= offsetof(struct sgp32_apdu_transport_ops, proactive_pending) + sizeof(in->proactive_pending) &&
        in->proactive_pending != NULL;
    memset(trace, 0, sizeof(*trace));
    trace->inner = *inner;
    trace->ops.version = SGP32_APDU_TRANSPORT_VERSION;
    trace->ops.size = sizeof(trace->ops);
    trace->ops.flags = in->flags;
    trace->ops.open = trace_open;
    trace->ops.close = trace_close;
    trace->ops.transmit = trace_transmit;
    trace->ops.reset = in->reset != NULL ? trace_reset : NULL;
    trace->ops.open_logical_channel = in->open_logical_channel != NULL ? trace_open_channel : NULL;
    trace->ops.close_logical_channel = in->close_logical_channel != NULL ? trace_close_channel : NULL;
    trace->ops.transmit_on_channel = in->transmit_on_channel != NULL ? trace_transmit_on_channel : NULL;
    trace->ops.proactive_pending = has_proactive ? trace_proactive_pending : NULL;
    trace->transport.ops = &trace->ops;
    trace->transport.user = trace;
}
