/* SPDX-License-Identifier: MIT */
/* The ES10 conformance suite over the QMI transport through the fake QMUX device (path d). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conformance_card.h"
#include "es10_conformance.h"
#include "fake_qmi_device.h"
#include "sgp32/sgp32.h"
#include "sgp32/transport_qmi.h"

static void test_qmi(void **state)
{
    struct conformance_card identity;
    struct fake_qmi_config config;
    struct fake_qmi_counters counters;
    struct fake_qmi_device *device = NULL;
    struct sgp32_qmi *qmi = NULL;
    struct sgp32_apdu_transport transport;
    int fd = -1;
    (void)state;

    assert_int_equal(conformance_card_init(&identity, NULL), 0);
    memset(&config, 0, sizeof(config));
    config.eid = identity.identity.eid;
    config.identity = &identity.identity;
    assert_int_equal(fake_qmi_device_start(&config, &device, &fd), 0);
    assert_int_equal(sgp32_qmi_new_fd(fd, NULL, &qmi), SGP32_OK);
    sgp32_qmi_transport(qmi, &transport);
    assert_int_equal(transport.ops->open(transport.user, NULL, 0, NULL, 2000), SGP32_OK);
    assert_int_equal(es10_conformance_check_path(&transport, identity.identity.eid, identity.curve_dir,
                                                 CONFORMANCE_EXPECTED_REPORT, "QMI"),
                     0);
    /* Every channel the suite opened was closed again, and the device saw the channel in each CLA. */
    fake_qmi_device_counters(device, &counters);
    assert_int_equal(counters.channels, 0);
    assert_int_equal(counters.cla_mismatches, 0);
    sgp32_qmi_free(qmi);
    fake_qmi_device_stop(device);
    conformance_card_cleanup(&identity);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qmi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
