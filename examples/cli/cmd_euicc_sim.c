/* SPDX-License-Identifier: MIT */
/*
 * sgp32 euicc-sim create <dir> [--pki <curve dir>] [--eid <hex>] ...: a new software eUICC in a state
 * directory, with a fresh identity or the one of a test PKI (examples/pki/sgp32-test-pki).
 * sgp32 euicc-sim serve <dir> --vpcd <host>:<port> [--t0] ...: that card in a reader of a real pcscd,
 * through vsmartcard's vpcd driver (docs/pcsc.md).
 * sgp32 euicc-sim preload <dir> <ProfileInfo>...: factory-preloaded profiles (also create --profile).
 * sgp32 euicc-sim pki [options] <dir>: runs the test PKI generator.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sgp32/softeuicc.h"
#include "sgp32/vpcd.h"

#define MAX_CI_PKIDS 8
#define MAX_PKI_DIRS 2
#define MAX_PROFILES 16
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

/* Preloads profiles (SGP32-ProfileInfo DER, each a file or hex) into an open card. */
static int preload_profiles(const struct cli_call *call, struct sgp32_softeuicc *card, const char *const *profiles,
                            size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        uint8_t *info = NULL;
        size_t len = 0;
        enum sgp32_status st;
        if (cli_read_input(profiles[i], &info, &len) != 0 || len == 0) {
            free(info);
            fprintf(stderr, "sgp32 %s: '%s' is neither a readable file nor hex\n", call->name, profiles[i]);
            return CLI_EXIT_USAGE;
        }
        st = sgp32_softeuicc_preload_profile(card, info, len);
        free(info);
        if (st != SGP32_OK) {
            fprintf(stderr, "sgp32 %s: cannot preload profile %s: %s (%s)\n", call->name, profiles[i],
                    sgp32_strerror(st), st == SGP32_ERR_STATE ? "its ICCID or AID exists" : sgp32_status_name(st));
            return CLI_EXIT_FAILURE;
        }
    }
    return CLI_EXIT_OK;
}

static int run_create(struct cli_call *call, int argc, char **argv)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc *card = NULL;
    static struct pki_identity pki[MAX_PKI_DIRS];
    uint8_t ci_pkids[MAX_CI_PKIDS][20], pki_eid[16];
    const char *ci_certificates[MAX_PKI_DIRS];
    const char *dir = NULL, *profiles[MAX_PROFILES], *rat_input = NULL;
    uint8_t *rat = NULL;
    size_t profile_count = 0;
    int have_eid = 0, pki_count = 0, i, rc;
    enum sgp32_status st;

    memset(&identity, 0, sizeof(identity));
    for (i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--profile") == 0 && value != NULL) {
            if (profile_count == MAX_PROFILES)
                return cli_usage_error(call, "too many --profile options", value);
            profiles[profile_count++] = value;
            i++;
        } else if (strcmp(argv[i], "--rat") == 0 && value != NULL) {
            rat_input = value;
            i++;
        } else if (strcmp(argv[i], "--eid") == 0 && value != NULL) {
            if (cli_parse_fixed_hex(value, identity.eid, sizeof(identity.eid)) != 0) {
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
                cli_parse_fixed_hex(value, ci_pkids[identity.ci_pkid_count], 20) != 0) {
                fprintf(stderr, "sgp32 euicc-sim create: --ci-pkid needs 40 hex digits (at most %d keys)\n",
                        MAX_CI_PKIDS);
                return CLI_EXIT_USAGE;
            }
            identity.ci_pkid_count++;
            i++;
        } else if (argv[i][0] != '-' && dir == NULL) {
            dir = argv[i];
        } else {
            return cli_usage_error(call, "unexpected argument", argv[i]);
        }
    }
    if (dir == NULL)
        return cli_usage_error(call, "missing the state directory", NULL);
    /* The test PKI: the first curve directory gives the EID and the eUICC's certificates and key
     * (options given explicitly win); every one adds its CI PKID. */
    for (i = 0; i < pki_count; i++) {
        if (identity.ci_pkid_count == MAX_CI_PKIDS ||
            cli_parse_fixed_hex(pki[i].ci_pkid, ci_pkids[identity.ci_pkid_count], 20) != 0 ||
            cli_parse_fixed_hex(pki[i].eid, pki_eid, sizeof(pki_eid)) != 0) {
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
    if (rat_input != NULL) {
        if (cli_read_input(rat_input, &rat, &identity.rat_len) != 0)
            return cli_usage_error(call, "--rat is neither a readable file nor hex", rat_input);
        identity.rat = rat;
    }
    st = sgp32_softeuicc_create(dir, &identity, NULL, &card);
    free(rat);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 euicc-sim create: %s: %s (%s)\n", dir, sgp32_strerror(st),
                st == SGP32_ERR_STATE ? "the directory already holds a card" : sgp32_status_name(st));
        return CLI_EXIT_FAILURE;
    }
    rc = preload_profiles(call, card, profiles, profile_count);
    sgp32_softeuicc_free(card);
    if (rc != CLI_EXIT_OK)
        return rc;
    printf("EID ");
    cli_print_hex(stdout, identity.eid, sizeof(identity.eid));
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

static int run_serve(struct cli_call *call, int argc, char **argv)
{
    struct sgp32_softeuicc_options options;
    struct sgp32_softeuicc *card = NULL;
    struct sigaction action;
    const char *dir = NULL, *vpcd = NULL, *chunk = NULL, *retry = NULL;
    int t0 = 0, consumer = 0;
    const struct cli_option serve_options[] = {{"--vpcd", &vpcd, NULL},
                                               {"--t0", NULL, &t0},
                                               {"--consumer", NULL, &consumer},
                                               {"--get-response-chunk", &chunk, NULL},
                                               {"--retry-seconds", &retry, NULL}};
    char host[256];
    uint16_t port = 0;
    unsigned long retry_seconds = 30, value = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, serve_options, 5, &dir, 1, 1, NULL);

    if (rc != 0)
        return rc;
    if (vpcd == NULL || parse_host_port(vpcd, host, sizeof(host), &port) != 0)
        return cli_usage_error(call, "--vpcd <host>:<port> is needed", vpcd);
    if ((chunk != NULL && cli_parse_ulong(chunk, 256, &value) != 0) ||
        (retry != NULL && cli_parse_ulong(retry, 86400, &retry_seconds) != 0))
        return cli_usage_error(call, "--get-response-chunk takes 0..256, --retry-seconds 0..86400", NULL);
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.protocol = t0 ? SGP32_SOFTEUICC_T0 : SGP32_SOFTEUICC_T1;
    options.mode = consumer ? SGP32_SOFTEUICC_MODE_CONSUMER : SGP32_SOFTEUICC_MODE_IOT;
    options.get_response_chunk = (uint32_t)value;
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

/* ---- preload, pki */

static int run_preload(struct cli_call *call, int argc, char **argv)
{
    const char *args[1 + MAX_PROFILES];
    struct sgp32_softeuicc *card = NULL;
    size_t count = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, args, 2, 1 + MAX_PROFILES, &count);
    if (rc != 0)
        return rc;
    st = sgp32_softeuicc_open(args[0], NULL, &card);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 %s: cannot open the card in %s: %s\n", call->name, args[0], sgp32_strerror(st));
        return CLI_EXIT_FAILURE;
    }
    rc = preload_profiles(call, card, args + 1, count - 1);
    sgp32_softeuicc_free(card);
    return rc;
}

/* The test PKI generator: $SGP32_TEST_PKI, else the installed copy, else the one of the source tree. */
static const char *test_pki_script(void)
{
    const char *env = getenv("SGP32_TEST_PKI");
    if (env != NULL && env[0] != '\0')
        return env;
#ifdef SGP32_CLI_TEST_PKI_INSTALLED
    if (access(SGP32_CLI_TEST_PKI_INSTALLED, R_OK) == 0)
        return SGP32_CLI_TEST_PKI_INSTALLED;
#endif
#ifdef SGP32_CLI_TEST_PKI_SOURCE
    if (access(SGP32_CLI_TEST_PKI_SOURCE, R_OK) == 0)
        return SGP32_CLI_TEST_PKI_SOURCE;
#endif
    return NULL;
}

static int run_pki(struct cli_call *call, int argc, char **argv)
{
    const char *script = test_pki_script();
    char **args;
    pid_t child;
    int status = 0, i;
    if (argc < 2)
        return cli_usage_error(call, "missing the output directory", NULL);
    if (script == NULL) {
        fprintf(stderr, "sgp32 %s: sgp32-test-pki not found (set SGP32_TEST_PKI to its path)\n", call->name);
        return CLI_EXIT_FAILURE;
    }
    args = calloc((size_t)argc + 2, sizeof(*args));
    if (args == NULL)
        return CLI_EXIT_FAILURE;
    args[0] = "sh";
    args[1] = (char *)script;
    for (i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    fflush(stdout);
    child = fork();
    if (child == 0) {
        execv("/bin/sh", args);
        _exit(127);
    }
    free(args);
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        fprintf(stderr, "sgp32 %s: cannot run %s\n", call->name, script);
        return CLI_EXIT_FAILURE;
    }
    /* The generator exits 2 for a bad command line, 1 for other failures. */
    return WEXITSTATUS(status) == 0 ? CLI_EXIT_OK : WEXITSTATUS(status) == 2 ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
}

static const struct cli_subcommand euicc_sim_subcommands[] = {
    {"create",
     "<state dir> [--pki <curve dir>]... [--eid <32 hex digits>] [--eum-cert <file>] [--euicc-cert <file>]\n"
     "         [--euicc-key <file>] [--ci-pkid <40 hex digits>]... [--dp-address <fqdn>]\n"
     "         [--root-ds-address <fqdn>] [--rat <file|hex>] [--profile <ProfileInfo file|hex>]...",
     "  makes a new software eUICC in <state dir> (which must not hold one). --pki takes a curve\n"
     "  directory of the test PKI (sgp32 euicc-sim pki, e.g. <out>/nist): EID, eUICC and EUM certificates\n"
     "  and key from the first, the CI certificate and PKID of each. Without --eid or --pki the EID is\n"
     "  random (prefix 89049032, valid check digits). --rat: a DER RulesAuthorisationTable. --profile\n"
     "  preloads a profile: the DER of an SGP32-ProfileInfo (E3) with at least iccid and isdpAid; it\n"
     "  starts disabled. Prints the EID.\n",
     run_create},
    {"preload", "<state dir> <ProfileInfo file|hex>...",
     "  preloads profiles into an existing card, as create --profile.\n", run_preload},
    {"serve",
     "<state dir> --vpcd <host>:<port> [--t0] [--consumer] [--get-response-chunk <n>]\n"
     "         [--retry-seconds <s>]",
     "  puts the card of <state dir> into the vpcd reader of a running pcscd (docs/pcsc.md). --t0 answers\n"
     "  as a T=0 card (ATR offers T=0 only; 61xx + GET RESPONSE), --consumer as an SGP.22 consumer eUICC.\n"
     "  Runs until SIGINT/SIGTERM (exit 0); when vpcd goes away it reconnects for up to --retry-seconds\n"
     "  (default 30), then exits 1.\n",
     run_serve},
    {"pki", "[--curve nist|brainpool|both] [--eid <32 hex digits>] [generator options] <output dir>",
     "  generates a test PKI (CI, EUM, eUICC, SM-DP+, eIM, TLS) with examples/pki/sgp32-test-pki into\n"
     "  <output dir>/nist and/or <output dir>/brainpool (docs/test-pki.md); options come before the\n"
     "  directory. The generator is found through $SGP32_TEST_PKI, the installed copy or the source tree.\n",
     run_pki},
};

const struct cli_family cli_family_euicc_sim = {
    "euicc-sim", "the software eUICC: create a card, preload profiles, serve it via vpcd, make a test PKI",
    euicc_sim_subcommands, sizeof(euicc_sim_subcommands) / sizeof(euicc_sim_subcommands[0]), 0};
