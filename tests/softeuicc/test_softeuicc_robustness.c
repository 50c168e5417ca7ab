/* SPDX-License-Identifier: MIT */
/* Hostile input: every truncation and many bit flips of valid ES10 requests, and random APDUs. The card
 * must answer each with a status word (never crash, leak or hang: run under ASan/UBSan) and keep working. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es10_requests.h"

static const char *const requests[] = {
    "BF3E035C015A",
    "BF2000",
    "BF2200",
    "BF3C00",
    "BF3F1180 0F 6E65772E6578616D706C652E636F6D",
    "BF65028000",
    "BF2E00",
    "BF4300",
    "BF5600",
    "BF561680 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3",
    "BF2D00",
    "BF2D12A00C5A0A" ICCID(1) "5C029F70",
    "BF2D09A003950102 5C 02 5A 92",
    "BF3111A00C5A0A" ICCID(1) "8101FF",
    "BF3211A00C5A0A" ICCID(1) "8101FF",
    "BF330C5A0A" ICCID(2),
    "BF29125A0A" ICCID(1) "9004 4D696E65",
    "BF3404 82020640",
    "BF6404 82020186",
    "BF2800",
    "BF2804 81020640",
    "BF2B00",
    "BF2B05A003800101",
    "BF2B04A0028200",
    "BF3003800101",
    "BF570CA00A 3003800141 3003800142",
    "BF570AA0083006 8001 41 8301FF",
    "BF5500",
    "BF5507A005 8003 65494D",
    "BF58038001FF",
    "BF5914 8000 8210 736D64702E6578616D706C652E636F6D",
    "BF5A038001FF",
    "BF5B038001FF",
    "BF5C038001FF",
    "BF5D038001FF",
    "BF5E038001FF",
    "BF5F00",
    "BF4204 80020780",
    "BF4106 800101 810101",
};

static void send_payload(struct harness *h, const uint8_t *payload, size_t len)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    uint16_t sw;
    if (len == 0)
        return;
    sw = es10_raw(h, payload, len, &answer, &answer_len);
    free(answer);
    assert_true(sw == 0x9000 || sw == 0x910B || sw == 0x6A80 || sw == 0x6A88 || sw == 0x6985 || sw == 0x6F00);
}

static void assert_card_alive(struct harness *h)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    assert_int_equal(es10_raw(h, (const uint8_t *)"\xBF\x3E\x03\x5C\x01\x5A", 6, &answer, &answer_len), 0x9000);
    assert_int_equal(answer_len, 21);
    free(answer);
}

static void test_mutated_es10_requests(void **state)
{
    struct harness h;
    size_t r, i, cut;
    static const uint8_t flips[] = {0x01, 0x80, 0xFF};
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_TEST_PPR2);
    preload_hex(&h, PROFILE_FALLBACK);
    for (r = 0; r < sizeof(requests) / sizeof(requests[0]); r++) {
        uint8_t good[512], bad[512];
        size_t len = hex_bytes(requests[r], good, sizeof(good)), f;
        send_payload(&h, good, len);
        for (cut = 1; cut < len; cut++)
            send_payload(&h, good, cut);
        for (i = 0; i < len; i++)
            for (f = 0; f < sizeof(flips); f++) {
                memcpy(bad, good, len);
                bad[i] ^= flips[f];
                send_payload(&h, bad, len);
            }
        assert_card_alive(&h);
    }
    harness_stop(&h);
}

static void test_random_apdus(void **state)
{
    struct harness h;
    uint32_t seed = 12345;
    unsigned round;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    for (round = 0; round < 20000; round++) {
        uint8_t command[SGP32_APDU_MAX_COMMAND];
        size_t len, i;
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 16) % sizeof(command);
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            command[i] = (uint8_t)(seed >> 16);
        }
        /* steer towards the implemented instructions and sane classes half of the time */
        if (len >= 2 && (round & 1)) {
            static const uint8_t ins[] = {0xA4, 0x70, 0xC0, 0xE2, 0xAA};
            command[0] &= 0xC3;
            command[1] = ins[(seed >> 8) % sizeof(ins)];
        }
        (void)apdu(&h, command, len);
    }
    /* the basic channel can still reach the ISD-R */
    h.channel_cla = 0;
    assert_int_equal(apdu_hex(&h, "00 A4 04 00 10 A0000005591010FFFFFFFF8900000100"), 0x9000);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_es10_requests),
        cmocka_unit_test(test_random_apdus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
