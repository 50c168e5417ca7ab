/* SPDX-License-Identifier: MIT */
/* QMUX framing and QMI TLVs (transports/qmi/qmux.c): exact bytes of encoded frames, decoding of
 * hand-written frames, and bounds: every malformed length is refused without reading past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmi/qmux.h"

/* UIM Send APDU request, client 5, tid 0x0102, one TLV (slot 1). */
static const uint8_t uim_request[] = {0x01, 0x10, 0x00, 0x00, 0x0B, 0x05,       /* QMUX: length 16 */
                                      0x00, 0x02, 0x01, 0x3B, 0x00, 0x04, 0x00, /* SDU header */
                                      0x01, 0x01, 0x00, 0x01};
/* CTL Allocate Client ID request for UIM, tid 7 (8-bit). */
static const uint8_t ctl_request[] = {0x01, 0x0F, 0x00, 0x00, 0x00, 0x00, /* QMUX: length 15 */
                                      0x00, 0x07, 0x22, 0x00, 0x04, 0x00, /* SDU header */
                                      0x01, 0x01, 0x00, 0x0B};
/* CTL Allocate Client ID response: result success, client TLV (UIM, id 3). */
static const uint8_t ctl_response[] = {0x01, 0x17, 0x00, 0x80, 0x00, 0x00, 0x01, 0x07, 0x22, 0x00,
                                       0x0C, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* result */
                                       0x01, 0x02, 0x00, 0x0B, 0x03};

static void test_encode_uim_request(void **state)
{
    uint8_t tlvs[16], frame[64];
    struct qmux_tlv_writer writer;
    struct qmux_message msg;
    size_t len = 0;
    (void)state;
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, 0x01, 0x01);
    assert_false(writer.overflow);
    memset(&msg, 0, sizeof(msg));
    msg.service = QMI_SERVICE_UIM;
    msg.client = 5;
    msg.flags = qmux_request_flags(QMI_SERVICE_UIM);
    msg.tid = 0x0102;
    msg.message = QMI_UIM_SEND_APDU;
    msg.tlvs = tlvs;
    msg.tlvs_len = writer.len;
    assert_int_equal(qmux_encode(&msg, frame, sizeof(frame), &len), SGP32_OK);
    assert_int_equal(len, sizeof(uim_request));
    assert_memory_equal(frame, uim_request, sizeof(uim_request));
    /* One byte short of the frame: refused, nothing written past the buffer. */
    assert_int_equal(qmux_encode(&msg, frame, sizeof(uim_request) - 1, &len), SGP32_ERR_BUFFER_TOO_SMALL);
}

static void test_encode_ctl_request_has_8bit_tid(void **state)
{
    uint8_t tlvs[8], frame[64];
    struct qmux_tlv_writer writer;
    struct qmux_message msg;
    size_t len = 0;
    (void)state;
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, 0x01, QMI_SERVICE_UIM);
    memset(&msg, 0, sizeof(msg));
    msg.service = QMI_SERVICE_CTL;
    msg.tid = 7;
    msg.message = QMI_CTL_ALLOCATE_CLIENT_ID;
    msg.tlvs = tlvs;
    msg.tlvs_len = writer.len;
    assert_int_equal(qmux_encode(&msg, frame, sizeof(frame), &len), SGP32_OK);
    assert_int_equal(len, sizeof(ctl_request));
    assert_memory_equal(frame, ctl_request, sizeof(ctl_request));
}

static void test_decode_ctl_response(void **state)
{
    struct qmux_message msg;
    const uint8_t *value = NULL;
    size_t value_len = 0, frame_len = 0;
    uint16_t result = 0xFFFF, error = 0xFFFF;
    (void)state;
    assert_int_equal(qmux_frame_length(ctl_response, sizeof(ctl_response), &frame_len), SGP32_OK);
    assert_int_equal(frame_len, sizeof(ctl_response));
    assert_int_equal(qmux_decode(ctl_response, sizeof(ctl_response), &msg), SGP32_OK);
    assert_int_equal(msg.qmux_flags, QMUX_FLAG_FROM_SERVICE);
    assert_int_equal(msg.service, QMI_SERVICE_CTL);
    assert_int_equal(msg.client, 0);
    assert_int_equal(msg.flags, QMI_CTL_FLAG_RESPONSE);
    assert_int_equal(msg.tid, 7);
    assert_int_equal(msg.message, QMI_CTL_ALLOCATE_CLIENT_ID);
    assert_int_equal(msg.tlvs_len, 12);
    assert_int_equal(qmux_result(msg.tlvs, msg.tlvs_len, &result, &error), SGP32_OK);
    assert_int_equal(result, 0);
    assert_int_equal(error, 0);
    assert_int_equal(qmux_tlv_find(msg.tlvs, msg.tlvs_len, 0x01, &value, &value_len), SGP32_OK);
    assert_int_equal(value_len, 2);
    assert_int_equal(value[0], QMI_SERVICE_UIM);
    assert_int_equal(value[1], 3);
    assert_int_equal(qmux_tlv_find(msg.tlvs, msg.tlvs_len, 0x10, &value, &value_len), SGP32_ERR_NOT_FOUND);
}

static void test_decode_uim_roundtrip(void **state)
{
    struct qmux_message msg;
    (void)state;
    assert_int_equal(qmux_decode(uim_request, sizeof(uim_request), &msg), SGP32_OK);
    assert_int_equal(msg.service, QMI_SERVICE_UIM);
    assert_int_equal(msg.client, 5);
    assert_int_equal(msg.tid, 0x0102);
    assert_int_equal(msg.message, QMI_UIM_SEND_APDU);
    assert_int_equal(msg.tlvs_len, 4);
    assert_ptr_equal(msg.tlvs, uim_request + 13);
}

/* Every prefix of a frame is "need more", never a frame; decoding a prefix fails cleanly (ASan sees
 * each prefix in an exact-size heap copy). */
static void test_every_prefix_needs_more(void **state)
{
    size_t cut;
    (void)state;
    for (cut = 0; cut < sizeof(ctl_response); cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        struct qmux_message msg;
        size_t frame_len = 0;
        assert_non_null(copy);
        memcpy(copy, ctl_response, cut);
        assert_int_equal(qmux_frame_length(copy, cut, &frame_len), SGP32_ERR_NEED_MORE);
        assert_int_equal(qmux_decode(copy, cut, &msg), SGP32_ERR_PROTOCOL);
        free(copy);
    }
}

static void test_frame_length_refuses_garbage(void **state)
{
    static const uint8_t not_marker[] = {0x7E, 0x10, 0x00, 0x00};
    static const uint8_t too_short[] = {0x01, 0x05, 0x00, 0x00, 0x00, 0x00};
    size_t frame_len = 0;
    uint8_t two_frames[sizeof(ctl_response) * 2];
    (void)state;
    assert_int_equal(qmux_frame_length(not_marker, sizeof(not_marker), &frame_len), SGP32_ERR_PROTOCOL);
    /* A QMUX length below the smallest header cannot be a frame. */
    assert_int_equal(qmux_frame_length(too_short, sizeof(too_short), &frame_len), SGP32_ERR_PROTOCOL);
    /* Two frames back to back: the first is delimited by its own length. */
    memcpy(two_frames, ctl_response, sizeof(ctl_response));
    memcpy(two_frames + sizeof(ctl_response), ctl_response, sizeof(ctl_response));
    assert_int_equal(qmux_frame_length(two_frames, sizeof(two_frames), &frame_len), SGP32_OK);
    assert_int_equal(frame_len, sizeof(ctl_response));
}

static void test_decode_refuses_inconsistent_lengths(void **state)
{
    uint8_t frame[sizeof(ctl_response) + 1];
    struct qmux_message msg;
    (void)state;
    /* The caller's frame length must match the QMUX length. */
    memcpy(frame, ctl_response, sizeof(ctl_response));
    frame[sizeof(ctl_response)] = 0;
    assert_int_equal(qmux_decode(frame, sizeof(ctl_response) + 1, &msg), SGP32_ERR_PROTOCOL);
    /* SDU TLV length larger, then smaller than what the frame holds. */
    memcpy(frame, ctl_response, sizeof(ctl_response));
    frame[10] = 0x0D;
    assert_int_equal(qmux_decode(frame, sizeof(ctl_response), &msg), SGP32_ERR_PROTOCOL);
    frame[10] = 0x0B;
    assert_int_equal(qmux_decode(frame, sizeof(ctl_response), &msg), SGP32_ERR_PROTOCOL);
    /* A TLV running past the end of the SDU. */
    memcpy(frame, ctl_response, sizeof(ctl_response));
    frame[20] = 0x03;
    assert_int_equal(qmux_decode(frame, sizeof(ctl_response), &msg), SGP32_ERR_PROTOCOL);
    /* A UIM frame only as long as a CTL header: too short for the 16-bit tid header. */
    {
        static const uint8_t short_uim[] = {0x01, 0x0B, 0x00, 0x80, 0x0B, 0x01, 0x02, 0x01, 0x00, 0x3B, 0x00, 0x00};
        assert_int_equal(qmux_decode(short_uim, sizeof(short_uim), &msg), SGP32_ERR_PROTOCOL);
    }
}

static void test_tlv_find_bounds(void **state)
{
    static const uint8_t good[] = {0x10, 0x01, 0x00, 0xAA, 0x11, 0x00, 0x00};
    static const uint8_t overrun[] = {0x10, 0x01, 0x00, 0xAA, 0x11, 0x05, 0x00, 0x01};
    static const uint8_t cut_header[] = {0x10, 0x01, 0x00, 0xAA, 0x11, 0x00};
    const uint8_t *value = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(qmux_tlv_find(good, sizeof(good), 0x10, &value, &len), SGP32_OK);
    assert_int_equal(len, 1);
    assert_int_equal(value[0], 0xAA);
    assert_int_equal(qmux_tlv_find(good, sizeof(good), 0x11, &value, &len), SGP32_OK);
    assert_int_equal(len, 0);
    /* A malformed area is refused even when the TLV looked for comes before the damage. */
    assert_int_equal(qmux_tlv_find(overrun, sizeof(overrun), 0x10, &value, &len), SGP32_ERR_PROTOCOL);
    assert_int_equal(qmux_tlv_find(cut_header, sizeof(cut_header), 0x10, &value, &len), SGP32_ERR_PROTOCOL);
    assert_int_equal(qmux_tlv_check(good, sizeof(good)), SGP32_OK);
    assert_int_equal(qmux_tlv_check(overrun, sizeof(overrun)), SGP32_ERR_PROTOCOL);
    assert_int_equal(qmux_tlv_check(good, 0), SGP32_OK);
}

static void test_result_tlv(void **state)
{
    static const uint8_t failure[] = {0x02, 0x04, 0x00, 0x01, 0x00, 0x44, 0x00};
    static const uint8_t wrong_size[] = {0x02, 0x02, 0x00, 0x01, 0x00};
    static const uint8_t missing[] = {0x10, 0x01, 0x00, 0x01};
    uint16_t result = 0, error = 0;
    (void)state;
    assert_int_equal(qmux_result(failure, sizeof(failure), &result, &error), SGP32_OK);
    assert_int_equal(result, 1);
    assert_int_equal(error, 0x0044); /* QMI_ERR_INSUFFICIENT_RESOURCES */
    assert_int_equal(qmux_result(wrong_size, sizeof(wrong_size), &result, &error), SGP32_ERR_PROTOCOL);
    assert_int_equal(qmux_result(missing, sizeof(missing), &result, &error), SGP32_ERR_PROTOCOL);
}

static void test_writer_overflow_and_limits(void **state)
{
    uint8_t small[5];
    uint8_t frame[32];
    struct qmux_tlv_writer writer;
    struct qmux_message msg;
    size_t len = 0;
    static const uint8_t value[3] = {1, 2, 3};
    (void)state;
    qmux_tlv_writer_init(&writer, small, sizeof(small));
    qmux_tlv_add_u8(&writer, 0x01, 0x01); /* 4 bytes */
    assert_false(writer.overflow);
    qmux_tlv_add(&writer, 0x02, value, sizeof(value)); /* would need 6 more */
    assert_true(writer.overflow);
    assert_int_equal(writer.len, 4);
    /* A TLV area beyond the 16-bit length cannot be encoded. */
    memset(&msg, 0, sizeof(msg));
    msg.service = QMI_SERVICE_UIM;
    msg.tlvs = value;
    msg.tlvs_len = 0x10000u;
    assert_int_equal(qmux_encode(&msg, frame, sizeof(frame), &len), SGP32_ERR_TOO_LARGE);
    /* Nor one whose frame length would pass 0xFFFF with the headers. */
    msg.tlvs_len = 0xFFF8u;
    assert_int_equal(qmux_encode(&msg, frame, sizeof(frame), &len), SGP32_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_uim_request),
        cmocka_unit_test(test_encode_ctl_request_has_8bit_tid),
        cmocka_unit_test(test_decode_ctl_response),
        cmocka_unit_test(test_decode_uim_roundtrip),
        cmocka_unit_test(test_every_prefix_needs_more),
        cmocka_unit_test(test_frame_length_refuses_garbage),
        cmocka_unit_test(test_decode_refuses_inconsistent_lengths),
        cmocka_unit_test(test_tlv_find_bounds),
        cmocka_unit_test(test_result_tlv),
        cmocka_unit_test(test_writer_overflow_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
