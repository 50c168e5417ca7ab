/* SPDX-License-Identifier: MIT */
/* lib/es10 session behaviour outside the shared conformance suite (tests/conformance, which covers
 * connection, GetEID, STORE DATA segmentation, GET RESPONSE on T=0, the status word in the error
 * detail and the channels): use before connect and recovery after a power loss, against the software
 * eUICC through its APDU transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "es10_conformance.h"
#include "sgp32/sgp32.h"
#include "sgp32/softeuicc.h"

static const uint8_t test_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
                                     0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};
/* GetEuiccDataRequest { tagList 5A } -> GetEuiccDataResponse { eidValue } */
static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};

struct fixture {
    char dir[64];
    struct sgp32_softeuicc *card;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *session;
};

static void start(struct fixture *f, const struct sgp32_softeuicc_options *options)
{
    struct sgp32_softeuicc_identity identity;
    memset(f, 0, sizeof(*f));
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, test_eid, sizeof(test_eid));
    snprintf(f->dir, sizeof(f->dir), "/tmp/sgp32-es10-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    rmdir(f->dir); /* create() makes it */
    assert_int_equal(sgp32_softeuicc_create(f->dir, &identity, options, &f->card), SGP32_OK);
    sgp32_softeuicc_transport(f->card, &f->transport);
    assert_int_equal(f->transport.ops->open(f->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
}

static void stop(struct fixture *f)
{
    char cmd[128];
    sgp32_es10_free(f->session);
    f->transport.ops->close(f->transport.user);
    sgp32_softeuicc_free(f->card);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static void check_eid(struct sgp32_es10 *session)
{
    assert_true(es10_conformance_eid_matches(session, test_eid));
}

static void test_transceive_before_connect_is_refused(void **state)
{
    struct fixture f;
    uint8_t *answer = NULL;
    size_t len = 0;
    (void)state;
    start(&f, NULL);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_transceive(f.session, get_eid, sizeof(get_eid), &answer, &len), SGP32_ERR_STATE);
    assert_null(answer);
    stop(&f);
}

/* The card loses power during an ES10 command: the error names the step, and once the card is back
 * the session reconnects on a fresh channel. */
static void test_power_loss_and_reconnect(void **state)
{
    struct fixture f;
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    (void)state;
    start(&f, NULL);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    sgp32_softeuicc_power_loss_after(f.card, 1);
    st = sgp32_es10_transceive(f.session, get_eid, sizeof(get_eid), &answer, &len);
    assert_int_not_equal(st, SGP32_OK);
    assert_null(answer);
    assert_int_equal(sgp32_es10_last_error(f.session)->status, st);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "store data");
    assert_int_equal(f.transport.ops->reset(f.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    check_eid(f.session);
    stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transceive_before_connect_is_refused),
        cmocka_unit_test(test_power_loss_and_reconnect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
