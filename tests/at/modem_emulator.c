/* SPDX-License-Identifier: MIT */
/* The modem emulator (see modem_emulator.h): a thread reading AT command lines and answering them
 * from a software eUICC, with the quirks of real modems switchable. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* openpty, mkdtemp */
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#ifdef TEST_PEER_WITH_WOLFSSL
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#endif

#include "modem_emulator.h"
#include "sgp32/softeuicc.h"
#include "sgp32/transport.h"

#define MAX_CHANNELS 20u
#define LINE_CAP 2048u
#define LOG_MAX 8192u
#define LOG_WIDTH 16u
#define HEX_SESSION_BASE 0x0385A700ul

struct modem_emulator {
    char dir[64];
    char tty[128];
    struct sgp32_softeuicc *card;
    int fd;       /* the modem's end: pty master or socket */
    int slave_fd; /* pty mode: kept open so that the pty lives until the transport opens it */
    int wake[2];  /* stop() writes here */
    pthread_t thread;
    pthread_mutex_t lock; /* guards quirks and the counters read by the test thread */
    struct modem_quirks quirks;
    int echo;
    int hung_up;
    uint8_t last_cla;
    int session_open[MAX_CHANNELS]; /* by channel number */
    char log[LOG_MAX][LOG_WIDTH];
    unsigned log_len;
    char line[LINE_CAP];
    size_t line_len;
    int line_overflow;
};

static void put(struct modem_emulator *em, const char *text)
{
    size_t done = 0, len = strlen(text);
    if (em->hung_up)
        return;
    while (done < len) {
        ssize_t n = write(em->fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            /* The transport stopped reading: give up after a second rather than block stop(). */
            struct pollfd pfd = {em->fd, POLLOUT, 0};
            if (poll(&pfd, 1, 1000) <= 0)
                return;
            continue;
        }
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

/* An information line or a final result code in V.250 verbose form: CR LF text CR LF. */
static void put_line(struct modem_emulator *em, const char *text)
{
    put(em, "\r\n");
    put(em, text);
    put(em, "\r\n");
}

static void final(struct modem_emulator *em, const struct modem_quirks *q, const char *result)
{
    put_line(em, result);
    if (q->urc_after)
        put_line(em, "+CIEV: \"signal\",3");
}

static int hex_digit(char c, int uppercase_only)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (!uppercase_only && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses `<len>,"<hex>"` as +CSIM and +CGLA carry it; returns the byte count or -1. */
static int parse_len_hex(const char *p, uint8_t *out, size_t cap, int uppercase_only)
{
    char *end;
    long len = strtol(p, &end, 10);
    size_t i, digits;
    if (end == p || *end != ',' || end[1] != '"')
        return -1;
    p = end + 2;
    for (digits = 0; p[digits] != '\0' && p[digits] != '"'; digits++)
        if (hex_digit(p[digits], uppercase_only) < 0)
            return -1;
    if (p[digits] != '"' || p[digits + 1] != '\0' || (long)digits != len || digits % 2 || digits / 2 > cap)
        return -1;
    for (i = 0; i < digits / 2; i++)
        out[i] = (uint8_t)(hex_digit(p[2 * i], 0) << 4 | hex_digit(p[2 * i + 1], 0));
    return (int)(digits / 2);
}

static void hex_answer(struct modem_emulator *em, const char *prefix, const uint8_t *data, size_t len, int garbage)
{
    char text[16 + 2 * SGP32_APDU_MAX_RESPONSE + 8];
    size_t used = (size_t)snprintf(text, sizeof(text), "%s%s%u,\"", prefix, *prefix ? " " : "", (unsigned)(2 * len));
    size_t i;
    for (i = 0; i < len; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%02X", data[i]);
    if (garbage && len > 0)
        text[used - 1] = 'Z'; /* not a hex digit */
    snprintf(text + used, sizeof(text) - used, "\"");
    put_line(em, text);
}

static uint8_t channel_of_cla(uint8_t cla)
{
    if (cla & 0x40u)
        return (uint8_t)(4u + (cla & 0x0Fu));
    return (uint8_t)(cla & 0x03u);
}

static uint8_t cla_for_channel(uint8_t cla, uint8_t channel)
{
    uint8_t proprietary = cla & 0x80u;
    if (channel <= 3)
        return (uint8_t)(proprietary | (cla & 0x3Cu) | channel);
    return (uint8_t)(proprietary | 0x40u | (channel - 4u));
}

static int card_apdu(struct modem_emulator *em, const uint8_t *apdu, size_t len, uint8_t *resp, size_t *resp_len)
{
    pthread_mutex_lock(&em->lock);
    em->last_cla = apdu[0];
    pthread_mutex_unlock(&em->lock);
    return sgp32_softeuicc_process_apdu(em->card, apdu, len, resp, SGP32_APDU_MAX_RESPONSE, resp_len) == SGP32_OK &&
                   *resp_len >= 2
               ? 0
               : -1;
}

static void set_session(struct modem_emulator *em, unsigned channel, int open)
{
    pthread_mutex_lock(&em->lock);
    em->session_open[channel] = open;
    pthread_mutex_unlock(&em->lock);
}

static void do_csim(struct modem_emulator *em, const struct modem_quirks *q, const char *args)
{
    uint8_t apdu[SGP32_APDU_MAX_COMMAND], resp[SGP32_APDU_MAX_RESPONSE];
    size_t resp_len = 0;
    int n = parse_len_hex(args, apdu, sizeof(apdu), q->uppercase_only);
    if (n < 4) {
        final(em, q, "ERROR");
        return;
    }
    if (card_apdu(em, apdu, (size_t)n, resp, &resp_len) != 0) {
        final(em, q, "+CME ERROR: 13"); /* SIM failure */
        return;
    }
    hex_answer(em, q->bare_apdu ? "" : "+CSIM:", resp, resp_len, q->garbage_answer);
    final(em, q, "OK");
}

static void do_ccho(struct modem_emulator *em, const struct modem_quirks *q, const char *args)
{
    static const uint8_t open_channel[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    uint8_t aid[16], select[5 + 16 + 1], resp[SGP32_APDU_MAX_RESPONSE];
    size_t resp_len = 0, aid_len = 0, i;
    char text[48];
    uint8_t channel;
    size_t hex_len = strlen(args);

    if (q->refuse_ccho) {
        snprintf(text, sizeof(text), "+CME ERROR: %d", q->refuse_ccho);
        final(em, q, text);
        return;
    }
    if (hex_len < 4 || args[0] != '"' || args[hex_len - 1] != '"' || (hex_len - 2) % 2 || (hex_len - 2) / 2 > 16) {
        final(em, q, "ERROR");
        return;
    }
    for (i = 1; i + 1 < hex_len - 1; i += 2) {
        int hi = hex_digit(args[i], q->uppercase_only), lo = hex_digit(args[i + 1], q->uppercase_only);
        if (hi < 0 || lo < 0) {
            final(em, q, "ERROR");
            return;
        }
        aid[aid_len++] = (uint8_t)(hi << 4 | lo);
    }
    if (card_apdu(em, open_channel, sizeof(open_channel), resp, &resp_len) != 0 || resp_len != 3 || resp[1] != 0x90) {
        final(em, q, "+CME ERROR: 4"); /* no free channel */
        return;
    }
    channel = resp[0];
    select[0] = cla_for_channel(0x00, channel);
    select[1] = 0xA4;
    select[2] = 0x04;
    select[3] = 0x00;
    select[4] = (uint8_t)aid_len;
    memcpy(select + 5, aid, aid_len);
    select[5 + aid_len] = 0x00;
    if (card_apdu(em, select, 6 + aid_len, resp, &resp_len) != 0 ||
        !(resp[resp_len - 2] == 0x90 || resp[resp_len - 2] == 0x61)) {
        uint8_t close_channel[4] = {0x00, 0x70, 0x80, 0x00};
        close_channel[3] = channel;
        (void)card_apdu(em, close_channel, sizeof(close_channel), resp, &resp_len);
        final(em, q, "+CME ERROR: 100"); /* unknown */
        return;
    }
    if (resp[resp_len - 2] == 0x61) { /* drain the FCI: a modem does not return it */
        uint8_t get_response[5] = {0x00, 0xC0, 0x00, 0x00, 0x00};
        get_response[0] = cla_for_channel(0x00, channel);
        get_response[4] = resp[resp_len - 1];
        (void)card_apdu(em, get_response, sizeof(get_response), resp, &resp_len);
    }
    set_session(em, channel, 1);
    if (q->hex_session_ids)
        snprintf(text, sizeof(text), q->bare_ccho ? "%016lx" : "+CCHO: %016lx", HEX_SESSION_BASE + channel);
    else
        snprintf(text, sizeof(text), q->bare_ccho ? "%lu" : "+CCHO: %lu", (unsigned long)(q->session_base + channel));
    put_line(em, text);
    final(em, q, "OK");
}

/* The channel of an open session id, or -1. */
static int session_channel(struct modem_emulator *em, const struct modem_quirks *q, const char *id_text, char **end)
{
    unsigned long base = q->hex_session_ids ? HEX_SESSION_BASE : q->session_base;
    unsigned long id = strtoul(id_text, end, q->hex_session_ids ? 16 : 10);
    int open;
    if (*end == id_text || id < base || id - base >= MAX_CHANNELS)
        return -1;
    pthread_mutex_lock(&em->lock);
    open = em->session_open[id - base];
    pthread_mutex_unlock(&em->lock);
    return open ? (int)(id - base) : -1;
}

static void do_cgla(struct modem_emulator *em, const struct modem_quirks *q, const char *args)
{
    uint8_t apdu[SGP32_APDU_MAX_COMMAND], resp[SGP32_APDU_MAX_RESPONSE];
    size_t resp_len = 0;
    char *end;
    int channel = session_channel(em, q, args, &end);
    int n;
    if (channel < 0) {
        final(em, q, "+CME ERROR: 21"); /* invalid index */
        return;
    }
    if (*end != ',' || (n = parse_len_hex(end + 1, apdu, sizeof(apdu), q->uppercase_only)) < 4) {
        final(em, q, "ERROR");
        return;
    }
    if (channel_of_cla(apdu[0]) != 0) {
        final(em, q, "+CME ERROR: 50"); /* incorrect parameters: the modem sets the channel bits */
        return;
    }
    apdu[0] = cla_for_channel(apdu[0], (uint8_t)channel);
    if (card_apdu(em, apdu, (size_t)n, resp, &resp_len) != 0) {
        final(em, q, "+CME ERROR: 13");
        return;
    }
    hex_answer(em, q->bare_apdu ? "" : "+CGLA:", resp, resp_len, q->garbage_answer);
    final(em, q, "OK");
}

static void do_cchc(struct modem_emulator *em, const struct modem_quirks *q, const char *args)
{
    uint8_t close_channel[4] = {0x00, 0x70, 0x80, 0x00}, resp[SGP32_APDU_MAX_RESPONSE];
    size_t resp_len = 0;
    char *end;
    int channel = session_channel(em, q, args, &end);
    if (channel < 0 || *end != '\0') {
        final(em, q, "+CME ERROR: 21");
        return;
    }
    close_channel[3] = (uint8_t)channel;
    (void)card_apdu(em, close_channel, sizeof(close_channel), resp, &resp_len);
    set_session(em, (unsigned)channel, 0);
    final(em, q, "OK");
}

static void reboot(struct modem_emulator *em, const struct modem_quirks *q)
{
    (void)sgp32_softeuicc_reset(em->card, NULL, 0, NULL);
    pthread_mutex_lock(&em->lock);
    memset(em->session_open, 0, sizeof(em->session_open));
    pthread_mutex_unlock(&em->lock);
    em->echo = q->echo;
    put_line(em, "RDY");
}

static void hang_up(struct modem_emulator *em)
{
    em->hung_up = 1;
    close(em->fd);
    if (em->slave_fd >= 0)
        close(em->slave_fd);
    em->fd = -1;
    em->slave_fd = -1;
}

/* Counts down a fault trigger; 1 when it fires now. */
static int trigger(uint32_t *countdown)
{
    if (*countdown == 0)
        return 0;
    return --*countdown == 0;
}

static void handle_line(struct modem_emulator *em)
{
    struct modem_quirks q;
    char name[16];
    const char *args;
    size_t name_len, i;
    int reboot_now, hangup_now;

    pthread_mutex_lock(&em->lock);
    if (em->log_len < LOG_MAX) {
        size_t keep = strlen(em->line) < LOG_WIDTH - 1 ? strlen(em->line) : LOG_WIDTH - 1;
        memcpy(em->log[em->log_len], em->line, keep);
        em->log[em->log_len++][keep] = '\0';
    }
    reboot_now = trigger(&em->quirks.reboot_after);
    hangup_now = trigger(&em->quirks.hangup_after);
    q = em->quirks;
    pthread_mutex_unlock(&em->lock);

    if (em->echo && !q.silent) {
        put(em, em->line);
        put(em, "\r");
    }
    if (hangup_now) {
        hang_up(em);
        return;
    }
    if (reboot_now) {
        reboot(em, &q);
        return;
    }
    if (q.silent)
        return;
    if (q.urc_before)
        put_line(em, "+CREG: 1");
    if (q.garbage)
        put_line(em, "\x01\xfe\x80\x7f!!");
    if (em->line_overflow) {
        final(em, &q, "ERROR");
        return;
    }

    name_len = strcspn(em->line, "=?");
    if (name_len >= sizeof(name)) {
        final(em, &q, "ERROR");
        return;
    }
    for (i = 0; i < name_len; i++)
        name[i] = (char)((em->line[i] >= 'a' && em->line[i] <= 'z') ? em->line[i] - 'a' + 'A' : em->line[i]);
    name[name_len] = '\0';
    args = em->line + name_len;
    if (strcmp(args, "=?") == 0) { /* test command: supported or not */
        int ccho_family = !strcmp(name, "AT+CCHO") || !strcmp(name, "AT+CGLA") || !strcmp(name, "AT+CCHC");
        final(em, &q, (ccho_family && q.no_ccho) || !(ccho_family || !strcmp(name, "AT+CSIM")) ? "ERROR" : "OK");
        return;
    }
    if (q.sim_removed && *args == '=' &&
        (!strcmp(name, "AT+CSIM") || !strcmp(name, "AT+CCHO") || !strcmp(name, "AT+CGLA"))) {
        /* The card is out: when it comes back it starts from reset, without channels. */
        (void)sgp32_softeuicc_reset(em->card, NULL, 0, NULL);
        pthread_mutex_lock(&em->lock);
        memset(em->session_open, 0, sizeof(em->session_open));
        pthread_mutex_unlock(&em->lock);
        final(em, &q, "+CME ERROR: 10");
        return;
    }
    if (!strcmp(name, "AT") && *args == '\0') {
        final(em, &q, "OK");
    } else if ((!strcmp(name, "ATE0") || !strcmp(name, "ATE1")) && *args == '\0') {
        em->echo = name[3] == '1';
        final(em, &q, "OK");
    } else if (!strcmp(name, "AT+CSIM") && *args == '=') {
        do_csim(em, &q, args + 1);
    } else if (!q.no_ccho && !strcmp(name, "AT+CCHO") && *args == '=') {
        do_ccho(em, &q, args + 1);
    } else if (!q.no_ccho && !strcmp(name, "AT+CGLA") && *args == '=') {
        do_cgla(em, &q, args + 1);
    } else if (!q.no_ccho && !strcmp(name, "AT+CCHC") && *args == '=') {
        do_cchc(em, &q, args + 1);
    } else {
        final(em, &q, "ERROR");
    }
}

static void *run(void *arg)
{
    struct modem_emulator *em = arg;
    for (;;) {
        struct pollfd pfd[2];
        char buf[512];
        ssize_t n, i;
        pfd[0].fd = em->wake[0];
        pfd[0].events = POLLIN;
        pfd[1].fd = em->fd; /* -1 after a hang-up: ignored by poll */
        pfd[1].events = POLLIN;
        pfd[0].revents = pfd[1].revents = 0;
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents)
            break;
        if (!(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(em->fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            /* pty master: EIO while no process has the slave open; wait for stop. */
            hang_up(em);
            continue;
        }
        for (i = 0; i < n && em->fd >= 0; i++) {
            char c = buf[i];
            if (c == '\r') {
                em->line[em->line_len] = '\0';
                if (em->line_len > 0 || em->line_overflow)
                    handle_line(em);
                em->line_len = 0;
                em->line_overflow = 0;
            } else if (c != '\n') {
                if (em->line_len + 1 < LINE_CAP)
                    em->line[em->line_len++] = c;
                else
                    em->line_overflow = 1;
            }
        }
    }
#ifdef TEST_PEER_WITH_WOLFSSL
    /* The card signed on this thread: wolfSSL's fixed-point ECC cache is thread-local and only this
     * thread can free it. */
    wc_ecc_fp_free();
#endif
    return NULL;
}

static int create_card(struct modem_emulator *em, const struct sgp32_softeuicc_identity *identity)
{
    snprintf(em->dir, sizeof(em->dir), "/tmp/sgp32-at-XXXXXX");
    if (mkdtemp(em->dir) == NULL)
        return -1;
    rmdir(em->dir); /* create() makes it */
    return sgp32_softeuicc_create(em->dir, identity, NULL, &em->card) == SGP32_OK ? 0 : -1;
}

static struct sgp32_softeuicc_identity eid_only(const uint8_t eid[16])
{
    struct sgp32_softeuicc_identity identity;
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, eid, 16);
    return identity;
}

static struct modem_emulator *alloc_emulator(const struct modem_quirks *quirks)
{
    struct modem_emulator *em = calloc(1, sizeof(*em));
    if (em == NULL)
        return NULL;
    em->fd = em->slave_fd = -1;
    em->wake[0] = em->wake[1] = -1;
    if (quirks != NULL)
        em->quirks = *quirks;
    em->echo = em->quirks.echo;
    pthread_mutex_init(&em->lock, NULL);
    return em;
}

static int launch(struct modem_emulator *em, const struct sgp32_softeuicc_identity *identity)
{
    if (create_card(em, identity) != 0 || pipe(em->wake) != 0)
        return -1;
    return pthread_create(&em->thread, NULL, run, em) == 0 ? 0 : -1;
}

int modem_emulator_start_pty(const uint8_t eid[16], const struct modem_quirks *quirks, struct modem_emulator **out)
{
    struct sgp32_softeuicc_identity identity = eid_only(eid);
    return modem_emulator_start_pty_identity(&identity, quirks, out);
}

int modem_emulator_start_pty_identity(const struct sgp32_softeuicc_identity *identity,
                                      const struct modem_quirks *quirks, struct modem_emulator **out)
{
    struct modem_emulator *em = alloc_emulator(quirks);
    struct termios tio;
    *out = NULL;
    if (em == NULL)
        return -1;
    if (openpty(&em->fd, &em->slave_fd, em->tty, NULL, NULL) != 0) {
        free(em);
        return -1;
    }
    /* Raw on both sides from the start: the line discipline must not echo or translate anything
     * before the transport configures its end. */
    if (tcgetattr(em->slave_fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(em->slave_fd, TCSANOW, &tio);
    }
    fcntl(em->fd, F_SETFL, fcntl(em->fd, F_GETFL) | O_NONBLOCK);
    if (launch(em, identity) != 0) {
        close(em->fd);
        close(em->slave_fd);
        free(em);
        return -1;
    }
    *out = em;
    return 0;
}

int modem_emulator_start_socketpair(const uint8_t eid[16], const struct modem_quirks *quirks,
                                    struct modem_emulator **out, int *host_fd)
{
    struct modem_emulator *em = alloc_emulator(quirks);
    struct sgp32_softeuicc_identity identity = eid_only(eid);
    int sv[2];
    *out = NULL;
    if (em == NULL)
        return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        free(em);
        return -1;
    }
    em->fd = sv[0];
    *host_fd = sv[1];
    if (launch(em, &identity) != 0) {
        close(sv[0]);
        close(sv[1]);
        free(em);
        return -1;
    }
    *out = em;
    return 0;
}

const char *modem_emulator_tty(const struct modem_emulator *em)
{
    return em->tty;
}

void modem_emulator_set_quirks(struct modem_emulator *em, const struct modem_quirks *quirks)
{
    pthread_mutex_lock(&em->lock);
    em->quirks = *quirks;
    pthread_mutex_unlock(&em->lock);
}

unsigned modem_emulator_count(struct modem_emulator *em, const char *prefix)
{
    unsigned i, count = 0;
    size_t len = strlen(prefix);
    pthread_mutex_lock(&em->lock);
    for (i = 0; i < em->log_len; i++)
        if (strncasecmp(em->log[i], prefix, len) == 0)
            count++;
    pthread_mutex_unlock(&em->lock);
    return count;
}

uint8_t modem_emulator_last_cla(struct modem_emulator *em)
{
    uint8_t cla;
    pthread_mutex_lock(&em->lock);
    cla = em->last_cla;
    pthread_mutex_unlock(&em->lock);
    return cla;
}

unsigned modem_emulator_open_sessions(struct modem_emulator *em)
{
    unsigned i, count = 0;
    pthread_mutex_lock(&em->lock);
    for (i = 0; i < MAX_CHANNELS; i++)
        count += em->session_open[i] ? 1u : 0u;
    pthread_mutex_unlock(&em->lock);
    return count;
}

void modem_emulator_stop(struct modem_emulator *em)
{
    char cmd[128];
    if (em == NULL)
        return;
    (void)!write(em->wake[1], "x", 1);
    pthread_join(em->thread, NULL);
    if (em->fd >= 0)
        close(em->fd);
    if (em->slave_fd >= 0)
        close(em->slave_fd);
    close(em->wake[0]);
    close(em->wake[1]);
    sgp32_softeuicc_free(em->card);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", em->dir);
    (void)!system(cmd);
    pthread_mutex_destroy(&em->lock);
    free(em);
}
