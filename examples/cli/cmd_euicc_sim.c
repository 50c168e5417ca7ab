/* SPDX-License-Identifier: MIT */
/*
 * sgp32 euicc-sim create <dir> [--pki <curve dir>] [--eid <hex>] ...: a new software eUICC in a state
 * directory, with a fresh identity or the one of a test PKI (examples/pki/sgp32-test-pki).
 * sgp32 euicc-sim serve <dir> --vpcd <host>:<port> [--t0] ...: that card in a reader of a real pcscd,
 * through vsmartcard's vpcd driver (docs/pcsc.md).
 *
 * serve runs until SIGINT or SIGTERM (exit 0). When vpcd closes the connection (pcscd stopped or
 * restarted) it reconnects, retrying with a backoff of 50 ms doubling to 1 s, for at most
 * --retry-seconds (default 30; also the bound for the first connection); then it exits 1 with a message.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sgp32/sgp32.h"
#include "sgp32/softeuicc.h"
#include "sgp32/vpcd.h"

#define MAX_CI_PKIDS 8
#define MAX_PKI_DIRS 2
#define PATH_CAP 1024

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly len bytes of hex (no separators). */
static int parse_fixed_hex(const char *text, uint8_t *out, size_t len)
{
    size_t i;
    if (strlen(text) != 2 * len)
        return -1;
    for (i = 0; i < len; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void print_hex(FILE *out, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        fprintf(out, "%02X", data[i]);
}

/* A fresh EID: 89 049 032 (the prefix of the GSMA test EIDs), 22 random digits and the two check
 * digits of ITU-T E.118 / SGP.29 (98 - (the 32 digits with 00 as check digits) mod 97). */
static int random_eid(uint8_t eid[16])
{
    static const char prefix[] = "89049032";
    char digits[33];
    uint8_t noise[22];
    unsigned remainder = 0, check;
    size_t i;
    FILE *random = fopen("/dev/urandom", "rb");

    if (random == NULL || fread(noise, 1, sizeof(noise), random) != sizeof(noise)) {
        if (random != NULL)
            fclose(random);
        return -1;
    }
    fclose(random);
    memcpy(digits, prefix, 8);
    for (i = 0; i < sizeof(noise); i++)
        digits[8 + i] = (char)('0' + noise[i] % 10);
    digits[30] = '0';
    digits[31] = '0';
    digits[32] = '\0';
    for (i = 0; i < 32; i++)
        remainder = (remainder * 10 + (unsigned)(digits[i] - '0')) % 97;
    check = 98 - remainder;
    digits[30] = (char)('0' + check / 10);
    digits[31] = (char)('0' + check % 10);
    for (i = 0; i < 16; i++)
        eid[i] = (uint8_t)((digits[2 * i] - '0') << 4 | (digits[2 * i + 1] - '0'));
    return 0;
}

/* The identity files of a test PKI curve directory (examples/pki/sgp32-test-pki, docs/test-pki.md):
 * manifest.txt holds key=value lines, paths relative to the directory. */
struct pki_identity {
    char eid[33];
    char ci_pkid[41];
    char euicc_cert[PATH_CAP], eum_cert[PATH_CAP], euicc_key[PATH_CAP], ci_cert[PATH_CAP];
};

static int read_pki_manifest(const char *dir, struct pki_identity *pki)
{
    char path[PATH_CAP], line[PATH_CAP];
    FILE *manifest;
    memset(pki, 0, sizeof(*pki));
    if ((size_t)snprintf(path, sizeof(path), "%s/manifest.txt", dir) >= sizeof(path))
        return -1;
    manifest = fopen(path, "r");
    if (manifest == NULL)
        return -1;
    while (fgets(line, sizeof(line), manifest) != NULL) {
        char *value = strchr(line, '=');
        char *target = NULL;
        size_t target_cap = 0, len;
        const char *prefix = "";
        if (line[0] == '#' || value == NULL)
            continue;
        *value++ = '\0';
        len = strcspn(value, "\r\n");
        value[len] = '\0';
        if (strcmp(line, "eid") == 0) {
            target = pki->eid, target_cap = sizeof(pki->eid);
        } else if (strcmp(line, "ci_pkid") == 0) {
            target = pki->ci_pkid, target_cap = sizeof(pki->ci_pkid);
        } else if (strcmp(line, "euicc_cert_der") == 0) {
            target = pki->euicc_cert, target_cap = sizeof(pki->euicc_cert), prefix = dir;
        } else if (strcmp(line, "eum_cert_der") == 0) {
            target = pki->eum_cert, target_cap = sizeof(pki->eum_cert), prefix = dir;
        } else if (strcmp(line, "euicc_key_der") == 0) {
            target = pki->euicc_key, target_cap = sizeof(pki->euicc_key), prefix = dir;
        } else if (strcmp(line, "ci_cert_der") == 0) {
            target = pki->ci_cert, target_cap = sizeof(pki->ci_cert), prefix = dir;
        }
        if (target != NULL &&
            (size_t)snprintf(target, target_cap, "%s%s%s", prefix, prefix[0] != '\0' ? "/" : "", value) >= target_cap) {
            fclose(manifest);
            return -1;
        }
    }
    fclose(manifest);
    return strlen(pki->eid) == 32 && strlen(pki->ci_pkid) == 40 && pki->euicc_cert[0] != '\0' &&
                   pki->eum_cert[0] != '\0' && pki->euicc_key[0] != '\0' && pki->ci_cert[0] != '\0'
               ? 0
               : -1;
}

static void usage_create(FILE *out)
{
    fprintf(out,
            "usage: sgp32 euicc-sim create <state dir> [--pki <curve dir>]... [--eid <32 hex digits>]\n"
            "         [--eum-cert <file>] [--euicc-cert <file>] [--euicc-key <file>]\n"
            "         [--ci-pkid <40 hex digits>]... [--dp-address <fqdn>] [--root-ds-address <fqdn>]\n"
            "  makes a new software eUICC in <state dir> (which must not hold one). --pki takes a curve\n"
            "  directory of examples/pki/sgp32-test-pki (e.g. <out>/nist): EID, eUICC and EUM\n"
            "  certificates and key from the first, the CI certificate and PKID of each. Without --eid or --pki the\n"
            "  EID is random (prefix 89049032, valid check digits). Prints the EID.\n");
}

static int cmd_create(int argc, char **argv)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc *card = NULL;
    static struct pki_identity pki[MAX_PKI_DIRS];
    uint8_t ci_pkids[MAX_CI_PKIDS][20], pki_eid[16];
    const char *ci_certificates[MAX_PKI_DIRS];
    const char *dir = NULL;
    int have_eid = 0, pki_count = 0, i;
    enum sgp32_status st;

    memset(&identity, 0, sizeof(identity));
    for (i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_create(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--eid") == 0 && value != NULL) {
            if (parse_fixed_hex(value, identity.eid, sizeof(identity.eid)) != 0) {
                fprintf(stderr, "sgp32 euicc-sim create: --eid needs 32 hex digits\n");
                return CLI_EXIT_USAGE;
            }
            have_eid = 1;
            i++;
        } else if (strcmp(argv[i], "--eum-cert") == 0 && value != NULL) {
            identity.eum_certificate_file = value;
            i++;
        } else if (strcmp(argv[i], "--euicc-cert") == 0 && value != NULL) {
            identity.euicc_certificate_file = value;
            i++;
        } else if (strcmp(argv[i], "--euicc-key") == 0 && value != NULL) {
            identity.euicc_private_key_file = value;
            i++;
        } else if (strcmp(argv[i], "--root-ds-address") == 0 && value != NULL) {
            identity.root_ds_address = value;
            i++;
        } else if (strcmp(argv[i], "--pki") == 0 && value != NULL) {
            if (pki_count == MAX_PKI_DIRS || read_pki_manifest(value, &pki[pki_count]) != 0) {
                fprintf(
                    stderr,
                    "sgp32 euicc-sim create: %s is not a test PKI curve directory with eid, ci_pkid, "
                    "ci_cert_der, euicc_cert_der, eum_cert_der and euicc_key_der in its manifest.txt (at most %d)\n",
                    value, MAX_PKI_DIRS);
                return CLI_EXIT_USAGE;
            }
            pki_count++;
            i++;
        } else if (strcmp(argv[i], "--dp-address") == 0 && value != NULL) {
            identity.default_dp_address = value;
            i++;
        } else if (strcmp(argv[i], "--ci-pkid") == 0 && value != NULL) {
            if (identity.ci_pkid_count == MAX_CI_PKIDS ||
                parse_fixed_hex(value, ci_pkids[identity.ci_pkid_count], 20) != 0) {
                fprintf(stderr, "sgp32 euicc-sim create: --ci-pkid needs 40 hex digits (at most %d keys)\n",
                        MAX_CI_PKIDS);
                return CLI_EXIT_USAGE;
            }
            identity.ci_pkid_count++;
            i++;
        } else if (argv[i][0] != '-' && dir == NULL) {
            dir = argv[i];
        } else {
            usage_create(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (dir == NULL) {
        usage_create(stderr);
        return CLI_EXIT_USAGE;
    }
    /* The test PKI: the first curve directory gives the EID and the eUICC's certificates and key
     * (options given explicitly win); every one adds its CI PKID. */
    for (i = 0; i < pki_count; i++) {
        if (identity.ci_pkid_count == MAX_CI_PKIDS ||
            parse_fixed_hex(pki[i].ci_pkid, ci_pkids[identity.ci_pkid_count], 20) != 0 ||
            parse_fixed_hex(pki[i].eid, pki_eid, sizeof(pki_eid)) != 0) {
            fprintf(stderr, "sgp32 euicc-sim create: bad eid or ci_pkid in the manifest of --pki\n");
            return CLI_EXIT_USAGE;
        }
        identity.ci_pkid_count++;
        /* The CI certificate too, so the card can verify SM-DP+ certificates in a download. */
        ci_certificates[i] = pki[i].ci_cert;
        if (i > 0)
            continue;
        if (have_eid && memcmp(pki_eid, identity.eid, sizeof(pki_eid)) != 0) {
            fprintf(stderr, "sgp32 euicc-sim create: --eid differs from the EID in the eUICC certificate of --pki\n");
            return CLI_EXIT_USAGE;
        }
        memcpy(identity.eid, pki_eid, sizeof(pki_eid));
        have_eid = 1;
        if (identity.euicc_certificate_file == NULL)
            identity.euicc_certificate_file = pki[0].euicc_cert;
        if (identity.eum_certificate_file == NULL)
            identity.eum_certificate_file = pki[0].eum_cert;
        if (identity.euicc_private_key_file == NULL)
            identity.euicc_private_key_file = pki[0].euicc_key;
    }
    identity.ci_pkids = (const uint8_t(*)[20])ci_pkids;
    identity.ci_certificate_files = ci_certificates;
    identity.ci_certificate_count = (size_t)pki_count;
    if (!have_eid && random_eid(identity.eid) != 0) {
        fprintf(stderr, "sgp32 euicc-sim create: cannot read /dev/urandom\n");
        return CLI_EXIT_FAILURE;
    }
    st = sgp32_softeuicc_create(dir, &identity, NULL, &card);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 euicc-sim create: %s: %s (%s)\n", dir, sgp32_strerror(st),
                st == SGP32_ERR_STATE ? "the directory already holds a card" : sgp32_status_name(st));
        return CLI_EXIT_FAILURE;
    }
    sgp32_softeuicc_free(card);
    printf("EID ");
    print_hex(stdout, identity.eid, sizeof(identity.eid));
    printf("\n");
    return CLI_EXIT_OK;
}

/* ---- serve */

static enum sgp32_status card_apdu(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                   size_t response_cap, size_t *response_len)
{
    return sgp32_softeuicc_process_apdu(user, command, command_len, response, response_cap, response_len);
}

/* Power on and reset both power-cycle the card: its volatile state goes, the stored state stays. */
static enum sgp32_status card_reset(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len)
{
    return sgp32_softeuicc_reset(user, atr, atr_cap, atr_len);
}

static void usage_serve(FILE *out)
{
    fprintf(out, "usage: sgp32 euicc-sim serve <state dir> --vpcd <host>:<port> [--t0] [--consumer]\n"
                 "         [--get-response-chunk <n>] [--retry-seconds <s>]\n"
                 "  puts the card of <state dir> into the vpcd reader of a running pcscd (docs/pcsc.md).\n"
                 "  --t0 answers as a T=0 card (ATR offers T=0 only; 61xx + GET RESPONSE), --consumer as an\n"
                 "  SGP.22 consumer eUICC. Runs until SIGINT/SIGTERM (exit 0); when vpcd goes away it\n"
                 "  reconnects for up to --retry-seconds (default 30), then exits 1.\n");
}

static int parse_host_port(const char *text, char *host, size_t host_cap, uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    char *end;
    unsigned long value;
    if (colon == NULL || colon == text || (size_t)(colon - text) >= host_cap)
        return -1;
    value = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || value == 0 || value > 65535)
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port = (uint16_t)value;
    return 0;
}

static int parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    *out = strtoul(text, &end, 10);
    return (*text == '\0' || *end != '\0' || *out > max) ? -1 : 0;
}

/* Serves one card until a stop signal (0) or until vpcd stays away for retry_ms (1). */
static int serve_loop(struct sgp32_softeuicc *card, const char *host, uint16_t port, uint64_t retry_ms)
{
    struct sgp32_vpcd_card_ops ops;
    struct sgp32_vpcd *conn = NULL;
    uint64_t give_up_at = now_ms() + retry_ms;
    int backoff_ms = 50;

    memset(&ops, 0, sizeof(ops));
    ops.size = sizeof(ops);
    ops.process_apdu = card_apdu;
    ops.power_on = card_reset;
    ops.reset = card_reset;
    while (!stop_requested) {
        enum sgp32_status st;
        if (conn == NULL) {
            st = sgp32_vpcd_connect(host, port, 1000, &conn);
            if (st == SGP32_OK) {
                fprintf(stderr, "sgp32 euicc-sim: card inserted into vpcd at %s:%u\n", host, (unsigned)port);
                backoff_ms = 50;
                continue;
            }
            if (now_ms() >= give_up_at) {
                fprintf(stderr,
                        "sgp32 euicc-sim: no vpcd listening at %s:%u (%s); is pcscd running with a vpcd reader on that "
                        "port?\n",
                        host, (unsigned)port, sgp32_strerror(st));
                return 1;
            }
            (void)poll(NULL, 0, backoff_ms); /* a signal ends the wait early */
            backoff_ms = backoff_ms >= 500 ? 1000 : backoff_ms * 2;
            continue;
        }
        st = sgp32_vpcd_serve_step(conn, &ops, card, 250);
        if (st == SGP32_OK || st == SGP32_ERR_TIMEOUT)
            continue;
        fprintf(stderr, "sgp32 euicc-sim: vpcd connection ended (%s%s%s); reconnecting\n", sgp32_strerror(st),
                sgp32_vpcd_last_errno(conn) != 0 ? ": " : "",
                sgp32_vpcd_last_errno(conn) != 0 ? strerror(sgp32_vpcd_last_errno(conn)) : "");
        sgp32_vpcd_close(conn);
        conn = NULL;
        give_up_at = now_ms() + retry_ms;
    }
    sgp32_vpcd_close(conn);
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    struct sgp32_softeuicc_options options;
    struct sgp32_softeuicc *card = NULL;
    struct sigaction action;
    const char *dir = NULL, *vpcd = NULL;
    char host[256];
    uint16_t port = 0;
    unsigned long retry_seconds = 30, value;
    enum sgp32_status st;
    int i, rc;

    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    for (i = 1; i < argc; i++) {
        const char *arg_value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_serve(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--vpcd") == 0 && arg_value != NULL) {
            vpcd = arg_value;
            i++;
        } else if (strcmp(argv[i], "--t0") == 0) {
            options.protocol = SGP32_SOFTEUICC_T0;
        } else if (strcmp(argv[i], "--consumer") == 0) {
            options.mode = SGP32_SOFTEUICC_MODE_CONSUMER;
        } else if (strcmp(argv[i], "--get-response-chunk") == 0 && arg_value != NULL &&
                   parse_uint(arg_value, 256, &value) == 0) {
            options.get_response_chunk = (uint32_t)value;
            i++;
        } else if (strcmp(argv[i], "--retry-seconds") == 0 && arg_value != NULL &&
                   parse_uint(arg_value, 86400, &value) == 0) {
            retry_seconds = value;
            i++;
        } else if (argv[i][0] != '-' && dir == NULL) {
            dir = argv[i];
        } else {
            usage_serve(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (dir == NULL || vpcd == NULL || parse_host_port(vpcd, host, sizeof(host), &port) != 0) {
        usage_serve(stderr);
        return CLI_EXIT_USAGE;
    }
    st = sgp32_softeuicc_open(dir, &options, &card);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 euicc-sim serve: cannot open the card in %s: %s\n", dir, sgp32_strerror(st));
        return CLI_EXIT_FAILURE;
    }
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a signal interrupts poll() */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    rc = serve_loop(card, host, port, (uint64_t)retry_seconds * 1000u);
    sgp32_softeuicc_free(card);
    if (rc == 0)
        fprintf(stderr, "sgp32 euicc-sim: stopped\n");
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cmd_euicc_sim(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0)
        return cmd_create(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    usage_create(argc < 2 ? stderr : stdout);
    usage_serve(argc < 2 ? stderr : stdout);
    return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
