/* SPDX-License-Identifier: MIT */
/*
 * A cellular modem's AT command port in front of the software eUICC, for tests of the AT transport.
 * It runs in its own thread on the far side of a pty (openpty()) or of a socketpair and implements
 * AT, ATE0/ATE1, AT+CCHO, AT+CGLA, AT+CCHC, AT+CSIM (3GPP TS 27.007) with switchable quirks seen on
 * real modems. The card is a fresh software eUICC in a temporary directory, used only by the
 * emulator's thread.
 */
#ifndef SGP32_TESTS_MODEM_EMULATOR_H
#define SGP32_TESTS_MODEM_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

struct modem_quirks {
    int echo;              /* echo commands (the state ATE0/ATE1 then change) */
    int bare_ccho;         /* +CCHO answers `<id>` without the "+CCHO: " prefix (27.007's own form) */
    uint32_t session_base; /* session id = session_base + channel (0: the channel number itself) */
    int hex_session_ids;   /* ids printed as 16 lower-case hex digits, 0x0385a700 + channel (the
                            * form reported for Sierra Wireless MC7455: +CCHO: 000000000385a7cf) */
    int bare_apdu;         /* +CSIM / +CGLA answers `<len>,"<hex>"` without the prefix */
    int uppercase_only;    /* lower-case hex in +CSIM / +CGLA -> ERROR */
    int urc_before;        /* an unsolicited result code before every answer */
    int urc_after;         /* an unsolicited result code after every final result code */
    int refuse_ccho;       /* +CCHO -> +CME ERROR: <refuse_ccho> (0: accepted) */
    int sim_removed;       /* +CCHO/+CGLA/+CSIM -> +CME ERROR: 10 (SIM not inserted); the card is reset */
    int no_ccho;           /* a CSIM-only modem: +CCHO/+CGLA/+CCHC (also =?) -> ERROR */
    int silent;            /* reads everything, never answers */
    int garbage;           /* a line of binary garbage before every answer */
    int garbage_answer;    /* +CSIM/+CGLA answers carry a malformed hex string */
    uint32_t reboot_after; /* the n-th command from now (1: the next) reboots the modem mid-command:
                            * no answer, the card is reset, "RDY" is sent afterwards */
    uint32_t hangup_after; /* the n-th command from now closes the line (a USB modem vanishing) */
};
/* Always: +CGLA with channel bits already set in the CLA -> +CME ERROR: 50 (the modem sets them). */

struct modem_emulator;
struct sgp32_softeuicc_identity;

/* Creates the card (EID `eid`), a pty pair and the emulator thread. Returns 0 on success. */
int modem_emulator_start_pty(const uint8_t eid[16], const struct modem_quirks *quirks, struct modem_emulator **em);
/* The same with a card of the given identity (CI PKIDs, certificates: e.g. a test PKI). */
int modem_emulator_start_pty_identity(const struct sgp32_softeuicc_identity *identity,
                                      const struct modem_quirks *quirks, struct modem_emulator **em);
/* The same over a socketpair: *host_fd receives the transport's end (closed by stop). */
int modem_emulator_start_socketpair(const uint8_t eid[16], const struct modem_quirks *quirks,
                                    struct modem_emulator **em, int *host_fd);
/* The tty the transport opens (pty mode). */
const char *modem_emulator_tty(const struct modem_emulator *em);
/* Replaces the quirks (takes effect at the next command). */
void modem_emulator_set_quirks(struct modem_emulator *em, const struct modem_quirks *quirks);
/* Number of command lines received whose text starts with `prefix` (case-insensitive; "" counts all). */
unsigned modem_emulator_count(struct modem_emulator *em, const char *prefix);
/* The CLA byte of the last C-APDU passed to the card. */
uint8_t modem_emulator_last_cla(struct modem_emulator *em);
/* Number of logical channels the modem holds open (CCHO sessions). */
unsigned modem_emulator_open_sessions(struct modem_emulator *em);
/* Stops the thread, frees the card and removes its directory. NULL is fine. */
void modem_emulator_stop(struct modem_emulator *em);

#endif
