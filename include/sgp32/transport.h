/* SPDX-License-Identifier: MIT */
/*
 * The APDU transport: how libsgp32 reaches the eUICC. A versioned table of function pointers plus a
 * user pointer, so that several transports can live in one process and the table can grow without
 * breaking old implementations (new members are appended; `size` tells which exist).
 *
 * Rules for implementations:
 * - transmit() writes the whole R-APDU (data + SW1 SW2) into the caller's buffer; it never allocates.
 * - every call honours its timeout_ms and returns SGP32_ERR_TIMEOUT when it expires.
 * - errors are enum sgp32_status codes; a card status word is never an error of the transport
 *   (it is returned in the response for the ES10 layer to judge).
 */
#ifndef SGP32_TRANSPORT_H
#define SGP32_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SGP32_APDU_TRANSPORT_VERSION 1u

/* Largest R-APDU a transport must be able to return: 256 data bytes + SW1 SW2. */
#define SGP32_APDU_MAX_RESPONSE 258u
/* Largest short C-APDU: header 4 + Lc 1 + 255 data + Le 1. */
#define SGP32_APDU_MAX_COMMAND 261u

enum sgp32_transport_flags {
    /* The transport (a modem with AT+CCHO/CGLA, QMI) opens logical channels itself and SELECTs the
     * application: the ES10 layer uses open_logical_channel() instead of MANAGE CHANNEL + SELECT, and
     * the transport sets the channel bits of the CLA byte. */
    SGP32_TRANSPORT_OWNS_CHANNELS = 1u << 0
};

struct sgp32_apdu_transport_ops {
    uint32_t version; /* SGP32_APDU_TRANSPORT_VERSION */
    uint32_t size;    /* sizeof(struct sgp32_apdu_transport_ops) of the implementation */
    uint32_t flags;   /* enum sgp32_transport_flags */

    /* Connects to the card (powers it on). atr may be NULL. */
    enum sgp32_status (*open)(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms);
    /* Releases the card; safe to call after a failed open. */
    void (*close)(void *user);
    /* Sends one C-APDU and receives its R-APDU (data followed by SW1 SW2). */
    enum sgp32_status (*transmit)(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                  size_t response_cap, size_t *response_len, uint32_t timeout_ms);
    /* Resets the card (cold or warm as the transport can); atr may be NULL. NULL if unsupported. */
    enum sgp32_status (*reset)(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms);

    /* Only with SGP32_TRANSPORT_OWNS_CHANNELS (else NULL): opens a logical channel and selects the
     * application `aid` on it. *channel receives the transport's channel handle (a modem session id
     * need not be a channel number); select_response (may be NULL) the SELECT answer with its SW. */
    enum sgp32_status (*open_logical_channel)(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                              uint8_t *select_response, size_t select_cap, size_t *select_len,
                                              uint32_t timeout_ms);
    enum sgp32_status (*close_logical_channel)(void *user, uint32_t channel, uint32_t timeout_ms);
    /* With SGP32_TRANSPORT_OWNS_CHANNELS: transmit on a channel opened above. */
    enum sgp32_status (*transmit_on_channel)(void *user, uint32_t channel, const uint8_t *command, size_t command_len,
                                             uint8_t *response, size_t response_cap, size_t *response_len,
                                             uint32_t timeout_ms);

    /* Optional (may be NULL): 1 if the card signalled a pending proactive command (SW 91xx) that the
     * host's STK handling has not fetched yet, else 0. */
    int (*proactive_pending)(void *user);
};

/* A transport instance: its operations and their user pointer. */
struct sgp32_apdu_transport {
    const struct sgp32_apdu_transport_ops *ops;
    void *user;
};

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TRANSPORT_H */
