/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sgp32/sgp32.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32 [--transport <spec>] [--json] [--timeout <ms>] <command> [args]\n"
                 "\n"
                 "global options:\n"
                 "  --transport <spec>        softeuicc:<dir> | pcsc[:<reader>] | at:<tty>[,csim|,ccho][,baud=N]\n"
                 "                            | qmi:<device>[,slot=N]  (default: $SGP32_TRANSPORT)\n"
                 "  --json                    one JSON object per line (a final result with code and message)\n"
                 "  --timeout <ms>            deadline of every card exchange (default 10000)\n"
                 "\n"
                 "commands:\n"
                 "  chip info                 EID, EUICCInfo1/2, configured addresses, eIM configuration\n"
                 "  es10 <hex|file>           send one ES10 command (e.g. BF3E035C015A), print the answer\n"
                 "  version                   print the library version\n"
                 "  types [pattern]           list the ASN.1 types the library knows (module and name)\n"
                 "  decode [--json] <type> <file|hex>\n"
                 "                            decode BER/DER as an ASN.1 type; print it as text or JSON\n");
#ifdef SGP32_CLI_HAVE_EUICC_SIM
    fprintf(out, "  euicc-sim create|serve    make a software eUICC / serve it as a PC/SC card via vpcd\n");
#endif
    fprintf(out, "\n"
                 "exit codes: 0 success, 1 the operation failed, 2 bad command line\n");
}

/* Consumes the global options in front of the command; returns the index of the command or -1. */
static int parse_globals(int argc, char **argv, struct cli_globals *g)
{
    int i = 1;
    g->transport = getenv("SGP32_TRANSPORT");
    g->json = 0;
    g->timeout_ms = 10000;
    while (i < argc && strncmp(argv[i], "--", 2) == 0) {
        if (strcmp(argv[i], "--json") == 0) {
            g->json = 1;
            i++;
        } else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc) {
            g->transport = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long ms = strtoul(argv[i + 1], &end, 10);
            if (end == argv[i + 1] || *end != '\0' || ms == 0 || ms > 3600000ul) {
                fprintf(stderr, "sgp32: --timeout takes milliseconds (1 .. 3600000)\n");
                return -1;
            }
            g->timeout_ms = (uint32_t)ms;
            i += 2;
        } else {
            break; /* --help, --version, or unknown: handled by the caller */
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    struct cli_globals globals;
    int at = parse_globals(argc, argv, &globals);
    if (at < 0)
        return CLI_EXIT_USAGE;
    argc -= at - 1;
    argv += at - 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("sgp32 %s\n", sgp32_version());
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "types") == 0)
        return cmd_types(argc - 1, argv + 1);
    if (strcmp(argv[1], "decode") == 0)
        return cmd_decode(argc - 1, argv + 1);
    if (strcmp(argv[1], "chip") == 0)
        return cmd_chip(&globals, argc - 1, argv + 1);
    if (strcmp(argv[1], "es10") == 0)
        return cmd_es10(&globals, argc - 1, argv + 1);
#ifdef SGP32_CLI_HAVE_EUICC_SIM
    if (strcmp(argv[1], "euicc-sim") == 0)
        return cmd_euicc_sim(argc - 1, argv + 1);
#endif
    fprintf(stderr, "sgp32: unknown command '%s' (see sgp32 --help)\n", argv[1]);
    return CLI_EXIT_USAGE;
}
