/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "INTEGER.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "es10_requests.h"
#include "softeuicc_harness.h"

const uint8_t harness_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x56, 0x78,
                                 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x54};
const uint8_t harness_ci_pkid[20] = {0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE,
                                     0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3};

static void start(struct harness *h, const struct sgp32_softeuicc_options *options,
                  const struct sgp32_softeuicc_storage *storage)
{
    struct sgp32_softeuicc_identity identity;
    memset(h, 0, sizeof(*h));
    h->storage = storage;
    if (storage == NULL) {
        snprintf(h->dir, sizeof(h->dir), "/tmp/softeuicc-test-XXXXXX");
        assert_non_null(mkdtemp(h->dir));
    }
    if (options != NULL)
        h->options = *options;
    h->options.size = sizeof(h->options);
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    identity.ci_pkids = &harness_ci_pkid;
    identity.ci_pkid_count = 1;
    identity.default_dp_address = "smdp.example.com";
    if (storage == NULL)
        assert_int_equal(sgp32_softeuicc_create(h->dir, &identity, &h->options, &h->card), SGP32_OK);
    else
        assert_int_equal(sgp32_softeuicc_create_with_storage(storage, &identity, &h->options, &h->card), SGP32_OK);
    sgp32_softeuicc_transport(h->card, &h->transport);
    assert_int_equal(h->transport.ops->open(h->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
}

void harness_start(struct harness *h, const struct sgp32_softeuicc_options *options)
{
    start(h, options, NULL);
}

void harness_start_storage(struct harness *h, const struct sgp32_softeuicc_options *options,
                           const struct sgp32_softeuicc_storage *storage)
{
    start(h, options, storage);
}

void harness_stop(struct harness *h)
{
    char path[128];
    sgp32_softeuicc_free(h->card);
    h->card = NULL;
    if (h->storage != NULL)
        return;
    snprintf(path, sizeof(path), "%s/card.state", h->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/card.state.tmp", h->dir);
    unlink(path);
    rmdir(h->dir);
}

void harness_reopen(struct harness *h)
{
    sgp32_softeuicc_free(h->card);
    h->card = NULL;
    if (h->storage != NULL)
        assert_int_equal(sgp32_softeuicc_open_with_storage(h->storage, &h->options, &h->card), SGP32_OK);
    else
        assert_int_equal(sgp32_softeuicc_open(h->dir, &h->options, &h->card), SGP32_OK);
    sgp32_softeuicc_transport(h->card, &h->transport);
    h->channel_cla = 0;
}

size_t hex_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t len = 0;
    int high = -1;
    for (; *hex; hex++) {
        int value = 0;
        if (*hex == ' ')
            continue;
        if (*hex >= '0' && *hex <= '9')
            value = *hex - '0';
        else if (*hex >= 'A' && *hex <= 'F')
            value = *hex - 'A' + 10;
        else if (*hex >= 'a' && *hex <= 'f')
            value = *hex - 'a' + 10;
        else
            fail_msg("bad hex character '%c'", *hex);
        if (high < 0) {
            high = value;
        } else {
            assert_true(len < cap);
            out[len++] = (uint8_t)(high << 4 | value);
            high = -1;
        }
    }
    assert_int_equal(high, -1);
    return len;
}

uint16_t apdu(struct harness *h, const uint8_t *command, size_t len)
{
    assert_int_equal(h->transport.ops->transmit(h->transport.user, command, len, h->response, sizeof(h->response),
                                                &h->response_len, 1000),
                     SGP32_OK);
    assert_true(h->response_len >= 2);
    return (uint16_t)(h->response[h->response_len - 2] << 8 | h->response[h->response_len - 1]);
}

uint16_t apdu_hex(struct harness *h, const char *hex)
{
    uint8_t command[SGP32_APDU_MAX_COMMAND + 16];
    return apdu(h, command, hex_bytes(hex, command, sizeof(command)));
}

void es10_open(struct harness *h)
{
    uint8_t select[5 + 16] = {0,    0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
                              0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
    uint8_t channel;
    uint16_t sw;
    assert_int_equal(apdu_hex(h, "00 70 00 00 01"), 0x9000);
    assert_int_equal(h->response_len, 3);
    channel = h->response[0];
    assert_true(channel >= 1 && channel <= 3);
    select[0] = channel;
    sw = apdu(h, select, sizeof(select));
    assert_true(sw == 0x9000 || (sw >> 8) == 0x61);
    h->channel_cla = (uint8_t)(0x80 | channel);
}

uint16_t es10_raw(struct harness *h, const uint8_t *request, size_t len, uint8_t **answer, size_t *answer_len)
{
    uint8_t command[5 + 255 + 1];
    uint8_t *collected = NULL;
    size_t collected_len = 0, offset = 0;
    unsigned block = 0;
    uint16_t sw = 0;
    if (h->channel_cla == 0)
        es10_open(h);
    do {
        size_t chunk = len - offset > 255 ? 255 : len - offset;
        command[0] = h->channel_cla;
        command[1] = 0xE2;
        command[2] = offset + chunk == len ? 0x91 : 0x11;
        command[3] = (uint8_t)block++;
        command[4] = (uint8_t)chunk;
        memcpy(command + 5, request + offset, chunk);
        command[5 + chunk] = 0x00;
        sw = apdu(h, command, 6 + chunk);
        offset += chunk;
        if (offset < len)
            assert_int_equal(sw, 0x9000);
    } while (offset < len);
    for (;;) {
        size_t data_len = h->response_len - 2;
        if (data_len > 0) {
            collected = realloc(collected, collected_len + data_len);
            assert_non_null(collected);
            memcpy(collected + collected_len, h->response, data_len);
            collected_len += data_len;
        }
        if ((sw >> 8) != 0x61)
            break;
        command[0] = h->channel_cla;
        command[1] = 0xC0;
        command[2] = 0;
        command[3] = 0;
        command[4] = (uint8_t)sw;
        sw = apdu(h, command, 5);
    }
    *answer = collected;
    *answer_len = collected_len;
    return sw;
}

void *es10_call_bytes(struct harness *h, const char *type_name, const uint8_t *request, size_t len,
                      const char *answer_type)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    const struct sgp32_codec_type *answer_codec = sgp32_codec_type_find(answer_type);
    struct sgp32_decode_options strict = {SGP32_DECODE_DER, 0, 0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    void *value = NULL;
    assert_non_null(type);
    assert_non_null(answer_codec);
    assert_int_equal(sgp32_der_validate(type, request, len), SGP32_OK);
    assert_int_equal(es10_raw(h, request, len, &answer, &answer_len), 0x9000);
    if (sgp32_decode(answer_codec, answer, answer_len, &strict, &value, NULL) != SGP32_OK)
        fail_msg("the answer to %s is not a DER %s", type_name, answer_type);
    free(answer);
    return value;
}

void *es10_call(struct harness *h, const char *type_name, const char *hex, const char *answer_type)
{
    uint8_t request[4096];
    size_t len = hex_bytes(hex, request, sizeof(request));
    if (sgp32_der_validate(sgp32_codec_type_find(type_name), request, len) != SGP32_OK)
        fail_msg("not a DER %s: %s", type_name, hex);
    return es10_call_bytes(h, type_name, request, len, answer_type);
}

long integer_value(const void *integer)
{
    long value = 0;
    assert_int_equal(asn_INTEGER2long((const INTEGER_t *)integer, &value), 0);
    return value;
}

long numbered_profile_state(struct harness *h, int n)
{
    char request[64];
    void *list;
    long value;
    SGP32_ProfileInfo_t *info;
    snprintf(request, sizeof(request), "BF2D12A00C5A0A8900000000000000000%d5C029F70", n);
    list = es10_call(h, "ProfileInfoListRequest", request, "SGP32-ProfileInfoListResponse");
    info = ((SGP32_ProfileInfoListResponse_t *)list)->choice.profileInfoListOk.list.array[0];
    value = integer_value(info->profileState);
    sgp32_codec_free(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), list);
    return value;
}

void preload_hex(struct harness *h, const char *profile_info_hex)
{
    uint8_t info[2048];
    size_t len = hex_bytes(profile_info_hex, info, sizeof(info));
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("SGP32-ProfileInfo"), info, len), SGP32_OK);
    assert_int_equal(sgp32_softeuicc_preload_profile(h->card, info, len), SGP32_OK);
}

long es10_result(struct harness *h, const char *type_name, const char *hex, const char *answer_type)
{
    void *answer = es10_call(h, type_name, hex, answer_type);
    long value = integer_value(answer); /* the first member of the SEQUENCE */
    sgp32_codec_free(sgp32_codec_type_find(answer_type), answer);
    return value;
}
