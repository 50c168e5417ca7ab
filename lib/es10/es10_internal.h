/* SPDX-License-Identifier: MIT */
/* ES10 session internals shared by the files of lib/es10. */
#ifndef SGP32_LIB_ES10_INTERNAL_H
#define SGP32_LIB_ES10_INTERNAL_H

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

#endif
