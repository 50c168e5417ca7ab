/* SPDX-License-Identifier: MIT */
/* The canonical text of a conformance report and its comparison with the reference file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es10_conformance.h"

/* Appends formatted text at *len (counting what does not fit, like snprintf). */
static void append(char *text, size_t cap, size_t *len, const char *format, ...)
{
    va_list args;
    int n;
    va_start(args, format);
    n = vsnprintf(*len < cap ? text + *len : NULL, *len < cap ? cap - *len : 0, format, args);
    va_end(args);
    if (n > 0)
        *len += (size_t)n;
}

size_t es10_conformance_render(const struct es10_conformance_report *report, char *text, size_t cap)
{
    size_t len = 0, i;
    unsigned failed = 0;

    if (cap > 0)
        text[0] = '\0';
    append(text, cap, &len, "ES10 conformance report: %u checks\n", (unsigned)report->count);
    for (i = 0; i < report->count; i++) {
        const struct es10_conformance_check *check = &report->checks[i];
        char sw[16];
        if (check->sw != 0)
            snprintf(sw, sizeof(sw), "SW %04X", (unsigned)check->sw);
        else
            snprintf(sw, sizeof(sw), "no SW");
        failed += check->status != ES10_CONFORMANCE_PASS;
        append(text, cap, &len, "%s: %s, %s: %s\n", check->name,
               check->status == ES10_CONFORMANCE_PASS ? "PASS" : "FAIL", sw, check->outcome);
    }
    append(text, cap, &len, "summary: %u passed, %u failed\n", (unsigned)report->count - failed, failed);
    return len;
}

/* The reference text into text[0..cap) (NUL terminated): 0, or -1 when unreadable or too long. */
static int read_reference(const char *path, char *text, size_t cap)
{
    FILE *file = fopen(path, "rb");
    size_t len;
    if (file == NULL)
        return -1;
    len = fread(text, 1, cap - 1, file);
    fclose(file);
    text[len] = '\0';
    if (len >= cap - 1)
        return -1;
    /* The reference file starts with its license line ("# SPDX-..."): not part of the report. */
    if (text[0] == '#') {
        const char *end = strchr(text, '\n');
        size_t skip = end != NULL ? (size_t)(end - text) + 1 : len;
        memmove(text, text + skip, len - skip + 1);
    }
    return 0;
}
/* The 1-based number of the first line where a and b differ. */
static unsigned first_difference(const char *a, const char *b)
{
    unsigned line = 1;
    while (*a != '\0' && *a == *b) {
        if (*a == '\n')
            line++;
        a++;
        b++;
    }
    return line;
}

int es10_conformance_compare(const struct es10_conformance_report *report, const char *expected_file,
                             const char *path_name)
{
    /* A report is at most 16 checks of a few hundred characters: both texts fit. */
    static const size_t cap = 16384;
    char *text = malloc(cap), *expected = malloc(cap);
    int equal = 0;

    if (text != NULL && expected != NULL && es10_conformance_render(report, text, cap) < cap) {
        printf("---- ES10 conformance over %s\n%s", path_name, text);
        if (read_reference(expected_file, expected, cap) != 0) {
            printf("---- cannot read the reference report %s\n", expected_file);
        } else if (strcmp(text, expected) != 0) {
            printf("---- DIFFERS from %s at line %u; the reference is:\n%s", expected_file,
                   first_difference(text, expected), expected);
        } else {
            printf("---- identical to %s\n", expected_file);
            equal = 1;
        }
    }
    fflush(stdout);
    free(text);
    free(expected);
    return equal ? 0 : -1;
}

int es10_conformance_check_path(const struct sgp32_apdu_transport *transport, const uint8_t expected_eid[16],
                                const char *pki_dir, const char *expected_file, const char *path_name)
{
    struct es10_conformance_report report;
    es10_conformance_run(transport, expected_eid, pki_dir, &report);
    return es10_conformance_compare(&report, expected_file, path_name);
}
