/* SPDX-License-Identifier: MIT */
/* lib/codec/base64: RFC 4648 vectors, strict decoding policy, streaming in every split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/base64.h"

/* RFC 4648 section 10 test vectors. */
static const char *const rfc_plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const rfc_encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

static void test_rfc4648_vectors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(rfc_plain) / sizeof(rfc_plain[0]); i++) {
        char text[16];
        uint8_t bytes[16];
        size_t len = 0;
        size_t plain_len = strlen(rfc_plain[i]);
        assert_int_equal(sgp32_base64_encoded_length(plain_len), strlen(rfc_encoded[i]));
        assert_int_equal(sgp32_base64_encode((const uint8_t *)rfc_plain[i], plain_len, text, sizeof(text), &len),
                         SGP32_OK);
        assert_string_equal(text, rfc_encoded[i]);
        assert_int_equal(len, strlen(rfc_encoded[i]));
        assert_int_equal(sgp32_base64_decode(rfc_encoded[i], strlen(rfc_encoded[i]), 0, bytes, sizeof(bytes), &len),
                         SGP32_OK);
        assert_int_equal(len, plain_len);
        assert_memory_equal(bytes, rfc_plain[i], plain_len);
    }
}

static enum sgp32_status decode_text(const char *text, unsigned flags, uint8_t *out, size_t *len)
{
    return sgp32_base64_decode(text, strlen(text), flags, out, 64, len);
}

static void test_strict_decoding(void **state)
{
    uint8_t out[64];
    size_t len = 0;
    (void)state;
    /* Padding required. */
    assert_int_equal(decode_text("Zg", 0, out, &len), SGP32_ERR_TRUNCATED);
    assert_int_equal(decode_text("Zm8", 0, out, &len), SGP32_ERR_TRUNCATED);
    assert_int_equal(decode_text("Z", 0, out, &len), SGP32_ERR_TRUNCATED);
    /* Padding only at the end of the last quad. */
    assert_int_equal(decode_text("Zg==Zg==", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Z===", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("====", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zg=a", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zm9v=", 0, out, &len), SGP32_ERR_DECODE);
    /* Non-canonical: unused bits set ("Zh==" decodes to 'f' with a stray bit). */
    assert_int_equal(decode_text("Zh==", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zm9=", 0, out, &len), SGP32_ERR_DECODE);
    /* Alphabet: no URL-safe characters, no NUL, no other bytes. */
    assert_int_equal(decode_text("Zm-v", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zm_v", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_base64_decode("Zm\0v", 4, 0, out, sizeof(out), &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zm9v\xc3\xa9", 0, out, &len), SGP32_ERR_DECODE);
    /* Whitespace: refused by default, ignored anywhere with the flag (MIME-style line breaks). */
    assert_int_equal(decode_text("Zm9v\r\nYmFy", 0, out, &len), SGP32_ERR_DECODE);
    assert_int_equal(decode_text("Zm9v\r\nYmFy", SGP32_BASE64_SKIP_WHITESPACE, out, &len), SGP32_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(decode_text(" Z m 8 = \n", SGP32_BASE64_SKIP_WHITESPACE, out, &len), SGP32_OK);
    assert_int_equal(len, 2);
    assert_int_equal(decode_text("Zm8=\nZg==", SGP32_BASE64_SKIP_WHITESPACE, out, &len), SGP32_ERR_DECODE);
    /* Buffers. */
    assert_int_equal(sgp32_base64_decode("Zm9vYmFy", 8, 0, out, 8, &len), SGP32_ERR_BUFFER_TOO_SMALL);
    {
        char text[8];
        assert_int_equal(sgp32_base64_encode((const uint8_t *)"foobar", 6, text, 8, &len), SGP32_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, 8);
    }
}

static void test_streaming_every_split(void **state)
{
    uint8_t data[200];
    char text[300];
    size_t text_len = 0;
    size_t split;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 37u + 11u);
    assert_int_equal(sgp32_base64_encode(data, sizeof(data) - 1, text, sizeof(text), &text_len), SGP32_OK);
    for (split = 1; split <= 9; split++) {
        struct sgp32_base64_decoder decoder;
        uint8_t out[sizeof(data)];
        size_t produced = 0;
        size_t pos = 0;
        sgp32_base64_decoder_init(&decoder, 0);
        while (pos < text_len) {
            uint8_t piece[16];
            size_t piece_len = 0;
            size_t n = text_len - pos < split ? text_len - pos : split;
            assert_int_equal(sgp32_base64_decoder_update(&decoder, text + pos, n, piece, sizeof(piece), &piece_len),
                             SGP32_OK);
            memcpy(out + produced, piece, piece_len);
            produced += piece_len;
            pos += n;
        }
        assert_int_equal(sgp32_base64_decoder_finish(&decoder), SGP32_OK);
        assert_int_equal(produced, sizeof(data) - 1);
        assert_memory_equal(out, data, produced);
    }
}

static void test_streaming_errors_are_sticky(void **state)
{
    struct sgp32_base64_decoder decoder;
    uint8_t out[16];
    size_t len = 0;
    (void)state;
    sgp32_base64_decoder_init(&decoder, 0);
    assert_int_equal(sgp32_base64_decoder_update(&decoder, "Zm9", 3, out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(len, 0);
    assert_int_equal(sgp32_base64_decoder_finish(&decoder), SGP32_ERR_TRUNCATED);
    assert_int_equal(sgp32_base64_decoder_update(&decoder, "v!", 2, out, sizeof(out), &len), SGP32_ERR_DECODE);
    assert_int_equal(len, 3); /* "foo" was complete before the bad character */
    assert_int_equal(sgp32_base64_decoder_update(&decoder, "Zg==", 4, out, sizeof(out), &len), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_base64_decoder_finish(&decoder), SGP32_ERR_DECODE);
    /* Too small an output buffer consumes nothing. */
    sgp32_base64_decoder_init(&decoder, 0);
    assert_int_equal(sgp32_base64_decoder_update(&decoder, "Zm9vYmFy", 8, out, 3, &len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sgp32_base64_decoder_update(&decoder, "Zm9vYmFy", 8, out, sizeof(out), &len), SGP32_OK);
    assert_int_equal(len, 6);
}

static void test_round_trip_lengths(void **state)
{
    size_t len;
    (void)state;
    for (len = 0; len < 70; len++) {
        uint8_t data[70];
        char text[100];
        uint8_t back[110];
        size_t text_len = 0;
        size_t back_len = 0;
        size_t i;
        for (i = 0; i < len; i++)
            data[i] = (uint8_t)(255u - i * 13u);
        assert_int_equal(sgp32_base64_encode(data, len, text, sizeof(text), &text_len), SGP32_OK);
        assert_int_equal(text_len % 4, 0);
        assert_int_equal(sgp32_base64_decode(text, text_len, 0, back, sizeof(back), &back_len), SGP32_OK);
        assert_int_equal(back_len, len);
        assert_memory_equal(back, data, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),       cmocka_unit_test(test_strict_decoding),
        cmocka_unit_test(test_streaming_every_split), cmocka_unit_test(test_streaming_errors_are_sticky),
        cmocka_unit_test(test_round_trip_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
