/* SPDX-License-Identifier: MIT */
/* The AT transport: AT command execution with deadlines, and the APDU transport operations over
 * AT+CSIM (3GPP TS 27.007 8.17) or AT+CCHO / AT+CGLA / AT+CCHC (27.007 8.45, 8.43, 8.46). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* O_NOCTTY, O_CLOEXEC */
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgp32/transport_at.h"

#include "at_internal.h"

#define DEFAULT_COMMAND_TIMEOUT_MS 5000u
#define DEFAULT_STORE_DATA_TIMEOUT_MS 60000u
#define INS_STORE_DATA 0xE2u
/* 3GPP TS 27.007 9.2.1: "SIM not inserted". */
#define CME_SIM_NOT_INSERTED 10
/* "AT+CGLA=4294967295,522,"<522 hex>"" and the like. */
#define COMMAND_MAX (32u + 2u * SGP32_APDU_MAX_COMMAND)
/* Session ids remembered for +CGLA/+CCHC: one per logical channel a card can have (1..19). */
#define SESSIONS_MAX 19u

/* What an information line without its prefix may be taken for. */
enum bare_answer {
    BARE_NONE,
    BARE_SESSION_ID, /* a decimal +CCHO session id (27.007's own form) */
    BARE_HEX         /* `<length>,"<hex>"` of +CSIM/+CGLA (reported for Fibocom FM350-GL) */
};

/* A +CCHO session: the id exactly as the modem printed it, and the handle given out for it. */
struct at_session {
    int used;
    uint32_t handle;
    char id[AT_SESSION_ID_MAX + 1u];
};

struct sgp32_at {
    struct at_channel channel;
    int owns_fd;
    struct sgp32_at_options options;
    enum sgp32_at_mode mode;
    struct sgp32_at_error error;
    uint32_t urc_count;
    char last_urc[64];
    char command[COMMAND_MAX];
    char line[AT_LINE_MAX];
    char answer[AT_LINE_MAX]; /* the information line that carries a result (+CSIM:, +CGLA:, +CCHO:) */
    struct at_session sessions[SESSIONS_MAX];
};

static void copy_text(char *out, size_t cap, const char *text)
{
    size_t len = strlen(text);
    if (len >= cap)
        len = cap - 1u;
    memcpy(out, text, len);
    out[len] = '\0';
}

static enum sgp32_status fail(struct sgp32_at *at, enum sgp32_status status, const char *command, const char *line)
{
    size_t name_len = strcspn(command, "=?");
    at->error.status = status;
    at->error.cme_error = -1;
    at->error.cms_error = -1;
    if (name_len >= sizeof(at->error.command))
        name_len = sizeof(at->error.command) - 1u;
    memcpy(at->error.command, command, name_len);
    at->error.command[name_len] = '\0';
    copy_text(at->error.final_line, sizeof(at->error.final_line), line);
    return status;
}

static void succeed(struct sgp32_at *at)
{
    memset(&at->error, 0, sizeof(at->error));
    at->error.cme_error = -1;
    at->error.cms_error = -1;
}

static void record_urc(struct sgp32_at *at, const char *line)
{
    at->urc_count++;
    copy_text(at->last_urc, sizeof(at->last_urc), line);
}

/* Remembers the modem's text for a session; -1 when every slot is taken (never evict: the evicted
 * session's next command would go out with a wrong id). */
static int remember_session(struct sgp32_at *at, uint32_t handle, const char *id)
{
    struct at_session *slot = NULL;
    size_t i;
    for (i = 0; i < SESSIONS_MAX && slot == NULL; i++)
        if (at->sessions[i].used && at->sessions[i].handle == handle)
            slot = &at->sessions[i];
    for (i = 0; i < SESSIONS_MAX && slot == NULL; i++)
        if (!at->sessions[i].used)
            slot = &at->sessions[i];
    if (slot == NULL)
        return -1;
    slot->used = 1;
    slot->handle = handle;
    copy_text(slot->id, sizeof(slot->id), id);
    return 0;
}

/* The session id text for a handle: as the modem printed it, or the handle in decimal. */
static void session_text(const struct sgp32_at *at, uint32_t handle, char *out, size_t cap)
{
    size_t i;
    for (i = 0; i < SESSIONS_MAX; i++) {
        if (at->sessions[i].used && at->sessions[i].handle == handle) {
            copy_text(out, cap, at->sessions[i].id);
            return;
        }
    }
    snprintf(out, cap, "%lu", (unsigned long)handle);
}

static void forget_session(struct sgp32_at *at, uint32_t handle)
{
    size_t i;
    for (i = 0; i < SESSIONS_MAX; i++)
        if (at->sessions[i].used && at->sessions[i].handle == handle)
            at->sessions[i].used = 0;
}

static int bare_answer_matches(enum bare_answer bare, const char *line)
{
    char token[AT_SESSION_ID_MAX + 1u];
    uint8_t scratch[AT_LINE_MAX / 2u];
    uint32_t handle;
    size_t len;
    if (bare == BARE_SESSION_ID)
        return sgp32_atcmd_parse_session_id(line, token, sizeof(token), &handle) == SGP32_OK;
    if (bare == BARE_HEX)
        return sgp32_atcmd_parse_hex_answer(line, "", scratch, sizeof(scratch), &len) == SGP32_OK;
    return 0;
}

static uint32_t command_timeout(const struct sgp32_at *at, uint32_t timeout_ms)
{
    if (at->options.command_timeout_ms != 0)
        return at->options.command_timeout_ms;
    return timeout_ms != 0 ? timeout_ms : DEFAULT_COMMAND_TIMEOUT_MS;
}

static uint32_t apdu_timeout(const struct sgp32_at *at, const uint8_t *command, uint32_t timeout_ms)
{
    uint32_t normal = command_timeout(at, timeout_ms);
    uint32_t store_data = at->options.store_data_timeout_ms;
    if (command[1] != INS_STORE_DATA)
        return normal;
    if (store_data == 0)
        store_data = normal > DEFAULT_STORE_DATA_TIMEOUT_MS ? normal : DEFAULT_STORE_DATA_TIMEOUT_MS;
    return store_data;
}

/*
 * Sends at->command and reads lines up to its final result code. `expect` is the prefix of the
 * information line that carries the result (NULL: none); a line of the form `bare` allows is taken
 * as that result too (the answer without its prefix), unless a prefixed one comes. The result line
 * is left in at->answer ("" if none came). Other printable lines are unsolicited result codes,
 * skipped; with `collect`, every information line is collected instead.
 */
static enum sgp32_status execute(struct sgp32_at *at, const char *expect, enum bare_answer bare, uint32_t timeout_ms,
                                 char *collect, size_t collect_cap)
{
    uint64_t deadline = transport_now_ms() + timeout_ms;
    size_t command_len = strlen(at->command);
    size_t collected = 0;
    int garbage = 0;
    int answer_prefixed = 0;
    enum sgp32_status st;

    at->answer[0] = '\0';
    if (collect != NULL && collect_cap > 0)
        collect[0] = '\0';
    /* Whatever is waiting belongs to an earlier command (one that timed out) or is a URC. */
    st = sgp32_atcmd_channel_discard_input(&at->channel);
    if (st != SGP32_OK)
        return fail(at, st, at->command, "");
    at->command[command_len] = '\r';
    st = sgp32_atcmd_channel_write(&at->channel, at->command, command_len + 1u, deadline);
    at->command[command_len] = '\0';
    if (st != SGP32_OK)
        return fail(at, st, at->command, "");

    for (;;) {
        size_t len = 0;
        int overlong = 0;
        enum at_line_kind kind;
        st = sgp32_atcmd_channel_read_line(&at->channel, at->line, sizeof(at->line), &len, &overlong, deadline);
        if (st != SGP32_OK)
            return fail(at, garbage && st == SGP32_ERR_TIMEOUT ? SGP32_ERR_PROTOCOL : st, at->command, "");
        kind = overlong ? AT_LINE_GARBAGE : sgp32_atcmd_classify_line(at->line, len, at->command);
        switch (kind) {
        case AT_LINE_ECHO:
            continue;
        case AT_LINE_GARBAGE:
            garbage = 1;
            continue;
        case AT_LINE_INFORMATION:
            if (collect != NULL) {
                size_t room = collect_cap > collected ? collect_cap - collected : 0;
                if (room > 1u) {
                    int n = snprintf(collect + collected, room, "%s%s", collected ? "\n" : "", at->line);
                    collected += (n > 0 && (size_t)n < room) ? (size_t)n : room - 1u;
                }
            } else if (expect != NULL && !answer_prefixed && sgp32_atcmd_has_prefix(at->line, expect)) {
                if (at->answer[0] != '\0')
                    record_urc(at, at->answer); /* the bare-looking line was something else */
                memcpy(at->answer, at->line, len + 1u);
                answer_prefixed = 1;
            } else if (expect != NULL && at->answer[0] == '\0' && bare_answer_matches(bare, at->line)) {
                memcpy(at->answer, at->line, len + 1u);
            } else {
                record_urc(at, at->line);
            }
            continue;
        case AT_LINE_OK:
            if (garbage)
                return fail(at, SGP32_ERR_PROTOCOL, at->command, at->line);
            succeed(at);
            return SGP32_OK;
        case AT_LINE_CME_ERROR: {
            int code = sgp32_atcmd_parse_error_code(at->line);
            st =
                fail(at, code == CME_SIM_NOT_INSERTED ? SGP32_ERR_NO_CARD : SGP32_ERR_TRANSPORT, at->command, at->line);
            at->error.cme_error = code;
            return st;
        }
        case AT_LINE_CMS_ERROR:
            st = fail(at, SGP32_ERR_TRANSPORT, at->command, at->line);
            at->error.cms_error = sgp32_atcmd_parse_error_code(at->line);
            return st;
        case AT_LINE_ERROR:
        default:
            return fail(at, SGP32_ERR_TRANSPORT, at->command, at->line);
        }
    }
}

static enum sgp32_status protocol_error(struct sgp32_at *at)
{
    return fail(at, SGP32_ERR_PROTOCOL, at->command, at->answer);
}

/* Runs a command whose answer is `<prefix> <len>,"<hex R-APDU>"`. */
static enum sgp32_status exchange_apdu(struct sgp32_at *at, const char *prefix, uint32_t timeout_ms, uint8_t *response,
                                       size_t response_cap, size_t *response_len)
{
    enum sgp32_status st = execute(at, prefix, BARE_HEX, timeout_ms, NULL, 0);
    if (st != SGP32_OK)
        return st;
    if (at->answer[0] == '\0')
        return protocol_error(at);
    st = sgp32_atcmd_parse_hex_answer(at->answer, sgp32_atcmd_has_prefix(at->answer, prefix) ? prefix : "", response,
                                      response_cap, response_len);
    if (st == SGP32_ERR_BUFFER_TOO_SMALL)
        return fail(at, st, at->command, at->answer);
    if (st != SGP32_OK || *response_len < 2u)
        return protocol_error(at);
    return SGP32_OK;
}

static enum sgp32_status check_apdu(const uint8_t *command, size_t command_len, uint8_t *response, size_t *response_len)
{
    if (command == NULL || command_len < 4u || command_len > SGP32_APDU_MAX_COMMAND || response == NULL ||
        response_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *response_len = 0;
    return SGP32_OK;
}

static enum sgp32_status at_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                     size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct sgp32_at *at = user;
    size_t used;
    enum sgp32_status st = check_apdu(command, command_len, response, response_len);
    if (st != SGP32_OK)
        return st;
    used = (size_t)snprintf(at->command, sizeof(at->command), "AT+CSIM=%u,\"", (unsigned)(command_len * 2u));
    sgp32_atcmd_hex_encode(command, command_len, at->command + used);
    used += command_len * 2u;
    memcpy(at->command + used, "\"", 2);
    return exchange_apdu(at, "+CSIM:", apdu_timeout(at, command, timeout_ms), response, response_cap, response_len);
}

static enum sgp32_status at_transmit_on_channel(void *user, uint32_t channel, const uint8_t *command,
                                                size_t command_len, uint8_t *response, size_t response_cap,
                                                size_t *response_len, uint32_t timeout_ms)
{
    struct sgp32_at *at = user;
    char id[AT_SESSION_ID_MAX + 1u];
    size_t used;
    enum sgp32_status st = check_apdu(command, command_len, response, response_len);
    if (st != SGP32_OK)
        return st;
    /* The modem puts the channel of the session into the CLA byte (27.007 8.43). */
    session_text(at, channel, id, sizeof(id));
    used = (size_t)snprintf(at->command, sizeof(at->command), "AT+CGLA=%s,%u,\"", id, (unsigned)(command_len * 2u));
    sgp32_atcmd_hex_encode(command, command_len, at->command + used);
    used += command_len * 2u;
    memcpy(at->command + used, "\"", 2);
    return exchange_apdu(at, "+CGLA:", apdu_timeout(at, command, timeout_ms), response, response_cap, response_len);
}

static enum sgp32_status at_open_logical_channel(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                                 uint8_t *select_response, size_t select_cap, size_t *select_len,
                                                 uint32_t timeout_ms)
{
    struct sgp32_at *at = user;
    char id[AT_SESSION_ID_MAX + 1u];
    enum sgp32_status st;
    (void)select_response;
    (void)select_cap;
    if (aid == NULL || aid_len < 5u || aid_len > 16u || channel == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    /* +CCHO does not return the SELECT answer. */
    if (select_len != NULL)
        *select_len = 0;
    memcpy(at->command, "AT+CCHO=\"", 9);
    sgp32_atcmd_hex_encode(aid, aid_len, at->command + 9);
    memcpy(at->command + 9 + aid_len * 2u, "\"", 2);
    st = execute(at, "+CCHO:", BARE_SESSION_ID, command_timeout(at, timeout_ms), NULL, 0);
    if (st != SGP32_OK)
        return st;
    if (at->answer[0] == '\0' || sgp32_atcmd_parse_session_id(at->answer, id, sizeof(id), channel) != SGP32_OK)
        return protocol_error(at);
    if (remember_session(at, *channel, id) != 0) {
        /* More sessions than a card has channels: give this one back rather than lose track. */
        snprintf(at->command, sizeof(at->command), "AT+CCHC=%s", id);
        (void)execute(at, NULL, BARE_NONE, command_timeout(at, timeout_ms), NULL, 0);
        return SGP32_ERR_STATE;
    }
    return SGP32_OK;
}

static enum sgp32_status at_close_logical_channel(void *user, uint32_t channel, uint32_t timeout_ms)
{
    struct sgp32_at *at = user;
    char id[AT_SESSION_ID_MAX + 1u];
    session_text(at, channel, id, sizeof(id));
    /* Forgotten whatever the answer: a modem that cannot close (some lack +CCHC) frees the channel
     * at its next reset. */
    forget_session(at, channel);
    snprintf(at->command, sizeof(at->command), "AT+CCHC=%s", id);
    /* Some modems answer "+CCHC" before OK: an information line, skipped. */
    return execute(at, "+CCHC", BARE_NONE, command_timeout(at, timeout_ms), NULL, 0);
}

static enum sgp32_status at_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct sgp32_at *at = user;
    (void)atr;
    (void)atr_cap;
    if (atr_len != NULL)
        *atr_len = 0;
    copy_text(at->command, sizeof(at->command), "AT");
    return execute(at, NULL, BARE_NONE, command_timeout(at, timeout_ms), NULL, 0);
}

static void at_close(void *user)
{
    /* The descriptor stays open until sgp32_at_free(); channels are closed by their owner. */
    (void)user;
}

static const struct sgp32_apdu_transport_ops csim_ops = {SGP32_APDU_TRANSPORT_VERSION,
                                                         sizeof(struct sgp32_apdu_transport_ops),
                                                         0u,
                                                         at_open,
                                                         at_close,
                                                         at_transmit,
                                                         NULL,
                                                         NULL,
                                                         NULL,
                                                         NULL,
                                                         NULL};

static const struct sgp32_apdu_transport_ops ccho_ops = {SGP32_APDU_TRANSPORT_VERSION,
                                                         sizeof(struct sgp32_apdu_transport_ops),
                                                         SGP32_TRANSPORT_OWNS_CHANNELS,
                                                         at_open,
                                                         at_close,
                                                         at_transmit,
                                                         NULL,
                                                         at_open_logical_channel,
                                                         at_close_logical_channel,
                                                         at_transmit_on_channel,
                                                         NULL};

void sgp32_at_transport(struct sgp32_at *at, struct sgp32_apdu_transport *transport)
{
    if (transport == NULL)
        return;
    transport->ops = (at != NULL && at->mode == SGP32_AT_MODE_CCHO) ? &ccho_ops : &csim_ops;
    transport->user = at;
}

enum sgp32_at_mode sgp32_at_active_mode(const struct sgp32_at *at)
{
    return at != NULL ? at->mode : SGP32_AT_MODE_AUTO;
}

const struct sgp32_at_error *sgp32_at_last_error(const struct sgp32_at *at)
{
    return at != NULL ? &at->error : NULL;
}

uint32_t sgp32_at_urc_count(const struct sgp32_at *at)
{
    return at != NULL ? at->urc_count : 0;
}

const char *sgp32_at_last_urc(const struct sgp32_at *at)
{
    return at != NULL ? at->last_urc : "";
}

enum sgp32_status sgp32_at_command(struct sgp32_at *at, const char *command, char *answer, size_t answer_cap,
                                   uint32_t timeout_ms)
{
    static char unused[1];
    if (at == NULL || command == NULL || strlen(command) >= sizeof(at->command) || strchr(command, '\r') != NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    copy_text(at->command, sizeof(at->command), command);
    if (answer == NULL || answer_cap == 0) {
        answer = unused;
        answer_cap = sizeof(unused);
    }
    return execute(at, NULL, BARE_NONE, command_timeout(at, timeout_ms), answer, answer_cap);
}

/* Checks that the modem answers and resolves the AUTO mode: a modem that knows AT+CCHO answers OK to
 * its test command (V.250 5.4.3.1: `=?`), one that does not answers ERROR. */
static enum sgp32_status start(struct sgp32_at *at)
{
    enum sgp32_status st;
    copy_text(at->command, sizeof(at->command), "AT");
    st = execute(at, NULL, BARE_NONE, command_timeout(at, 0), NULL, 0);
    if (st != SGP32_OK || at->mode != SGP32_AT_MODE_AUTO)
        return st;
    copy_text(at->command, sizeof(at->command), "AT+CCHO=?");
    st = execute(at, NULL, BARE_NONE, command_timeout(at, 0), NULL, 0);
    if (st == SGP32_OK) {
        at->mode = SGP32_AT_MODE_CCHO;
    } else if (st == SGP32_ERR_TRANSPORT && at->error.final_line[0] != '\0') {
        at->mode = SGP32_AT_MODE_CSIM; /* refused: fall back */
        succeed(at);
        st = SGP32_OK;
    }
    return st;
}

static enum sgp32_status create(int fd, int owns_fd, const struct sgp32_at_options *options, struct sgp32_at **out)
{
    struct sgp32_at *at = calloc(1, sizeof(*at));
    enum sgp32_status st;
    if (at == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (options != NULL)
        at->options = *options;
    at->options.size = sizeof(at->options);
    at->mode = at->options.mode;
    at->owns_fd = owns_fd;
    succeed(at);
    st = sgp32_atcmd_channel_init(&at->channel, fd);
    if (st == SGP32_OK)
        st = start(at);
    if (st != SGP32_OK) {
        sgp32_at_free(at);
        return st;
    }
    *out = at;
    return SGP32_OK;
}

static int options_valid(const struct sgp32_at_options *options)
{
    return options == NULL ||
           (options->size >= sizeof(*options) && (unsigned)options->mode <= (unsigned)SGP32_AT_MODE_CSIM);
}

enum sgp32_status sgp32_at_open_path(const char *path, const struct sgp32_at_options *options, struct sgp32_at **at)
{
    enum sgp32_status st;
    int fd;
    if (at == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *at = NULL;
    if (path == NULL || !options_valid(options))
        return SGP32_ERR_INVALID_ARGUMENT;
    /* O_NONBLOCK: opening a serial port must not wait for carrier detect. */
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return SGP32_ERR_TRANSPORT;
    st = isatty(fd) ? sgp32_atcmd_tty_configure(fd, options != NULL ? options->baud : 0) : SGP32_OK;
    if (st != SGP32_OK) {
        close(fd);
        return st;
    }
    return create(fd, 1, options, at);
}

enum sgp32_status sgp32_at_open_fd(int fd, const struct sgp32_at_options *options, struct sgp32_at **at)
{
    if (at == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *at = NULL;
    if (fd < 0 || !options_valid(options))
        return SGP32_ERR_INVALID_ARGUMENT;
    return create(fd, 0, options, at);
}

void sgp32_at_free(struct sgp32_at *at)
{
    if (at == NULL)
        return;
    if (at->owns_fd)
        close(at->channel.fd);
    free(at);
}
