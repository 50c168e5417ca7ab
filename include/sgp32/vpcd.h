/* SPDX-License-Identifier: MIT */
/*
 * The card side of vsmartcard's virtual reader (vpcd): connects a software card (any APDU processor)
 * to the vpcd driver of a real pcscd, so PC/SC applications (pcsc_scan, pySim, lpac, our own PC/SC
 * transport) see it as a smart card in a reader.
 *
 * The vpcd protocol (vsmartcard, virtualsmartcard/src/vpcd): TCP, the card connects to the driver.
 * Every message is a frame: a 2-byte big-endian length and that many bytes. A 1-byte payload is a
 * control message from the reader (0 power off, 1 power on, 2 reset, 4 "send your ATR": the card
 * answers with one frame holding its ATR); any other payload is a C-APDU, answered by one frame
 * holding the R-APDU (data + SW1 SW2).
 *
 * A small static library (sgp32_vpcd) for tests, demos and the `sgp32 euicc-sim serve` command; it is
 * not installed. Platform code (POSIX sockets). No globals; one connection per card, not thread-safe.
 */
#ifndef SGP32_VPCD_H
#define SGP32_VPCD_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest ATR (ISO 7816-3: 33 bytes). */
#define SGP32_VPCD_MAX_ATR 33u

/* The card behind the connection. Zero-initialise and set size = sizeof(struct sgp32_vpcd_card_ops). */
struct sgp32_vpcd_card_ops {
    uint32_t size;
    /* Processes one C-APDU; response (cap >= 65538) receives data + SW1 SW2. On an error the
     * connector answers SW 6F00 (no precise diagnosis), as a card with an internal fault would. */
    enum sgp32_status (*process_apdu)(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                      size_t response_cap, size_t *response_len);
    /* Power on (cold reset), power off, warm reset. power_on and reset write the new ATR (cap is
     * SGP32_VPCD_MAX_ATR); power_off gets atr == NULL. power_off may be NULL (ignored). */
    enum sgp32_status (*power_on)(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len);
    enum sgp32_status (*power_off)(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len);
    enum sgp32_status (*reset)(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len);
};

struct sgp32_vpcd;

/* Connects to the vpcd driver at host:port (host: a name or numeric address, e.g. "127.0.0.1"),
 * waiting at most timeout_ms. SGP32_ERR_TIMEOUT when the connection did not complete in time,
 * SGP32_ERR_TRANSPORT when it was refused (no pcscd with vpcd listening there) or failed. */
enum sgp32_status sgp32_vpcd_connect(const char *host, uint16_t port, uint32_t timeout_ms, struct sgp32_vpcd **conn);

/*
 * Waits at most timeout_ms for one frame from vpcd and handles it (a control message, or a C-APDU
 * given to ops->process_apdu and answered). The first GET ATR before any power message asks
 * ops->power_on for the ATR: a card that is connected counts as inserted and powered.
 * Returns SGP32_OK when a frame was handled, SGP32_ERR_TIMEOUT when none arrived in time (also when
 * a signal interrupted the wait, so the caller can check its flags), SGP32_ERR_TRANSPORT when vpcd
 * closed the connection or an I/O error occurred (the connection is then unusable: close it),
 * SGP32_ERR_PROTOCOL for a malformed frame.
 */
enum sgp32_status sgp32_vpcd_serve_step(struct sgp32_vpcd *conn, const struct sgp32_vpcd_card_ops *ops, void *user,
                                        uint32_t timeout_ms);

/* Closes the connection (the reader then reports the card as removed) and frees it. NULL is fine. */
void sgp32_vpcd_close(struct sgp32_vpcd *conn);

/* The errno of the last failure (0 when vpcd closed the connection cleanly or nothing failed). */
int sgp32_vpcd_last_errno(const struct sgp32_vpcd *conn);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_VPCD_H */
