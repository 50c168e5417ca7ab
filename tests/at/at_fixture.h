/* SPDX-License-Identifier: MIT */
/* Shared set-up of the AT transport tests: a modem emulator on a pty, the AT transport opened on its
 * tty by path, and an ES10 session over it. */
#ifndef SGP32_TESTS_AT_FIXTURE_H
#define SGP32_TESTS_AT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "modem_emulator.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_at.h"

extern const uint8_t at_test_eid[16];
/* GetEuiccDataRequest { tagList 5A } (SGP.32 5.9.18) */
extern const uint8_t at_get_eid[6];

struct at_fixture {
    struct modem_emulator *em;
    struct sgp32_at *at;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session;
};

/* Starts the emulator with `quirks` (NULL: none) and opens the transport in `mode` with the given
 * deadlines (0: defaults); asserts success. The ES10 session is created, not connected. */
void at_fixture_start(struct at_fixture *f, const struct modem_quirks *quirks, enum sgp32_at_mode mode,
                      uint32_t command_timeout_ms, uint32_t store_data_timeout_ms);
/* The same with a card of the given identity (NULL: at_test_eid only). */
void at_fixture_start_identity(struct at_fixture *f, const struct sgp32_softeuicc_identity *identity,
                               const struct modem_quirks *quirks, enum sgp32_at_mode mode, uint32_t command_timeout_ms,
                               uint32_t store_data_timeout_ms);
void at_fixture_stop(struct at_fixture *f);

/* GetEID answers the card's EID. */
void at_check_eid(struct sgp32_es10 *session);
/* A 609-byte request (3 STORE DATA blocks) is answered (BF2D ...). */
enum sgp32_status at_send_long_request(struct sgp32_es10 *session);

/* Milliseconds since an arbitrary start (monotonic). */
uint64_t at_test_now_ms(void);

#endif
