/* SPDX-License-Identifier: MIT */
/* Internals of the AT transport: line I/O with deadlines (at_channel.c) and the parser of AT answers
 * (at_parser.c). The parser is pure (no I/O) so that it can be tested on its own. The functions carry
 * the sgp32_atcmd_ prefix so that a static libsgp32 cannot clash with an application's own AT code;
 * the shared library does not export them (lib/sgp32.map exports sgp32_at_* only). */
#ifndef SGP32_TRANSPORTS_AT_INTERNAL_H
#define SGP32_TRANSPORTS_AT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#include "../common/deadline.h"

/* Longest line kept; an answer to a 261-byte C-APDU is about 540 characters. Longer lines are
 * garbage. */
#define AT_LINE_MAX 1024u

/* ---- Line I/O over a descriptor (at_channel.c). */

struct at_channel {
    int fd;
    unsigned char pending[AT_LINE_MAX * 2u]; /* received bytes not yet returned as lines */
    size_t pending_len;
    int discarding; /* inside an over-long line: drop bytes up to its end */
};

/* Puts a tty into raw mode (no echo, no line editing, no CR/NL mapping, 8N1, no flow control) at
 * `baud` bit/s (0: keep the speed). SGP32_ERR_INVALID_ARGUMENT for a speed termios lacks. */
enum sgp32_status sgp32_atcmd_tty_configure(int fd, uint32_t baud);

/* Starts using fd (made non-blocking). */
enum sgp32_status sgp32_atcmd_channel_init(struct at_channel *channel, int fd);
/* Writes all of data before deadline_ms (transport_now_ms() time). */
enum sgp32_status sgp32_atcmd_channel_write(struct at_channel *channel, const char *data, size_t len,
                                            uint64_t deadline_ms);
/*
 * Returns the next non-empty line (without CR/LF, NUL-terminated) received before deadline_ms.
 * Lines end at CR or LF. A line longer than AT_LINE_MAX - 1 comes back truncated with *overlong set
 * (the rest up to its end is dropped). SGP32_ERR_TIMEOUT at the deadline, SGP32_ERR_TRANSPORT when
 * the line went away (EOF, hang-up, I/O error).
 */
enum sgp32_status sgp32_atcmd_channel_read_line(struct at_channel *channel, char *line, size_t cap, size_t *len,
                                                int *overlong, uint64_t deadline_ms);
/* Drops whatever has been received and not read (late answers of a command that timed out). */
enum sgp32_status sgp32_atcmd_channel_discard_input(struct at_channel *channel);

/* ---- Parser (at_parser.c). */

enum at_line_kind {
    AT_LINE_OK,         /* final: OK */
    AT_LINE_ERROR,      /* final: ERROR (and NO CARRIER, BUSY, NO ANSWER, NO DIALTONE) */
    AT_LINE_CME_ERROR,  /* final: +CME ERROR: <n> or <text> */
    AT_LINE_CMS_ERROR,  /* final: +CMS ERROR: <n> or <text> */
    AT_LINE_ECHO,       /* the echo of the command just sent */
    AT_LINE_GARBAGE,    /* bytes that are not a printable line (or an over-long one) */
    AT_LINE_INFORMATION /* anything else printable: an answer line or an unsolicited result code */
};

/* Classifies one line received after `command` (the line sent, without CR; may be NULL). */
enum at_line_kind sgp32_atcmd_classify_line(const char *line, size_t len, const char *command);
/* 1 for the final result codes above. */
int sgp32_atcmd_line_is_final(enum at_line_kind kind);
/* The <n> of "+CME ERROR: <n>" / "+CMS ERROR: <n>"; -1 for a text form or a malformed number. */
int sgp32_atcmd_parse_error_code(const char *line);

/* 1 if `line` starts with `prefix` (e.g. "+CGLA:"), compared without regard to case. */
int sgp32_atcmd_has_prefix(const char *line, const char *prefix);

/*
 * Parses `<prefix> <length>,"<hex>"` (quotes optional, spaces after the prefix and around the comma
 * tolerated; <length> counts hex characters as 27.007 defines for +CSIM and +CGLA) into bytes.
 * SGP32_ERR_PROTOCOL for a malformed line, a length that does not match, an odd number of digits;
 * SGP32_ERR_BUFFER_TOO_SMALL when out is too small.
 */
enum sgp32_status sgp32_atcmd_parse_hex_answer(const char *line, const char *prefix, uint8_t *out, size_t cap,
                                               size_t *out_len);
/* Longest session id text kept (a 64-bit value in hex is 16 digits). */
#define AT_SESSION_ID_MAX 20u

/*
 * Parses a +CCHO session id: `+CCHO: <id>`, `+CCHO: "<id>"` or a bare decimal `<id>`. After the
 * prefix the id may also be hex digits (reported for Sierra Wireless modules: `+CCHO:
 * 000000000385a7cf`). token receives the id as received (it goes back verbatim in +CGLA/+CCHC);
 * *handle a 32-bit number for it: its value when decimal and < 2^32, else the low 32 bits of its
 * hex value.
 */
enum sgp32_status sgp32_atcmd_parse_session_id(const char *line, char *token, size_t token_cap, uint32_t *handle);

/* Writes 2 * len upper-case hex digits and a NUL into out (cap >= 2 * len + 1). */
void sgp32_atcmd_hex_encode(const uint8_t *data, size_t len, char *out);

#endif
