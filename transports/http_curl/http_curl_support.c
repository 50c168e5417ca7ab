/* SPDX-License-Identifier: MIT */
/* The libcurl backend's helpers: option copies, CA material in memory, curl result -> status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_curl_internal.h"

char *sgp32_httpcurl_strdup(const char *s, int *ok)
{
    size_t len;
    char *copy;
    if (s == NULL)
        return NULL;
    len = strlen(s);
    copy = malloc(len + 1);
    if (copy == NULL) {
        *ok = 0;
        return NULL;
    }
    memcpy(copy, s, len + 1);
    return copy;
}

static char lower_ascii(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int sgp32_httpcurl_name_equal(const char *a, const char *b)
{
    while (*a != '\0' && lower_ascii(*a) == lower_ascii(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static int contains(const uint8_t *data, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle);
    size_t i;
    for (i = 0; i + needle_len <= len; i++)
        if (memcmp(data + i, needle, needle_len) == 0)
            return 1;
    return 0;
}

enum sgp32_status sgp32_httpcurl_ca_pem(const uint8_t *blob, size_t blob_len, char **pem, size_t *pem_len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char head[] = "-----BEGIN CERTIFICATE-----\n";
    static const char tail[] = "-----END CERTIFICATE-----\n";
    size_t encoded, cap, at = 0, i, line = 0;
    char *out;

    *pem = NULL;
    *pem_len = 0;
    if (blob == NULL || blob_len == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (contains(blob, blob_len, "-----BEGIN ")) {
        out = malloc(blob_len);
        if (out == NULL)
            return SGP32_ERR_NO_MEMORY;
        memcpy(out, blob, blob_len);
        *pem = out;
        *pem_len = blob_len;
        return SGP32_OK;
    }
    /* A DER certificate is a SEQUENCE; anything else is not trust material we understand. */
    if (blob[0] != 0x30 || blob_len > (SIZE_MAX / 2))
        return SGP32_ERR_INVALID_ARGUMENT;
    encoded = (blob_len + 2) / 3 * 4;
    cap = sizeof head + encoded + encoded / 64 + 2 + sizeof tail;
    out = malloc(cap);
    if (out == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(out, head, sizeof head - 1);
    at = sizeof head - 1;
    for (i = 0; i < blob_len; i += 3) {
        uint32_t triple = (uint32_t)blob[i] << 16;
        size_t left = blob_len - i;
        if (left > 1)
            triple |= (uint32_t)blob[i + 1] << 8;
        if (left > 2)
            triple |= blob[i + 2];
        out[at++] = alphabet[(triple >> 18) & 0x3Fu];
        out[at++] = alphabet[(triple >> 12) & 0x3Fu];
        out[at++] = left > 1 ? alphabet[(triple >> 6) & 0x3Fu] : '=';
        out[at++] = left > 2 ? alphabet[triple & 0x3Fu] : '=';
        line += 4;
        if (line == 64) {
            out[at++] = '\n';
            line = 0;
        }
    }
    if (line != 0)
        out[at++] = '\n';
    memcpy(out + at, tail, sizeof tail - 1);
    at += sizeof tail - 1;
    *pem = out;
    *pem_len = at;
    return SGP32_OK;
}

enum sgp32_status sgp32_httpcurl_map_result(CURLcode code, const char *curl_error, char *detail, size_t detail_cap)
{
    const char *text = (curl_error != NULL && curl_error[0] != '\0') ? curl_error : curl_easy_strerror(code);
    const char *prefix = "curl: ";
    enum sgp32_status status;

    switch (code) {
    case CURLE_OK:
        detail[0] = '\0';
        return SGP32_OK;
    case CURLE_OPERATION_TIMEDOUT:
        status = SGP32_ERR_TIMEOUT;
        break;
    /* The server's identity failed a check: a configuration or attack problem, not a network one. */
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ISSUER_ERROR:
        status = SGP32_ERR_CRYPTO;
        prefix = "TLS: ";
        break;
    /* Our own TLS material (CA file/dir/blob, client certificate) cannot be used. */
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
        status = SGP32_ERR_INVALID_ARGUMENT;
        prefix = "TLS setup: ";
        break;
    case CURLE_SSL_CONNECT_ERROR:
        status = SGP32_ERR_HTTP;
        prefix = "TLS: ";
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        status = SGP32_ERR_INVALID_ARGUMENT;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        status = SGP32_ERR_TOO_LARGE;
        break;
    case CURLE_OUT_OF_MEMORY:
        status = SGP32_ERR_NO_MEMORY;
        break;
    default:
        status = SGP32_ERR_HTTP;
        break;
    }
    snprintf(detail, detail_cap, "%s%s", prefix, text);
    return status;
}
