/* SPDX-License-Identifier: MIT */
/* sgp32 types / decode */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sgp32/sgp32.h"

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int parse_hex(const char *text, uint8_t **data, size_t *len)
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

int cli_read_input(const char *arg, uint8_t **data, size_t *len)
{
    FILE *f = fopen(arg, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return parse_hex(arg, data, len);
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap = cap ? cap * 2 : 4096);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

int cmd_types(int argc, char **argv)
{
    size_t i;
    const char *pattern = argc > 1 ? argv[1] : NULL;
    for (i = 0; i < sgp32_codec_type_count(); i++) {
        const struct sgp32_codec_type *t = sgp32_codec_type_at(i);
        const char *name = sgp32_codec_type_name(t);
        if (pattern == NULL || strstr(name, pattern) != NULL)
            printf("%s %s\n", sgp32_codec_type_module(t), name);
    }
    return CLI_EXIT_OK;
}

static int print_to_stdout(const char *text, size_t len, void *user)
{
    (void)user;
    return fwrite(text, 1, len, stdout) == len ? 0 : -1;
}

int cmd_decode(int argc, char **argv)
{
    const struct sgp32_codec_type *type;
    uint8_t *data = NULL;
    size_t len = 0;
    void *value = NULL;
    enum sgp32_status st;
    int json = 0;

    if (argc > 1 && strcmp(argv[1], "--json") == 0) {
        json = 1;
        argc--;
        argv++;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: sgp32 decode [--json] <type> <file|hex>\n");
        return CLI_EXIT_USAGE;
    }
    type = sgp32_codec_type_find(argv[1]);
    if (type == NULL) {
        fprintf(stderr, "sgp32 decode: unknown type '%s' (see sgp32 types)\n", argv[1]);
        return CLI_EXIT_USAGE;
    }
    if (cli_read_input(argv[2], &data, &len) != 0) {
        fprintf(stderr, "sgp32 decode: '%s' is neither a readable file nor hex\n", argv[2]);
        return CLI_EXIT_USAGE;
    }
    st = sgp32_decode(type, data, len, NULL, &value, NULL);
    free(data);
    if (st != SGP32_OK) {
        fprintf(stderr, "sgp32 decode: %s: %s (%s)\n", argv[1], sgp32_strerror(st), sgp32_status_name(st));
        return CLI_EXIT_FAILURE;
    }
    if (json) {
        st = sgp32_print_json(type, value, print_to_stdout, NULL);
        if (st == SGP32_OK)
            st = print_to_stdout("\n", 1, NULL) == 0 ? SGP32_OK : SGP32_ERR_CANCELLED;
    } else {
        st = sgp32_print(type, value, print_to_stdout, NULL);
    }
    sgp32_codec_free(type, value);
    return st == SGP32_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
