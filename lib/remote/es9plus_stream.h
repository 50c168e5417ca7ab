/* SPDX-License-Identifier: MIT */
/*
 * Streaming reception of the ES9+.GetBoundProfilePackage answer (SGP.22 6.5.2.7). A Bound Profile
 * Package is large (tens to hundreds of KB, a third more as base64): this reader takes the HTTP body
 * in pieces of any size, straight from the HTTP sink, and never holds the package. The
 * "boundProfilePackage" string is base64-decoded on the fly (lib/codec/base64.h, whitespace and the
 * JSON escapes \/ \r \n \t allowed) and the decoded bytes go to a sink, typically the streaming TLV
 * reader (sgp32/tlv.h) that cuts the BPP into its STORE DATA segments. Every other member ("header",
 * "transactionId", unknown ones) is kept, compactly, in a small caller-provided capture buffer and
 * parsed at the end by the same code as sgp32_es9plus_parse_response(), so the failure form and
 * the transactionId are handled identically.
 *
 * The sink sees the package bytes before the end of the body: it must treat them as provisional
 * until sgp32_es9plus_bpp_stream_finish() returns SGP32_OK (the TLV reader's own checks and the
 * eUICC's result decide about the package itself). Internal header; docs/remote.md.
 */
#ifndef SGP32_REMOTE_ES9PLUS_STREAM_H
#define SGP32_REMOTE_ES9PLUS_STREAM_H

#include "codec/base64.h"
#include "remote/remote.h"

/* Receives decoded package bytes; anything but SGP32_OK stops the stream with that status. */
typedef enum sgp32_status (*sgp32_bpp_sink)(void *sink_user, const uint8_t *data, size_t len);

#define SGP32_BPP_STREAM_KEY_MAX 64u
#define SGP32_BPP_STREAM_CHUNK 256u

/* The reader state. Public so that it can live on the stack: use the functions below only. */
struct sgp32_es9plus_bpp_stream {
    char *capture;
    size_t capture_cap;
    size_t capture_len;
    sgp32_bpp_sink sink;
    void *sink_user;
    unsigned state;
    enum sgp32_status error; /* sticky */
    char key[SGP32_BPP_STREAM_KEY_MAX];
    size_t key_len;
    unsigned members;     /* members written to the capture */
    unsigned value_depth; /* nesting inside a captured value */
    uint8_t value_in_string;
    uint8_t value_escape;
    uint8_t package_seen;
    struct sgp32_base64_decoder decoder;
    char chunk[SGP32_BPP_STREAM_CHUNK]; /* base64 text waiting to be decoded */
    size_t chunk_len;
    size_t package_len; /* decoded bytes delivered to the sink */
    uint8_t transaction_id[16];
};

/* Prepares a reader. capture[0..capture_cap) receives the small members (512 bytes is plenty for a
 * success; a failure with a long message needs its size). */
void sgp32_es9plus_bpp_stream_init(struct sgp32_es9plus_bpp_stream *stream, char *capture, size_t capture_cap,
                                   sgp32_bpp_sink sink, void *sink_user);
/* Feeds the next piece of the body. Its signature is that of sgp32_http_body_sink, so the reader can
 * be the HTTP sink itself (sink_user = the stream). Errors are sticky: SGP32_ERR_DECODE (not the
 * expected JSON shape, bad base64 or escape), SGP32_ERR_TOO_LARGE (capture full, key too long), or the
 * package sink's status. */
enum sgp32_status sgp32_es9plus_bpp_stream_feed(void *stream, const uint8_t *data, size_t len);
/*
 * The body has ended: checks the HTTP status and Content-Type of `answer` (its body is ignored), that
 * the JSON object is complete, the header (SGP32_ERR_SERVER_STATUS with the codes in result), the
 * transactionId (copied: *transaction_id points into the stream) and that a package was received
 * (SGP32_ERR_PROTOCOL otherwise). *package_len (may be NULL) receives the decoded size.
 */
enum sgp32_status sgp32_es9plus_bpp_stream_finish(struct sgp32_es9plus_bpp_stream *stream,
                                                  const struct sgp32_remote_answer *answer,
                                                  struct sgp32_bytes *transaction_id, size_t *package_len,
                                                  struct sgp32_remote_result *result);

#endif /* SGP32_REMOTE_ES9PLUS_STREAM_H */
