/* SPDX-License-Identifier: MIT */
/* The sgp32 command-line tool: shared declarations of its commands (docs/cli.md, docs/sgp32.1). */
#ifndef SGP32_CLI_H
#define SGP32_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sgp32/sgp32.h"
#include "transport_spec.h"

/* Exit codes (documented in `sgp32 --help`, docs/cli.md and docs/sgp32.1). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1,  /* the operation failed on the card (ES10 result, status word) or the input was bad */
    CLI_EXIT_USAGE = 2,    /* bad command line */
    CLI_EXIT_TRANSPORT = 3 /* the card could not be reached: transport error, no card, timeout */
};

/* Global options, given before the command. */
struct cli_globals {
    const char *transport; /* --transport <spec> (or $SGP32_TRANSPORT); see transport_spec.h */
    int json;              /* --json: one JSON object per line on stdout */
    uint32_t timeout_ms;   /* --timeout <ms>: every card exchange (default 10000) */
    int verbose;           /* -v: APDU trace on stderr */
};

/* -v: a transport printing every exchange of `inner` to stderr (cli_trace.c). */
struct cli_trace {
    struct sgp32_apdu_transport inner, transport;
    struct sgp32_apdu_transport_ops ops;
};
void cli_trace_wrap(struct cli_trace *trace, const struct sgp32_apdu_transport *inner);

/* One run of a subcommand: its name for messages, the output mode and the card session, connected on
 * first use by cli_connect(). */
struct cli_call {
    const struct cli_globals *globals;
    const struct cli_subcommand *subcommand;
    char name[64]; /* "profile enable" */
    int json;      /* --json given globally or after the subcommand */
    struct cli_transport transport;
    struct cli_trace trace; /* with -v, between the session and the transport */
    struct sgp32_es10 *es10;
};

/* A subcommand of a command family ("list" of "profile"). run gets argv[0] = the subcommand name. */
struct cli_subcommand {
    const char *name;
    const char *synopsis; /* arguments after the name, for usage lines */
    const char *help;     /* what it does, its options (lines of at most 100 columns) */
    int (*run)(struct cli_call *call, int argc, char **argv);
};

/* A command family (`sgp32 profile ...`). With single set, the family is one command without
 * subcommand names: subcommands[0] runs with the family's arguments (`sgp32 es10 <hex>`). */
struct cli_family {
    const char *name;
    const char *summary;
    const struct cli_subcommand *subcommands;
    size_t count;
    int single;
};

extern const struct cli_family cli_family_chip, cli_family_es10, cli_family_profile, cli_family_notification,
    cli_family_eim, cli_family_euicc, cli_family_euicc_sim, cli_family_decode, cli_family_types;
extern const struct cli_family cli_family_encode;

/* Runs `sgp32 <family> ...` (argv[0] is the family name): --help, the subcommand's --help, dispatch. */
int cli_run_family(const struct cli_family *family, const struct cli_globals *globals, int argc, char **argv);
/* Help of a family (subcommand NULL) or of one subcommand; 0, or -1 for an unknown subcommand. */
int cli_print_help(FILE *out, const struct cli_family *family, const char *subcommand);

/* ---- Arguments (cli_args.c) */

/* An option of a subcommand: value != NULL takes an argument, else flag is set to 1. */
struct cli_option {
    const char *name; /* "--refresh" */
    const char **value;
    int *flag;
};

/* Parses options (anywhere) and between min_positional and max_positional positional arguments into
 * positional[]. --json is always accepted. Prints the usage and returns CLI_EXIT_USAGE when wrong. */
int cli_parse_args(struct cli_call *call, int argc, char **argv, const struct cli_option *options, size_t option_count,
                   const char **positional, size_t min_positional, size_t max_positional, size_t *positional_count);
/* cli_parse_args(), then cli_connect(): the common start of a command without further checks. */
int cli_start(struct cli_call *call, int argc, char **argv, const struct cli_option *options, size_t option_count,
              const char **positional, size_t min_positional, size_t max_positional);
/* Reads a request argument (file, hex or - for stdin) into a new buffer (caller frees); with type_name
 * it must be DER of that type. Prints why not and returns the exit code (2 unreadable, 1 not DER). */
int cli_read_request(const struct cli_call *call, const char *input, const char *type_name, uint8_t **request,
                     size_t *len);
/* Prints "sgp32 <name>: <message>" and the usage line; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_call *call, const char *message, const char *argument);
/* Hex (spaces and colons allowed) into a new buffer (caller frees); -1 if not hex. */
int cli_parse_hex(const char *text, uint8_t **data, size_t *len);
/* Exactly len bytes of hex (no separators). */
int cli_parse_fixed_hex(const char *text, uint8_t *out, size_t len);
/* A decimal number in [0, max]. */
int cli_parse_ulong(const char *text, unsigned long max, unsigned long *out);
/* Reads `arg` as a file if one exists at that path, "-" as stdin, else as hex. Caller frees. */
int cli_read_input(const char *arg, uint8_t **data, size_t *len);
void cli_print_hex(FILE *out, const uint8_t *data, size_t len);

/* ---- Card session and output (cli_output.c) */

/* Name of an ES10 result code of the command whose request has tag `command` (0xBF31 ...; 0 for the
 * codes most commands share): sgp32_es10_result_name(), "unknown" when it has none. */
const char *cli_result_name(uint32_t command, long code);

/* Opens the transport and the ES10 session if not done yet; prints why not and returns the exit code. */
int cli_connect(struct cli_call *call);
void cli_disconnect(struct cli_call *call);
/* Reports a failed step (stderr, or the JSON result line) with the status, ES10 result code and its
 * name (cli_result_name of `command`, the request's tag or 0), the step and status word; returns the
 * exit code. */
int cli_fail(const struct cli_call *call, const char *what, enum sgp32_status status, uint32_t command);
/* The same for a result code read from an answer the typed function returned. */
int cli_fail_result(const struct cli_call *call, const char *what, uint32_t command, long code);
/* The INTEGER value of a result code element. */
long cli_integer(const uint8_t *value, size_t len);
/* JSON: starts the success result line up to `"data":` (the caller prints the data value, then calls
 * cli_result_end()). Text: nothing. */
void cli_result_begin(const struct cli_call *call);
int cli_result_end(const struct cli_call *call);
/* A successful result with data {} (JSON) or `text` on stdout. */
int cli_result_done(const struct cli_call *call, const char *text);
/* An sgp32_text_sink writing to stdout. */
int cli_stdout_sink(const char *text, size_t len, void *user);
/* A JSON string literal. */
void cli_json_string(const char *text, size_t len);
/* The value of a decoded element: JSON (sgp32_print_json) or text (sgp32_print); hex if it does not
 * decode as type_name (or alt_type_name, may be NULL). */
int cli_print_value(const struct cli_call *call, const char *type_name, const char *alt_type_name, const uint8_t *data,
                    size_t len);

/* One fixed ES10 query of a command printing several answers (chip info, euicc info). */
struct cli_query {
    const char *key;        /* JSON member / text label */
    const uint8_t *request; /* the ES10 command */
    size_t request_len;
    const char *type;     /* ASN.1 type of the answer */
    const char *alt_type; /* tried when `type` does not decode (consumer cards), or NULL */
};
/* Connects, runs the queries and prints data {"<key>": <decoded answer>, ...}; a query the card does
 * not know (6A88) is left out. */
int cli_run_queries(struct cli_call *call, const struct cli_query *queries, size_t count);

/* ---- TLV walking (cli_output.c) */

/* The value of the first direct child with `tag` inside value[0..len); 0 if found. */
int cli_tlv_child(const uint8_t *value, size_t len, uint32_t tag, const uint8_t **child, size_t *child_len);
/* The value of the element at data[0..len) if its tag is `tag`; 0 if so. */
int cli_tlv_value(const uint8_t *data, size_t len, uint32_t tag, const uint8_t **value, size_t *value_len);

/* Prints a list answer `outer_tag { list_tag { elements } | error_tag INTEGER }` as data {"<key>":[...]}
 * (JSON, each element as element_type) or one text line per element via text_line. An error_tag answer
 * is reported with the result names of the command outer_tag (an ES10 answer has its request's tag).
 * Returns the exit code. */
struct cli_list {
    const char *key; /* JSON member of data */
    uint32_t outer_tag, list_tag, error_tag;
    const char *element_type, *alt_element_type;
    void (*text_line)(const uint8_t *element, size_t len); /* NULL: sgp32_print of the element */
    const char *empty_text;                                /* text when the list is empty */
    int with_hex; /* JSON elements as {"hex": "<the element's bytes>", "value": <decoded>} */
};
int cli_print_list(const struct cli_call *call, const struct cli_list *list, const uint8_t *answer, size_t len);

/* A command without arguments that prints one ES10 answer: as a list, or decoded as data. */
struct cli_answer {
    const char *function; /* for messages: "GetRAT" */
    enum sgp32_status (*get)(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len);
    uint32_t command;            /* the request's tag, for result names */
    const struct cli_list *list; /* NULL: the whole answer decoded as `type` is the data */
    const char *type;
};
int cli_run_answer(struct cli_call *call, int argc, char **argv, const struct cli_answer *command);

#endif
