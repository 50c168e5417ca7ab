/* SPDX-License-Identifier: MIT */
/* lib/es10 session: channel handling, ISD-R selection, STORE DATA segmentation, GET RESPONSE, the
 * error detail, reconnection. Driven against the software eUICC through its APDU transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
    uint8_t *answer = NULL;
    size_t len = 0;
    assert_int_equal(sgp32_es10_transceive(session, get_eid, sizeof(get_eid), &answer, &len), SGP32_OK);
    assert_int_equal(len, 5 + 16); /* BF3E 12 5A 10 <eid> */
    assert_int_equal(answer[0], 0xBF);
    assert_int_equal(answer[1], 0x3E);
    assert_memory_equal(answer + 5, test_eid, 16);
    sgp32_buffer_free(answer);
}

static void test_connect_and_get_eid(void **state)
{
    struct fixture f;
    (void)state;
    start(&f, NULL);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    assert_true(sgp32_es10_channel(f.session) >= 1);
    check_eid(f.session);
    assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_OK);
    stop(&f);
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

/* T=0 behaviour and a card that returns GET RESPONSE in 17-byte pieces: the answer is reassembled. */
static void test_t0_and_small_get_response_chunks(void **state)
{
    struct sgp32_softeuicc_options options;
    struct fixture f;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.protocol = SGP32_SOFTEUICC_T0;
    options.get_response_chunk = 17;
    start(&f, &options);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    check_eid(f.session);
    stop(&f);
}

/* Five sessions at once: channels 4 and 5 need the extended CLA coding (0xC0 | channel - 4), which a
 * strict card refuses when the channel is ORed into the low nibble. */
static void test_extended_logical_channels(void **state)
{
    struct sgp32_es10 *sessions[5];
    struct fixture f;
    size_t i;
    (void)state;
    start(&f, NULL);
    for (i = 0; i < 5; i++) {
        assert_int_equal(sgp32_es10_new(&f.transport, NULL, &sessions[i]), SGP32_OK);
        assert_int_equal(sgp32_es10_connect(sessions[i]), SGP32_OK);
        assert_int_equal(sgp32_es10_channel(sessions[i]), i + 1);
    }
    for (i = 0; i < 5; i++)
        check_eid(sessions[i]);
    for (i = 0; i < 5; i++)
        sgp32_es10_free(sessions[i]);
    stop(&f);
}

/* A request longer than one block goes out as several STORE DATA blocks: the card reassembles it
 * (P1 11 ... 91, P2 0, 1, 2 ...) and answers. A 600-byte GetProfilesInfo tag list is valid BER-TLV
 * and exercises three blocks. */
static void test_multi_block_request(void **state)
{
    /* BF2D 82 025C | 5C 82 0258 <600 tag bytes: 5A repeated> */
    static const uint8_t head[] = {0xBF, 0x2D, 0x82, 0x02, 0x5C, 0x5C, 0x82, 0x02, 0x58};
    uint8_t request[sizeof(head) + 600];
    uint8_t *answer = NULL;
    size_t len = 0;
    struct fixture f;
    (void)state;
    start(&f, NULL);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    memcpy(request, head, sizeof(head));
    memset(request + sizeof(head), 0x5A, 600);
    assert_int_equal(sgp32_es10_transceive(f.session, request, sizeof(request), &answer, &len), SGP32_OK);
    assert_true(len >= 3);
    assert_int_equal(answer[0], 0xBF);
    assert_int_equal(answer[1], 0x2D);
    sgp32_buffer_free(answer);
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

/* An ES10 command the card refuses: the status word reaches the caller intact (never collapsed to a
 * generic failure), and the session stays usable. */
static void test_status_word_is_kept(void **state)
{
    struct fixture f;
    uint8_t *answer = NULL;
    size_t len = 0;
    /* An ES10 tag the ISD-R does not know. */
    static const uint8_t unknown[] = {0xBF, 0x7F, 0x00};
    enum sgp32_status st;
    (void)state;
    start(&f, NULL);
    assert_int_equal(sgp32_es10_new(&f.transport, NULL, &f.session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(f.session), SGP32_OK);
    st = sgp32_es10_transceive(f.session, unknown, sizeof(unknown), &answer, &len);
    assert_int_equal(st, SGP32_ERR_CARD_STATUS);
    assert_null(answer);
    assert_int_equal(sgp32_es10_last_error(f.session)->status, SGP32_ERR_CARD_STATUS);
    assert_int_equal(sgp32_es10_last_error(f.session)->sw, 0x6A88); /* referenced data not found */
    assert_int_equal(sgp32_es10_last_error(f.session)->ins, 0xE2);
    assert_string_equal(sgp32_es10_last_error(f.session)->step, "store data");
    check_eid(f.session); /* the session is still usable */
    stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_and_get_eid),
        cmocka_unit_test(test_transceive_before_connect_is_refused),
        cmocka_unit_test(test_t0_and_small_get_response_chunks),
        cmocka_unit_test(test_extended_logical_channels),
        cmocka_unit_test(test_multi_block_request),
        cmocka_unit_test(test_power_loss_and_reconnect),
        cmocka_unit_test(test_status_word_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
