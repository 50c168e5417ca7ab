/* SPDX-License-Identifier: MIT */
/* Persistence of the software eUICC: every committed change survives a reopen, corrupt or truncated
 * state files are refused cleanly, and the fault knobs (failed write, power loss) leave the old or the
 * new state, never a mix. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ListNotificationResponse.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "es10_requests.h"

#define ENABLE(n) "BF3111A00C5A0A" ICCID(n) "8101FF"

/* Everything a host can observe of the persistent state, as raw answers. */
struct snapshot {
    uint8_t *parts[4];
    size_t lens[4];
};

static void take_snapshot(struct harness *h, struct snapshot *snapshot)
{
    static const char *requests[4] = {"BF2D00", "BF2800", "BF5500", "BF3C00"};
    size_t i;
    for (i = 0; i < 4; i++) {
        uint8_t request[8];
        size_t len = hex_bytes(requests[i], request, sizeof(request));
        assert_int_equal(es10_raw(h, request, len, &snapshot->parts[i], &snapshot->lens[i]), 0x9000);
    }
}

static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
    size_t i;
    for (i = 0; i < 4; i++) {
        assert_int_equal(a->lens[i], b->lens[i]);
        assert_memory_equal(a->parts[i], b->parts[i], a->lens[i]);
    }
}

static void free_snapshot(struct snapshot *snapshot)
{
    size_t i;
    for (i = 0; i < 4; i++)
        free(snapshot->parts[i]);
}

/* Sends a command, then checks a reopened card shows exactly the same state. */
static void change_and_reopen(struct harness *h, const char *request_hex)
{
    uint8_t request[1024];
    size_t len = hex_bytes(request_hex, request, sizeof(request));
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    struct snapshot before, after;
    assert_int_equal(es10_raw(h, request, len, &answer, &answer_len), 0x9000);
    free(answer);
    take_snapshot(h, &before);
    harness_reopen(h);
    take_snapshot(h, &after);
    assert_same_snapshot(&before, &after);
    free_snapshot(&before);
    free_snapshot(&after);
}

static void test_reopen_after_every_change(void **state)
{
    struct harness h;
    char path[128];
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_PPR1);
    preload_hex(&h, PROFILE_FALLBACK);
    change_and_reopen(&h, ENABLE(1));
    change_and_reopen(&h, "BF29125A0A" ICCID(1) "9004 4D696E65");
    change_and_reopen(&h, "BF5D038001FF"); /* fallback */
    change_and_reopen(&h, "BF5E038001FF"); /* and back */
    change_and_reopen(&h, ENABLE(2));
    change_and_reopen(&h, "BF330C5A0A" ICCID(1));
    change_and_reopen(&h, "BF3003800101");
    change_and_reopen(&h, "BF3F1180 0F 6E65772E6578616D706C652E636F6D");
    change_and_reopen(&h, "BF570CA00A 3003800141 3003800142");
    change_and_reopen(&h, "BF6404 82020184");
    /* the temporary file of the atomic replacement never stays behind */
    snprintf(path, sizeof(path), "%s/card.state.tmp", h.dir);
    assert_int_equal(access(path, F_OK), -1);
    harness_stop(&h);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = malloc(1 << 20);
    assert_non_null(file);
    assert_non_null(data);
    *len = fread(data, 1, 1 << 20, file);
    fclose(file);
    return data;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, len, file), len);
    fclose(file);
}

static uint32_t crc32_of(const uint8_t *data, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc ^= data[i];
        for (bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put_crc(uint8_t *data, size_t len)
{
    uint32_t crc = crc32_of(data, len - 4);
    data[len - 4] = (uint8_t)(crc >> 24);
    data[len - 3] = (uint8_t)(crc >> 16);
    data[len - 2] = (uint8_t)(crc >> 8);
    data[len - 1] = (uint8_t)crc;
}

static void assert_refused(struct harness *h)
{
    struct sgp32_softeuicc *card = NULL;
    assert_int_equal(sgp32_softeuicc_open(h->dir, &h->options, &card), SGP32_ERR_STORAGE);
    assert_null(card);
}

static void test_corrupt_state_is_refused(void **state)
{
    struct harness h;
    char path[128];
    uint8_t *good, *bad;
    size_t len, cut, i;
    struct sgp32_softeuicc *card = NULL;
    struct sgp32_softeuicc_identity identity;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    sgp32_softeuicc_free(h.card);
    h.card = NULL;
    snprintf(path, sizeof(path), "%s/card.state", h.dir);
    good = read_file(path, &len);
    bad = malloc(len);
    assert_non_null(bad);
    /* every truncation */
    for (cut = 0; cut < len; cut++) {
        write_file(path, good, cut);
        assert_refused(&h);
    }
    /* every single-byte corruption (the CRC catches it) */
    for (i = 0; i < len; i++) {
        memcpy(bad, good, len);
        bad[i] ^= 0x01;
        write_file(path, bad, len);
        assert_refused(&h);
    }
    /* a correct CRC over broken content: a newer format version, an unknown record, a profile that
     * is not DER, a record length past the end */
    memcpy(bad, good, len);
    bad[11] = 2;
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    memcpy(bad, good, len);
    bad[12] = 0x7F; /* the first record's type */
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    for (i = 12; i + 5 < len - 4; i++)
        if (bad[i] == 0x07 && good[i + 5] == 0xE3)
            break;
    assert_true(i + 5 < len - 4); /* found the profile record */
    memcpy(bad, good, len);
    bad[i + 5 + 1] ^= 0x40; /* the profile's length octet */
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    memcpy(bad, good, len);
    bad[12 + 1] = 0x7F; /* the first record's length */
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    /* the pre-loaded profile's extra record (type 42, u8 flags: bit 0 pre-loaded): unknown flag bits,
     * no flag, and a second record for the same profile are refused */
    for (i = 12; i + 6 <= len - 4; i++)
        if (memcmp(good + i, "\x2A\x00\x00\x00\x01\x01", 6) == 0)
            break;
    assert_true(i + 6 <= len - 4); /* found it */
    memcpy(bad, good, len);
    bad[i + 5] = 0x05;
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    bad[i + 5] = 0x00;
    put_crc(bad, len);
    write_file(path, bad, len);
    assert_refused(&h);
    {
        uint8_t *twice = malloc(len + 6);
        assert_non_null(twice);
        memcpy(twice, good, i + 6);
        memcpy(twice + i + 6, good + i, len - i);
        put_crc(twice, len + 6);
        write_file(path, twice, len + 6);
        assert_refused(&h);
        free(twice);
    }
    /* create() never overwrites something it cannot read */
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16); /* a valid EID: the refusal is about the state */
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, NULL, &card), SGP32_ERR_STATE);
    assert_null(card);
    /* the good file still opens */
    write_file(path, good, len);
    assert_int_equal(sgp32_softeuicc_open(h.dir, &h.options, &h.card), SGP32_OK);
    assert_int_equal(sgp32_softeuicc_create(h.dir, &identity, NULL, &card), SGP32_ERR_STATE);
    free(good);
    free(bad);
    harness_stop(&h);
    /* no card at all */
    assert_int_equal(sgp32_softeuicc_open("/nonexistent/softeuicc", NULL, &card), SGP32_ERR_NOT_FOUND);
}

static void test_failed_state_write_keeps_the_old_state(void **state)
{
    struct harness h;
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    sgp32_softeuicc_fail_next_state_write(h.card);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 127);
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    {
        void *notifications = es10_call(&h, "ListNotificationRequest", "BF2800", "ListNotificationResponse");
        assert_int_equal(((ListNotificationResponse_t *)notifications)->choice.notificationMetadataList.list.count, 0);
        sgp32_codec_free(sgp32_codec_type_find("ListNotificationResponse"), notifications);
    }
    harness_reopen(&h);
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    /* the knob is one-shot */
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 0);
    assert_int_equal(numbered_profile_state(&h, 1), 1);
    /* other functions answer their undefinedError too */
    sgp32_softeuicc_fail_next_state_write(h.card);
    assert_int_equal(
        es10_result(&h, "SetNicknameRequest", "BF29125A0A" ICCID(1) "9004 4D696E65", "SetNicknameResponse"), 127);
    sgp32_softeuicc_fail_next_state_write(h.card);
    assert_int_equal(es10_result(&h, "NotificationSentRequest", "BF3003800101", "NotificationSentResponse"), 127);
    assert_int_equal(es10_result(&h, "NotificationSentRequest", "BF3003800101", "NotificationSentResponse"), 0);
    harness_stop(&h);
}

static void test_power_loss_after_apdu(void **state)
{
    struct harness h;
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t response_len = 0;
    uint8_t request[32];
    size_t len = hex_bytes(ENABLE(1), request, sizeof(request));
    uint8_t block[5 + 32];
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    es10_open(&h);
    /* power lost during a two-block STORE DATA: after the first block nothing has happened */
    sgp32_softeuicc_power_loss_after(h.card, 1);
    block[0] = h.channel_cla;
    block[1] = 0xE2;
    block[2] = 0x11;
    block[3] = 0x00;
    block[4] = 10;
    memcpy(block + 5, request, 10);
    assert_int_equal(
        h.transport.ops->transmit(h.transport.user, block, 15, response, sizeof(response), &response_len, 1000),
        SGP32_ERR_NO_CARD);
    assert_int_equal(sgp32_softeuicc_powered(h.card), 0);
    assert_int_equal(
        h.transport.ops->transmit(h.transport.user, block, 15, response, sizeof(response), &response_len, 1000),
        SGP32_ERR_NO_CARD);
    assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    h.channel_cla = 0;
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    /* power lost right after the command that commits: its answer is lost, its effect is not */
    es10_open(&h);
    sgp32_softeuicc_power_loss_after(h.card, 1);
    block[2] = 0x91;
    block[4] = (uint8_t)len;
    memcpy(block + 5, request, len);
    assert_int_equal(
        h.transport.ops->transmit(h.transport.user, block, 5 + len, response, sizeof(response), &response_len, 1000),
        SGP32_ERR_NO_CARD);
    assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    h.channel_cla = 0;
    assert_int_equal(numbered_profile_state(&h, 1), 1);
    harness_stop(&h);
}

/* A power cut between writing the temporary file and the rename leaves card.state.tmp behind: the
 * card boots from card.state (the old state) and the next commit replaces the leftover. */
static void test_leftover_temporary_file_is_ignored(void **state)
{
    struct harness h;
    char path[128];
    static const uint8_t garbage[] = "half-written";
    (void)state;
    harness_start(&h, NULL);
    preload_hex(&h, PROFILE_ONE);
    snprintf(path, sizeof(path), "%s/card.state.tmp", h.dir);
    write_file(path, garbage, sizeof(garbage));
    harness_reopen(&h);
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 0);
    assert_int_equal(access(path, F_OK), -1);
    harness_reopen(&h);
    assert_int_equal(numbered_profile_state(&h, 1), 1);
    harness_stop(&h);
}

static void test_two_cards_in_one_process(void **state)
{
    struct harness a, b;
    (void)state;
    harness_start(&a, NULL);
    harness_start(&b, NULL);
    preload_hex(&a, PROFILE_ONE);
    assert_int_equal(es10_result(&a, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 0);
    assert_int_equal(es10_result(&b, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 1);
    assert_int_equal(numbered_profile_state(&a, 1), 1);
    harness_stop(&a);
    harness_stop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reopen_after_every_change),
        cmocka_unit_test(test_corrupt_state_is_refused),
        cmocka_unit_test(test_failed_state_write_keeps_the_old_state),
        cmocka_unit_test(test_power_loss_after_apdu),
        cmocka_unit_test(test_leftover_temporary_file_is_ignored),
        cmocka_unit_test(test_two_cards_in_one_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
