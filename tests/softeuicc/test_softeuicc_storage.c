/* SPDX-License-Identifier: MIT */
/*
 * The software eUICC on a caller-provided storage (struct sgp32_softeuicc_storage): a card created and
 * used entirely in memory, reopened from the same storage with its state intact; exactly one save of
 * "card.state" per commit point; a save that fails at a commit point leaves the previous state (in the
 * card and in the storage); a power cut after any APDU of a script leaves the storage holding the
 * state of the last completed commit, and the card boots from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ListNotificationResponse.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "es10_requests.h"
#include "memory_storage.h"

#define ENABLE(n) "BF3111A00C5A0A" ICCID(n) "8101FF"
#define SNAPSHOT_PARTS 4

/* Everything a host can observe of the persistent state, as raw answers. */
struct snapshot {
    uint8_t *parts[SNAPSHOT_PARTS];
    size_t lens[SNAPSHOT_PARTS];
};

static void take_snapshot(struct harness *h, struct snapshot *snapshot)
{
    static const char *requests[SNAPSHOT_PARTS] = {"BF2D00", "BF2800", "BF5500", "BF3C00"};
    size_t i;
    for (i = 0; i < SNAPSHOT_PARTS; i++) {
        uint8_t request[8];
        size_t len = hex_bytes(requests[i], request, sizeof(request));
        assert_int_equal(es10_raw(h, request, len, &snapshot->parts[i], &snapshot->lens[i]), 0x9000);
    }
}

static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
    size_t i;
    for (i = 0; i < SNAPSHOT_PARTS; i++) {
        assert_int_equal(a->lens[i], b->lens[i]);
        assert_memory_equal(a->parts[i], b->parts[i], a->lens[i]);
    }
}

static void free_snapshot(struct snapshot *snapshot)
{
    size_t i;
    for (i = 0; i < SNAPSHOT_PARTS; i++)
        free(snapshot->parts[i]);
}

static int notification_count(struct harness *h)
{
    void *notifications = es10_call(h, "ListNotificationRequest", "BF2800", "ListNotificationResponse");
    int count = ((ListNotificationResponse_t *)notifications)->choice.notificationMetadataList.list.count;
    sgp32_codec_free(sgp32_codec_type_find("ListNotificationResponse"), notifications);
    return count;
}

/* Sends a command that commits: exactly one save of "card.state"; a card reopened from the storage
 * shows exactly the same state. */
static void change_and_reopen(struct harness *h, struct memory_storage *memory, const char *request_hex)
{
    uint8_t request[1024];
    size_t len = hex_bytes(request_hex, request, sizeof(request));
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    struct snapshot before, after;
    unsigned saves = memory->state_saves, all_saves = memory->saves;
    assert_int_equal(es10_raw(h, request, len, &answer, &answer_len), 0x9000);
    free(answer);
    assert_int_equal(memory->state_saves, saves + 1);
    assert_int_equal(memory->saves, all_saves + 1);
    take_snapshot(h, &before);
    assert_int_equal(memory->saves, all_saves + 1); /* reading writes nothing */
    harness_reopen(h);
    take_snapshot(h, &after);
    assert_same_snapshot(&before, &after);
    free_snapshot(&before);
    free_snapshot(&after);
}

static void test_card_in_memory(void **state)
{
    struct memory_storage memory;
    struct sgp32_softeuicc_storage storage, broken;
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc *other = NULL;
    struct harness h;
    (void)state;
    memory_storage_init(&memory, &storage);
    /* nothing there yet */
    assert_int_equal(sgp32_softeuicc_open_with_storage(&storage, NULL, &other), SGP32_ERR_NOT_FOUND);
    assert_null(other);
    harness_start_storage(&h, NULL, &storage);
    assert_int_equal(memory.count, 1);
    assert_non_null(memory_storage_find(&memory, "card.state"));
    assert_int_equal(memory.state_saves, 1);
    /* a storage that holds a card is never overwritten */
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    assert_int_equal(sgp32_softeuicc_create_with_storage(&storage, &identity, NULL, &other), SGP32_ERR_STATE);
    assert_null(other);
    assert_int_equal(memory.state_saves, 1);
    /* an interface the card does not know, or without its functions */
    broken = storage;
    broken.version = SGP32_SOFTEUICC_STORAGE_VERSION + 1;
    assert_int_equal(sgp32_softeuicc_open_with_storage(&broken, NULL, &other), SGP32_ERR_INVALID_ARGUMENT);
    broken = storage;
    broken.save = NULL;
    assert_int_equal(sgp32_softeuicc_open_with_storage(&broken, NULL, &other), SGP32_ERR_INVALID_ARGUMENT);
    broken = storage;
    broken.size = 8;
    assert_int_equal(sgp32_softeuicc_open_with_storage(&broken, NULL, &other), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_softeuicc_create_with_storage(NULL, &identity, NULL, &other), SGP32_ERR_INVALID_ARGUMENT);

    preload_hex(&h, PROFILE_ONE);
    preload_hex(&h, PROFILE_PPR1);
    preload_hex(&h, PROFILE_FALLBACK);
    preload_hex(&h, PROFILE_EMERGENCY);
    preload_hex(&h, PROFILE_PROVISIONING);
    assert_int_equal(memory.state_saves, 6);
    change_and_reopen(&h, &memory, ENABLE(1));
    change_and_reopen(&h, &memory, "BF29125A0A" ICCID(1) "9004 4D696E65");
    change_and_reopen(&h, &memory, "BF5D038001FF"); /* fallback */
    change_and_reopen(&h, &memory, "BF5E038001FF"); /* and back */
    change_and_reopen(&h, &memory, ENABLE(2));
    change_and_reopen(&h, &memory, "BF330C5A0A" ICCID(1));
    change_and_reopen(&h, &memory, "BF3003800101");
    change_and_reopen(&h, &memory, "BF3F1180 0F 6E65772E6578616D706C652E636F6D");
    change_and_reopen(&h, &memory, "BF570CA00A 3003800141 3003800142");
    assert_int_equal(numbered_profile_state(&h, 2), 1);
    change_and_reopen(&h, &memory, "BF6404 82020184");
    /* the whole card is that one record: nothing went anywhere else */
    assert_int_equal(memory.count, 1);
    harness_stop(&h);
    /* it outlives the card: a new one opens from it */
    assert_int_equal(sgp32_softeuicc_open_with_storage(&storage, NULL, &other), SGP32_OK);
    sgp32_softeuicc_free(other);
    memory_storage_free(&memory);
}

static void test_failing_save_keeps_the_previous_state(void **state)
{
    struct memory_storage memory, before;
    struct sgp32_softeuicc_storage storage;
    struct harness h;
    const struct memory_record *now, *then;
    uint8_t info[256];
    size_t info_len;
    (void)state;
    memory_storage_init(&memory, &storage);
    harness_start_storage(&h, NULL, &storage);
    preload_hex(&h, PROFILE_ONE);
    memory_storage_copy(&memory, &before);
    /* the save at the commit point of EnableProfile fails: undefinedError, nothing changed anywhere */
    memory.fail_saves = 1;
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 127);
    assert_int_equal(memory.fail_saves, 0);
    now = memory_storage_find(&memory, "card.state");
    then = memory_storage_find(&before, "card.state");
    assert_int_equal(now->len, then->len);
    assert_memory_equal(now->data, then->data, then->len);
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    assert_int_equal(notification_count(&h), 0);
    harness_reopen(&h);
    assert_int_equal(numbered_profile_state(&h, 1), 0);
    /* the storage works again: the same command commits */
    assert_int_equal(es10_result(&h, "EnableProfileRequest", ENABLE(1), "EnableProfileResponse"), 0);
    assert_int_equal(numbered_profile_state(&h, 1), 1);
    assert_int_equal(notification_count(&h), 1);
    harness_reopen(&h);
    assert_int_equal(numbered_profile_state(&h, 1), 1);
    /* the factory API reports it too, and keeps no trace of the profile */
    info_len = hex_bytes(PROFILE_PPR1, info, sizeof(info));
    memory.fail_saves = 1;
    assert_int_equal(sgp32_softeuicc_preload_profile(h.card, info, info_len), SGP32_ERR_STORAGE);
    assert_int_equal(sgp32_softeuicc_preload_profile(h.card, info, info_len), SGP32_OK);
    /* a failing storage refuses a new card: nothing is left behind */
    harness_stop(&h);
    memory_storage_free(&before);
    memory_storage_free(&memory);
    {
        struct sgp32_softeuicc_identity identity;
        struct sgp32_softeuicc *card = NULL;
        memory_storage_init(&memory, &storage);
        memset(&identity, 0, sizeof(identity));
        memcpy(identity.eid, harness_eid, 16);
        memory.fail_saves = 1;
        assert_int_equal(sgp32_softeuicc_create_with_storage(&storage, &identity, NULL, &card), SGP32_ERR_STORAGE);
        assert_null(card);
        assert_int_equal(memory.count, 0);
        memory_storage_free(&memory);
    }
}

/* The script of the power-cut sweep: a channel, the ISD-R, then ES10 commands on channel 1, one of
 * them in two STORE DATA blocks. Every APDU answers 9000 when the power stays. */
static const char *const script[] = {
    "00 70 00 00 01",
    "01 A4 04 00 10 A0000005591010FFFFFFFF8900000100",
    "81 E2 11 00 0A BF3111A00C5A0A890000", /* EnableProfile(1), first block */
    "81 E2 91 01 0A 00000000000001 8101FF 00",
    "81 E2 91 00 15 BF29125A0A" ICCID(1) "9004 4D696E65 00", /* SetNickname */
    "81 E2 91 00 14 " ENABLE(2) " 00",                       /* switch: two notifications */
    "81 E2 91 00 06 BF3003800101 00",                        /* NotificationSent(1) */
    "81 E2 91 00 0F BF570CA00A 3003800141 3003800142 00",    /* AddInitialEim */
    "81 E2 91 00 03 BF2D00 00",                              /* ProfileInfoList: reads only */
};
#define SCRIPT_LENGTH (sizeof(script) / sizeof(script[0]))

static void new_scripted_card(struct harness *h, struct memory_storage *memory, struct sgp32_softeuicc_storage *storage)
{
    memory_storage_init(memory, storage);
    harness_start_storage(h, NULL, storage);
    preload_hex(h, PROFILE_ONE);
    preload_hex(h, PROFILE_PPR1);
}

/* A card opened from a copy of the storage: what a card booting from it shows. */
static void snapshot_of(const struct memory_storage *memory, const struct sgp32_softeuicc_storage *interface,
                        struct snapshot *snapshot)
{
    struct memory_storage copy;
    struct sgp32_softeuicc_storage storage = *interface;
    struct harness h;
    memory_storage_copy(memory, &copy);
    storage.user = &copy;
    memset(&h, 0, sizeof(h));
    h.storage = &storage;
    h.options.size = sizeof(h.options);
    harness_reopen(&h);
    take_snapshot(&h, snapshot);
    harness_stop(&h);
    memory_storage_free(&copy);
}

static void test_power_loss_after_every_apdu(void **state)
{
    struct memory_storage reference[SCRIPT_LENGTH + 1], memory;
    struct sgp32_softeuicc_storage storage;
    struct harness h;
    size_t i, n;
    (void)state;
    /* the uninterrupted run: the storage after each APDU, at most one state save per APDU */
    new_scripted_card(&h, &memory, &storage);
    memory_storage_copy(&memory, &reference[0]);
    for (i = 0; i < SCRIPT_LENGTH; i++) {
        unsigned saves = memory.state_saves;
        assert_int_equal(apdu_hex(&h, script[i]), 0x9000);
        assert_true(memory.state_saves <= saves + 1);
        memory_storage_copy(&memory, &reference[i + 1]);
    }
    assert_int_equal(memory.state_saves - reference[0].state_saves, 5); /* enable, nickname, switch, sent, eIM */
    harness_stop(&h);
    memory_storage_free(&memory);

    /* the power goes after APDU n: the storage holds exactly the state the run had there */
    for (n = 1; n <= SCRIPT_LENGTH; n++) {
        uint8_t response[SGP32_APDU_MAX_RESPONSE], command[300];
        size_t response_len = 0, len;
        const struct memory_record *stored, *expected;
        struct snapshot booted, wanted;
        new_scripted_card(&h, &memory, &storage);
        sgp32_softeuicc_power_loss_after(h.card, (uint32_t)n);
        for (i = 0; i < n; i++) {
            len = hex_bytes(script[i], command, sizeof(command));
            assert_int_equal(h.transport.ops->transmit(h.transport.user, command, len, response, sizeof(response),
                                                       &response_len, 1000),
                             i + 1 < n ? SGP32_OK : SGP32_ERR_NO_CARD);
        }
        assert_int_equal(sgp32_softeuicc_powered(h.card), 0);
        stored = memory_storage_find(&memory, "card.state");
        expected = memory_storage_find(&reference[n], "card.state");
        assert_non_null(stored);
        assert_int_equal(stored->len, expected->len);
        assert_memory_equal(stored->data, expected->data, expected->len);
        assert_int_equal(memory.count, reference[n].count);
        /* the card boots from it: what it shows is what a card opened from that state shows */
        assert_int_equal(h.transport.ops->reset(h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
        h.channel_cla = 0;
        take_snapshot(&h, &booted);
        snapshot_of(&reference[n], &storage, &wanted);
        assert_same_snapshot(&booted, &wanted);
        free_snapshot(&booted);
        free_snapshot(&wanted);
        assert_int_equal(numbered_profile_state(&h, 1), n >= 4 && n < 6 ? 1 : 0);
        assert_int_equal(numbered_profile_state(&h, 2), n >= 6 ? 1 : 0);
        harness_stop(&h);
        memory_storage_free(&memory);
    }
    for (i = 0; i <= SCRIPT_LENGTH; i++)
        memory_storage_free(&reference[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_in_memory),
        cmocka_unit_test(test_failing_save_keeps_the_previous_state),
        cmocka_unit_test(test_power_loss_after_every_apdu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
