/* SPDX-License-Identifier: MIT */
/*
 * What the REST APIs of the test servers share (sgp32-smdp's orders and notifications, sgp32-smds's
 * events; docs/test-servers.md): plain-text and JSON answers, hex EIDs, and list answers
 * {"<key>": [...]} built from linked records. Static inline functions in a header: the two servers'
 * libraries are set up by their own CMakeLists, so the helper comes with the include.
 */
#ifndef SGP32_EXAMPLES_REST_JSON_H
#define SGP32_EXAMPLES_REST_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote/remote.h"

static inline void rest_text_answer(struct sgp32_remote_response *response, int status, const char *text)
{
    sgp32_remote_response_init(response, status, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                               (const uint8_t *)text, strlen(text), NULL, NULL);
}

static inline void rest_free_text(void *text)
{
    cJSON_free(text);
}

/* Answers the JSON document (consumed; NULL: out of memory, answered 500). */
static inline void rest_json_answer(struct sgp32_remote_response *response, int status, cJSON *document)
{
    char *text = document != NULL ? cJSON_PrintUnformatted(document) : NULL;
    cJSON_Delete(document);
    if (text == NULL) {
        rest_text_answer(response, 500, "out of memory");
        return;
    }
    sgp32_remote_response_init(response, status, "application/json", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                               (const uint8_t *)text, strlen(text), text, rest_free_text);
}

/* A hex digit's value, or -1. */
static inline int rest_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* An EID of 32 hex digits (either case): 1, else 0. */
static inline int rest_parse_eid(const char *text, uint8_t eid[16])
{
    size_t i;
    if (text == NULL || strlen(text) != 32)
        return 0;
    for (i = 0; i < 32; i++) {
        int v = rest_hex_value(text[i]);
        if (v < 0)
            return 0;
        eid[i / 2] = (uint8_t)(i % 2 == 0 ? v << 4 : (eid[i / 2] | v));
    }
    return 1;
}

/* Upper-case hex of data into out (2 * len + 1 bytes). */
static inline void rest_hex_text(const uint8_t *data, size_t len, char *out)
{
    size_t i;
    for (i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02X", data[i]);
}

/* A list answer: rest_list_begin() makes {"<key>": []} and gives its array, rest_list_add() appends an
 * item (NULL when it could not be made: the list is then dropped), rest_list_answer() answers 200 with
 * the document, or 500 when it could not be built. */
static inline cJSON *rest_list_begin(const char *key, cJSON **array)
{
    cJSON *document = cJSON_CreateObject();
    *array = cJSON_AddArrayToObject(document, key);
    return document;
}

static inline void rest_list_add(cJSON **array, cJSON *item)
{
    if (*array == NULL || item == NULL || !cJSON_AddItemToArray(*array, item)) {
        cJSON_Delete(item);
        *array = NULL;
    }
}

static inline void rest_list_answer(struct sgp32_remote_response *response, cJSON *document, const cJSON *array)
{
    if (array == NULL) {
        cJSON_Delete(document);
        document = NULL;
    }
    rest_json_answer(response, 200, document);
}

#endif
