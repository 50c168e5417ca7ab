/* SPDX-License-Identifier: MIT */
/*
 * ES10 over a real pcscd: the PC/SC transport (transports/pcsc) and lib/es10 against the software
 * eUICC served through vsmartcard's vpcd by `sgp32 euicc-sim serve`. Run by run_pcsc_test.sh, which
 * owns pcscd and the card process.
 *
 *   pcsc_es10_check --reader <name part> --eid <32 hex> --protocol t0|t1 [--wait-ms <n>] [--removal]
 *                   [--restart] [--quick] [--conformance <expected report> --pki <curve dir>]
 *                   [--ci-pkid <40 hex> --euicc-cert <DER file>]
 *
 * --conformance first runs the shared ES10 conformance suite (tests/conformance) over the PC/SC
 * transport; its report must equal the given reference file (tests/conformance/expected_report.txt).
 * --pki is the test PKI curve directory the card was made from (the suite's SM-DP+ and eIM use it).
 * --quick only finds the card, checks the protocol and reads the EID over ES10. --ci-pkid and
 * --euicc-cert check the identity of a card made from the test PKI (EUICCInfo1, GetCerts).
 * --removal adds the card removal check, synchronised with the script over stdin/stdout: the program
 * prints "removal: remove the card" and waits for a line, then checks that the card is reported as
 * removed, prints "removal: insert the card", waits for a line and checks that open() finds it again.
 * --restart likewise asks "restart: restart pcscd" and checks that the same transport reaches the new
 * pcscd and the card.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "pcsc_check.h"
#include "conformance_card.h"
#include "test_pki.h"
#include "es10_conformance.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_pcsc.h"

static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};

static const char *ci_pkid_hex, *euicc_cert_file, *expected_report, *pki_dir;
static int failures;
static const char *reader_part;
static uint8_t expected_eid[16];
static enum sgp32_pcsc_protocol expected_protocol;
static uint32_t wait_ms = 20000;

static struct sgp32_pcsc *new_pcsc(const char *reader, uint32_t index, enum sgp32_pcsc_protocol protocol, int exclusive)
{
    struct sgp32_pcsc_options options;
    struct sgp32_pcsc *pcsc = NULL;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.reader = reader;
    options.reader_index = index;
    options.protocol = protocol;
    options.exclusive = exclusive;
    if (sgp32_pcsc_new(&options, &pcsc) != SGP32_OK) {
        printf("FAIL: sgp32_pcsc_new\n");
        exit(1);
    }
    return pcsc;
}

static const char *pcsc_text(const struct sgp32_pcsc *pcsc)
{
    return sgp32_pcsc_error_text(sgp32_pcsc_last_error(pcsc));
}

/* GetEID through the session: the card's EID. */
static void check_eid(struct sgp32_es10 *session, const char *when)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st = sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &answer, &len);
    CHECK(st == SGP32_OK && len == 21 && answer[0] == 0xBF && answer[1] == 0x3E && answer[2] == 0x12 &&
              answer[3] == 0x5A && answer[4] == 0x10 && memcmp(answer + 5, expected_eid, 16) == 0,
          "GetEID (BF3E 03 5C 01 5A) returns the card's EID %s (%s, %zu bytes)", when, sgp32_status_name(st), len);
    sgp32_buffer_free(answer);
}

static int contains(const uint8_t *haystack, size_t haystack_len, const uint8_t *needle, size_t needle_len)
{
    size_t i;
    for (i = 0; needle_len <= haystack_len && i <= haystack_len - needle_len; i++)
        if (memcmp(haystack + i, needle, needle_len) == 0)
            return 1;
    return 0;
}

/* The identity of the test PKI over PC/SC: the CI PKID in EUICCInfo1, the eUICC certificate in
 * GetCerts (about 1.3 KB: several R-APDUs through 61xx / GET RESPONSE). */
static void check_identity(struct sgp32_es10 *session)
{
    static const uint8_t get_info1[] = {0xBF, 0x20, 0x00}, get_certs[] = {0xBF, 0x56, 0x00};
    uint8_t pkid[2 + 20], cert[4096], *answer = NULL;
    size_t len = 0, cert_len;
    enum sgp32_status st;
    FILE *file;

    pkid[0] = 0x04;
    pkid[1] = 0x14;
    if (test_parse_hex(ci_pkid_hex, pkid + 2, 20) != 0) {
        CHECK(0, "--ci-pkid is 40 hex digits");
        return;
    }
    st = sgp32_es10_transceive(session, get_info1, sizeof(get_info1), &answer, &len);
    CHECK(st == SGP32_OK && len > 3 && answer[0] == 0xBF && answer[1] == 0x20 && contains(answer, len, pkid, 22),
          "GetEUICCInfo1 reports the CI PKID of the test PKI (%s, %zu bytes)", sgp32_status_name(st), len);
    sgp32_buffer_free(answer);
    answer = NULL;

    file = fopen(euicc_cert_file, "rb");
    cert_len = file != NULL ? fread(cert, 1, sizeof(cert), file) : 0;
    if (file != NULL)
        fclose(file);
    if (cert_len < 100 || cert[0] != 0x30) {
        CHECK(0, "the eUICC certificate %s is readable DER", euicc_cert_file);
        return;
    }
    st = sgp32_es10_transceive(session, get_certs, sizeof(get_certs), &answer, &len);
    /* The certificate comes with its tag replaced by [6] (A6). */
    cert[0] = 0xA6;
    CHECK(st == SGP32_OK && len > cert_len && answer[0] == 0xBF && answer[1] == 0x56 &&
              contains(answer, len, cert, cert_len),
          "GetCerts returns the eUICC certificate of the test PKI (%s, %zu bytes)", sgp32_status_name(st), len);
    sgp32_buffer_free(answer);
}

static void each_reader(void *user, uint32_t index, const char *name)
{
    int *found = user;
    printf("  reader %u: %s\n", (unsigned)index, name);
    if (strstr(name, reader_part) != NULL)
        *found = 1;
}

static void check_reader_wait_times_out(void)
{
    struct sgp32_pcsc *pcsc = new_pcsc("no such reader (libsgp32 test)", 0, SGP32_PCSC_PROTOCOL_ANY, 0);
    struct sgp32_apdu_transport transport;
    uint64_t start = now_ms(), elapsed;
    enum sgp32_status st;
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 400);
    elapsed = now_ms() - start;
    CHECK(st == SGP32_ERR_TIMEOUT && sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_E_TIMEOUT && elapsed >= 350 &&
              elapsed < 5000,
          "open() of a missing reader waits its timeout and fails with SGP32_ERR_TIMEOUT / SCARD_E_TIMEOUT (%s, %s, "
          "%llu ms)",
          sgp32_status_name(st), pcsc_text(pcsc), (unsigned long long)elapsed);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 0);
    CHECK(st == SGP32_ERR_TRANSPORT && sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_E_UNKNOWN_READER,
          "open() of a missing reader without waiting: SGP32_ERR_TRANSPORT / SCARD_E_UNKNOWN_READER (%s, %s)",
          sgp32_status_name(st), pcsc_text(pcsc));
    transport.ops->close(transport.user);
    sgp32_pcsc_free(pcsc);
}

static void check_protocol_mismatch(void)
{
    enum sgp32_pcsc_protocol other =
        expected_protocol == SGP32_PCSC_PROTOCOL_T0 ? SGP32_PCSC_PROTOCOL_T1 : SGP32_PCSC_PROTOCOL_T0;
    struct sgp32_pcsc *pcsc = new_pcsc(reader_part, 0, other, 0);
    struct sgp32_apdu_transport transport;
    enum sgp32_status st;
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 0);
    CHECK(st == SGP32_ERR_TRANSPORT && sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_E_PROTO_MISMATCH,
          "the protocol the ATR does not offer is refused (%s, %s)", sgp32_status_name(st), pcsc_text(pcsc));
    transport.ops->close(transport.user);
    sgp32_pcsc_free(pcsc);
}

/* Another application resets the card: our next APDU reports it, and the session reconnects. */
static void check_reset_by_other(struct sgp32_pcsc *pcsc, struct sgp32_es10 *session)
{
    struct sgp32_pcsc *other = new_pcsc(reader_part, 0, SGP32_PCSC_PROTOCOL_ANY, 0);
    struct sgp32_apdu_transport transport;
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    sgp32_pcsc_transport(other, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 2000);
    CHECK(st == SGP32_OK, "a second application connects in shared mode (%s, %s)", sgp32_status_name(st),
          pcsc_text(other));
    st = transport.ops->reset(transport.user, NULL, 0, NULL, 2000);
    CHECK(st == SGP32_OK, "the second application resets the card (%s, %s)", sgp32_status_name(st), pcsc_text(other));
    transport.ops->close(transport.user);
    sgp32_pcsc_free(other);

    st = sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &answer, &len);
    CHECK(st == SGP32_ERR_NO_CARD && sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_W_RESET_CARD,
          "after a reset by another application the next APDU reports SGP32_ERR_NO_CARD / SCARD_W_RESET_CARD (%s, "
          "%s)",
          sgp32_status_name(st), pcsc_text(pcsc));
    sgp32_buffer_free(answer);
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK, "the session connects again on the reconnected handle (%s)", sgp32_status_name(st));
    check_eid(session, "after the reset by another application");
}

static void check_exclusive(void)
{
    struct sgp32_pcsc *pcsc = new_pcsc(reader_part, 0, SGP32_PCSC_PROTOCOL_ANY, 1);
    struct sgp32_apdu_transport transport;
    enum sgp32_status st;
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 0);
    CHECK(st == SGP32_ERR_TRANSPORT && sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_E_SHARING_VIOLATION,
          "exclusive access while another application holds the card: SCARD_E_SHARING_VIOLATION (%s, %s)",
          sgp32_status_name(st), pcsc_text(pcsc));
    transport.ops->close(transport.user);
    sgp32_pcsc_free(pcsc);
}

static void check_exclusive_alone(void)
{
    struct sgp32_pcsc *pcsc = new_pcsc(reader_part, 0, SGP32_PCSC_PROTOCOL_ANY, 1);
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session = NULL;
    enum sgp32_status st;
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 2000);
    CHECK(st == SGP32_OK, "exclusive access when no other application holds the card (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    if (st == SGP32_OK && sgp32_es10_new(&transport, NULL, &session) == SGP32_OK &&
        sgp32_es10_connect(session) == SGP32_OK)
        check_eid(session, "in exclusive mode");
    sgp32_es10_free(session);
    transport.ops->close(transport.user);
    sgp32_pcsc_free(pcsc);
}

static void check_reader_by_index(void)
{
    /* Our pcscd knows only the two slots of our vpcd reader: index 0 is slot 0 ("... 00 00"). */
    struct sgp32_pcsc *pcsc = new_pcsc(NULL, 0, SGP32_PCSC_PROTOCOL_ANY, 0);
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session = NULL;
    enum sgp32_status st;
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, NULL, 0, NULL, 2000);
    CHECK(st == SGP32_OK && strstr(sgp32_pcsc_reader_name(pcsc), reader_part) != NULL,
          "reader index 0 is '%s' (%s, %s)", sgp32_pcsc_reader_name(pcsc), sgp32_status_name(st), pcsc_text(pcsc));
    if (st == SGP32_OK && sgp32_es10_new(&transport, NULL, &session) == SGP32_OK &&
        sgp32_es10_connect(session) == SGP32_OK)
        check_eid(session, "through the reader chosen by index");
    sgp32_es10_free(session);
    transport.ops->close(transport.user);
    sgp32_pcsc_free(pcsc);
}

/* Waits until pcscd reports the reader empty (the card process is gone). */
static int wait_removed(const char *reader, uint32_t timeout_ms)
{
    SCARDCONTEXT context;
    SCARD_READERSTATE state;
    uint64_t deadline = now_ms() + timeout_ms;
    int removed = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS)
        return 0;
    memset(&state, 0, sizeof(state));
    state.szReader = reader;
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    while (!removed) {
        uint64_t now = now_ms();
        LONG rc = SCardGetStatusChange(context, now >= deadline ? 0 : (DWORD)(deadline - now), &state, 1);
        if (rc != SCARD_S_SUCCESS)
            break;
        removed = (state.dwEventState & SCARD_STATE_EMPTY) != 0;
        state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    }
    SCardReleaseContext(context);
    return removed;
}

static int wait_line(const char *phase, const char *prompt)
{
    char line[64];
    printf("%s: %s\n", phase, prompt);
    fflush(stdout);
    return fgets(line, sizeof(line), stdin) != NULL;
}

static void check_removal(struct sgp32_pcsc *pcsc, struct sgp32_apdu_transport *transport, struct sgp32_es10 *session)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    char reader[256];

    snprintf(reader, sizeof(reader), "%s", sgp32_pcsc_reader_name(pcsc));
    if (!wait_line("removal", "remove the card")) {
        CHECK(0, "the test script answers");
        return;
    }
    CHECK(wait_removed(reader, 10000), "pcscd reports the card removed");
    st = sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &answer, &len);
    CHECK(st == SGP32_ERR_NO_CARD && (sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_W_REMOVED_CARD ||
                                      sgp32_pcsc_last_error(pcsc) == (uint32_t)SCARD_E_NO_SMARTCARD),
          "an APDU after the removal: SGP32_ERR_NO_CARD (%s, %s)", sgp32_status_name(st), pcsc_text(pcsc));
    sgp32_buffer_free(answer);
    st = transport->ops->open(transport->user, NULL, 0, NULL, 300);
    CHECK(st == SGP32_ERR_TIMEOUT, "open() without a card waits and times out (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    if (!wait_line("removal", "insert the card")) {
        CHECK(0, "the test script answers");
        return;
    }
    st = transport->ops->open(transport->user, NULL, 0, NULL, wait_ms);
    CHECK(st == SGP32_OK, "open() waits for the card and connects when it is back (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK, "the session connects to the reinserted card (%s)", sgp32_status_name(st));
    check_eid(session, "after removal and reinsertion");
}

/* pcscd restarts under a connected transport: the old context and handle are dead; open() makes a new
 * context and finds the card again (serve reconnects to the new pcscd by itself). */
static void check_restart(struct sgp32_pcsc *pcsc, struct sgp32_apdu_transport *transport, struct sgp32_es10 *session)
{
    struct sgp32_pcsc *idle = new_pcsc(reader_part, 0, SGP32_PCSC_PROTOCOL_ANY, 0);
    struct sgp32_apdu_transport idle_transport;
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;

    /* A second transport that has a context but no card handle when pcscd goes away. */
    sgp32_pcsc_transport(idle, &idle_transport);
    st = idle_transport.ops->open(idle_transport.user, NULL, 0, NULL, 2000);
    CHECK(st == SGP32_OK, "a second transport connects before the restart (%s)", sgp32_status_name(st));
    idle_transport.ops->close(idle_transport.user);
    if (!wait_line("restart", "restart pcscd")) {
        CHECK(0, "the test script answers");
        sgp32_pcsc_free(idle);
        return;
    }
    st = idle_transport.ops->open(idle_transport.user, NULL, 0, NULL, wait_ms);
    CHECK(st == SGP32_OK, "open() on a context from before the restart makes a new one and finds the card (%s, %s)",
          sgp32_status_name(st), pcsc_text(idle));
    idle_transport.ops->close(idle_transport.user);
    sgp32_pcsc_free(idle);

    st = sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &answer, &len);
    CHECK(st == SGP32_ERR_TRANSPORT || st == SGP32_ERR_NO_CARD,
          "an APDU on the handle of the stopped pcscd fails (%s, %s)", sgp32_status_name(st), pcsc_text(pcsc));
    sgp32_buffer_free(answer);
    st = transport->ops->open(transport->user, NULL, 0, NULL, wait_ms);
    CHECK(st == SGP32_OK, "open() reaches the new pcscd and finds the card (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK, "the session connects after the pcscd restart (%s)", sgp32_status_name(st));
    check_eid(session, "after the pcscd restart");
}

int main(int argc, char **argv)
{
    struct sgp32_pcsc *pcsc;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session = NULL;
    uint8_t atr[64];
    size_t atr_len = 0;
    int removal = 0, restart = 0, quick = 0, found = 0, i;
    enum sgp32_status st;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc)
            reader_part = argv[++i];
        else if (strcmp(argv[i], "--eid") == 0 && i + 1 < argc && test_parse_hex(argv[i + 1], expected_eid, 16) == 0)
            i++;
        else if (strcmp(argv[i], "--protocol") == 0 && i + 1 < argc)
            expected_protocol = strcmp(argv[++i], "t0") == 0 ? SGP32_PCSC_PROTOCOL_T0 : SGP32_PCSC_PROTOCOL_T1;
        else if (strcmp(argv[i], "--wait-ms") == 0 && i + 1 < argc)
            wait_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--removal") == 0)
            removal = 1;
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--conformance") == 0 && i + 1 < argc)
            expected_report = argv[++i];
        else if (strcmp(argv[i], "--pki") == 0 && i + 1 < argc)
            pki_dir = argv[++i];
        else if (strcmp(argv[i], "--restart") == 0)
            restart = 1;
        else if (strcmp(argv[i], "--ci-pkid") == 0 && i + 1 < argc)
            ci_pkid_hex = argv[++i];
        else if (strcmp(argv[i], "--euicc-cert") == 0 && i + 1 < argc)
            euicc_cert_file = argv[++i];
        else {
            fprintf(stderr, "usage: pcsc_es10_check --reader <name part> --eid <hex> --protocol t0|t1 "
                            "[--wait-ms <n>] [--removal] [--restart] [--quick] [--conformance <file> --pki <dir>] "
                            "[--ci-pkid <hex> --euicc-cert <file>]\n");
            return 2;
        }
    }
    if (reader_part == NULL || expected_protocol == SGP32_PCSC_PROTOCOL_ANY) {
        fprintf(stderr, "pcsc_es10_check: --reader, --eid and --protocol are required\n");
        return 2;
    }

    /* The card: open() waits for the reader and the card (SCardGetStatusChange, no polling sleeps). */
    pcsc = new_pcsc(reader_part, 0, SGP32_PCSC_PROTOCOL_ANY, 0);
    sgp32_pcsc_transport(pcsc, &transport);
    st = transport.ops->open(transport.user, atr, sizeof(atr), &atr_len, wait_ms);
    CHECK(st == SGP32_OK && atr_len >= 2 && atr[0] == 0x3B, "open() finds the card in '%s' (%s, %s, ATR %zu bytes)",
          sgp32_pcsc_reader_name(pcsc), sgp32_status_name(st), pcsc_text(pcsc), atr_len);
    if (st != SGP32_OK) {
        sgp32_pcsc_free(pcsc);
        return 1;
    }
    CHECK(sgp32_pcsc_active_protocol(pcsc) == expected_protocol, "the card runs T=%d (expected T=%d)",
          sgp32_pcsc_active_protocol(pcsc) == SGP32_PCSC_PROTOCOL_T0 ? 0 : 1,
          expected_protocol == SGP32_PCSC_PROTOCOL_T0 ? 0 : 1);
    st = sgp32_pcsc_list_readers(each_reader, &found);
    CHECK(st == SGP32_OK && found, "sgp32_pcsc_list_readers lists the reader (%s)", sgp32_status_name(st));

    /* The shared ES10 conformance suite, while no other session holds a channel (it uses all 19). */
    if (expected_report != NULL)
        CHECK(es10_conformance_check_path(&transport, expected_eid, pki_dir, expected_report,
                                          expected_protocol == SGP32_PCSC_PROTOCOL_T0 ? "PC/SC (T=0)"
                                                                                      : "PC/SC (T=1)") == 0,
              "the ES10 conformance report over PC/SC equals %s", expected_report);

    /* ES10 over PC/SC: a logical channel, the ISD-R, GetEID. */
    st = sgp32_es10_new(&transport, NULL, &session);
    CHECK(st == SGP32_OK, "sgp32_es10_new (%s)", sgp32_status_name(st));
    if (st != SGP32_OK)
        return 1;
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK && sgp32_es10_channel(session) != 0,
          "sgp32_es10_connect opens a logical channel (%u) and selects the ISD-R (%s, step %s, SW %04X)",
          (unsigned)sgp32_es10_channel(session), sgp32_status_name(st), sgp32_es10_last_error(session)->step,
          sgp32_es10_last_error(session)->sw);
    check_eid(session, "over PC/SC");
    if (quick)
        goto done;
    if (ci_pkid_hex != NULL && euicc_cert_file != NULL)
        check_identity(session);

    /* Other applications: a reset by someone else, exclusive access refused while we hold the card. */
    check_exclusive();
    check_reset_by_other(pcsc, session);
    check_protocol_mismatch();

    /* Our own warm and cold resets: the channel is gone, the session connects again. */
    st = transport.ops->reset(transport.user, atr, sizeof(atr), &atr_len, 2000);
    CHECK(st == SGP32_OK && atr_len >= 2, "warm reset (SCARD_RESET_CARD) (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK, "the session connects again after the warm reset (%s)", sgp32_status_name(st));
    check_eid(session, "after the warm reset");
    st = sgp32_pcsc_cold_reset(pcsc, atr, sizeof(atr), &atr_len);
    CHECK(st == SGP32_OK && atr_len >= 2, "cold reset (SCARD_UNPOWER_CARD) (%s, %s)", sgp32_status_name(st),
          pcsc_text(pcsc));
    st = sgp32_es10_connect(session);
    CHECK(st == SGP32_OK, "the session connects again after the cold reset (%s)", sgp32_status_name(st));
    check_eid(session, "after the cold reset");

    if (removal)
        check_removal(pcsc, &transport, session);
    if (restart)
        check_restart(pcsc, &transport, session);

done:
    sgp32_es10_free(session);
    transport.ops->close(transport.user);
    if (quick) {
        sgp32_pcsc_free(pcsc);
        printf("%s: %d failure(s)\n", failures == 0 ? "PASSED" : "FAILED", failures);
        return failures == 0 ? 0 : 1;
    }

    /* With the card released: exclusive access, and the reader chosen by index. */
    check_exclusive_alone();
    check_reader_by_index();
    check_reader_wait_times_out();
    sgp32_pcsc_free(pcsc);

    printf("%s: %d failure(s)\n", failures == 0 ? "PASSED" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}
