/* SPDX-License-Identifier: MIT */
/*
 * The AT serial APDU transport: an sgp32_apdu_transport over a modem's AT command port (a tty such
 * as /dev/ttyUSB2, or any file descriptor). Part of libsgp32 when it is built with SGP32_WITH_AT
 * (CMake option, default ON, POSIX only, no external dependency). See docs/transport-at.md.
 *
 * Two modes (3GPP TS 27.007):
 * - SGP32_AT_MODE_CCHO: AT+CCHO / AT+CGLA / AT+CCHC. The modem opens the logical channel, selects the
 *   ISD-R and sets the channel bits of the CLA byte: the transport carries
 *   SGP32_TRANSPORT_OWNS_CHANNELS and the channel handle is the modem's session id (not a channel
 *   number). Answers `+CCHO: <id>` and a bare `<id>` are both accepted.
 * - SGP32_AT_MODE_CSIM: AT+CSIM on the basic channel; the ES10 layer sends MANAGE CHANNEL and SELECT
 *   itself.
 * SGP32_AT_MODE_AUTO probes `AT+CCHO=?` when the transport is opened and falls back to CSIM.
 *
 * Every AT command has a deadline (poll(), never a blocking read or write, never a sleep): the
 * command timeout, or the longer STORE DATA timeout for C-APDUs with INS E2 (an ES10 command, e.g. a
 * BPP segment, may keep the card busy for seconds). Errors: a deadline -> SGP32_ERR_TIMEOUT; ERROR,
 * +CME ERROR, +CMS ERROR or a line that went away -> SGP32_ERR_TRANSPORT (the code is kept, see
 * sgp32_at_last_error()), except +CME ERROR: 10 (SIM not inserted) -> SGP32_ERR_NO_CARD; an answer
 * that is not well-formed -> SGP32_ERR_PROTOCOL. Card status words are never transport errors: they
 * come back in the R-APDU.
 *
 * Unsolicited result codes interleaved with answers are skipped (and counted); echo on or off are
 * both fine; hex is always sent in upper case and read in either case.
 *
 * Not thread-safe: one thread per instance (several instances may coexist).
 */
#ifndef SGP32_TRANSPORT_AT_H
#define SGP32_TRANSPORT_AT_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sgp32_at_mode {
    SGP32_AT_MODE_AUTO = 0, /* probe AT+CCHO=? at open, else CSIM */
    SGP32_AT_MODE_CCHO = 1, /* AT+CCHO / AT+CGLA / AT+CCHC (the modem owns channels) */
    SGP32_AT_MODE_CSIM = 2  /* AT+CSIM (MANAGE CHANNEL and SELECT done by the ES10 layer) */
};

/* Zero-initialise and set size = sizeof(struct sgp32_at_options). NULL options mean all defaults. */
struct sgp32_at_options {
    uint32_t size;
    enum sgp32_at_mode mode;
    /* sgp32_at_open_path() on a tty: line speed in bit/s (e.g. 115200); 0 keeps the current one.
     * USB modems ignore it. An unsupported value is SGP32_ERR_INVALID_ARGUMENT. */
    uint32_t baud;
    /* Deadline of every AT command. 0: the timeout_ms given to the transport operation (5000 when
     * that is 0 too). */
    uint32_t command_timeout_ms;
    /* Deadline of a STORE DATA (INS E2) exchange. 0: 60000 (or the command deadline, if longer). */
    uint32_t store_data_timeout_ms;
};

struct sgp32_at;

/* Opens the tty at `path` (O_NOCTTY, raw mode, the given speed), checks that the modem answers `AT`
 * and, in AUTO mode, probes AT+CCHO support (each within the command deadline). The tty is closed
 * by sgp32_at_free(). */
enum sgp32_status sgp32_at_open_path(const char *path, const struct sgp32_at_options *options, struct sgp32_at **at);
/* The same over a descriptor the caller already opened and configured (a pty, a socket): it is made
 * non-blocking, never reconfigured, and not closed by sgp32_at_free(). */
enum sgp32_status sgp32_at_open_fd(int fd, const struct sgp32_at_options *options, struct sgp32_at **at);
/* Frees the instance (closes the tty it opened). NULL is fine. */
void sgp32_at_free(struct sgp32_at *at);

/* The transport operations over at (valid as long as at). Their flags depend on the mode in use:
 * SGP32_TRANSPORT_OWNS_CHANNELS in CCHO mode. open() checks that the modem answers (no ATR: *atr_len
 * is 0); reset is not offered (NULL). */
void sgp32_at_transport(struct sgp32_at *at, struct sgp32_apdu_transport *transport);
/* The mode in use (CCHO or CSIM; AUTO has been resolved by open). */
enum sgp32_at_mode sgp32_at_active_mode(const struct sgp32_at *at);

/* Why the last AT command failed. */
struct sgp32_at_error {
    enum sgp32_status status; /* SGP32_OK after a success */
    int cme_error;            /* the <n> of `+CME ERROR: <n>`, -1 if none (or a text form) */
    int cms_error;            /* the <n> of `+CMS ERROR: <n>`, -1 if none */
    char command[16];         /* the command that failed, e.g. "AT+CGLA" ("" if none) */
    char final_line[64];      /* the final result line as received, e.g. "+CME ERROR: 10" */
};
const struct sgp32_at_error *sgp32_at_last_error(const struct sgp32_at *at);

/* Unsolicited result codes skipped so far, and the last one ("" if none). */
uint32_t sgp32_at_urc_count(const struct sgp32_at *at);
const char *sgp32_at_last_urc(const struct sgp32_at *at);

/*
 * Sends one AT command line (without the trailing CR, e.g. "AT+CFUN?") and waits up to timeout_ms
 * (0: the command deadline) for its final result code. The information lines of the answer (not the
 * echo, not the final code) go to `answer` separated by '\n' (may be NULL; truncated to answer_cap).
 * For diagnostics and modem set-up outside the APDU path.
 */
enum sgp32_status sgp32_at_command(struct sgp32_at *at, const char *command, char *answer, size_t answer_cap,
                                   uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TRANSPORT_AT_H */
