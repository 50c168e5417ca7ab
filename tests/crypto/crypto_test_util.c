/* SPDX-License-Identifier: MIT */
#include "crypto_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

uint8_t *test_read_shared(const char *relative, size_t *len)
{
    char path[1024];
    FILE *file;
    long size;
    uint8_t *data;

    snprintf(path, sizeof path, "%s/%s", SGP32_SHARED_DIR, relative);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    size = ftell(file);
    assert_true(size >= 0);
    assert_int_equal(fseek(file, 0, SEEK_SET), 0);
    data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    data[size] = 0;
    *len = (size_t)size;
    return data;
}

uint8_t *test_read_shared_exact(const char *relative, size_t *len)
{
    uint8_t *text = test_read_shared(relative, len);
    uint8_t *exact = malloc(*len > 0 ? *len : 1);
    assert_non_null(exact);
    memcpy(exact, text, *len);
    free(text);
    return exact;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes hex from text up to the first character that is not a hex digit. */
static size_t decode_hex(const char *text, uint8_t *out, size_t size)
{
    size_t n = 0;
    while (hex_digit((unsigned char)text[0]) >= 0) {
        int high = hex_digit((unsigned char)text[0]);
        int low = hex_digit((unsigned char)text[1]);
        if (low < 0)
            fail_msg("odd hex digit count near '%.16s'", text);
        if (n >= size)
            fail_msg("hex value larger than %zu bytes", size);
        out[n++] = (uint8_t)(high << 4 | low);
        text += 2;
    }
    return n;
}

size_t test_hex(const char *hex, uint8_t *out, size_t size)
{
    size_t n = decode_hex(hex, out, size);
    assert_int_equal(strlen(hex), 2 * n);
    return n;
}

int test_vector_hex(const char *text, const char *section, const char *key, uint8_t *out, size_t size, size_t *len)
{
    const char *line = text;
    int in_section = section == NULL;
    size_t key_len = strlen(key);

    while (line != NULL && *line != 0) {
        const char *next = strchr(line, '\n');
        if (line[0] == '[') {
            size_t section_len = section != NULL ? strlen(section) : 0;
            if (section != NULL)
                in_section = strncmp(line + 1, section, section_len) == 0 && line[1 + section_len] == ']';
        } else if (in_section && strncmp(line, key, key_len) == 0) {
            const char *p = line + key_len;
            while (*p == ' ')
                p++;
            if (*p == '=') {
                p++;
                while (*p == ' ')
                    p++;
                *len = decode_hex(p, out, size);
                return 1;
            }
        }
        line = next != NULL ? next + 1 : NULL;
    }
    return 0;
}
