/* SPDX-License-Identifier: MIT */
/* sgp32 types / decode */
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

static int run_decode(struct cli_call *call, int argc, char **argv)
{
    const struct sgp32_codec_type *type;
    const char *args[2];
    uint8_t *data = NULL;
    size_t len = 0;
    void *value = NULL;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, args, 2, 2, NULL);

    if (rc != 0)
        return rc;
    type = sgp32_codec_type_find(args[0]);
    if (type == NULL)
        return cli_usage_error(call, "unknown type (see sgp32 types)", args[0]);
    if (cli_read_input(args[1], &data, &len) != 0)
        return cli_usage_error(call, "neither a readable file nor hex", args[1]);
    st = sgp32_decode(type, data, len, NULL, &value, NULL);
    free(data);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 decode: %s: %s (%s)\n", args[0], sgp32_strerror(st), sgp32_status_name(st));
        return CLI_EXIT_FAILURE;
    }
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
