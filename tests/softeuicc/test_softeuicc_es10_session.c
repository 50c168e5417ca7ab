/* SPDX-License-Identifier: MIT */
/* The library's ES10 session (lib/es10) against the software eUICC: the two halves of the APDU
 * protocol checked against each other under T=1, T=0, small GET RESPONSE chunks and the quirks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es10_requests.h"
#include "sgp32/es10.h"

static int contains(const uint8_t *data, size_t len, const uint8_t *needle, size_t needle_len)
{
    size_t i;
    for (i = 0; i + needle_len <= len; i++)
        if (memcmp(data + i, needle, needle_len) == 0)
            return 1;
    return 0;
}

static void preload_many(struct harness *h)
{
    char hex[1024];
    unsigned i;
    for (i = 0; i < 8; i++) {
        int len = 0;
        size_t j;
        len += sprintf(hex + len, "E360 5A0A 8900000000000000000%u 4F10 A0000005591010FFFFFFFF890000%u000 9240", i, i);
        for (j = 0; j < 64; j++)
            len += sprintf(hex + len, "%02X", 'a' + (unsigned)(j % 26));
        preload_hex(h, hex);
    }
}

static void exchange_over_session(const struct sgp32_softeuicc_options *options)
{
    struct harness h;
    struct sgp32_es10 *session = NULL;
    uint8_t *response = NULL;
    size_t response_len = 0;
    static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};
    static const uint8_t get_profiles[] = {0xBF, 0x2D, 0x00};
    harness_start(&h, options);
    preload_many(&h);
    assert_int_equal(sgp32_es10_new(&h.transport, NULL, &session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(session), SGP32_OK);
    assert_true(sgp32_es10_channel(session) >= 1);
    assert_int_equal(sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &response, &response_len), SGP32_OK);
    assert_int_equal(response_len, 21);
    assert_memory_equal(response + 5, harness_eid, 16);
    sgp32_buffer_free(response);
    /* an answer of several R-APDUs */
    assert_int_equal(sgp32_es10_transceive(session, get_profiles, sizeof(get_profiles), &response, &response_len),
                     SGP32_OK);
    assert_true(response_len > 600);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), response, response_len),
                     SGP32_OK);
    sgp32_buffer_free(response);
    sgp32_es10_free(session);
    harness_stop(&h);
}

static void test_session_t1(void **state)
{
    (void)state;
    exchange_over_session(NULL);
}

static void test_session_t0_small_chunks(void **state)
{
    struct sgp32_softeuicc_options options = {0};
    (void)state;
    options.protocol = SGP32_SOFTEUICC_T0;
    options.get_response_chunk = 17;
    options.quirk_require_terminal_capability = 1; /* the session sends it when it connects */
    exchange_over_session(&options);
}

static void test_session_survives_6985_after_switch(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    struct sgp32_es10 *session = NULL;
    uint8_t request[32], *response = NULL;
    size_t len, response_len = 0;
    static const uint8_t get_profiles[] = {0xBF, 0x2D, 0x00};
    (void)state;
    options.quirk_6985_after_switch = 1;
    options.quirk_refresh_91xx = 1;
    harness_start(&h, &options);
    preload_hex(&h, PROFILE_ONE);
    assert_int_equal(sgp32_es10_new(&h.transport, NULL, &session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(session), SGP32_OK);
    len = hex_bytes("BF3111A00C5A0A" ICCID(1) "8101FF", request, sizeof(request));
    assert_int_equal(sgp32_es10_transceive(session, request, len, &response, &response_len), SGP32_OK);
    assert_int_equal(response_len, 6);
    assert_int_equal(response[5], 0); /* enableResult ok */
    sgp32_buffer_free(response);
    assert_int_equal(sgp32_es10_proactive_pending(session), 1);
    /* until reset the card refuses ES10 */
    assert_int_not_equal(sgp32_es10_transceive(session, get_profiles, sizeof(get_profiles), &response, &response_len),
                         SGP32_OK);
    assert_int_equal(sgp32_es10_last_error(session)->sw, 0x6985);
    /* the REFRESH: reset, reconnect, and the profile is enabled */
    assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(session), SGP32_OK);
    assert_int_equal(sgp32_es10_transceive(session, get_profiles, sizeof(get_profiles), &response, &response_len),
                     SGP32_OK);
    assert_true(contains(response, response_len, (const uint8_t *)"\x9F\x70\x01\x01", 4));
    sgp32_buffer_free(response);
    sgp32_es10_free(session);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_t1),
        cmocka_unit_test(test_session_t0_small_chunks),
        cmocka_unit_test(test_session_survives_6985_after_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
