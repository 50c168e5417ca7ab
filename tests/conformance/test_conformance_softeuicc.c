/* SPDX-License-Identifier: MIT */
/* The ES10 conformance suite over the in-process software eUICC transport (path a), on T=1 and on
 * T=0 with a card that hands out GET RESPONSE in 17-byte pieces: the same report either way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conformance_card.h"
#include "es10_conformance.h"
#include "sgp32/sgp32.h"

static void run_over_softeuicc(const struct sgp32_softeuicc_options *options, const char *path_name)
{
    struct conformance_card identity;
    struct sgp32_softeuicc *card = NULL;
    struct sgp32_apdu_transport transport;
    char dir[96], command[128];

    assert_int_equal(conformance_card_init(&identity, NULL), 0);
    snprintf(dir, sizeof(dir), "%s/card", identity.pki_dir);
    assert_int_equal(sgp32_softeuicc_create(dir, &identity.identity, options, &card), SGP32_OK);
    sgp32_softeuicc_transport(card, &transport);
    assert_int_equal(transport.ops->open(transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(es10_conformance_check_path(&transport, identity.identity.eid, identity.curve_dir,
                                                 CONFORMANCE_EXPECTED_REPORT, path_name),
                     0);
    transport.ops->close(transport.user);
    sgp32_softeuicc_free(card);
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    conformance_card_cleanup(&identity);
}

static void test_softeuicc_t1(void **state)
{
    (void)state;
    run_over_softeuicc(NULL, "the software eUICC (T=1)");
}

static void test_softeuicc_t0_small_chunks(void **state)
{
    struct sgp32_softeuicc_options options;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.protocol = SGP32_SOFTEUICC_T0;
    options.get_response_chunk = 17;
    run_over_softeuicc(&options, "the software eUICC (T=0, GET RESPONSE in 17-byte pieces)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softeuicc_t1),
        cmocka_unit_test(test_softeuicc_t0_small_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
