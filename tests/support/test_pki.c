/* SPDX-License-Identifier: MIT */
#include "test_pki.h"

#include <stdio.h>
#include <string.h>

int test_pki_manifest_value(const char *curve_dir, const char *key, char *value, size_t cap)
{
    char path[1024], line[1024];
    size_t key_len = strlen(key);
    int found = -1;
    FILE *manifest;
    if ((size_t)snprintf(path, sizeof(path), "%s/manifest.txt", curve_dir) >= sizeof(path))
        return -1;
    manifest = fopen(path, "r");
    if (manifest == NULL)
        return -1;
    while (found != 0 && fgets(line, sizeof(line), manifest) != NULL) {
        if (strncmp(line, key, key_len) != 0 || line[key_len] != '=')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        found = (size_t)snprintf(value, cap, "%s", line + key_len + 1) < cap ? 0 : -1;
    }
    fclose(manifest);
    return found;
}

int test_parse_hex(const char *text, uint8_t *out, size_t len)
{
    size_t i;
    if (strlen(text) != 2 * len)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned byte;
        if (sscanf(text + 2 * i, "%2x", &byte) != 1)
            return -1;
        out[i] = (uint8_t)byte;
    }
    return 0;
}
