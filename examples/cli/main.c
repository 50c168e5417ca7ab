/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sgp32/sgp32.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32 <command> [args]\n"
                 "\n"
                 "commands:\n"
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

int main(int argc, char **argv)
{
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
#ifdef SGP32_CLI_HAVE_EUICC_SIM
    if (strcmp(argv[1], "euicc-sim") == 0)
        return cmd_euicc_sim(argc - 1, argv + 1);
#endif
    fprintf(stderr, "sgp32: unknown command '%s' (see sgp32 --help)\n", argv[1]);
    return CLI_EXIT_USAGE;
}
