/* SPDX-License-Identifier: MIT */
/*
 * ESipa HTTP JSON binding (SGP.32 v1.2 6.2 / 6.4.1): see esipa_json.h and docs/remote.md.
 *
 * Each function has, per direction, a list of forms: the alternatives its message can take. A form
 * is the list of components (members) of the message, or of one alternative of a response CHOICE
 * wrapped in that alternative's tag (A0 for the untagged CHOICEs of the module, which is AUTOMATIC
 * TAGS; 30 for a SEQUENCE alternative). Converting ASN.1 to JSON walks the components in order,
 * as a SEQUENCE decoder would, and emits one JSON member each; converting JSON to ASN.1 picks the
 * form whose members the object holds and writes the components back in order, in DER. Tags were
 * checked against the codec's encodings of asn1/SGP32Definitions.asn (tests/remote exemplars).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "remote/esipa_json.h"
#include "remote/esipa_json_forms.h"
#include "remote/remote_json.h"
#include "sgp32/tlv.h"

#define ESIPA_TLV_DEPTH 32u

/* Values of one form's members: bytes as JSON carries them (data != NULL when present), numbers. */
struct esipa_values {
    struct sgp32_bytes bytes[ESIPA_MAX_MEMBERS];
    long numbers[ESIPA_MAX_MEMBERS];
};

static const uint8_t present_marker[1] = {0};

static void forms_of(const struct esipa_function *function, enum sgp32_esipa_direction direction,
                     const struct esipa_form **forms, size_t *count)
{
    *forms = direction == SGP32_ESIPA_IPA_TO_EIM ? function->up : function->down;
    *count = direction == SGP32_ESIPA_IPA_TO_EIM ? function->up_count : function->down_count;
}

static int member_is_text(const struct esipa_member *member)
{
    return member->kind != ESIPA_INTEGER && member->kind != ESIPA_NULL;
}

static int tag_accepted(const struct esipa_member *member, uint32_t tag)
{
    size_t i;
    if (member->tags[0] == 0)
        return 1;
    for (i = 0; i < ESIPA_MAX_TAGS && member->tags[i] != 0; i++) {
        if (member->tags[i] == tag)
            return 1;
    }
    return 0;
}

/* The remote_json table of a form's text members, reading/writing values->bytes[member index]. */
static void text_spec(const struct esipa_form *form, struct sgp32_json_field *fields,
                      struct sgp32_json_message_spec *spec)
{
    size_t i;
    spec->fields = fields;
    spec->count = 0;
    for (i = 0; i < form->count; i++) {
        const struct esipa_member *member = &form->members[i];
        struct sgp32_json_field *field = &fields[spec->count];
        if (!member_is_text(member))
            continue;
        memset(field, 0, sizeof(*field));
        field->name = member->name;
        field->kind = member->kind == ESIPA_HEX            ? SGP32_JSON_HEX
                      : member->kind == ESIPA_BASE64_VALUE ? SGP32_JSON_BASE64_VALUE
                      : member->kind == ESIPA_STRING       ? SGP32_JSON_STRING
                                                           : SGP32_JSON_BASE64_TLV;
        field->mandatory = member->mandatory;
        field->min_len = member->min_len;
        field->max_len = member->max_len;
        field->offset = offsetof(struct esipa_values, bytes) + i * sizeof(struct sgp32_bytes);
        spec->count++;
    }
}

/* ---- DER writing (count only when out->data is NULL) ---- */

struct esipa_writer {
    uint8_t *data;
    size_t len;
};

static void put_bytes(struct esipa_writer *out, const uint8_t *bytes, size_t len)
{
    if (out->data != NULL && len > 0)
        memcpy(out->data + out->len, bytes, len);
    out->len += len;
}

static void put_header(struct esipa_writer *out, uint32_t tag, size_t length)
{
    uint8_t header[4 + 1 + sizeof(size_t)];
    size_t n = 0;
    size_t octets = 0;
    size_t rest;
    int shift;
    for (shift = 24; shift >= 0; shift -= 8) {
        if ((tag >> shift) != 0 || shift == 0)
            header[n++] = (uint8_t)(tag >> shift);
    }
    if (length < 0x80u) {
        header[n++] = (uint8_t)length;
    } else {
        for (rest = length; rest != 0; rest >>= 8)
            octets++;
        header[n++] = (uint8_t)(0x80u | octets);
        while (octets-- > 0)
            header[n++] = (uint8_t)(length >> (8u * octets));
    }
    put_bytes(out, header, n);
}

static size_t header_size(uint32_t tag, size_t length)
{
    struct esipa_writer counter = {NULL, 0};
    put_header(&counter, tag, length);
    return counter.len;
}

/* Minimal two's complement of a value within 32 bits. */
static void put_integer(struct esipa_writer *out, uint32_t tag, long value)
{
    uint8_t octets[4];
    size_t n = 4;
    size_t first = 0;
    unsigned long bits = (unsigned long)value;
    size_t i;
    for (i = 0; i < 4; i++)
        octets[3 - i] = (uint8_t)(bits >> (8u * i));
    while (first < n - 1 && ((octets[first] == 0x00 && (octets[first + 1] & 0x80u) == 0) ||
                             (octets[first] == 0xFF && (octets[first + 1] & 0x80u) != 0)))
        first++;
    put_header(out, tag, n - first);
    put_bytes(out, octets + first, n - first);
}

/* The header of a well-formed element with a definite length (JSON side: checked by remote_json). */
static enum sgp32_status definite_header(const uint8_t *data, size_t len, struct sgp32_tlv_header *header)
{
    enum sgp32_status st = sgp32_tlv_parse_header(data, len, header);
    if (st != SGP32_OK)
        return SGP32_ERR_DECODE;
    if (header->length == SGP32_TLV_INDEFINITE || header->length > len - header->header_len)
        return SGP32_ERR_PROTOCOL; /* a retagged or wrapped element needs a definite length */
    return SGP32_OK;
}

static void put_member(struct esipa_writer *out, const struct esipa_member *member, const struct esipa_values *values,
                       size_t index)
{
    const struct sgp32_bytes *value = &values->bytes[index];
    struct sgp32_tlv_header header;
    switch (member->kind) {
    case ESIPA_TLV:
        put_bytes(out, value->data, value->len);
        break;
    case ESIPA_EXPLICIT:
        put_header(out, member->tag, value->len);
        put_bytes(out, value->data, value->len);
        break;
    case ESIPA_RETAG: /* checked by definite_header() when read */
        (void)definite_header(value->data, value->len, &header);
        put_header(out, member->tag, header.length);
        put_bytes(out, value->data + header.header_len, header.length);
        break;
    case ESIPA_INTEGER:
        put_integer(out, member->tag, values->numbers[index]);
        break;
    case ESIPA_NULL:
        put_header(out, member->tag, 0);
        break;
    default: /* primitive octets */
        put_header(out, member->tag, value->len);
        put_bytes(out, value->data, value->len);
        break;
    }
}

static void put_members(struct esipa_writer *out, const struct esipa_form *form, const struct esipa_values *values)
{
    size_t i;
    for (i = 0; i < form->count; i++) {
        if (values->bytes[i].data != NULL)
            put_member(out, &form->members[i], values, i);
    }
}

/* The message: tag { [wrap {] members [}] }. */
static enum sgp32_status encode_form(uint32_t message_tag, const struct esipa_form *form,
                                     const struct esipa_values *values, uint8_t **message, size_t *message_len)
{
    struct esipa_writer counter = {NULL, 0};
    struct esipa_writer out;
    size_t content;
    size_t total;

    put_members(&counter, form, values);
    content = form->wrap != 0 ? header_size(form->wrap, counter.len) + counter.len : counter.len;
    total = header_size(message_tag, content) + content;
    if (total > SGP32_ESIPA_MAX_MESSAGE)
        return SGP32_ERR_TOO_LARGE;
    out.data = malloc(total);
    out.len = 0;
    if (out.data == NULL)
        return SGP32_ERR_NO_MEMORY;
    put_header(&out, message_tag, content);
    if (form->wrap != 0)
        put_header(&out, form->wrap, counter.len);
    put_members(&out, form, values);
    *message = out.data;
    *message_len = out.len;
    return SGP32_OK;
}

/* ---- ASN.1 to JSON ---- */

/* A component's JSON bytes: a primitive's octets, an element, or an element with its own tag back. */
static enum sgp32_status take_component(const struct esipa_member *member, const uint8_t *element, size_t element_len,
                                        const struct sgp32_tlv_header *header, struct esipa_values *values,
                                        size_t index, void **storage)
{
    const uint8_t *content = element + header->header_len;
    struct sgp32_tlv_header inner;
    struct esipa_writer out;
    size_t inner_len = 0;
    size_t i;

    if (member->kind != ESIPA_TLV && header->length == SGP32_TLV_INDEFINITE)
        return SGP32_ERR_PROTOCOL;
    switch (member->kind) {
    case ESIPA_TLV:
        values->bytes[index] = (struct sgp32_bytes){element, element_len};
        return SGP32_OK;
    case ESIPA_EXPLICIT: /* exactly one element inside, of an accepted tag */
        if (sgp32_tlv_check(content, header->length, ESIPA_TLV_DEPTH, 0, &inner_len) != SGP32_OK ||
            inner_len != header->length || sgp32_tlv_parse_header(content, header->length, &inner) != SGP32_OK ||
            !tag_accepted(member, inner.tag))
            return SGP32_ERR_PROTOCOL;
        values->bytes[index] = (struct sgp32_bytes){content, header->length};
        return SGP32_OK;
    case ESIPA_RETAG:
        out.len = header_size(member->tags[0], header->length) + header->length;
        out.data = sgp32_remote_storage_alloc(storage, out.len);
        if (out.data == NULL)
            return SGP32_ERR_NO_MEMORY;
        values->bytes[index] = (struct sgp32_bytes){out.data, out.len};
        out.len = 0;
        put_header(&out, member->tags[0], header->length);
        put_bytes(&out, content, header->length);
        return SGP32_OK;
    case ESIPA_INTEGER: /* within 32 bits, as every ESipa INTEGER is */
        if (header->length == 0 || header->length > 4)
            return SGP32_ERR_PROTOCOL;
        values->numbers[index] = (content[0] & 0x80u) != 0 ? -1L : 0L;
        for (i = 0; i < header->length; i++)
            values->numbers[index] = (long)(((unsigned long)values->numbers[index] << 8) | content[i]);
        if (header->length == 4)
            values->numbers[index] = (long)(int32_t)(uint32_t)(unsigned long)values->numbers[index];
        values->bytes[index] = (struct sgp32_bytes){present_marker, 0};
        return SGP32_OK;
    case ESIPA_NULL:
        if (header->length != 0)
            return SGP32_ERR_PROTOCOL;
        values->bytes[index] = (struct sgp32_bytes){present_marker, 0};
        return SGP32_OK;
    default:
        if ((member->min_len != 0 && header->length < member->min_len) ||
            (member->max_len != 0 && header->length > member->max_len) ||
            (member->kind == ESIPA_STRING && memchr(content, 0, header->length) != NULL))
            return SGP32_ERR_PROTOCOL;
        values->bytes[index] = (struct sgp32_bytes){content, header->length};
        return SGP32_OK;
    }
}

static int member_takes(const struct esipa_member *member, uint32_t tag)
{
    return member->kind == ESIPA_TLV ? tag_accepted(member, tag) : member->tag == tag;
}

/* Matches the components in data[0..len) to the form, in order, as a SEQUENCE decoder would.
 * SGP32_ERR_PROTOCOL when they are not this form. */
static enum sgp32_status match_form(const struct esipa_form *form, const uint8_t *data, size_t len,
                                    struct esipa_values *values, void **storage)
{
    struct sgp32_tlv_header header;
    size_t position = 0;
    size_t index = 0;
    size_t element_len = 0;
    enum sgp32_status st;

    memset(values, 0, sizeof(*values));
    if (form->wrap != 0) { /* one element: the alternative */
        if (sgp32_tlv_check(data, len, ESIPA_TLV_DEPTH, 0, &element_len) != SGP32_OK || element_len != len ||
            sgp32_tlv_parse_header(data, len, &header) != SGP32_OK || header.tag != form->wrap ||
            header.length == SGP32_TLV_INDEFINITE)
            return SGP32_ERR_PROTOCOL;
        data += header.header_len;
        len = header.length;
    }
    while (position < len) {
        if (sgp32_tlv_check(data + position, len - position, ESIPA_TLV_DEPTH, 0, &element_len) != SGP32_OK ||
            sgp32_tlv_parse_header(data + position, len - position, &header) != SGP32_OK)
            return SGP32_ERR_PROTOCOL;
        while (index < form->count && !member_takes(&form->members[index], header.tag)) {
            if (form->members[index].mandatory)
                return SGP32_ERR_PROTOCOL;
            index++;
        }
        if (index == form->count)
            return SGP32_ERR_PROTOCOL; /* a component this binding does not know */
        st = take_component(&form->members[index], data + position, element_len, &header, values, index, storage);
        if (st != SGP32_OK)
            return st;
        index++;
        position += element_len;
    }
    for (; index < form->count; index++) {
        if (form->members[index].mandatory)
            return SGP32_ERR_PROTOCOL;
    }
    return SGP32_OK;
}

/* The JSON text of a (decoded, hence well-formed) message: a request (status NULL) or a response. */
static enum sgp32_status json_of_message(const struct esipa_function *function, enum sgp32_esipa_direction direction,
                                         const uint8_t *message, size_t len, const struct sgp32_remote_result *status,
                                         char **body, size_t *body_len)
{
    const struct esipa_form *forms;
    const struct esipa_form *form = NULL;
    struct sgp32_json_field fields[ESIPA_MAX_MEMBERS];
    struct sgp32_json_message_spec spec;
    struct esipa_values values;
    struct sgp32_tlv_header header;
    void *storage = NULL;
    cJSON *root = NULL;
    size_t count;
    size_t i;
    enum sgp32_status st;

    forms_of(function, direction, &forms, &count);
    if (sgp32_tlv_parse_header(message, len, &header) != SGP32_OK || header.length == SGP32_TLV_INDEFINITE)
        return SGP32_ERR_PROTOCOL; /* the outer element is rebuilt: BER indefinite length not carried */
    st = SGP32_ERR_PROTOCOL;
    for (i = 0; i < count && st == SGP32_ERR_PROTOCOL; i++) {
        st = match_form(&forms[i], message + header.header_len, header.length, &values, &storage);
        form = &forms[i];
    }
    if (st == SGP32_OK) {
        text_spec(form, fields, &spec);
        st = sgp32_remote_json_build(&spec, &values, status, &root);
    }
    for (i = 0; st == SGP32_OK && i < form->count; i++) {
        const struct esipa_member *member = &form->members[i];
        if (values.bytes[i].data == NULL || member_is_text(member))
            continue;
        if ((member->kind == ESIPA_INTEGER ? cJSON_AddNumberToObject(root, member->name, (double)values.numbers[i])
                                           : cJSON_AddTrueToObject(root, member->name)) == NULL)
            st = SGP32_ERR_NO_MEMORY;
    }
    if (st == SGP32_OK)
        st = sgp32_remote_json_print(root, body, body_len);
    else
        cJSON_Delete(root);
    sgp32_remote_storage_free(storage);
    return st;
}

/* ---- JSON to ASN.1 ---- */

/* The member `name` of root, NULL if absent; SGP32_ERR_DECODE if given twice. */
static enum sgp32_status json_member(const cJSON *root, const char *name, const cJSON **member)
{
    const cJSON *child;
    *member = NULL;
    for (child = root->child; child != NULL; child = child->next) {
        if (child->string != NULL && strcmp(child->string, name) == 0) {
            if (*member != NULL)
                return SGP32_ERR_DECODE;
            *member = child;
        }
    }
    return SGP32_OK;
}

static int form_has(const struct esipa_form *form, const char *name)
{
    size_t i;
    for (i = 0; i < form->count; i++) {
        if (strcmp(form->members[i].name, name) == 0)
            return 1;
    }
    return 0;
}

/* The form whose mandatory members are all present and which has every member present that some
 * form of the function knows (members no form knows, such as a request's "header", are ignored). */
static const struct esipa_form *select_form(const struct esipa_form *forms, size_t count, const cJSON *root)
{
    size_t f;
    size_t g;
    size_t i;
    for (f = 0; f < count; f++) {
        int fits = 1;
        for (i = 0; fits && i < forms[f].count; i++) {
            if (forms[f].members[i].mandatory &&
                cJSON_GetObjectItemCaseSensitive(root, forms[f].members[i].name) == NULL)
                fits = 0;
        }
        for (g = 0; fits && g < count; g++) {
            for (i = 0; fits && i < forms[g].count; i++) {
                if (!form_has(&forms[f], forms[g].members[i].name) &&
                    cJSON_GetObjectItemCaseSensitive(root, forms[g].members[i].name) != NULL)
                    fits = 0;
            }
        }
        if (fits)
            return &forms[f];
    }
    return NULL;
}

/* Checks the TLV members read by remote_json and reads the number and flag members. */
static enum sgp32_status read_other_members(const struct esipa_form *form, const cJSON *root,
                                            struct esipa_values *values, struct sgp32_remote_result *result)
{
    struct sgp32_tlv_header header;
    const cJSON *item;
    size_t i;

    for (i = 0; i < form->count; i++) {
        const struct esipa_member *member = &form->members[i];
        const struct sgp32_bytes *value = &values->bytes[i];
        if (member->kind == ESIPA_TLV || member->kind == ESIPA_EXPLICIT || member->kind == ESIPA_RETAG) {
            if (value->data == NULL)
                continue;
            if (sgp32_tlv_parse_header(value->data, value->len, &header) != SGP32_OK ||
                !tag_accepted(member, header.tag))
                return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "unexpected value of", member->name);
            if (member->kind == ESIPA_RETAG && definite_header(value->data, value->len, &header) != SGP32_OK)
                return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "indefinite length in", member->name);
            continue;
        }
        if (member_is_text(member))
            continue;
        if (json_member(root, member->name, &item) != SGP32_OK)
            return sgp32_remote_fail(result, SGP32_ERR_DECODE, "member given twice:", member->name);
        if (item == NULL)
            continue;
        if (member->kind == ESIPA_NULL) {
            if (!cJSON_IsBool(item))
                return sgp32_remote_fail(result, SGP32_ERR_DECODE, "not a boolean:", member->name);
            if (!cJSON_IsTrue(item))
                return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "false is not a value of", member->name);
        } else {
            if (!cJSON_IsNumber(item))
                return sgp32_remote_fail(result, SGP32_ERR_DECODE, "not a number:", member->name);
            if (!(item->valuedouble >= -2147483648.0 && item->valuedouble <= 2147483647.0) ||
                (double)(long)item->valuedouble != item->valuedouble)
                return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "not a 32-bit integer:", member->name);
            values->numbers[i] = (long)item->valuedouble;
        }
        values->bytes[i] = (struct sgp32_bytes){present_marker, 0};
    }
    return SGP32_OK;
}

/* The ASN.1 message a JSON object of the function stands for, checked by decoding it. */
static enum sgp32_status message_of_json(const struct esipa_function *function, enum sgp32_esipa_direction direction,
                                         const cJSON *root, uint8_t **message, size_t *message_len, void **decoded,
                                         struct sgp32_remote_result *result)
{
    const struct esipa_form *forms;
    const struct esipa_form *form;
    struct sgp32_json_field fields[ESIPA_MAX_MEMBERS];
    struct sgp32_json_message_spec spec;
    struct esipa_values values;
    enum sgp32_esipa_message found = SGP32_ESIPA_NONE;
    void *storage = NULL;
    size_t count;
    enum sgp32_status st;

    forms_of(function, direction, &forms, &count);
    form = select_form(forms, count, root);
    if (form == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing or conflicting members for",
                                 sgp32_esipa_message_name(function->message));
    memset(&values, 0, sizeof(values));
    text_spec(form, fields, &spec);
    st = sgp32_remote_json_read_fields(root, &spec, &values, &storage, result);
    if (st == SGP32_OK)
        st = read_other_members(form, root, &values, result);
    if (st == SGP32_OK) {
        st = encode_form(sgp32_esipa_message_tag(function->message), form, &values, message, message_len);
        if (st != SGP32_OK)
            sgp32_remote_fail(result, st, "cannot build the message", NULL);
    }
    sgp32_remote_storage_free(storage);
    if (st != SGP32_OK)
        return st;
    st = sgp32_esipa_decode(direction, *message, *message_len, &found, decoded);
    if (st == SGP32_OK && found != function->message) { /* cannot happen: the tag is the function's */
        if (decoded != NULL) {
            sgp32_esipa_free(direction, *decoded);
            *decoded = NULL;
        }
        st = SGP32_ERR_PROTOCOL;
    }
    if (st != SGP32_OK) {
        free(*message);
        *message = NULL;
        *message_len = 0;
        return sgp32_remote_fail(result, st, "the members do not make a valid message:", sgp32_status_name(st));
    }
    return SGP32_OK;
}

/* ---- Client ---- */

enum sgp32_status sgp32_esipa_json_build_request(const struct sgp32_remote_endpoint *endpoint, const uint8_t *message,
                                                 size_t len, enum sgp32_esipa_message *kind,
                                                 struct sgp32_remote_request *request)
{
    enum sgp32_esipa_message found = SGP32_ESIPA_NONE;
    const struct esipa_function *function;
    char path[64];
    char *body = NULL;
    size_t body_len = 0;
    enum sgp32_status st;

    if (request != NULL)
        memset(request, 0, sizeof(*request));
    if (request == NULL || message == NULL || len == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = sgp32_esipa_decode(SGP32_ESIPA_IPA_TO_EIM, message, len, &found, NULL);
    if (st != SGP32_OK)
        return st;
    function = sgp32_esipa_json_function(found);
    if (function == NULL)
        return SGP32_ERR_PROTOCOL;
    st = json_of_message(function, SGP32_ESIPA_IPA_TO_EIM, message, len, NULL, &body, &body_len);
    if (st != SGP32_OK)
        return st;
    if (kind != NULL)
        *kind = found;
    strcpy(path, SGP32_ESIPA_JSON_PATH_PREFIX);
    strcat(path, sgp32_esipa_message_name(found));
    /* The body is released with the request, also when this fails. */
    return sgp32_remote_request_init(request, endpoint, path, SGP32_REMOTE_CONTENT_TYPE_JSON,
                                     SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, (const uint8_t *)body, body_len, body,
                                     cJSON_free);
}

enum sgp32_status sgp32_esipa_json_parse_response(enum sgp32_esipa_message request_kind,
                                                  const struct sgp32_remote_answer *answer,
                                                  enum sgp32_esipa_message *kind, uint8_t **message,
                                                  size_t *message_len, void **decoded,
                                                  struct sgp32_remote_result *result)
{
    const struct esipa_function *function = sgp32_esipa_json_function(request_kind);
    cJSON *root = NULL;
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (decoded != NULL)
        *decoded = NULL;
    if (message != NULL)
        *message = NULL;
    if (message_len != NULL)
        *message_len = 0;
    if (kind != NULL)
        *kind = SGP32_ESIPA_NONE;
    if (function == NULL || answer == NULL || kind == NULL || message == NULL || message_len == NULL ||
        (answer->body == NULL && answer->body_len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (result != NULL)
        result->http_status = answer->http_status;
    /* 204: nothing to say (as on the ASN.1 binding); handleNotification may also get an empty 200. */
    if (answer->http_status == 204 ||
        (request_kind == SGP32_ESIPA_HANDLE_NOTIFICATION && answer->http_status == 200 && answer->body_len == 0))
        return SGP32_OK;
    st = sgp32_remote_json_check_answer(answer, result);
    if (st != SGP32_OK)
        return st;
    if (answer->body_len > SGP32_ESIPA_JSON_MAX_BODY)
        return sgp32_remote_fail(result, SGP32_ERR_TOO_LARGE, "JSON body too large", NULL);
    st = sgp32_remote_json_parse_text(answer->body, answer->body_len, &root, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_read_header(root, result);
    if (st == SGP32_OK && function->down_count != 0) {
        st = message_of_json(function, SGP32_ESIPA_EIM_TO_IPA, root, message, message_len, decoded, result);
        if (st == SGP32_OK)
            *kind = request_kind;
    }
    cJSON_Delete(root);
    return st;
}

/* ---- Server ---- */

enum sgp32_status sgp32_esipa_json_parse_request(const struct sgp32_remote_incoming *incoming,
                                                 enum sgp32_esipa_message *kind, uint8_t **message, size_t *message_len,
                                                 void **decoded, struct sgp32_remote_result *result)
{
    const size_t prefix = strlen(SGP32_ESIPA_JSON_PATH_PREFIX);
    const struct esipa_function *function = NULL;
    cJSON *root = NULL;
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (decoded != NULL)
        *decoded = NULL;
    if (message != NULL)
        *message = NULL;
    if (message_len != NULL)
        *message_len = 0;
    if (kind != NULL)
        *kind = SGP32_ESIPA_NONE;
    if (incoming == NULL || kind == NULL || message == NULL || message_len == NULL ||
        (incoming->body == NULL && incoming->body_len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (incoming->path != NULL && strncmp(incoming->path, SGP32_ESIPA_JSON_PATH_PREFIX, prefix) == 0)
        function = sgp32_esipa_json_function_named(incoming->path + prefix);
    if (function == NULL)
        return sgp32_remote_fail(result, SGP32_ERR_NOT_FOUND, "unknown path", incoming->path);
    st = sgp32_remote_check_incoming(incoming, SGP32_REMOTE_MEDIA_TYPE_JSON, result);
    if (st != SGP32_OK)
        return st;
    if (incoming->body_len > SGP32_ESIPA_JSON_MAX_BODY)
        return sgp32_remote_fail(result, SGP32_ERR_TOO_LARGE, "JSON body too large", NULL);
    st = sgp32_remote_json_parse_text(incoming->body, incoming->body_len, &root, result);
    if (st == SGP32_OK)
        st = message_of_json(function, SGP32_ESIPA_IPA_TO_EIM, root, message, message_len, decoded, result);
    cJSON_Delete(root);
    if (st == SGP32_OK)
        *kind = function->message;
    return st;
}

enum sgp32_status sgp32_esipa_json_build_response(enum sgp32_esipa_message request_kind, const uint8_t *message,
                                                  size_t len, const struct sgp32_remote_result *failure,
                                                  enum sgp32_esipa_message *kind,
                                                  struct sgp32_remote_response *response)
{
    static const struct sgp32_json_message_spec no_fields = {NULL, 0};
    const struct esipa_function *function = sgp32_esipa_json_function(request_kind);
    enum sgp32_esipa_message found = SGP32_ESIPA_NONE;
    struct sgp32_remote_result success;
    cJSON *root = NULL;
    char *body = NULL;
    size_t body_len = 0;
    enum sgp32_status st;

    if (response != NULL)
        memset(response, 0, sizeof(*response));
    if (kind != NULL)
        *kind = SGP32_ESIPA_NONE;
    if (function == NULL || response == NULL || (message == NULL && len != 0) ||
        (failure != NULL && (message != NULL || (strcmp(failure->execution_status, "Failed") != 0 &&
                                                 strcmp(failure->execution_status, "Expired") != 0))))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (failure != NULL) {
        st = sgp32_remote_json_build(&no_fields, NULL, failure, &root);
        if (st == SGP32_OK)
            st = sgp32_remote_json_print(root, &body, &body_len);
    } else if (message == NULL) {
        sgp32_remote_response_init(response, 204, NULL, SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, NULL, 0, NULL, NULL);
        return SGP32_OK;
    } else {
        st = sgp32_esipa_decode(SGP32_ESIPA_EIM_TO_IPA, message, len, &found, NULL);
        if (st == SGP32_OK && found != request_kind)
            st = SGP32_ERR_INVALID_ARGUMENT; /* the answer of another function */
        sgp32_remote_result_clear(&success);
        if (st == SGP32_OK)
            st = json_of_message(function, SGP32_ESIPA_EIM_TO_IPA, message, len, &success, &body, &body_len);
    }
    if (st != SGP32_OK)
        return st;
    sgp32_remote_response_init(response, 200, SGP32_REMOTE_CONTENT_TYPE_JSON, SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                               (const uint8_t *)body, body_len, body, cJSON_free);
    if (kind != NULL)
        *kind = found;
    return SGP32_OK;
}

void sgp32_esipa_json_message_free(uint8_t *message)
{
    free(message);
}
