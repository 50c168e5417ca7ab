/* SPDX-License-Identifier: MIT */
/* JSON machinery of the ES9+ / ES11 bindings (SGP.22 6.5.1): see remote_json.h. */
#include <stdlib.h>
#include <string.h>

#include "codec/base64.h"
#include "codec/json_lex.h"
#include "remote/remote_json.h"
#include "sgp32/tlv.h"

/* Nesting bound for the TLV check of a received object (a BPP nests about 5 deep). */
#define REMOTE_JSON_TLV_DEPTH 32u
/* Nesting bound for a JSON body (objects and arrays). */
#define REMOTE_JSON_MAX_DEPTH 16u

/* SGP.22 6.5.1.4 functionExecutionStatus.status values. */
#define REMOTE_STATUS_SUCCESS "Executed-Success"
#define REMOTE_STATUS_WARNING "Executed-WithWarning"
#define REMOTE_STATUS_FAILED "Failed"
#define REMOTE_STATUS_EXPIRED "Expired"

struct remote_storage_block {
    struct remote_storage_block *next;
};

void *sgp32_remote_storage_alloc(void **storage, size_t size)
{
    struct remote_storage_block *block;
    if (size > (size_t)-1 - sizeof(struct remote_storage_block))
        return NULL;
    block = malloc(sizeof(struct remote_storage_block) + size);
    if (block == NULL)
        return NULL;
    block->next = (struct remote_storage_block *)*storage;
    *storage = block;
    return block + 1;
}

void sgp32_remote_storage_free(void *storage)
{
    struct remote_storage_block *block = storage;
    while (block != NULL) {
        struct remote_storage_block *next = block->next;
        free(block);
        block = next;
    }
}

static struct sgp32_bytes *field_of(void *values, const struct sgp32_json_field *field)
{
    return (struct sgp32_bytes *)(void *)((uint8_t *)values + field->offset);
}

static const struct sgp32_bytes *const_field_of(const void *values, const struct sgp32_json_field *field)
{
    return (const struct sgp32_bytes *)(const void *)((const uint8_t *)values + field->offset);
}

static const char hex_digits[] = "0123456789ABCDEF";

/* Adds one field to the object being built. */
static enum sgp32_status json_add_field(cJSON *root, const struct sgp32_json_field *field,
                                        const struct sgp32_bytes *value)
{
    char *text;
    size_t text_len = 0;
    size_t i;
    cJSON *item;

    if (value->data == NULL)
        return field->mandatory ? SGP32_ERR_INVALID_ARGUMENT : SGP32_OK;
    if ((field->min_len != 0 && value->len < field->min_len) || (field->max_len != 0 && value->len > field->max_len))
        return SGP32_ERR_INVALID_ARGUMENT;
    switch (field->kind) {
    case SGP32_JSON_BASE64_TLV:
    case SGP32_JSON_BASE64_VALUE:
        text_len = sgp32_base64_encoded_length(value->len);
        if (text_len == 0 && value->len != 0)
            return SGP32_ERR_TOO_LARGE;
        text = malloc(text_len + 1);
        if (text == NULL)
            return SGP32_ERR_NO_MEMORY;
        if (sgp32_base64_encode(value->data, value->len, text, text_len + 1, &text_len) != SGP32_OK) {
            free(text);
            return SGP32_ERR_ENCODE;
        }
        break;
    case SGP32_JSON_HEX:
        if (value->len > ((size_t)-1 - 1) / 2)
            return SGP32_ERR_TOO_LARGE;
        text = malloc(value->len * 2 + 1);
        if (text == NULL)
            return SGP32_ERR_NO_MEMORY;
        for (i = 0; i < value->len; i++) {
            text[2 * i] = hex_digits[value->data[i] >> 4];
            text[2 * i + 1] = hex_digits[value->data[i] & 0x0F];
        }
        text[2 * value->len] = '\0';
        break;
    case SGP32_JSON_STRING:
        /* The text must not hold a NUL (it would end the JSON string early on the other side). */
        if (memchr(value->data, 0, value->len) != NULL)
            return SGP32_ERR_INVALID_ARGUMENT;
        text = malloc(value->len + 1);
        if (text == NULL)
            return SGP32_ERR_NO_MEMORY;
        if (value->len > 0)
            memcpy(text, value->data, value->len);
        text[value->len] = '\0';
        break;
    default:
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    item = cJSON_CreateString(text);
    free(text);
    if (item == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (!cJSON_AddItemToObject(root, field->name, item)) {
        cJSON_Delete(item);
        return SGP32_ERR_NO_MEMORY;
    }
    return SGP32_OK;
}

static int status_is(const char *status, const char *expected)
{
    return strcmp(status, expected) == 0;
}

static int json_add_text(cJSON *object, const char *name, const char *text)
{
    return cJSON_AddStringToObject(object, name, text) != NULL;
}

/* header.functionExecutionStatus {status, statusCodeData {subjectCode, reasonCode, subjectIdentifier,
 * message}} (SGP.22 6.5.1.4). */
static enum sgp32_status json_add_header(cJSON *root, const struct sgp32_remote_result *status)
{
    const char *execution = status->execution_status[0] != '\0' ? status->execution_status : REMOTE_STATUS_SUCCESS;
    cJSON *header = cJSON_AddObjectToObject(root, "header");
    cJSON *function_status;
    cJSON *code_data;

    if (header == NULL || (function_status = cJSON_AddObjectToObject(header, "functionExecutionStatus")) == NULL ||
        !json_add_text(function_status, "status", execution))
        return SGP32_ERR_NO_MEMORY;
    if (!status_is(execution, REMOTE_STATUS_FAILED) && status->subject_code[0] == '\0')
        return SGP32_OK;
    code_data = cJSON_AddObjectToObject(function_status, "statusCodeData");
    if (code_data == NULL || !json_add_text(code_data, "subjectCode", status->subject_code) ||
        !json_add_text(code_data, "reasonCode", status->reason_code))
        return SGP32_ERR_NO_MEMORY;
    if (status->subject_identifier[0] != '\0' &&
        !json_add_text(code_data, "subjectIdentifier", status->subject_identifier))
        return SGP32_ERR_NO_MEMORY;
    if (status->message[0] != '\0' && !json_add_text(code_data, "message", status->message))
        return SGP32_ERR_NO_MEMORY;
    return SGP32_OK;
}

enum sgp32_status sgp32_remote_json_build(const struct sgp32_json_message_spec *spec, const void *values,
                                          const struct sgp32_remote_result *status, cJSON **root)
{
    enum sgp32_status st = SGP32_OK;
    int with_fields = 1;
    size_t i;
    cJSON *object;

    if (spec == NULL || root == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *root = NULL;
    if (status != NULL)
        with_fields = !status_is(status->execution_status, REMOTE_STATUS_FAILED) &&
                      !status_is(status->execution_status, REMOTE_STATUS_EXPIRED);
    if (with_fields && values == NULL && spec->count != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    object = cJSON_CreateObject();
    if (object == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (status != NULL)
        st = json_add_header(object, status);
    for (i = 0; st == SGP32_OK && with_fields && i < spec->count; i++)
        st = json_add_field(object, &spec->fields[i], const_field_of(values, &spec->fields[i]));
    if (st != SGP32_OK) {
        cJSON_Delete(object);
        return st;
    }
    *root = object;
    return SGP32_OK;
}

enum sgp32_status sgp32_remote_json_print(cJSON *root, char **body, size_t *body_len)
{
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return SGP32_ERR_NO_MEMORY;
    *body = text;
    *body_len = strlen(text);
    return SGP32_OK;
}

/* cJSON parses recursively (down to 1000 levels): refuse deep nesting before it starts, so that a
 * hostile body cannot take the stack of a small thread. The bindings nest 4 levels at most. */
static int json_depth_ok(const uint8_t *body, size_t len)
{
    unsigned depth = 0;
    int in_string = 0;
    int escape = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t c = body[i];
        if (in_string) {
            if (escape)
                escape = 0;
            else if (c == '\\')
                escape = 1;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > REMOTE_JSON_MAX_DEPTH)
                return 0;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

enum sgp32_status sgp32_remote_json_parse_text(const uint8_t *body, size_t len, cJSON **root,
                                               struct sgp32_remote_result *result)
{
    const char *end = NULL;
    const char *text = (const char *)body;
    cJSON *parsed;

    *root = NULL;
    if (body == NULL || len == 0)
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "empty JSON body", NULL);
    if (!json_depth_ok(body, len))
        return sgp32_remote_fail(result, SGP32_ERR_TOO_DEEP, "JSON nested too deep", NULL);
    parsed = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (parsed == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "malformed JSON", NULL);
    while (end != NULL && (size_t)(end - text) < len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    /* cJSON may stop at a NUL; anything after the object is refused. */
    if (end == NULL || (size_t)(end - text) != len) {
        cJSON_Delete(parsed);
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "data after the JSON object", NULL);
    }
    if (!cJSON_IsObject(parsed)) {
        cJSON_Delete(parsed);
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "the JSON body is not an object", NULL);
    }
    *root = parsed;
    return SGP32_OK;
}

/* The member `name` of object, refusing duplicates (the first and a later one could disagree). */
static enum sgp32_status json_member(const cJSON *object, const char *name, const cJSON **member)
{
    const cJSON *child;
    *member = NULL;
    for (child = object != NULL ? object->child : NULL; child != NULL; child = child->next) {
        if (child->string != NULL && strcmp(child->string, name) == 0) {
            if (*member != NULL) {
                *member = NULL;
                return SGP32_ERR_DECODE;
            }
            *member = child;
        }
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_remote_json_string_member(const cJSON *object, const char *name, const char **value)
{
    const cJSON *member;
    enum sgp32_status st = json_member(object, name, &member);
    *value = NULL;
    if (st != SGP32_OK)
        return st;
    if (member == NULL)
        return SGP32_OK;
    if (!cJSON_IsString(member) || member->valuestring == NULL)
        return SGP32_ERR_DECODE;
    *value = member->valuestring;
    return SGP32_OK;
}

static void copy_text(char *out, size_t cap, const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

enum sgp32_status sgp32_remote_json_read_header(const cJSON *root, struct sgp32_remote_result *result)
{
    const cJSON *header;
    const cJSON *function_status;
    const cJSON *code_data;
    const char *status = NULL;
    static const char *const code_names[4] = {"subjectCode", "reasonCode", "subjectIdentifier", "message"};
    const char *codes[4] = {NULL, NULL, NULL, NULL};
    size_t i;

    if (json_member(root, "header", &header) != SGP32_OK || header == NULL || !cJSON_IsObject(header) ||
        json_member(header, "functionExecutionStatus", &function_status) != SGP32_OK || function_status == NULL ||
        !cJSON_IsObject(function_status) ||
        sgp32_remote_json_string_member(function_status, "status", &status) != SGP32_OK || status == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing header.functionExecutionStatus.status", NULL);
    if (json_member(function_status, "statusCodeData", &code_data) != SGP32_OK ||
        (code_data != NULL && !cJSON_IsObject(code_data)))
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "malformed statusCodeData", NULL);
    for (i = 0; code_data != NULL && i < 4; i++) {
        if (sgp32_remote_json_string_member(code_data, code_names[i], &codes[i]) != SGP32_OK)
            return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "malformed statusCodeData member", code_names[i]);
    }
    if (result != NULL) {
        copy_text(result->execution_status, sizeof(result->execution_status), status);
        copy_text(result->subject_code, sizeof(result->subject_code), codes[0]);
        copy_text(result->reason_code, sizeof(result->reason_code), codes[1]);
        copy_text(result->subject_identifier, sizeof(result->subject_identifier), codes[2]);
        copy_text(result->message, sizeof(result->message), codes[3]);
    }
    if (status_is(status, REMOTE_STATUS_SUCCESS) || status_is(status, REMOTE_STATUS_WARNING))
        return SGP32_OK;
    if (status_is(status, REMOTE_STATUS_FAILED) || status_is(status, REMOTE_STATUS_EXPIRED))
        return sgp32_remote_fail(result, SGP32_ERR_SERVER_STATUS, "the server answered", status);
    return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "unknown functionExecutionStatus.status", status);
}

/* Decodes one field's text into out (capacity cap), *len the result. */
static enum sgp32_status json_decode_field(const struct sgp32_json_field *field, const char *text, size_t text_len,
                                           uint8_t *out, size_t cap, size_t *len)
{
    enum sgp32_status st;
    size_t i;

    switch (field->kind) {
    case SGP32_JSON_BASE64_TLV:
    case SGP32_JSON_BASE64_VALUE:
        st = sgp32_base64_decode(text, text_len, SGP32_BASE64_SKIP_WHITESPACE, out, cap, len);
        if (st != SGP32_OK)
            return SGP32_ERR_DECODE;
        break;
    case SGP32_JSON_HEX:
        if (text_len % 2 != 0)
            return SGP32_ERR_DECODE;
        for (i = 0; i < text_len / 2; i++) {
            int high = json_hex_digit(text[2 * i]);
            int low = json_hex_digit(text[2 * i + 1]);
            if (high < 0 || low < 0)
                return SGP32_ERR_DECODE;
            out[i] = (uint8_t)((high << 4) | low);
        }
        *len = text_len / 2;
        break;
    case SGP32_JSON_STRING:
        memcpy(out, text, text_len);
        *len = text_len;
        break;
    default:
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    if ((field->min_len != 0 && *len < field->min_len) || (field->max_len != 0 && *len > field->max_len))
        return SGP32_ERR_PROTOCOL;
    if (field->kind == SGP32_JSON_BASE64_TLV) {
        struct sgp32_tlv_header header;
        size_t element_len = 0;
        if (sgp32_tlv_check(out, *len, REMOTE_JSON_TLV_DEPTH, 0, &element_len) != SGP32_OK || element_len != *len ||
            sgp32_tlv_parse_header(out, *len, &header) != SGP32_OK)
            return SGP32_ERR_DECODE;
        if (field->tag != 0 && header.tag != field->tag && (field->alt_tag == 0 || header.tag != field->alt_tag))
            return SGP32_ERR_PROTOCOL;
    }
    out[*len] = 0; /* strings come out NUL-terminated */
    return SGP32_OK;
}

static size_t json_decoded_cap(const struct sgp32_json_field *field, size_t text_len)
{
    if (field->kind == SGP32_JSON_BASE64_TLV || field->kind == SGP32_JSON_BASE64_VALUE)
        return sgp32_base64_decoded_max(text_len) + 1;
    if (field->kind == SGP32_JSON_HEX)
        return text_len / 2 + 1;
    return text_len + 1;
}

enum sgp32_status sgp32_remote_json_read_fields(const cJSON *root, const struct sgp32_json_message_spec *spec,
                                                void *values, void **storage, struct sgp32_remote_result *result)
{
    size_t i;
    size_t total = 0;
    uint8_t *block;
    size_t used = 0;

    /* First pass: presence, type and the room the decoded values need (one block for all). */
    for (i = 0; i < spec->count; i++) {
        const struct sgp32_json_field *field = &spec->fields[i];
        const char *text;
        size_t need;
        field_of(values, field)->data = NULL;
        field_of(values, field)->len = 0;
        if (sgp32_remote_json_string_member(root, field->name, &text) != SGP32_OK)
            return sgp32_remote_fail(result, SGP32_ERR_DECODE, "not a single string:", field->name);
        if (text == NULL) {
            if (field->mandatory)
                return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing field", field->name);
            continue;
        }
        need = json_decoded_cap(field, strlen(text));
        if (need > (size_t)-1 - total)
            return sgp32_remote_fail(result, SGP32_ERR_TOO_LARGE, "field too large:", field->name);
        total += need;
    }
    block = total > 0 ? sgp32_remote_storage_alloc(storage, total) : NULL;
    if (total > 0 && block == NULL)
        return SGP32_ERR_NO_MEMORY;
    for (i = 0; i < spec->count; i++) {
        const struct sgp32_json_field *field = &spec->fields[i];
        const char *text = NULL;
        size_t text_len;
        size_t cap;
        size_t len = 0;
        enum sgp32_status st;
        (void)sgp32_remote_json_string_member(root, field->name, &text);
        if (text == NULL)
            continue;
        text_len = strlen(text);
        cap = json_decoded_cap(field, text_len);
        /* The decoder wants room for a whole last quad; the +1 keeps one byte for the NUL. */
        st = json_decode_field(field, text, text_len, block + used, cap - 1, &len);
        if (st != SGP32_OK)
            return sgp32_remote_fail(result, st, st == SGP32_ERR_DECODE ? "bad encoding of" : "unexpected value of",
                                     field->name);
        field_of(values, field)->data = block + used;
        field_of(values, field)->len = len;
        used += cap;
    }
    return SGP32_OK;
}

void sgp32_remote_json_response(struct sgp32_remote_response *response, char *body, size_t body_len)
{
    sgp32_remote_response_init(response, 200, SGP32_REMOTE_CONTENT_TYPE_JSON, SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                               (const uint8_t *)body, body_len, body, cJSON_free);
}

enum sgp32_status sgp32_remote_json_check_answer(const struct sgp32_remote_answer *answer,
                                                 struct sgp32_remote_result *result)
{
    if (answer->http_status != 200)
        return sgp32_remote_fail(result, SGP32_ERR_HTTP, "unexpected HTTP status", NULL);
    if (!sgp32_remote_media_type_is(answer->content_type, SGP32_REMOTE_MEDIA_TYPE_JSON))
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "wrong Content-Type, expected",
                                 SGP32_REMOTE_MEDIA_TYPE_JSON);
    return SGP32_OK;
}

const struct sgp32_json_function *sgp32_remote_json_function(const struct sgp32_json_interface *api, int function)
{
    size_t i;
    for (i = 0; i < api->count; i++) {
        if (api->functions[i].function == function)
            return &api->functions[i];
    }
    return NULL;
}

enum sgp32_status sgp32_remote_json_build_request(const struct sgp32_json_interface *api,
                                                  const struct sgp32_remote_endpoint *endpoint, int function,
                                                  const void *values, struct sgp32_remote_request *out)
{
    const struct sgp32_json_function *info = sgp32_remote_json_function(api, function);
    char path[64];
    cJSON *root = NULL;
    char *body = NULL;
    size_t body_len = 0;
    enum sgp32_status st;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (info == NULL || values == NULL || out == NULL || strlen(api->path_prefix) + strlen(info->name) >= sizeof(path))
        return SGP32_ERR_INVALID_ARGUMENT;
    st = sgp32_remote_json_build(&info->request, values, NULL, &root);
    if (st == SGP32_OK)
        st = sgp32_remote_json_print(root, &body, &body_len);
    if (st != SGP32_OK)
        return st;
    strcpy(path, api->path_prefix);
    strcat(path, info->name);
    /* On failure the body is released with the request. */
    return sgp32_remote_request_init(out, endpoint, path, SGP32_REMOTE_CONTENT_TYPE_JSON,
                                     SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS, (const uint8_t *)body, body_len, body,
                                     cJSON_free);
}

enum sgp32_status sgp32_remote_json_parse_answer(const struct sgp32_remote_answer *answer,
                                                 const struct sgp32_json_message_spec *spec, void *values,
                                                 void **storage, struct sgp32_remote_result *result, cJSON **root)
{
    cJSON *parsed = NULL;
    enum sgp32_status st = sgp32_remote_json_check_answer(answer, result);
    if (root != NULL)
        *root = NULL;
    if (st == SGP32_OK)
        st = sgp32_remote_json_parse_text(answer->body, answer->body_len, &parsed, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_read_header(parsed, result);
    if (st == SGP32_OK && spec->count != 0)
        st = sgp32_remote_json_read_fields(parsed, spec, values, storage, result);
    if (st == SGP32_OK && root != NULL)
        *root = parsed;
    else
        cJSON_Delete(parsed);
    return st;
}

enum sgp32_status sgp32_remote_json_parse_incoming(const struct sgp32_json_interface *api,
                                                   const struct sgp32_remote_incoming *incoming, int *function,
                                                   void *values, size_t values_size, void **storage,
                                                   struct sgp32_remote_result *result)
{
    const struct sgp32_json_function *found = NULL;
    size_t prefix = strlen(api->path_prefix), i;
    cJSON *root = NULL;
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (incoming == NULL || function == NULL || values == NULL || storage == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *storage = NULL;
    memset(values, 0, values_size);
    for (i = 0; incoming->path != NULL && strncmp(incoming->path, api->path_prefix, prefix) == 0 && i < api->count;
         i++) {
        if (strcmp(incoming->path + prefix, api->functions[i].name) == 0)
            found = &api->functions[i];
    }
    if (found == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_NOT_FOUND, "unknown path", incoming->path);
    *function = found->function;
    st = sgp32_remote_check_incoming(incoming, SGP32_REMOTE_MEDIA_TYPE_JSON, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_parse_text(incoming->body, incoming->body_len, &root, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_read_fields(root, &found->request, values, storage, result);
    cJSON_Delete(root);
    return st;
}

enum sgp32_status sgp32_remote_json_build_answer(const struct sgp32_json_message_spec *spec, const void *values,
                                                 const struct sgp32_remote_result *failure,
                                                 enum sgp32_status (*extra)(cJSON *root, const void *values),
                                                 struct sgp32_remote_response *out)
{
    struct sgp32_remote_result success;
    cJSON *root = NULL;
    char *body = NULL;
    size_t body_len = 0;
    enum sgp32_status st;

    if (failure != NULL && strcmp(failure->execution_status, "Failed") != 0 &&
        strcmp(failure->execution_status, "Expired") != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_remote_result_clear(&success);
    st = sgp32_remote_json_build(spec, values, failure != NULL ? failure : &success, &root);
    if (st == SGP32_OK && failure == NULL && extra != NULL) {
        st = extra(root, values);
        if (st != SGP32_OK)
            cJSON_Delete(root);
    }
    if (st == SGP32_OK)
        st = sgp32_remote_json_print(root, &body, &body_len);
    if (st != SGP32_OK)
        return st;
    sgp32_remote_json_response(out, body, body_len);
    return SGP32_OK;
}
