/* SPDX-License-Identifier: MIT */
/*
 * A whole profile download into a software eUICC that lives in memory (struct sgp32_softeuicc_storage,
 * memory_storage.c): real signatures and BSP against examples/servers/smdp, the CI certificate kept in
 * the storage as a record, the profile and its install notification there after a reopen from the
 * same storage; a save that fails at the install's commit point leaves no trace of the profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "download_harness.h"
#include "memory_storage.h"

/* 1 when the card lists an install notification (RetrieveNotificationsList, installation result). */
static int install_notification_listed(struct env *e)
{
    static const uint8_t request[] = {0xBF, 0x2B, 0x00};
    uint8_t *answer = NULL;
    size_t answer_len = 0, k;
    int found = 0;
    assert_int_equal(transceive(e, request, sizeof(request), &answer, &answer_len), SGP32_OK);
    for (k = 0; k + 2 <= answer_len; k++)
        found |= answer[k] == 0xBF && answer[k + 1] == 0x37; /* ProfileInstallationResult */
    free(answer);
    return found;
}

/* Records whose name starts with prefix. */
static size_t records_named(const struct memory_storage *memory, const char *prefix)
{
    size_t i, count = 0;
    for (i = 0; i < memory->count; i++)
        count += strncmp(memory->records[i].name, prefix, strlen(prefix)) == 0;
    return count;
}

static void test_download_in_memory(void **state)
{
    struct memory_storage memory;
    struct sgp32_softeuicc_storage storage;
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    unsigned saves;
    (void)state;
    memory_storage_init(&memory, &storage);
    env_start_storage(&e, "nist", &storage);
    /* the card is two records: its state and the CI certificate it verifies SM-DP+ chains with */
    assert_int_equal(memory.count, 2);
    assert_non_null(memory_storage_find(&memory, "card.state"));
    assert_int_equal(records_named(&memory, "ci-"), 1);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    assert_false(card_has_profile(&e, iccid));
    memset(&f, 0, sizeof(f));
    saves = memory.state_saves;
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 0);
    assert_true(o.have_result);
    assert_true(o.result.success);
    assert_int_equal(o.result_status, SGP32_OK); /* the SM-DP+ verified the eUICC's signature */
    assert_true(card_has_profile(&e, iccid));
    /* the installation is one commit point */
    assert_int_equal(memory.state_saves, saves + 1);
    /* certificates and key make the state larger than the card's first read buffer: it read it again
     * with the size load() gave (SGP32_ERR_BUFFER_TOO_SMALL) */
    assert_true(memory_storage_find(&memory, "card.state")->len > 1024);
    memory.too_small = 0;
    env_restart(&e, 1);
    assert_true(memory.too_small > 0);
    assert_true(card_has_profile(&e, iccid));
    assert_true(install_notification_listed(&e));
    /* a power cycle boots from the same storage */
    env_restart(&e, 0);
    assert_true(card_has_profile(&e, iccid));
    assert_int_equal(memory.count, 2);
    env_stop(&e);
    memory_storage_free(&memory);
}

static void test_failing_save_at_install_in_memory(void **state)
{
    struct memory_storage memory;
    struct sgp32_softeuicc_storage storage;
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    memory_storage_init(&memory, &storage);
    env_start_storage(&e, "nist", &storage);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    memset(&f, 0, sizeof(f));
    memory.fail_saves = 1; /* the first save of the download: the install's commit point */
    download(&e, &f, &o);
    assert_int_equal(memory.fail_saves, 0);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.result.error_reason, 127); /* undefinedError */
    assert_false(card_has_profile(&e, iccid));
    env_restart(&e, 1);
    assert_false(card_has_profile(&e, iccid));
    /* the storage works again: the next download installs */
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    env_restart(&e, 1);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
    memory_storage_free(&memory);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_in_memory),
        cmocka_unit_test(test_failing_save_at_install_in_memory),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
