/* SPDX-License-Identifier: MIT */
/*
 * The HTTPS front end shared by the loopback test servers (sgp32-smdp, sgp32-eim): command line
 * numbers, PEM/DER files, a listening socket on 127.0.0.1 (port 0: a free one), libmicrohttpd with
 * TLS from memory, request bodies collected up to a limit, the "listening 127.0.0.1:<port>" line and
 * the --port-file, and the wait for SIGINT/SIGTERM or the end of --lifetime. Test material only
 * (docs/test-servers.md). Every function prints its own diagnostics, prefixed with `program`.
 */
#ifndef SGP32_EXAMPLES_HTTPS_SERVER_H
#define SGP32_EXAMPLES_HTTPS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"

/* A decimal number in 0..max: 1, or 0 for anything else. */
int https_server_parse_number(const char *text, unsigned long max, unsigned long *out);

/* A whole file (`file` itself, or dir/name when file is NULL), NUL-terminated (len excludes the NUL),
 * to free(); NULL (after a message) when it cannot be read. */
char *https_server_read_file(const char *program, const char *file, const char *dir, const char *name, size_t *len);

/* Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread (and the threads it starts later): signals
 * are taken by https_server_wait_for_stop() only. Call before https_server_start(). */
void https_server_block_signals(void);

/*
 * Handles one request. method "GET", "POST" ...; incoming->path is the URL path; the body is complete
 * (or, when body_too_large is set, dropped). The handler fills `response` (lib/remote's server
 * answer); the front end releases it. Runs on libmicrohttpd's single polling thread: one request at a
 * time.
 */
typedef void (*https_server_handler)(void *user, const char *method, const struct sgp32_remote_incoming *incoming,
                                     int body_too_large, struct sgp32_remote_response *response);

struct https_server;

struct https_server_options {
    const char *program;  /* "sgp32-smdp": the prefix of messages */
    unsigned long port;   /* 0: any free port */
    const char *tls_cert; /* PEM text (copied) */
    const char *tls_key;  /* PEM text (copied) */
    size_t max_body;      /* larger request bodies are dropped (body_too_large) */
    https_server_handler handler;
    void *user;
};

/* Binds 127.0.0.1:<port> and listens (no request is served yet): NULL after a message. */
struct https_server *https_server_bind(const struct https_server_options *options);
/* The bound port. */
unsigned https_server_port(const struct https_server *server);
/* Starts serving (libmicrohttpd, TLS), then writes port_file (if not NULL) and prints
 * "listening 127.0.0.1:<port>" on stdout: 1, or 0 after a message. */
int https_server_start(struct https_server *server, const char *port_file);
/* Stops serving and frees (NULL is fine). */
void https_server_free(struct https_server *server);

/* Waits for SIGINT/SIGTERM (blocked, see above) or, with lifetime_s != 0, for that many seconds. */
void https_server_wait_for_stop(const char *program, unsigned long lifetime_s);

#endif
