/* SPDX-License-Identifier: MIT */
/*
 * A loopback HTTPS server for the HTTP backend tests: libmicrohttpd (GnuTLS) in its own threads (one
 * per connection, so a slow answer does not hold the others), bound to 127.0.0.1 on a free port.
 * Paths:
 *   /echo            answers 200, Content-Type text/x-echo, body "<METHOD> <path>\n" then one
 *                    "<name>: <value>\n" line per request header, "\n", then the request body
 *   /large?size=N    answers N bytes chunked (no Content-Length), byte i = https_test_server_byte(i),
 *                    produced piece by piece as the connection drains
 *   /slow?ms=N       answers 200 "slow" after N ms
 *   /status/204      204 without body;  /status/500: 500 with body "error"
 *   /redirect        302 to https://elsewhere.invalid/echo (another host)
 * The server counts connections (opened and closed) and requests, and keeps the last request's
 * headers and body for the checks.
 */
#ifndef SGP32_TESTS_HTTPS_TEST_SERVER_H
#define SGP32_TESTS_HTTPS_TEST_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct https_test_server;

/* Starts a server with the PEM certificate (chain) and key in these files. 0 on success. */
int https_test_server_start(const char *cert_pem_file, const char *key_pem_file, struct https_test_server **server);
/* Stops it (wakes slow handlers, closes connections, joins the threads) and frees. */
void https_test_server_stop(struct https_test_server *server);

uint16_t https_test_server_port(const struct https_test_server *server);
unsigned https_test_server_connections_opened(struct https_test_server *server);
unsigned https_test_server_connections_closed(struct https_test_server *server);
/* Requests that reached a handler, by path prefix ("/echo"), or all of them (NULL). */
unsigned https_test_server_requests(struct https_test_server *server, const char *path_prefix);
/* Bytes of /large bodies handed to the TLS layer so far (all requests). */
uint64_t https_test_server_large_bytes_sent(struct https_test_server *server);

/* The value of header `name` (case-insensitive) in the last /echo request, copied into value.
 * 0 if it was present. */
int https_test_server_last_header(struct https_test_server *server, const char *name, char *value, size_t cap);
/* The body of the last /echo request (copied, at most cap bytes); returns its full length. */
size_t https_test_server_last_body(struct https_test_server *server, uint8_t *body, size_t cap);

/* Byte i of a /large body: a pattern that differs between positions 16 KiB apart, so a lost, doubled
 * or reordered piece changes the receiver's checksum. */
static inline uint8_t https_test_server_byte(uint64_t i)
{
    return (uint8_t)((i * 131u) ^ (i >> 8) ^ (i >> 14) ^ (i >> 20));
}

#endif
