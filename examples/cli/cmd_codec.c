/* SPDX-License-Identifier: MIT */
/* sgp32 types / decode / encode */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sgp32/sgp32.h"

static int run_types(struct cli_call *call, int argc, char **argv)
{
    size_t i;
    const char *pattern = NULL;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, &pattern, 0, 1, NULL);
    if (rc != 0)
        return rc;
    for (i = 0; i < sgp32_codec_type_count(); i++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_at(i);
        const char *name = sgp32_codec_type_name(t);
        if (pattern == NULL || strstr(name, pattern) != NULL)
            printf("%s %s\n", sgp32_codec_type_module(t), name);
    }
    return CLI_EXIT_OK;
}

/* "<type> <input>" of decode and encode: the arguments and the type (0), or the exit code. */
static int type_arguments(struct cli_call *call, int argc, char **argv, const char *args[2],
                          const struct sgp32_codec_type **type)
{
    int rc = cli_parse_args(call, argc, argv, NULL, 0, args, 2, 2, NULL);
    if (rc != 0)
        return rc;
    *type = sgp32_codec_type_find(args[0]);
    if (*type == NULL)
        return cli_usage_error(call, "unknown type (see sgp32 types)", args[0]);
    return 0;
}

/* "sgp32 decode: <type>: <message> (<status name>)" on stderr; the exit code. */
static int codec_failed(const char *command, const char *type_name, enum sgp32_status st)
{
    fprintf(stderr, "sgp32 %s: %s: %s (%s)\n", command, type_name, sgp32_strerror(st), sgp32_status_name(st));
    return CLI_EXIT_FAILURE;
}

static int run_decode(struct cli_call *call, int argc, char **argv)
{
    const struct sgp32_codec_type *type;
    const char *args[2];
    uint8_t *data = NULL;
    size_t len = 0;
    void *value = NULL;
    enum sgp32_status st;
    int rc = type_arguments(call, argc, argv, args, &type);
    if (rc != 0)
        return rc;
    if (cli_read_input(args[1], &data, &len) != 0)
        return cli_usage_error(call, "neither a readable file nor hex", args[1]);
    st = sgp32_decode(type, data, len, NULL, &value, NULL);
    free(data);
    if (st != SGP32_OK)
        return codec_failed("decode", args[0], st);
    if (call->json) {
        st = sgp32_print_json(type, value, cli_stdout_sink, NULL);
        if (st == SGP32_OK)
            st = cli_stdout_sink("\n", 1, NULL) == 0 ? SGP32_OK : SGP32_ERR_CANCELLED;
    } else {
        st = sgp32_print(type, value, cli_stdout_sink, NULL);
    }
    sgp32_codec_free(type, value);
    return st == SGP32_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* The JSON text of `sgp32 encode`: "-" (stdin), a file when one exists at that path, else the
 * argument itself. */
static int read_json_argument(const char *arg, char **text, size_t *len)
{
    uint8_t *data = NULL;
    FILE *f;
    if (strcmp(arg, "-") != 0 && (f = fopen(arg, "rb")) == NULL) {
        *len = strlen(arg);
        *text = malloc(*len + 1);
        if (*text == NULL)
            return -1;
        memcpy(*text, arg, *len + 1);
        return 0;
    }
    if (strcmp(arg, "-") != 0)
        fclose(f);
    if (cli_read_input(arg, &data, len) != 0)
        return -1;
    *text = (char *)data;
    return 0;
}

static int run_encode(struct cli_call *call, int argc, char **argv)
{
    const struct sgp32_codec_type *type;
    const char *args[2];
    char *text = NULL;
    uint8_t *der = NULL;
    size_t len = 0, der_len = 0;
    void *value = NULL;
    enum sgp32_status st;
    int rc = type_arguments(call, argc, argv, args, &type);
    if (rc != 0)
        return rc;
    if (read_json_argument(args[1], &text, &len) != 0)
        return cli_usage_error(call, "cannot read the JSON", args[1]);
    st = sgp32_parse_json(type, text, len, &value);
    free(text);
    if (st == SGP32_OK)
        st = sgp32_encode_der_alloc(type, value, &der, &der_len);
    sgp32_codec_free(type, value);
    if (st != SGP32_OK)
        return codec_failed("encode", args[0], st);
    cli_print_hex(stdout, der, der_len);
    fputc('\n', stdout);
    sgp32_buffer_free(der);
    return CLI_EXIT_OK;
}

static const struct cli_subcommand types_subcommand = {
    "types", "[pattern]",
    "  lists the ASN.1 types the library knows, one \"<module> <type>\" per line (those whose name\n"
    "  contains pattern).\n",
    run_types};

const struct cli_family cli_family_types = {"types", "list the ASN.1 types the library knows", &types_subcommand, 1, 1};

static const struct cli_subcommand decode_subcommand = {
    "decode", "[--json] <type> <file|hex|->",
    "  decodes BER/DER as an ASN.1 type (see sgp32 types) and prints it as asn1c text, or with --json\n"
    "  as one JSON value (not wrapped in a result line; mapping in docs/cli.md). Exit 1 when the input\n"
    "  does not decode.\n",
    run_decode};

const struct cli_family cli_family_decode = {"decode", "decode BER/DER as an ASN.1 type, print text or JSON",
                                             &decode_subcommand, 1, 1};

static const struct cli_subcommand encode_subcommand = {
    "encode", "<type> <json|file|->",
    "  encodes a value given as JSON, in the mapping decode --json prints (docs/cli.md), as DER of an\n"
    "  ASN.1 type and prints it as one line of hex. The JSON is the argument itself, the contents of a\n"
    "  file of that name, or stdin (-). Members in any order, OPTIONAL ones may be left out; the value's\n"
    "  constraints are checked. Exit 1 when the JSON does not fit the type.\n",
    run_encode};

const struct cli_family cli_family_encode = {"encode", "encode JSON as DER of an ASN.1 type, print hex",
                                             &encode_subcommand, 1, 1};
