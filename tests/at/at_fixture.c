/* SPDX-License-Identifier: MIT */
/* Shared set-up of the AT transport tests (see at_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "at_fixture.h"
#include "es10_conformance.h"

const uint8_t at_test_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
                                 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};
const uint8_t at_get_eid[6] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};

uint64_t at_test_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

void at_fixture_start(struct at_fixture *f, const struct modem_quirks *quirks, enum sgp32_at_mode mode,
                      uint32_t command_timeout_ms, uint32_t store_data_timeout_ms)
{
    at_fixture_start_identity(f, NULL, quirks, mode, command_timeout_ms, store_data_timeout_ms);
}

void at_fixture_start_identity(struct at_fixture *f, const struct sgp32_softeuicc_identity *identity,
                               const struct modem_quirks *quirks, enum sgp32_at_mode mode, uint32_t command_timeout_ms,
                               uint32_t store_data_timeout_ms)
{
    struct modem_quirks none;
    struct sgp32_at_options options;
    memset(f, 0, sizeof(*f));
    memset(&none, 0, sizeof(none));
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.mode = mode;
    options.baud = 115200;
    options.command_timeout_ms = command_timeout_ms;
    options.store_data_timeout_ms = store_data_timeout_ms;
    if (identity != NULL)
        assert_int_equal(modem_emulator_start_pty_identity(identity, quirks != NULL ? quirks : &none, &f->em), 0);
    else
        assert_int_equal(modem_emulator_start_pty(at_test_eid, quirks != NULL ? quirks : &none, &f->em), 0);
    assert_int_equal(sgp32_at_open_path(modem_emulator_tty(f->em), &options, &f->at), SGP32_OK);
    sgp32_at_transport(f->at, &f->transport);
    assert_int_equal(f->transport.ops->open(f->transport.user, NULL, 0, NULL, 2000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&f->transport, NULL, &f->session), SGP32_OK);
}

void at_fixture_stop(struct at_fixture *f)
{
    sgp32_es10_free(f->session);
    f->transport.ops->close(f->transport.user);
    sgp32_at_free(f->at);
    modem_emulator_stop(f->em);
}

void at_check_eid(struct sgp32_es10 *session)
{
    assert_true(es10_conformance_eid_matches(session, at_test_eid));
}

enum sgp32_status at_send_long_request(struct sgp32_es10 *session)
{
    /* GetProfilesInfo with a 600-byte tag list: BF2D 82 025C | 5C 82 0258 <600 x 5A>. */
    static const uint8_t head[] = {0xBF, 0x2D, 0x82, 0x02, 0x5C, 0x5C, 0x82, 0x02, 0x58};
    uint8_t request[sizeof(head) + 600];
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    memcpy(request, head, sizeof(head));
    memset(request + sizeof(head), 0x5A, 600);
    st = sgp32_es10_transceive(session, request, sizeof(request), &answer, &len);
    if (st == SGP32_OK) {
        assert_true(len >= 3);
        assert_int_equal(answer[0], 0xBF);
        assert_int_equal(answer[1], 0x2D);
    } else {
        assert_null(answer);
    }
    sgp32_buffer_free(answer);
    return st;
}
