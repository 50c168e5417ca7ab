/* SPDX-License-Identifier: MIT */
/*
 * Streaming GetBoundProfilePackage answer: see es9plus_stream.h. A small lexer follows the top-level
 * JSON object only: member boundaries, strings and escapes, nesting inside values. It rewrites the
 * object without its boundProfilePackage member into the capture buffer and pushes the package's
 * base64 text through the streaming decoder.
 */
#include <stddef.h>
#include <string.h>

#include "remote/es9plus_json.h"
#include "remote/es9plus_stream.h"
#include "remote/remote_json.h"

enum stream_state {
    STREAM_START = 0,    /* before the opening '{' */
    STREAM_KEY_OR_END,   /* after '{': a key or '}' */
    STREAM_KEY_REQUIRED, /* after ',': a key */
    STREAM_KEY,          /* inside a key */
    STREAM_KEY_ESCAPE,   /* after '\' in a key */
    STREAM_COLON,        /* after a key */
    STREAM_VALUE_START,  /* after ':' */
    STREAM_VALUE,        /* inside a captured value */
    STREAM_PACKAGE,      /* inside the boundProfilePackage string */
    STREAM_PACKAGE_ESCAPE,
    STREAM_AFTER_VALUE, /* a ',' or the closing '}' */
    STREAM_DONE         /* after the closing '}': whitespace only */
};

static const char package_key[] = "boundProfilePackage";

void sgp32_es9plus_bpp_stream_init(struct sgp32_es9plus_bpp_stream *stream, char *capture, size_t capture_cap,
                                   sgp32_bpp_sink sink, void *sink_user)
{
    memset(stream, 0, sizeof(*stream));
    stream->capture = capture;
    stream->capture_cap = capture_cap;
    stream->sink = sink;
    stream->sink_user = sink_user;
    stream->state = STREAM_START;
    stream->error = (capture == NULL || capture_cap < 3 || sink == NULL) ? SGP32_ERR_INVALID_ARGUMENT : SGP32_OK;
    sgp32_base64_decoder_init(&stream->decoder, SGP32_BASE64_SKIP_WHITESPACE);
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Keeps one more byte for the NUL written at the end. */
static enum sgp32_status capture_bytes(struct sgp32_es9plus_bpp_stream *s, const char *data, size_t len)
{
    if (len >= s->capture_cap - s->capture_len)
        return SGP32_ERR_TOO_LARGE;
    memcpy(s->capture + s->capture_len, data, len);
    s->capture_len += len;
    return SGP32_OK;
}

static enum sgp32_status capture_byte(struct sgp32_es9plus_bpp_stream *s, uint8_t c)
{
    char text = (char)c;
    return capture_bytes(s, &text, 1);
}

/* Decodes the base64 text gathered so far and hands the bytes to the sink. */
static enum sgp32_status package_flush(struct sgp32_es9plus_bpp_stream *s)
{
    uint8_t out[(SGP32_BPP_STREAM_CHUNK / 4 + 1) * 3];
    size_t out_len = 0;
    enum sgp32_status st;

    st = sgp32_base64_decoder_update(&s->decoder, s->chunk, s->chunk_len, out, sizeof(out), &out_len);
    s->chunk_len = 0;
    if (st != SGP32_OK)
        return SGP32_ERR_DECODE;
    if (out_len == 0)
        return SGP32_OK;
    s->package_len += out_len;
    return s->sink(s->sink_user, out, out_len);
}

static enum sgp32_status package_char(struct sgp32_es9plus_bpp_stream *s, char c)
{
    s->chunk[s->chunk_len++] = c;
    return s->chunk_len == sizeof(s->chunk) ? package_flush(s) : SGP32_OK;
}

/* A key has ended: the package is read, anything else is copied as `,"key":`. */
static enum sgp32_status start_value(struct sgp32_es9plus_bpp_stream *s, uint8_t c)
{
    enum sgp32_status st = SGP32_OK;
    if (s->key_len == sizeof(package_key) - 1 && memcmp(s->key, package_key, s->key_len) == 0) {
        if (c != '"' || s->package_seen)
            return SGP32_ERR_DECODE; /* not a string, or a second package */
        s->package_seen = 1;
        s->state = STREAM_PACKAGE;
        return SGP32_OK;
    }
    if (s->members > 0)
        st = capture_bytes(s, ",", 1);
    if (st == SGP32_OK)
        st = capture_bytes(s, "\"", 1);
    if (st == SGP32_OK)
        st = capture_bytes(s, s->key, s->key_len);
    if (st == SGP32_OK)
        st = capture_bytes(s, "\":", 2);
    if (st != SGP32_OK)
        return st;
    s->members++;
    s->value_depth = 0;
    s->value_in_string = 0;
    s->value_escape = 0;
    s->state = STREAM_VALUE;
    return SGP32_OK;
}

static enum sgp32_status after_value(struct sgp32_es9plus_bpp_stream *s, uint8_t c)
{
    if (is_space(c))
        return SGP32_OK;
    if (c == ',') {
        s->state = STREAM_KEY_REQUIRED;
        return SGP32_OK;
    }
    if (c == '}') {
        s->state = STREAM_DONE;
        return capture_bytes(s, "}", 1);
    }
    return SGP32_ERR_DECODE;
}

/* One byte of a captured value: copied, with enough tracking to find where the value ends. */
static enum sgp32_status value_byte(struct sgp32_es9plus_bpp_stream *s, uint8_t c)
{
    if (s->value_in_string) {
        if (s->value_escape)
            s->value_escape = 0;
        else if (c == '\\')
            s->value_escape = 1;
        else if (c == '"')
            s->value_in_string = 0;
        if (capture_byte(s, c) != SGP32_OK)
            return SGP32_ERR_TOO_LARGE;
        if (!s->value_in_string && s->value_depth == 0)
            s->state = STREAM_AFTER_VALUE;
        return SGP32_OK;
    }
    if ((c == ',' || c == '}' || c == ']') && s->value_depth == 0) {
        s->state = STREAM_AFTER_VALUE; /* the end of a number, true, false or null */
        return after_value(s, c);
    }
    if (c == '"') {
        s->value_in_string = 1;
    } else if (c == '{' || c == '[') {
        if (++s->value_depth > 16)
            return SGP32_ERR_TOO_DEEP;
    } else if (c == '}' || c == ']') {
        s->value_depth--;
        if (capture_byte(s, c) != SGP32_OK)
            return SGP32_ERR_TOO_LARGE;
        if (s->value_depth == 0)
            s->state = STREAM_AFTER_VALUE;
        return SGP32_OK;
    } else if (is_space(c)) {
        return SGP32_OK;
    }
    return capture_byte(s, c);
}

static enum sgp32_status stream_byte(struct sgp32_es9plus_bpp_stream *s, uint8_t c)
{
    switch (s->state) {
    case STREAM_START:
        if (is_space(c))
            return SGP32_OK;
        if (c != '{')
            return SGP32_ERR_DECODE;
        s->state = STREAM_KEY_OR_END;
        return capture_bytes(s, "{", 1);
    case STREAM_KEY_OR_END:
    case STREAM_KEY_REQUIRED:
        if (is_space(c))
            return SGP32_OK;
        if (c == '}' && s->state == STREAM_KEY_OR_END) {
            s->state = STREAM_DONE;
            return capture_bytes(s, "}", 1);
        }
        if (c != '"')
            return SGP32_ERR_DECODE;
        s->key_len = 0;
        s->state = STREAM_KEY;
        return SGP32_OK;
    case STREAM_KEY:
    case STREAM_KEY_ESCAPE:
        if (c == '"' && s->state == STREAM_KEY) {
            s->state = STREAM_COLON;
            return SGP32_OK;
        }
        if (c < 0x20)
            return SGP32_ERR_DECODE;
        if (s->key_len == sizeof(s->key))
            return SGP32_ERR_TOO_LARGE;
        s->key[s->key_len++] = (char)c;
        s->state = (c == '\\' && s->state == STREAM_KEY) ? STREAM_KEY_ESCAPE : STREAM_KEY;
        return SGP32_OK;
    case STREAM_COLON:
        if (is_space(c))
            return SGP32_OK;
        if (c != ':')
            return SGP32_ERR_DECODE;
        s->state = STREAM_VALUE_START;
        return SGP32_OK;
    case STREAM_VALUE_START:
        if (is_space(c))
            return SGP32_OK;
        {
            enum sgp32_status st = start_value(s, c);
            if (st != SGP32_OK || s->state == STREAM_PACKAGE)
                return st;
        }
        return value_byte(s, c);
    case STREAM_VALUE:
        return value_byte(s, c);
    case STREAM_PACKAGE:
        if (c == '"') {
            enum sgp32_status st = package_flush(s);
            if (st != SGP32_OK)
                return st;
            if (sgp32_base64_decoder_finish(&s->decoder) != SGP32_OK)
                return SGP32_ERR_DECODE;
            s->state = STREAM_AFTER_VALUE;
            return SGP32_OK;
        }
        if (c == '\\') {
            s->state = STREAM_PACKAGE_ESCAPE;
            return SGP32_OK;
        }
        return package_char(s, (char)c); /* the decoder refuses anything outside base64 */
    case STREAM_PACKAGE_ESCAPE:
        s->state = STREAM_PACKAGE;
        if (c == '/')
            return package_char(s, '/'); /* some JSON writers escape every '/' */
        if (c == 'n' || c == 'r' || c == 't')
            return package_char(s, ' '); /* line breaks of wrapped base64 */
        return SGP32_ERR_DECODE;
    case STREAM_AFTER_VALUE:
        return after_value(s, c);
    case STREAM_DONE:
        return is_space(c) ? SGP32_OK : SGP32_ERR_DECODE;
    default:
        return SGP32_ERR_STATE;
    }
}

enum sgp32_status sgp32_es9plus_bpp_stream_feed(void *stream, const uint8_t *data, size_t len)
{
    struct sgp32_es9plus_bpp_stream *s = stream;
    size_t i;

    if (s == NULL || (data == NULL && len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    for (i = 0; i < len && s->error == SGP32_OK; i++)
        s->error = stream_byte(s, data[i]);
    return s->error;
}

enum sgp32_status sgp32_es9plus_bpp_stream_finish(struct sgp32_es9plus_bpp_stream *stream,
                                                  const struct sgp32_remote_answer *answer,
                                                  struct sgp32_bytes *transaction_id, size_t *package_len,
                                                  struct sgp32_remote_result *result)
{
    static const struct sgp32_json_field transaction_field[] = {
        {"transactionId", SGP32_JSON_HEX, 1u, 0, 0, 1u, 16u, 0},
    };
    static const struct sgp32_json_message_spec transaction_spec = {transaction_field, 1};
    struct sgp32_bytes parsed = {NULL, 0};
    void *storage = NULL;
    cJSON *root = NULL;
    enum sgp32_status st;

    sgp32_remote_result_clear(result);
    if (stream == NULL || answer == NULL || transaction_id == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    transaction_id->data = NULL;
    transaction_id->len = 0;
    if (result != NULL)
        result->http_status = answer->http_status;
    st = sgp32_remote_json_check_answer(answer, result);
    if (st != SGP32_OK)
        return st;
    if (stream->error != SGP32_OK)
        return sgp32_remote_fail(result, stream->error,
                                 "bad GetBoundProfilePackage body:", sgp32_status_name(stream->error));
    if (stream->state != STREAM_DONE)
        return sgp32_remote_fail(result, SGP32_ERR_DECODE, "the JSON body ended early", NULL);
    st = sgp32_remote_json_parse_text((const uint8_t *)stream->capture, stream->capture_len, &root, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_read_header(root, result);
    if (st == SGP32_OK)
        st = sgp32_remote_json_read_fields(root, &transaction_spec, &parsed, &storage, result);
    cJSON_Delete(root);
    if (st == SGP32_OK && !stream->package_seen)
        st = sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing field", package_key);
    if (st == SGP32_OK) {
        memcpy(stream->transaction_id, parsed.data, parsed.len);
        transaction_id->data = stream->transaction_id;
        transaction_id->len = parsed.len;
        if (package_len != NULL)
            *package_len = stream->package_len;
    }
    sgp32_remote_storage_free(storage);
    return st;
}
