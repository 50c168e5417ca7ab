/* SPDX-License-Identifier: MIT */
/* The software eUICC at the APDU level: SELECT, channels and class bytes, TERMINAL CAPABILITY,
 * STORE DATA reassembly, GET RESPONSE / 61xx / 6Cxx, and every refusal status word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "softeuicc_harness.h"

#define SELECT_ISDR_BODY "A4 04 00 10 A0000005591010FFFFFFFF8900000100"

/* TD1 names the protocol; the XOR of T0..TCK is zero; K (low nibble of T0) historical bytes fit. */
static void check_atr(const uint8_t *atr, size_t len, unsigned protocol)
{
    uint8_t check = 0;
    size_t i;
    assert_true(len > 4 && len <= 33);
    assert_int_equal(atr[0], 0x3B);
    assert_int_equal(atr[1] & 0x90, 0x90); /* TA1 and TD1 present */
    assert_int_equal(atr[3] & 0x0F, protocol);
    for (i = 1; i < len; i++)
        check ^= atr[i];
    assert_int_equal(check, 0);
    assert_memory_equal(atr + len - 1 - 7, "SGP32SE", 7);
}

static void test_atr_t1_and_t0(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    uint8_t atr[40];
    size_t len = 0;
    (void)state;
    harness_start(&h, NULL);
    assert_int_equal(h.transport.ops->reset(h.transport.user, atr, sizeof(atr), &len, 1000), SGP32_OK);
    check_atr(atr, len, 1);
    assert_int_equal(h.transport.ops->reset(h.transport.user, atr, 4, &len, 1000), SGP32_ERR_BUFFER_TOO_SMALL);
    harness_stop(&h);
    options.protocol = SGP32_SOFTEUICC_T0;
    harness_start(&h, &options);
    assert_int_equal(h.transport.ops->open(h.transport.user, atr, sizeof(atr), &len, 1000), SGP32_OK);
    check_atr(atr, len, 0);
    harness_stop(&h);
}

static void test_select_variants(void **state)
{
    struct harness h;
    (void)state;
    harness_start(&h, NULL);
    /* P2 00: FCI with the AID, answered at once under T=1 */
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY " 00"), 0x9000);
    assert_true(h.response_len > 20);
    assert_int_equal(h.response[0], 0x6F);
    assert_int_equal(h.response[2], 0x84);
    assert_int_equal(h.response[3], 0x10);
    /* E1: the SGP.32 ISD-R template of an IoT card */
    assert_non_null(memchr(h.response, 0xE1, h.response_len - 2));
    /* P2 0C: no data */
    assert_int_equal(apdu_hex(&h, "00 A4 04 0C 10 A0000005591010FFFFFFFF8900000100"), 0x9000);
    assert_int_equal(h.response_len, 2);
    /* errors */
    assert_int_equal(apdu_hex(&h, "00 A4 04 00 10 A0000005591010FFFFFFFF8900000200"), 0x6A82);
    assert_int_equal(apdu_hex(&h, "00 A4 04 00 05 A000000559"), 0x6A82);
    assert_int_equal(apdu_hex(&h, "00 A4 00 00 10 A0000005591010FFFFFFFF8900000100"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "00 A4 04 08 10 A0000005591010FFFFFFFF8900000100"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "80 " SELECT_ISDR_BODY), 0x6E00);
    /* the failed SELECT deselected the ISD-R: ES10 is refused */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6985);
    harness_stop(&h);
}

static void test_select_t0_get_response(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    uint8_t fci_len;
    (void)state;
    options.protocol = SGP32_SOFTEUICC_T0;
    harness_start(&h, &options);
    fci_len = 0;
    {
        uint16_t sw = apdu_hex(&h, "00 " SELECT_ISDR_BODY);
        assert_int_equal(sw >> 8, 0x61);
        fci_len = (uint8_t)sw;
    }
    assert_true(fci_len > 20);
    /* 00 C0 with the announced length */
    {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, fci_len};
        assert_int_equal(apdu(&h, get, 5), 0x9000);
        assert_int_equal(h.response_len, (size_t)fci_len + 2);
        assert_int_equal(h.response[0], 0x6F);
        /* nothing left */
        assert_int_equal(apdu(&h, get, 5), 0x6985);
    }
    harness_stop(&h);
}

static void test_manage_channel_basic_and_extended(void **state)
{
    struct harness h;
    unsigned channel;
    (void)state;
    harness_start(&h, NULL);
    for (channel = 1; channel <= 3; channel++) {
        assert_int_equal(apdu_hex(&h, "00 70 00 00 01"), 0x9000);
        assert_int_equal(h.response_len, 3);
        assert_int_equal(h.response[0], channel);
    }
    /* the fourth channel is an extended one */
    assert_int_equal(apdu_hex(&h, "00 70 00 00 01"), 0x9000);
    assert_int_equal(h.response[0], 4);
    /* channel 5 explicitly, then ES10 on it with the further-interindustry class (C0 | ch-4) */
    assert_int_equal(apdu_hex(&h, "00 70 00 05"), 0x9000);
    assert_int_equal(apdu_hex(&h, "00 70 00 05"), 0x6985); /* already open */
    assert_int_equal(apdu_hex(&h, "41 " SELECT_ISDR_BODY " 00"), 0x9000);
    assert_int_equal(apdu_hex(&h, "C1 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x9000);
    assert_int_equal(h.response_len, 2 + 3 + 2 + 16);
    assert_memory_equal(h.response + 5, harness_eid, 16);
    /* the same command with channel bits OR'ed into the low nibble would address channel 1 (no ISD-R) */
    assert_int_equal(apdu_hex(&h, "81 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6985);
    /* a channel opened from a channel with the ISD-R selected inherits it */
    assert_int_equal(apdu_hex(&h, "41 70 00 00 01"), 0x9000);
    {
        char command[64];
        uint8_t opened = h.response[0];
        assert_int_equal(opened, 6);
        strcpy(command, "C2 E2 91 00 06 BF3E 03 5C 01 5A 00");
        assert_int_equal(apdu_hex(&h, command), 0x9000);
    }
    /* close 5; commands on it are refused; closing again too */
    assert_int_equal(apdu_hex(&h, "00 70 80 05"), 0x9000);
    assert_int_equal(apdu_hex(&h, "C1 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6881);
    assert_int_equal(apdu_hex(&h, "00 70 80 05"), 0x6881);
    /* the basic channel cannot be closed; a closed channel in the CLA is refused */
    assert_int_equal(apdu_hex(&h, "00 70 80 00"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "4F " SELECT_ISDR_BODY), 0x6881); /* channel 19, not open */
    /* fill every channel up to 19; the next open fails */
    for (channel = 5; channel < 20; channel++)
        if (channel != 6)
            assert_int_equal(apdu_hex(&h, "00 70 00 00 01"), 0x9000);
    assert_int_equal(apdu_hex(&h, "00 70 00 00 01"), 0x6A81);
    assert_int_equal(apdu_hex(&h, "00 70 00 14"), 0x6A86); /* channel 20 does not exist */
    assert_int_equal(apdu_hex(&h, "00 70 40 00 01"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "00 70 80 04"), 0x9000);
    assert_int_equal(apdu_hex(&h, "00 70 00 00 02"), 0x6C01); /* wrong Le */
    assert_int_equal(apdu_hex(&h, "00 70 00 00"), 0x6700);    /* no Le */
    assert_int_equal(apdu_hex(&h, "00 70 00 00 01"), 0x9000);
    assert_int_equal(h.response[0], 4);
    harness_stop(&h);
}

static void test_class_and_instruction_errors(void **state)
{
    struct harness h;
    (void)state;
    harness_start(&h, NULL);
    assert_int_equal(apdu_hex(&h, "84 " SELECT_ISDR_BODY), 0x6882); /* secure messaging */
    assert_int_equal(apdu_hex(&h, "10 " SELECT_ISDR_BODY), 0x6884); /* command chaining */
    assert_int_equal(apdu_hex(&h, "20 " SELECT_ISDR_BODY), 0x6E00); /* RFU class */
    assert_int_equal(apdu_hex(&h, "FF " SELECT_ISDR_BODY), 0x6E00);
    assert_int_equal(apdu_hex(&h, "00 B0 00 00 00"), 0x6D00);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY), 0x9000);
    assert_int_equal(apdu_hex(&h, "00 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6E00); /* STORE DATA is 8x */
    assert_int_equal(apdu_hex(&h, "80 70 00 00 01"), 0x6E00);                     /* MANAGE CHANNEL is 0x */
    /* lengths */
    assert_int_equal(apdu_hex(&h, "80 E2 91"), 0x6700);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 07 BF3E 03 5C 01 5A"), 0x6700);       /* Lc beyond the data */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 00 00 06 BF3E 03 5C 01 5A"), 0x6700); /* extended length */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 00"), 0x6700);                        /* case 2 STORE DATA */
    /* GET RESPONSE with nothing pending, and with bad parameters */
    assert_int_equal(apdu_hex(&h, "00 C0 00 00 10"), 0x6985);
    assert_int_equal(apdu_hex(&h, "00 C0 01 00 10"), 0x6A86);
    harness_stop(&h);
}

static void test_terminal_capability(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    (void)state;
    options.quirk_require_terminal_capability = 1;
    harness_start(&h, &options);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6985);
    assert_int_equal(apdu_hex(&h, "80 AA 00 00 05 AB 03 83 01 07"), 0x6A80);
    assert_int_equal(apdu_hex(&h, "80 AA 00 00 05 A9 04 83 01 07"), 0x6A80);
    assert_int_equal(apdu_hex(&h, "80 AA 01 00 05 A9 03 83 01 07"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "00 AA 00 00 05 A9 03 83 01 07"), 0x6E00);
    assert_int_equal(apdu_hex(&h, "80 AA 00 00 05 A9 03 83 01 07"), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x9000);
    /* a reset forgets it */
    assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x6985);
    harness_stop(&h);
}

static void test_store_data_sequence(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    (void)state;
    options.max_store_data = 300;
    harness_start(&h, &options);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY), 0x9000);
    /* the first block must be 00 */
    assert_int_equal(apdu_hex(&h, "80 E2 91 01 06 BF3E 03 5C 01 5A 00"), 0x6A86);
    /* a skipped block resets the reassembly, so the next last block must start again at 00 */
    assert_int_equal(apdu_hex(&h, "80 E2 11 00 03 BF3E 03"), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 02 03 5C 01 5A 00"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "80 E2 91 01 03 5C 01 5A 00"), 0x6A86);
    /* split in two blocks correctly */
    assert_int_equal(apdu_hex(&h, "80 E2 11 00 03 BF3E 03"), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 01 03 5C 01 5A 00"), 0x9000);
    assert_memory_equal(h.response + 5, harness_eid, 16);
    /* another command in between ends the sequence */
    assert_int_equal(apdu_hex(&h, "80 E2 11 00 03 BF3E 03"), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 AA 00 00 05 A9 03 83 01 07"), 0x9000);
    assert_int_equal(apdu_hex(&h, "80 E2 91 01 03 5C 01 5A 00"), 0x6A86);
    /* P1 other than 11 / 91 */
    assert_int_equal(apdu_hex(&h, "80 E2 90 00 06 BF3E 03 5C 01 5A 00"), 0x6A86);
    assert_int_equal(apdu_hex(&h, "80 E2 01 00 06 BF3E 03 5C 01 5A 00"), 0x6A86);
    /* more than max_store_data (300) bytes */
    {
        uint8_t block[5 + 255];
        memset(block, 0x04, sizeof(block));
        block[0] = 0x80;
        block[1] = 0xE2;
        block[2] = 0x11;
        block[3] = 0x00;
        block[4] = 0xFF;
        assert_int_equal(apdu(&h, block, sizeof(block)), 0x9000);
        block[2] = 0x91;
        block[3] = 0x01;
        assert_int_equal(apdu(&h, block, sizeof(block)), 0x6A80);
        /* and the reassembly is gone */
        assert_int_equal(apdu_hex(&h, "80 E2 91 02 06 BF3E 03 5C 01 5A 00"), 0x6A86);
    }
    /* ES10 payload errors: trailing bytes / truncated TLV -> 6A80, unknown function -> 6A88 */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 07 BF3E 03 5C 01 5A 00 00"), 0x6A80);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 05 BF3E 03 5C 01 00"), 0x6A80);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 03 BF7F 00 00"), 0x6A88);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5B 00"), 0x6A80); /* tag list must be 5A */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 04 01 5A 00"), 0x6A80); /* not a GetEuiccDataRequest */
    harness_stop(&h);
}

/* Eight profiles with long names make GetProfilesInfo answer more than 256 bytes. */
static void preload_many(struct harness *h)
{
    char hex[1024];
    unsigned i;
    for (i = 0; i < 8; i++) {
        int len = 0;
        size_t j;
        len += sprintf(hex + len, "E3 60 5A 0A 98001032547698103%u14 4F 10 A0000005591010FFFFFFFF89000010%u0", i, i);
        len += sprintf(hex + len, " 92 40");
        for (j = 0; j < 64; j++)
            len += sprintf(hex + len, "%02X", 'A' + (unsigned)(j % 26));
        preload_hex(h, hex);
    }
}

static void test_long_response_chaining_and_6c(void **state)
{
    struct harness h;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    uint16_t sw;
    size_t remaining;
    (void)state;
    harness_start(&h, NULL);
    preload_many(&h);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY), 0x9000);
    /* T=1: the first 256 bytes come at once, 61xx announces the rest */
    sw = apdu_hex(&h, "80 E2 91 00 03 BF2D 00 00");
    assert_int_equal(sw >> 8, 0x61);
    assert_int_equal(h.response_len, 258);
    /* 61 00: 256 bytes or more remain; fetch them with Le 00 until fewer than 256 remain */
    while ((sw & 0xFF) == 0) {
        sw = apdu_hex(&h, "00 C0 00 00 00");
        assert_int_equal(sw >> 8, 0x61);
        assert_int_equal(h.response_len, 258);
    }
    remaining = sw & 0xFF;
    /* asking for more than remains -> 6Cxx with the exact count; the answer stays available */
    {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)(remaining + 1)};
        assert_int_equal(apdu(&h, get, 5), 0x6C00 | remaining);
        get[0] = 0x80; /* GET RESPONSE is accepted in both classes */
        get[4] = (uint8_t)(remaining - 1);
        assert_int_equal(apdu(&h, get, 5), 0x6101); /* fewer than remain: the rest stays */
        assert_int_equal(h.response_len, remaining - 1 + 2);
        get[4] = 1;
        sw = apdu(&h, get, 5);
    }
    assert_int_equal(sw, 0x9000);
    /* the complete answer through the harness decodes as DER */
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x2D\x00", 3, &answer, &answer_len), 0x9000);
    assert_true(answer_len > 256 + 200);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), answer, answer_len),
                     SGP32_OK);
    free(answer);
    /* any other command drops a pending answer */
    sw = apdu_hex(&h, "80 E2 91 00 03 BF2D 00 00");
    assert_int_equal(sw >> 8, 0x61);
    assert_int_equal(apdu_hex(&h, "80 AA 00 00 05 A9 03 83 01 07"), 0x9000);
    assert_int_equal(apdu_hex(&h, "00 C0 00 00 00"), 0x6985);
    harness_stop(&h);
}

static void test_small_get_response_chunks_t0(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    uint8_t *answer = NULL, *collected;
    size_t answer_len = 0, collected_len = 0;
    uint16_t sw;
    unsigned calls = 0;
    (void)state;
    options.protocol = SGP32_SOFTEUICC_T0;
    options.get_response_chunk = 32;
    harness_start(&h, &options);
    preload_many(&h);
    assert_int_equal(es10_raw(&h, (const uint8_t *)"\xBF\x2D\x00", 3, &answer, &answer_len), 0x9000);
    /* by hand: every chunk at most 32 bytes, Le 00 accepted */
    collected = malloc(answer_len);
    assert_non_null(collected);
    sw = apdu_hex(&h, "81 E2 91 00 03 BF2D 00");
    assert_int_equal(h.response_len, 2);
    while ((sw >> 8) == 0x61) {
        sw = apdu_hex(&h, "01 C0 00 00 00");
        assert_true(h.response_len - 2 <= 32);
        assert_true(collected_len + h.response_len - 2 <= answer_len);
        memcpy(collected + collected_len, h.response, h.response_len - 2);
        collected_len += h.response_len - 2;
        calls++;
    }
    assert_int_equal(sw, 0x9000);
    assert_int_equal(collected_len, answer_len);
    assert_memory_equal(collected, answer, answer_len);
    assert_true(calls >= answer_len / 32);
    free(collected);
    free(answer);
    harness_stop(&h);
}

static void test_consumer_mode_unknown_iot_commands(void **state)
{
    struct harness h;
    struct sgp32_softeuicc_options options = {0};
    (void)state;
    options.mode = SGP32_SOFTEUICC_MODE_CONSUMER;
    harness_start(&h, &options);
    assert_int_equal(apdu_hex(&h, "00 " SELECT_ISDR_BODY " 00"), 0x9000);
    assert_non_null(memchr(h.response, 0xE0, h.response_len - 2)); /* SGP.22 ISD-R template */
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 03 BF55 00 00"), 0x6A88);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 03 BF5F 00 00"), 0x6A88);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF64 03 82 01 00 00"), 0x6A88);
    assert_int_equal(apdu_hex(&h, "80 E2 91 00 06 BF3E 03 5C 01 5A 00"), 0x9000);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atr_t1_and_t0),
        cmocka_unit_test(test_select_variants),
        cmocka_unit_test(test_select_t0_get_response),
        cmocka_unit_test(test_manage_channel_basic_and_extended),
        cmocka_unit_test(test_class_and_instruction_errors),
        cmocka_unit_test(test_terminal_capability),
        cmocka_unit_test(test_store_data_sequence),
        cmocka_unit_test(test_long_response_chaining_and_6c),
        cmocka_unit_test(test_small_get_response_chunks_t0),
        cmocka_unit_test(test_consumer_mode_unknown_iot_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
