/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote_fixtures.h"

#include "codec/codec_internal.h"
#include "codec/exemplar.h"
#include "sgp32/codec.h"

void fixture_init(void)
{
    exemplar_init();
}

uint8_t *fixture_der(const char *type_name, unsigned variant, size_t *len)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    struct exemplar_coverage selection;
    const char *why = NULL;
    void *value = NULL;
    uint8_t *der = NULL;

    assert_non_null(type);
    exemplar_coverage_init(&selection);
    if (exemplar_new(sgp32_codec_descriptor(type), variant, &selection, &value, &why) != 0)
        fail_msg("cannot build %s: %s", type_name, why != NULL ? why : "?");
    assert_int_equal(sgp32_encode_der_alloc(type, value, &der, len), SGP32_OK);
    sgp32_codec_free(type, value);
    exemplar_coverage_free(&selection);
    /* Copy into plain malloc memory so that tests free() everything the same way. */
    {
        uint8_t *copy = malloc(*len);
        assert_non_null(copy);
        memcpy(copy, der, *len);
        sgp32_buffer_free(der);
        return copy;
    }
}

uint8_t *fixture_file(const char *relative_path, size_t *len)
{
    char path[512];
    FILE *file;
    long size;
    uint8_t *data;

    snprintf(path, sizeof(path), "%s/%s", SGP32_SHARED_DIR, relative_path);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    size = ftell(file);
    assert_true(size > 0);
    assert_int_equal(fseek(file, 0, SEEK_SET), 0);
    data = malloc((size_t)size);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *len = (size_t)size;
    return data;
}

uint8_t *fixture_tlv(uint32_t tag, size_t value_len, uint8_t seed, size_t *len)
{
    uint8_t *data = malloc(value_len + 8);
    size_t pos = 0;
    size_t i;

    assert_non_null(data);
    if (tag > 0xFF)
        data[pos++] = (uint8_t)(tag >> 8);
    data[pos++] = (uint8_t)tag;
    if (value_len < 0x80) {
        data[pos++] = (uint8_t)value_len;
    } else if (value_len <= 0xFF) {
        data[pos++] = 0x81;
        data[pos++] = (uint8_t)value_len;
    } else if (value_len <= 0xFFFF) {
        data[pos++] = 0x82;
        data[pos++] = (uint8_t)(value_len >> 8);
        data[pos++] = (uint8_t)value_len;
    } else {
        data[pos++] = 0x83;
        data[pos++] = (uint8_t)(value_len >> 16);
        data[pos++] = (uint8_t)(value_len >> 8);
        data[pos++] = (uint8_t)value_len;
    }
    for (i = 0; i < value_len; i++)
        data[pos + i] = (uint8_t)(seed + i * 7u + (i >> 8));
    *len = pos + value_len;
    return data;
}

struct sgp32_remote_answer fixture_answer_of(const struct sgp32_remote_response *response)
{
    struct sgp32_remote_answer answer;
    size_t i;
    memset(&answer, 0, sizeof(answer));
    answer.http_status = response->http_status;
    for (i = 0; i < response->header_count; i++) {
        if (strcmp(response->headers[i].name, "Content-Type") == 0)
            answer.content_type = response->headers[i].value;
    }
    answer.body = response->body;
    answer.body_len = response->body_len;
    return answer;
}

const char *fixture_header(const struct sgp32_remote_request *request, const char *name)
{
    size_t i;
    for (i = 0; i < request->http.header_count; i++) {
        if (strcmp(request->http.headers[i].name, name) == 0)
            return request->http.headers[i].value;
    }
    return NULL;
}

struct sgp32_remote_incoming fixture_incoming_of(const struct sgp32_remote_request *request, const char *path)
{
    struct sgp32_remote_incoming incoming;
    memset(&incoming, 0, sizeof(incoming));
    incoming.path = path;
    incoming.content_type = fixture_header(request, "Content-Type");
    incoming.admin_protocol = fixture_header(request, "X-Admin-Protocol");
    incoming.body = request->http.body;
    incoming.body_len = request->http.body_len;
    return incoming;
}

struct sgp32_bytes fixture_bytes(const uint8_t *data, size_t len)
{
    struct sgp32_bytes bytes;
    bytes.data = data;
    bytes.len = len;
    return bytes;
}

int fixture_same(struct sgp32_bytes a, const uint8_t *b, size_t b_len)
{
    return a.data != NULL && a.len == b_len && (b_len == 0 || memcmp(a.data, b, b_len) == 0);
}

uint32_t fixture_random(uint32_t *state)
{
    /* xorshift32 */
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Writes a tag (1 or 2 bytes) and a definite length at out; returns the bytes written. */
static size_t fixture_header_bytes(uint8_t *out, uint32_t tag, size_t value_len)
{
    size_t pos = 0;
    if (tag > 0xFF)
        out[pos++] = (uint8_t)(tag >> 8);
    out[pos++] = (uint8_t)tag;
    if (value_len < 0x80) {
        out[pos++] = (uint8_t)value_len;
    } else if (value_len <= 0xFF) {
        out[pos++] = 0x81;
        out[pos++] = (uint8_t)value_len;
    } else if (value_len <= 0xFFFF) {
        out[pos++] = 0x82;
        out[pos++] = (uint8_t)(value_len >> 8);
        out[pos++] = (uint8_t)value_len;
    } else {
        out[pos++] = 0x83;
        out[pos++] = (uint8_t)(value_len >> 16);
        out[pos++] = (uint8_t)(value_len >> 8);
        out[pos++] = (uint8_t)value_len;
    }
    return pos;
}

uint8_t *fixture_large_bpp(size_t segments, size_t *len)
{
    const size_t segment_value = 1000;
    const size_t segment_len = 4 + segment_value; /* 86 82 03 E8 + value */
    size_t sequence_len = segments * segment_len;
    uint8_t header[16];
    size_t a3_header = fixture_header_bytes(header, 0xA3, sequence_len);
    size_t bpp_value = a3_header + sequence_len;
    size_t bf36_header = fixture_header_bytes(header, 0xBF36, bpp_value);
    uint8_t *data = malloc(bf36_header + bpp_value);
    size_t pos;
    size_t i;
    size_t j;

    assert_non_null(data);
    pos = fixture_header_bytes(data, 0xBF36, bpp_value);
    pos += fixture_header_bytes(data + pos, 0xA3, sequence_len);
    for (i = 0; i < segments; i++) {
        pos += fixture_header_bytes(data + pos, 0x86, segment_value);
        for (j = 0; j < segment_value; j++)
            data[pos++] = (uint8_t)(i * 31u + j * 7u);
    }
    *len = pos;
    return data;
}
