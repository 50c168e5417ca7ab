/* SPDX-License-Identifier: MIT */
/* Parser of AT answers: final result codes (ITU-T V.250 5.7.1 in verbose form, 3GPP TS 27.007 9.2 for
 * +CME ERROR, 27.005 3.2.5 for +CMS ERROR), the information lines of +CSIM (27.007 8.17), +CCHO
 * (8.45) and +CGLA (8.43), and the hex coding of APDUs. */
#include <string.h>

#include "at_internal.h"

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

int sgp32_atcmd_has_prefix(const char *line, const char *prefix)
{
    size_t i;
    for (i = 0; prefix[i] != '\0'; i++)
        if (line[i] == '\0' || upper(line[i]) != upper(prefix[i]))
            return 0;
    return 1;
}

static int equal_ignoring_case(const char *a, size_t a_len, const char *b)
{
    size_t i;
    for (i = 0; i < a_len; i++)
        if (b[i] == '\0' || upper(a[i]) != upper(b[i]))
            return 0;
    return b[a_len] == '\0';
}

static int printable(const char *line, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20u && c != '\t') || c > 0x7Eu)
            return 0;
    }
    return 1;
}

enum at_line_kind sgp32_atcmd_classify_line(const char *line, size_t len, const char *command)
{
    /* Call failure codes of V.250 end a command too; they never answer SIM commands, but a modem
     * that sends one has failed the command. */
    static const char *const failures[] = {"ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"};
    size_t i;

    if (len == 0 || !printable(line, len) || strlen(line) != len)
        return AT_LINE_GARBAGE;
    if (command != NULL && equal_ignoring_case(line, len, command))
        return AT_LINE_ECHO;
    if (equal_ignoring_case(line, len, "OK"))
        return AT_LINE_OK;
    for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++)
        if (equal_ignoring_case(line, len, failures[i]))
            return AT_LINE_ERROR;
    if (sgp32_atcmd_has_prefix(line, "+CME ERROR:"))
        return AT_LINE_CME_ERROR;
    if (sgp32_atcmd_has_prefix(line, "+CMS ERROR:"))
        return AT_LINE_CMS_ERROR;
    return AT_LINE_INFORMATION;
}

int sgp32_atcmd_line_is_final(enum at_line_kind kind)
{
    return kind == AT_LINE_OK || kind == AT_LINE_ERROR || kind == AT_LINE_CME_ERROR || kind == AT_LINE_CMS_ERROR;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A decimal number below limit; *end after its last digit. 0 if there is no digit or it is too big. */
static int parse_decimal(const char *p, uint32_t limit, uint32_t *value, const char **end)
{
    uint32_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        uint32_t d = (uint32_t)(*p - '0');
        if (v > (limit - d) / 10u)
            return 0;
        v = v * 10u + d;
        p++;
        digits++;
    }
    if (digits == 0)
        return 0;
    *value = v;
    *end = p;
    return 1;
}

int sgp32_atcmd_parse_error_code(const char *line)
{
    const char *p = strchr(line, ':');
    const char *end;
    uint32_t code;
    if (p == NULL)
        return -1;
    p = skip_spaces(p + 1);
    if (!parse_decimal(p, 65535u, &code, &end))
        return -1;
    if (*skip_spaces(end) != '\0')
        return -1;
    return (int)code;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = upper(c);
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum sgp32_status sgp32_atcmd_parse_hex_answer(const char *line, const char *prefix, uint8_t *out, size_t cap,
                                               size_t *out_len)
{
    const char *p;
    const char *end;
    uint32_t length;
    size_t digits = 0;
    int quoted = 0;

    *out_len = 0;
    if (!sgp32_atcmd_has_prefix(line, prefix))
        return SGP32_ERR_PROTOCOL;
    p = skip_spaces(line + strlen(prefix));
    if (!parse_decimal(p, 100000u, &length, &end))
        return SGP32_ERR_PROTOCOL;
    p = skip_spaces(end);
    if (*p != ',')
        return SGP32_ERR_PROTOCOL;
    p = skip_spaces(p + 1);
    if (*p == '"') {
        quoted = 1;
        p++;
    }
    while (hex_value(p[digits]) >= 0)
        digits++;
    end = p + digits;
    if (quoted) {
        if (*end != '"')
            return SGP32_ERR_PROTOCOL;
        end++;
    }
    if (*skip_spaces(end) != '\0' || digits != length || digits % 2u != 0)
        return SGP32_ERR_PROTOCOL;
    if (digits / 2u > cap)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    for (*out_len = 0; *out_len < digits / 2u; (*out_len)++) {
        int hi = hex_value(p[2u * *out_len]);
        int lo = hex_value(p[2u * *out_len + 1u]);
        out[*out_len] = (uint8_t)(hi << 4 | lo);
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_atcmd_parse_session_id(const char *line, char *token, size_t token_cap, uint32_t *handle)
{
    const char *p = line;
    size_t len = 0, i;
    int prefixed = 0, quoted = 0, decimal = 1;
    uint32_t value = 0;

    /* 27.007 8.45 answers a bare <sessionid>; many modems put "+CCHO: " in front. */
    if (sgp32_atcmd_has_prefix(p, "+CCHO:")) {
        p += 6;
        prefixed = 1;
    }
    p = skip_spaces(p);
    if (*p == '"') {
        quoted = 1;
        p++;
    }
    while (hex_value(p[len]) >= 0)
        len++;
    if (len == 0 || len >= token_cap || len > AT_SESSION_ID_MAX)
        return SGP32_ERR_PROTOCOL;
    for (i = 0; i < len; i++)
        decimal = decimal && p[i] >= '0' && p[i] <= '9';
    /* A bare line must be a decimal number; hex digits (some modems print the id as 16 hex digits)
     * are only accepted after the prefix, where they cannot be mistaken for anything else. */
    if (!decimal && !prefixed)
        return SGP32_ERR_PROTOCOL;
    if (quoted && p[len] != '"')
        return SGP32_ERR_PROTOCOL;
    if (*skip_spaces(p + len + (quoted ? 1u : 0u)) != '\0')
        return SGP32_ERR_PROTOCOL;
    if (decimal) {
        const char *end;
        if (!parse_decimal(p, UINT32_MAX, &value, &end)) {
            /* Too big for 32 bits: the handle is derived like a hex id's, the text stays exact. */
            decimal = 0;
        }
    }
    if (!decimal) {
        /* The handle is the low 32 bits of the id read as hex; the id itself is kept as text. */
        for (i = 0; i < len; i++)
            value = (uint32_t)(value << 4) | (uint32_t)hex_value(p[i]);
    }
    memcpy(token, p, len);
    token[len] = '\0';
    *handle = value;
    return SGP32_OK;
}

void sgp32_atcmd_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2u * i] = digits[data[i] >> 4];
        out[2u * i + 1u] = digits[data[i] & 0x0Fu];
    }
    out[2u * len] = '\0';
}
