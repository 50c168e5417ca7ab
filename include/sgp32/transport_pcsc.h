/* SPDX-License-Identifier: MIT */
/*
 * The PC/SC APDU transport (pcsc-lite on Linux/macOS, WinSCard on Windows): an sgp32_apdu_transport
 * over a smart card reader. Part of libsgp32 when it is built with SGP32_WITH_PCSC (CMake option,
 * default ON; libsgp32 then depends on libpcsclite). Builds without it do not have these functions.
 * See docs/pcsc.md.
 *
 * Reader choice: the first reader whose name contains `reader` (case-sensitive), or when `reader` is
 * NULL the reader at `reader_index` in pcscd's list. open() waits (SCardGetStatusChange, never a
 * sleep) up to its timeout_ms for that reader to appear and for a card in it.
 *
 * After a reset by another application (SCARD_W_RESET_CARD) the transport reconnects and reports
 * SGP32_ERR_NO_CARD for the APDU that met it (the card lost its logical channels: the ES10 session
 * must connect again). After a removal (SCARD_W_REMOVED_CARD) it reconnects when the card is back:
 * open() again, which waits for it.
 *
 * A PC/SC transmit has no timeout of its own: the reader driver bounds it (pcscd and the card's
 * waiting-time extension rules); timeout_ms of transmit() is not enforced by this backend.
 */
#ifndef SGP32_TRANSPORT_PCSC_H
#define SGP32_TRANSPORT_PCSC_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sgp32_pcsc_protocol {
    SGP32_PCSC_PROTOCOL_ANY = 0, /* T=0 or T=1, as the card's ATR offers (T=1 preferred by pcscd) */
    SGP32_PCSC_PROTOCOL_T0 = 1,
    SGP32_PCSC_PROTOCOL_T1 = 2
};

/* Zero-initialise and set size = sizeof(struct sgp32_pcsc_options). NULL options: first reader, any
 * protocol, shared access. */
struct sgp32_pcsc_options {
    uint32_t size;
    const char *reader;    /* substring of the reader name; NULL: use reader_index (copied by new) */
    uint32_t reader_index; /* position in the reader list when reader is NULL (0: the first) */
    enum sgp32_pcsc_protocol protocol;
    int exclusive; /* 1: SCARD_SHARE_EXCLUSIVE (no other application may use the card meanwhile) */
};

struct sgp32_pcsc;

/* Creates the transport; no I/O yet (the PC/SC context is established by open()). */
enum sgp32_status sgp32_pcsc_new(const struct sgp32_pcsc_options *options, struct sgp32_pcsc **pcsc);
/* Closes the card and the context and frees. NULL is fine. */
void sgp32_pcsc_free(struct sgp32_pcsc *pcsc);

/* The transport operations over pcsc (valid as long as pcsc). open() connects as described above;
 * reset() is a warm reset (SCardReconnect with SCARD_RESET_CARD). */
void sgp32_pcsc_transport(struct sgp32_pcsc *pcsc, struct sgp32_apdu_transport *transport);

/* A cold reset: SCardReconnect with SCARD_UNPOWER_CARD. atr may be NULL. */
enum sgp32_status sgp32_pcsc_cold_reset(struct sgp32_pcsc *pcsc, uint8_t *atr, size_t atr_cap, size_t *atr_len);

/* The PC/SC return code (a LONG such as SCARD_E_TIMEOUT = 0x8010000A, as unsigned) of the last call
 * that failed, 0 after a success. sgp32_pcsc_error_text() gives pcsc-lite's text for it. */
uint32_t sgp32_pcsc_last_error(const struct sgp32_pcsc *pcsc);
const char *sgp32_pcsc_error_text(uint32_t pcsc_error);

/* The full name of the connected reader ("" before open). */
const char *sgp32_pcsc_reader_name(const struct sgp32_pcsc *pcsc);
/* The protocol in use: SGP32_PCSC_PROTOCOL_T0 or _T1 while connected, else _ANY. */
enum sgp32_pcsc_protocol sgp32_pcsc_active_protocol(const struct sgp32_pcsc *pcsc);

/* Lists the readers pcscd knows, one per call of `each` (index as reader_index counts, full name).
 * SGP32_ERR_NOT_FOUND when there is no reader, SGP32_ERR_TRANSPORT when pcscd cannot be reached. */
enum sgp32_status sgp32_pcsc_list_readers(void (*each)(void *user, uint32_t index, const char *name), void *user);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TRANSPORT_PCSC_H */
