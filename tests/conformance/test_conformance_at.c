/* SPDX-License-Identifier: MIT */
/* The ES10 conformance suite over the AT transport through a real pty to the modem emulator (paths b
 * and c): CCHO/CGLA mode (the modem owns the channels) and CSIM mode (lib/es10 sends MANAGE CHANNEL
 * and SELECT and codes the CLA). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "at_fixture.h"
#include "conformance_card.h"
#include "es10_conformance.h"

static void run_over_at(enum sgp32_at_mode mode, const char *path_name)
{
    struct conformance_card identity;
    struct at_fixture f;
    assert_int_equal(conformance_card_init(&identity, NULL), 0);
    at_fixture_start_identity(&f, &identity.identity, NULL, mode, 2000, 5000);
    assert_int_equal(es10_conformance_check_path(&f.transport, identity.identity.eid, identity.curve_dir,
                                                 CONFORMANCE_EXPECTED_REPORT, path_name),
                     0);
    /* Every channel the suite opened was closed again. */
    assert_int_equal(modem_emulator_open_sessions(f.em), 0);
    at_fixture_stop(&f);
    conformance_card_cleanup(&identity);
}

static void test_at_ccho(void **state)
{
    (void)state;
    run_over_at(SGP32_AT_MODE_CCHO, "AT in CCHO/CGLA mode");
}

static void test_at_csim(void **state)
{
    (void)state;
    run_over_at(SGP32_AT_MODE_CSIM, "AT in CSIM mode");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_ccho),
        cmocka_unit_test(test_at_csim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
