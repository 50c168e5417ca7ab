/* SPDX-License-Identifier: MIT */
/* The sgp32 command-line tool: shared declarations of its subcommands. */
#ifndef SGP32_CLI_H
#define SGP32_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes (documented in `sgp32 --help`). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* the operation failed (the message says which step and why) */
    CLI_EXIT_USAGE = 2    /* bad command line */
};

/* Global options, given before the command. */
struct cli_globals {
    const char *transport; /* --transport <spec> (or $SGP32_TRANSPORT); see transport_spec.h */
    int json;              /* --json: one JSON object per line on stdout */
    uint32_t timeout_ms;   /* --timeout <ms>: every card exchange (default 10000) */
};

int cmd_chip(const struct cli_globals *globals, int argc, char **argv);
int cmd_es10(const struct cli_globals *globals, int argc, char **argv);
int cmd_types(int argc, char **argv);
int cmd_decode(int argc, char **argv);
/* Only in builds with the software eUICC (SGP32_CLI_HAVE_EUICC_SIM). */
int cmd_euicc_sim(int argc, char **argv);

/* Reads `arg` as a file if one exists at that path, else as hex (spaces allowed). Caller frees. */
int cli_read_input(const char *arg, uint8_t **data, size_t *len);

#endif
