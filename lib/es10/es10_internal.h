/* SPDX-License-Identifier: MIT */
/* ES10 session internals shared by the files of lib/es10. */
#ifndef SGP32_LIB_ES10_INTERNAL_H
#define SGP32_LIB_ES10_INTERNAL_H

#include "codec/der.h"
#include "sgp32/es10.h"

struct sgp32_es10 {
    struct sgp32_apdu_transport transport;
    struct sgp32_es10_options options;
    struct sgp32_es10_error error;
    uint32_t channel;      /* logical channel number, or the transport's handle */
    int transport_channel; /* 1 if the transport owns the channel (open_logical_channel) */
    int channel_open;      /* 1 if close must release the channel */
    int connected;         /* 1 after a successful sgp32_es10_connect() */
    int proactive_pending;
    int recover_pending; /* a 6985 or a REFRESH was seen: re-establish before the next typed command */
    uint8_t terminal_capability[64];
    size_t terminal_capability_len;
};

/* A response being collected: grows up to max bytes. */
struct es10_buffer {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

/* The CLA byte for the session's channel (ISO 7816-4 5.4.1): `proprietary` selects the 0x80 class
 * (STORE DATA, GET RESPONSE of GlobalPlatform) instead of the interindustry one (SELECT, MANAGE
 * CHANNEL). */
uint8_t es10_cla(const struct sgp32_es10 *session, int proprietary);

/*
 * Sends one C-APDU and collects the whole answer: 61xx triggers GET RESPONSE and 6Cxx a repeat with
 * Le = xx, until a final status word, which is returned in *sw. Data go to out (may be NULL when none
 * is expected). Transport failures set the session error and return its status.
 */
enum sgp32_status es10_exchange(struct sgp32_es10 *session, const uint8_t *command, size_t command_len,
                                struct es10_buffer *out, uint16_t *sw, const char *step);

/* Records the failure of `step` and returns status. */
enum sgp32_status es10_fail(struct sgp32_es10 *session, enum sgp32_status status, uint16_t sw, uint8_t ins,
                            const char *step);

/* ---- Typed ES10 functions (command.c) ---- */

/* Requests are built with the DER writer of lib/codec (codec/der.h). */
/* Kinds of command for the recovery policy (docs/es10.md). */
enum es10_retry { ES10_NO_RETRY = 0, ES10_RETRY = 1 };

/* Runs one typed command: recovers first if a 6985 / REFRESH was seen, sends request, checks the answer
 * is one BER-TLV whose tag is `response_tag` (0: any), and retries once after 6985 if `retry` says it is
 * safe. Clears error.es10_result. */
enum sgp32_status es10_command(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                               uint32_t response_tag, enum es10_retry retry, uint8_t **response, size_t *response_len);
/* Maps an ES10 result code: 0 is success, anything else becomes SGP32_ERR_EUICC_RESULT with the code
 * in error.es10_result. */
enum sgp32_status es10_result(struct sgp32_es10 *session, long code);
/* Sends a request whose answer is `tag` { INTEGER result ... } and maps the result (read via the first
 * child, whatever its tag). *code (may be NULL) receives it. */
enum sgp32_status es10_result_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, long *code);
/* A writer's request through es10_command (SGP32_ERR_ENCODE if the writer overflowed). */
enum sgp32_status es10_writer_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, uint8_t **response, size_t *response_len);
/* A writer's request whose answer is returned whole; if it holds the primitive child `error_tag` (0:
 * none), that child's INTEGER is mapped by es10_result() and the answer is still returned. */
enum sgp32_status es10_answer_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, uint32_t error_tag, uint8_t **answer, size_t *answer_len);
/* Maps the primitive child `error_tag` of an answer, if present (see es10_answer_command). */
enum sgp32_status es10_map_error_child(struct sgp32_es10 *session, const uint8_t *answer, size_t answer_len,
                                       uint32_t error_tag);
/* A forwarded object (signed by the eIM / SM-DP+) must be one BER-TLV with tag `tag`. */
enum sgp32_status es10_forward(struct sgp32_es10 *session, const uint8_t *request, size_t request_len, uint32_t tag,
                               uint8_t **response, size_t *response_len);

#endif
