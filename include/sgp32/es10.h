/* SPDX-License-Identifier: MIT */
/*
 * ES10 (IPA - eUICC) session: a logical channel to the ISD-R over an APDU transport, and the raw
 * exchange of one ES10 command (a BER-TLV request, e.g. BF3E...) for its response, carried in STORE
 * DATA blocks as SGP.22 5.7 / SGP.32 5.9 prescribe.
 *
 * The session never sleeps and never retries on its own; every APDU has a deadline. When a command
 * fails, sgp32_es10_last_error() tells which step failed and the card's status word.
 */
#ifndef SGP32_ES10_H
#define SGP32_ES10_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The AID of the ISD-R (SGP.22 2.2.3). */
#define SGP32_ISDR_AID_LENGTH 16u
extern const uint8_t sgp32_isdr_aid[SGP32_ISDR_AID_LENGTH];

enum sgp32_es10_flags {
    /* Use the basic channel (0) instead of opening a logical channel. */
    SGP32_ES10_BASIC_CHANNEL = 1u << 0,
    /* Do not send TERMINAL CAPABILITY when the session opens. */
    SGP32_ES10_NO_TERMINAL_CAPABILITY = 1u << 1
};

struct sgp32_es10_options {
    uint32_t size;                      /* sizeof(struct sgp32_es10_options) */
    uint32_t flags;                     /* enum sgp32_es10_flags */
    uint32_t apdu_timeout_ms;           /* per APDU; 0: 10000 */
    uint32_t max_response;              /* largest ES10 response accepted; 0: 65536 */
    const uint8_t *terminal_capability; /* value of the A9 template; NULL: 83 01 07 (eUICC related) */
    size_t terminal_capability_len;
};

/* Why the last call failed. */
struct sgp32_es10_error {
    enum sgp32_status status; /* SGP32_OK when the last call succeeded */
    uint16_t sw;              /* the status word that ended the exchange (0 if none was received) */
    uint8_t ins;              /* the INS byte of the failing APDU (0x70 MANAGE CHANNEL, 0xA4 SELECT ...) */
    const char *step;         /* "manage channel", "select ISD-R", "terminal capability", "store data",
                               * "get response", "transport" ... never NULL */
};

struct sgp32_es10;

/* Creates a session over an open transport; no I/O yet. options may be NULL. */
enum sgp32_status sgp32_es10_new(const struct sgp32_apdu_transport *transport, const struct sgp32_es10_options *options,
                                 struct sgp32_es10 **session);
/* Opens the logical channel (MANAGE CHANNEL, or the transport's own when it owns channels), selects
 * the ISD-R and sends TERMINAL CAPABILITY. Call again to re-establish the session after a card reset,
 * a REFRESH or a 6985 answer. On failure sgp32_es10_last_error() names the step and the status word. */
enum sgp32_status sgp32_es10_connect(struct sgp32_es10 *session);
/* Closes the logical channel (if any); the session can connect again. */
void sgp32_es10_disconnect(struct sgp32_es10 *session);
/* Disconnects and frees the session. NULL is fine. */
void sgp32_es10_free(struct sgp32_es10 *session);

/*
 * Sends one ES10 command (request: a complete BER-TLV) and returns its response in a new buffer
 * (*response, free with sgp32_buffer_free()). The command is split into STORE DATA blocks of up to
 * 255 bytes; 61xx is followed by GET RESPONSE and 6Cxx by a repeat with the right Le.
 * An empty response (9000 without data) returns *response == NULL and *response_len == 0.
 */
enum sgp32_status sgp32_es10_transceive(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                        uint8_t **response, size_t *response_len);

/* The last error of the session (never NULL for a valid session). */
const struct sgp32_es10_error *sgp32_es10_last_error(const struct sgp32_es10 *session);

/* The logical channel in use (0 for the basic channel). */
uint32_t sgp32_es10_channel(const struct sgp32_es10 *session);

/* 1 if the card signalled a pending proactive command (SW 91xx) since the last call, else 0. */
int sgp32_es10_proactive_pending(const struct sgp32_es10 *session);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_ES10_H */
