/* SPDX-License-Identifier: MIT */
/* Argument helpers shared by every sgp32 command: options, hex, input files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int cli_parse_hex(const char *text, uint8_t **data, size_t *len)
{
    size_t cap = strlen(text) / 2 + 1, n = 0;
    uint8_t *buf = malloc(cap);
    int hi = -1;
    if (buf == NULL)
        return -1;
    for (; *text != '\0'; text++) {
        int v;
        if (isspace((unsigned char)*text) || *text == ':')
            continue;
        v = hex_value((unsigned char)*text);
        if (v < 0) {
            free(buf);
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_parse_fixed_hex(const char *text, uint8_t *out, size_t len)
{
    size_t i;
    if (strlen(text) != 2 * len)
        return -1;
    for (i = 0; i < len; i++) {
        int hi = hex_value((unsigned char)text[2 * i]), lo = hex_value((unsigned char)text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int cli_parse_ulong(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    if (*text < '0' || *text > '9')
        return -1;
    *out = strtoul(text, &end, 10);
    return (*end != '\0' || *out > max) ? -1 : 0;
}

void cli_print_hex(FILE *out, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        fprintf(out, "%02X", data[i]);
}

static int read_stream(FILE *f, uint8_t **data, size_t *len)
{
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (grown == NULL) {
                free(buf);
                return -1;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_read_input(const char *arg, uint8_t **data, size_t *len)
{
    FILE *f;
    int rc;
    if (strcmp(arg, "-") == 0)
        return read_stream(stdin, data, len);
    f = fopen(arg, "rb");
    if (f == NULL)
        return cli_parse_hex(arg, data, len);
    rc = read_stream(f, data, len);
    fclose(f);
    return rc;
}

static void print_usage_line(FILE *out, const struct cli_call *call)
{
    fprintf(out, "usage: sgp32 [global options] %s%s%s\n", call->name, call->subcommand->synopsis[0] != '\0' ? " " : "",
            call->subcommand->synopsis);
}

int cli_usage_error(const struct cli_call *call, const char *message, const char *argument)
{
    fprintf(stderr, "sgp32 %s: %s%s%s\n", call->name, message, argument != NULL ? ": " : "",
            argument != NULL ? argument : "");
    print_usage_line(stderr, call);
    fprintf(stderr, "(sgp32 %s --help tells more)\n", call->name);
    return CLI_EXIT_USAGE;
}

static const struct cli_option *find_option(const struct cli_option *options, size_t count, const char *name)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

int cli_parse_args(struct cli_call *call, int argc, char **argv, const struct cli_option *options, size_t option_count,
                   const char **positional, size_t min_positional, size_t max_positional, size_t *positional_count)
{
    size_t count = 0;
    int i, options_end = 0;
    for (i = 1; i < argc; i++) {
        const struct cli_option *option;
        if (options_end || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            if (count == max_positional)
                return cli_usage_error(call, "unexpected argument", argv[i]);
            positional[count++] = argv[i];
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            options_end = 1;
            continue;
        }
        if (strcmp(argv[i], "--json") == 0) {
            call->json = 1;
            continue;
        }
        option = find_option(options, option_count, argv[i]);
        if (option == NULL)
            return cli_usage_error(call, "unknown option", argv[i]);
        if (option->value != NULL) {
            if (i + 1 >= argc)
                return cli_usage_error(call, "option needs a value", argv[i]);
            *option->value = argv[++i];
        } else {
            *option->flag = 1;
        }
    }
    if (count < min_positional)
        return cli_usage_error(call, "missing argument", NULL);
    if (positional_count != NULL)
        *positional_count = count;
    return 0;
}

int cli_start(struct cli_call *call, int argc, char **argv, const struct cli_option *options, size_t option_count,
              const char **positional, size_t min_positional, size_t max_positional)
{
    int rc = cli_parse_args(call, argc, argv, options, option_count, positional, min_positional, max_positional, NULL);
    return rc != 0 ? rc : cli_connect(call);
}

int cli_read_request(const struct cli_call *call, const char *input, const char *type_name, uint8_t **request,
                     size_t *len)
{
    *request = NULL;
    if (cli_read_input(input, request, len) != 0 || *len == 0) {
        free(*request);
        *request = NULL;
        return cli_usage_error(call, "neither a readable file nor hex", input);
    }
    if (type_name != NULL && sgp32_der_validate(sgp32_codec_type_find(type_name), *request, *len) != SGP32_OK) {
        free(*request);
        *request = NULL;
        fprintf(stderr, "sgp32 %s: %s is not a DER %s\n", call->name, input, type_name);
        return CLI_EXIT_FAILURE;
    }
    return 0;
}
