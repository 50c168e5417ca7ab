/* SPDX-License-Identifier: MIT */
/* sgp32: the command-line tool over libsgp32 (docs/cli.md, docs/sgp32.1). main() parses the global
 * options and dispatches through the command table; each family lives in its cmd_*.c file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#ifdef SGP32_CLI_HAVE_IPA
#include "cli_ipa_host.h"
#endif

/* The command table. Commands that need the IPA core (download, ipa poll/run, eIM-driven
 * operations) join here as families of their own. */
static const struct cli_family *const families[] = {
    &cli_family_chip,      &cli_family_profile,  &cli_family_notification, &cli_family_eim,    &cli_family_euicc,
    &cli_family_es10,      &cli_family_decode,   &cli_family_types,        &cli_family_encode,
#ifdef SGP32_CLI_HAVE_EUICC_SIM
    &cli_family_euicc_sim,
#endif
#ifdef SGP32_CLI_HAVE_IPA
    &cli_family_ipa,       &cli_family_download,
#endif
};
#define FAMILY_COUNT (sizeof(families) / sizeof(families[0]))

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static const struct cli_family *find_family(const char *name)
{
    size_t i;
    for (i = 0; i < FAMILY_COUNT; i++)
        if (strcmp(families[i]->name, name) == 0)
            return families[i];
    return NULL;
}

static const struct cli_subcommand *find_subcommand(const struct cli_family *family, const char *name)
{
    size_t i;
    for (i = 0; i < family->count; i++)
        if (strcmp(family->subcommands[i].name, name) == 0)
            return &family->subcommands[i];
    return NULL;
}

static void print_subcommand(FILE *out, const struct cli_family *family, const struct cli_subcommand *sub)
{
    fprintf(out, "usage: sgp32 [global options] %s%s%s%s%s\n%s", family->name, family->single ? "" : " ",
            family->single ? "" : sub->name, sub->synopsis[0] != '\0' ? " " : "", sub->synopsis, sub->help);
}

int cli_print_help(FILE *out, const struct cli_family *family, const char *subcommand)
{
    size_t i;
    if (family->single) {
        print_subcommand(out, family, &family->subcommands[0]);
        return 0;
    }
    if (subcommand != NULL) {
        const struct cli_subcommand *sub = find_subcommand(family, subcommand);
        if (sub == NULL)
            return -1;
        print_subcommand(out, family, sub);
        return 0;
    }
    fprintf(out, "usage: sgp32 [global options] %s <subcommand> [arguments]\n%s\n\nsubcommands:\n", family->name,
            family->summary);
    for (i = 0; i < family->count; i++)
        fprintf(out, "  %s%s%s\n", family->subcommands[i].name, family->subcommands[i].synopsis[0] != '\0' ? " " : "",
                family->subcommands[i].synopsis);
    fprintf(out, "\nsgp32 %s <subcommand> --help describes one.\n", family->name);
    return 0;
}

int cli_run_family(const struct cli_family *family, const struct cli_globals *globals, int argc, char **argv)
{
    const struct cli_subcommand *sub = &family->subcommands[0];
    struct cli_call call;
    int i, rc;

    if (!family->single) {
        if (argc < 2 || is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
            cli_print_help(argc < 2 ? stderr : stdout, family, NULL);
            return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
        }
        sub = find_subcommand(family, argv[1]);
        if (sub == NULL) {
            fprintf(stderr, "sgp32 %s: unknown subcommand '%s'\n", family->name, argv[1]);
            cli_print_help(stderr, family, NULL);
            return CLI_EXIT_USAGE;
        }
        argc--;
        argv++;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (is_help(argv[i])) {
            print_subcommand(stdout, family, sub);
            return CLI_EXIT_OK;
        }
    }
    memset(&call, 0, sizeof(call));
    call.globals = globals;
    call.subcommand = sub;
    call.json = globals->json;
    snprintf(call.name, sizeof(call.name), "%s%s%s", family->name, family->single ? "" : " ",
             family->single ? "" : sub->name);
    rc = sub->run(&call, argc, argv);
    cli_disconnect(&call);
    return rc;
}

static void usage(FILE *out)
{
    size_t i;
    fprintf(out, "usage: sgp32 [--transport <spec>] [--json] [--timeout <ms>] [-v] <command> [arguments]\n"
                 "\n"
                 "global options:\n"
                 "  --transport <spec>   softeuicc:<dir> | pcsc[:<reader>] | at:<tty>[,csim|,ccho][,baud=N]\n"
                 "                       | qmi:<device>[,slot=N]  (default: $SGP32_TRANSPORT)\n"
                 "  --json               one JSON object per line: a final result with code, status and message\n"
                 "  --timeout <ms>       deadline of every card exchange (default 10000)\n"
                 "  -v, --verbose        trace every APDU exchanged with the card on stderr\n"
                 "\n"
                 "commands:\n");
    for (i = 0; i < FAMILY_COUNT; i++)
        fprintf(out, "  %-14s %s\n", families[i]->name, families[i]->summary);
    fprintf(out, "  %-14s %s\n  %-14s %s\n", "help [command]", "this text, or the help of a command", "version",
            "print the library version");
    fprintf(out, "\nexit codes: 0 success, 1 the operation failed (card, eUICC result, bad input), 2 bad command\n"
                 "line, 3 the card could not be reached (transport, no card, timeout). See sgp32(1).\n");
}

/* sgp32 help [<command> [<subcommand>]] */
static int help(int argc, char **argv)
{
    const struct cli_family *family;
    if (argc < 3) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    family = find_family(argv[2]);
    if (family == NULL || cli_print_help(stdout, family, argc > 3 ? argv[3] : NULL) != 0) {
        fprintf(stderr, "sgp32 help: no command '%s%s%s'\n", argv[2], argc > 3 ? " " : "", argc > 3 ? argv[3] : "");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Consumes the global options in front of the command; returns the index of the command or -1. */
static int parse_globals(int argc, char **argv, struct cli_globals *g)
{
    int i = 1;
    g->transport = getenv("SGP32_TRANSPORT");
    g->json = 0;
    g->timeout_ms = 10000;
    g->verbose = 0;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            g->verbose = 1;
            i++;
        } else if (strcmp(argv[i], "--json") == 0) {
            g->json = 1;
            i++;
        } else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc) {
            g->transport = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            unsigned long ms;
            if (cli_parse_ulong(argv[i + 1], 3600000ul, &ms) != 0 || ms == 0) {
                fprintf(stderr, "sgp32: --timeout takes milliseconds (1 .. 3600000)\n");
                return -1;
            }
            g->timeout_ms = (uint32_t)ms;
            i += 2;
        } else if (strcmp(argv[i], "--transport") == 0 || strcmp(argv[i], "--timeout") == 0) {
            fprintf(stderr, "sgp32: %s needs a value\n", argv[i]);
            return -1;
        } else {
            break; /* --help, --version, or unknown: handled by the caller */
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    struct cli_globals globals;
    const struct cli_family *family;
    int at = parse_globals(argc, argv, &globals);
    if (at < 0)
        return CLI_EXIT_USAGE;
    argc -= at - 1;
    argv += at - 1;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (is_help(argv[1]) || strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("sgp32 %s\n", sgp32_version());
        return CLI_EXIT_OK;
    }
    family = find_family(argv[1]);
    if (family == NULL) {
        fprintf(stderr, "sgp32: unknown %s '%s' (see sgp32 --help)\n", argv[1][0] == '-' ? "option" : "command",
                argv[1]);
        return CLI_EXIT_USAGE;
    }
    return cli_run_family(family, &globals, argc - 1, argv + 1);
}
