/* SPDX-License-Identifier: MIT */
/* sgp32 -v: an HTTP client in front of another one that traces every exchange on stderr
 * ("> POST <url> (<n> bytes)", "< <status> <content type> (<n> bytes)"). cli_http_trace.c. */
#ifndef SGP32_CLI_HTTP_TRACE_H
#define SGP32_CLI_HTTP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/http.h"

#define CLI_HTTP_TRACE_SLOTS 8u

struct cli_http_trace_slot {
    int used;
    uint32_t id;
    sgp32_http_body_sink sink;
    void *sink_user;
    uint64_t bytes;
};

struct cli_http_trace {
    struct sgp32_http_client inner, client;
    struct sgp32_http_ops ops;
    struct cli_http_trace_slot slots[CLI_HTTP_TRACE_SLOTS];
};

void cli_http_trace_wrap(struct cli_http_trace *trace, const struct sgp32_http_client *inner);

#endif
