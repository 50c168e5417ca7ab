/* SPDX-License-Identifier: MIT */
/*
 * What bounds one PC/SC exchange (docs/pcsc.md, "Timeouts"), checked against a real pcscd and a card
 * behind vsmartcard's vpcd that answers READ BINARY only after <delay ms> (slow_vpcd_card.py). Run by
 * run_pcsc_timeout_test.sh.
 *
 *   pcsc_timeout_check --reader <name part> --delay-ms <n>
 *
 * 1. The PC/SC transport's transmit with a timeout far below the delay returns the card's answer
 *    after the delay: the timeout is not enforced, and nothing is lost or left behind.
 * 2. SCardCancel() from a watchdog thread during a pending SCardTransmit() succeeds at once but does
 *    not end the exchange (pcsc-lite cancels only SCardGetStatusChange()).
 * 3. SCardGetStatusChange() on a second context meanwhile returns at its own timeout: a watchdog can
 *    see the reader busy, not stop it.
 * If a pcsc-lite version changes 2, this check fails and the transport can use it for a real bound.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "pcsc_check.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_pcsc.h"

#define WATCHDOG_MS 300u

static int failures;
static const uint8_t read_binary[5] = {0x00, 0xB0, 0x00, 0x00, 0x00};

static void sleep_ms(unsigned ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    nanosleep(&ts, NULL);
}

/* A pending SCardTransmit() on its own thread. */
struct pending {
    SCARDHANDLE card;
    LONG rc;
    uint8_t response[258];
    DWORD response_len;
    uint64_t ended;
};

static void *transmit_thread(void *arg)
{
    struct pending *p = arg;
    p->response_len = sizeof(p->response);
    p->rc = SCardTransmit(p->card, SCARD_PCI_T1, read_binary, sizeof(read_binary), NULL, p->response, &p->response_len);
    p->ended = now_ms();
    return NULL;
}

/* 1: the transport's transmit. */
static void check_transport(const char *reader, unsigned delay)
{
    struct sgp32_pcsc_options options;
    struct sgp32_pcsc *pcsc = NULL;
    struct sgp32_apdu_transport transport;
    uint8_t response[258];
    size_t response_len = 0;
    uint64_t started, elapsed;
    enum sgp32_status st;

    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.reader = reader;
    options.protocol = SGP32_PCSC_PROTOCOL_T1;
    if (sgp32_pcsc_new(&options, &pcsc) != SGP32_OK) {
        CHECK(0, "sgp32_pcsc_new");
        return;
    }
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 20000);
    CHECK(st == SGP32_OK, "open() finds the slow card (%s)", sgp32_status_name(st));
    if (st == SGP32_OK) {
        started = now_ms();
        st = transport.ops->transmit(transport.user, read_binary, sizeof(read_binary), response, sizeof(response),
                                     &response_len, WATCHDOG_MS);
        elapsed = now_ms() - started;
        CHECK(st == SGP32_OK && response_len == 2 && response[0] == 0x90 && response[1] == 0x00 &&
                  elapsed + 50 >= delay,
              "transmit(timeout %u ms) returns the answer (9000) after %u ms: the timeout is not enforced (%s)",
              WATCHDOG_MS, (unsigned)elapsed, sgp32_status_name(st));
        /* The next exchange is a normal one: no late answer is left behind. */
        {
            static const uint8_t select_mf[7] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
            started = now_ms();
            st = transport.ops->transmit(transport.user, select_mf, sizeof(select_mf), response, sizeof(response),
                                         &response_len, WATCHDOG_MS);
            CHECK(st == SGP32_OK && response_len == 2 && now_ms() - started < delay,
                  "the next command is answered at once (%s)", sgp32_status_name(st));
        }
    }
    sgp32_pcsc_free(pcsc);
}

/* 2 and 3: raw PC/SC around a pending SCardTransmit(). */
static void check_cancel(const char *reader_part, unsigned delay)
{
    SCARDCONTEXT context, watchdog;
    SCARD_READERSTATE state;
    struct pending p;
    pthread_t thread;
    char readers[1024], *reader = NULL;
    DWORD readers_len = sizeof(readers), protocol = 0;
    uint64_t started, cancelled, watched;
    LONG rc;
    char *name;

    memset(&p, 0, sizeof(p));
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS ||
        SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &watchdog) != SCARD_S_SUCCESS ||
        SCardListReaders(context, NULL, readers, &readers_len) != SCARD_S_SUCCESS) {
        CHECK(0, "PC/SC contexts and the reader list");
        return;
    }
    for (name = readers; *name != '\0'; name += strlen(name) + 1)
        if (reader == NULL && strstr(name, reader_part) != NULL)
            reader = name; /* the first: vpcd's slot 0 (slot 1 has no card) */
    /* The card may still be coming up (vpcd connection, ATR): wait for it with SCardGetStatusChange. */
    rc = SCARD_E_UNKNOWN_READER;
    if (reader != NULL) {
        uint64_t until = now_ms() + 10000;
        memset(&state, 0, sizeof(state));
        state.szReader = reader;
        state.dwCurrentState = SCARD_STATE_UNAWARE;
        for (;;) {
            rc = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &p.card, &protocol);
            if (rc == SCARD_S_SUCCESS || now_ms() >= until)
                break;
            (void)SCardGetStatusChange(context, 200, &state, 1);
            state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        }
    }
    if (rc != SCARD_S_SUCCESS) {
        CHECK(0, "connect to the slow card (%s)", pcsc_stringify_error(rc));
        return;
    }

    /* 2: SCardCancel() on the transmitting context. */
    started = now_ms();
    if (pthread_create(&thread, NULL, transmit_thread, &p) != 0) {
        CHECK(0, "pthread_create");
        return;
    }
    sleep_ms(WATCHDOG_MS);
    rc = SCardCancel(context);
    cancelled = now_ms();
    pthread_join(thread, NULL);
    CHECK(rc == SCARD_S_SUCCESS && cancelled - started < WATCHDOG_MS + 200,
          "SCardCancel() from a watchdog returns at once (%s)", pcsc_stringify_error(rc));
    CHECK(p.rc == SCARD_S_SUCCESS && p.ended - started + 50 >= delay,
          "but the pending SCardTransmit() ends only with the card's answer, after %u ms (%s)",
          (unsigned)(p.ended - started), pcsc_stringify_error(p.rc));

    /* 3: SCardGetStatusChange() on a second context while an exchange is pending. */
    memset(&state, 0, sizeof(state));
    state.szReader = reader;
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    (void)SCardGetStatusChange(watchdog, 0, &state, 1);
    state.dwCurrentState = state.dwEventState;
    started = now_ms();
    if (pthread_create(&thread, NULL, transmit_thread, &p) != 0) {
        CHECK(0, "pthread_create");
        return;
    }
    sleep_ms(100);
    rc = SCardGetStatusChange(watchdog, WATCHDOG_MS, &state, 1);
    watched = now_ms();
    pthread_join(thread, NULL);
    CHECK(rc == SCARD_E_TIMEOUT && watched - started < 100 + WATCHDOG_MS + 300 && p.ended - started + 50 >= delay,
          "SCardGetStatusChange() on another context returns at its own timeout (%s after %u ms) while the "
          "exchange goes on until %u ms",
          pcsc_stringify_error(rc), (unsigned)(watched - started), (unsigned)(p.ended - started));
    SCardDisconnect(p.card, SCARD_LEAVE_CARD);
    SCardReleaseContext(watchdog);
    SCardReleaseContext(context);
}

int main(int argc, char **argv)
{
    const char *reader = NULL;
    unsigned delay = 0;
    int i;
    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--reader") == 0)
            reader = argv[i + 1];
        else if (strcmp(argv[i], "--delay-ms") == 0)
            delay = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    if (reader == NULL || delay <= 2 * WATCHDOG_MS + 500) {
        fprintf(stderr, "usage: pcsc_timeout_check --reader <name part> --delay-ms <n > %u>\n", 2 * WATCHDOG_MS + 500);
        return 2;
    }
    check_cancel(reader, delay);
    check_transport(reader, delay);
    printf("%s: %d failure(s)\n", failures == 0 ? "PASSED" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}
