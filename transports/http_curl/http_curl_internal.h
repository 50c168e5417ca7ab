/* SPDX-License-Identifier: MIT */
/* Internals of the libcurl HTTP backend shared by its files (not installed). Prefixed sgp32_httpcurl_:
 * no clash in a static link, and not exported from the shared library (sgp32.map exports
 * sgp32_http_curl_*). */
#ifndef SGP32_HTTP_CURL_INTERNAL_H
#define SGP32_HTTP_CURL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "sgp32/http_curl.h"

/* A copy of s (NULL stays NULL); *ok is cleared when the allocation fails. */
char *sgp32_httpcurl_strdup(const char *s, int *ok);

/* ASCII case-insensitive equality of two header names. */
int sgp32_httpcurl_name_equal(const char *a, const char *b);

/* Trust material in memory as PEM text for CURLOPT_CAINFO_BLOB: PEM is copied as it is, one DER
 * certificate (a SEQUENCE, 0x30) is base64-armoured. SGP32_ERR_INVALID_ARGUMENT for anything else. */
enum sgp32_status sgp32_httpcurl_ca_pem(const uint8_t *blob, size_t blob_len, char **pem, size_t *pem_len);

/* The status a finished transfer maps to (see http_curl.h), and its detail text ("" for success). */
enum sgp32_status sgp32_httpcurl_map_result(CURLcode code, const char *curl_error, char *detail, size_t detail_cap);

#endif /* SGP32_HTTP_CURL_INTERNAL_H */
