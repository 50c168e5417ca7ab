/* SPDX-License-Identifier: MIT */
/*
 * End-to-end resilience (docs/e2e.md, scenarios 7 and 9): the eIM restarted in the middle of a
 * download, and the IPA killed (freed without finishing) right after its durable saves and started
 * again on the same storage. Orders always end, exactly once, and the card stays consistent.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "e2e_env.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A download order at the SM-DP+ (its own Matching ID, an ICCID of its own) and the eIM's download
 * trigger for it: the eIM order id. iccid19 is the 19-digit ICCID the profile gets. */
static long post_download(const char *matching_id, const char *iccid19)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"matchingId\": \"%s\", \"profile\": \"%s\", \"iccid\": \"%s\"}", matching_id,
             E2E_MATCHING_ID, iccid19);
    assert_int_equal(e2e_rest(&e2e.smdp, "POST", "/api/orders", body, NULL), 201);
    snprintf(body, sizeof(body), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", e2e.smdp.address, matching_id);
    return e2e_post_order(&e2e.eim, body);
}

/* The state of the SM-DP+'s order ("released" / "installed"). */
static void smdp_order_state(const char *matching_id, char *state, size_t cap)
{
    cJSON *json = NULL, *item;
    state[0] = '\0';
    assert_int_equal(e2e_rest(&e2e.smdp, "GET", "/api/orders", NULL, &json), 200);
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "orders"))
    {
        if (strcmp(e2e_text(item, "matchingId"), matching_id) == 0)
            snprintf(state, cap, "%s", e2e_text(item, "state"));
    }
    cJSON_Delete(json);
}

/* After an order ended: the card holds what the outcome says and nothing is left pending on it. */
static void check_consistent(const cJSON *order, const char *matching_id, size_t profiles_before)
{
    char state[32];
    size_t notifications, results;
    assert_true(e2e_run_idle(20000));
    smdp_order_state(matching_id, state, sizeof(state));
    if (strcmp(e2e_text(order, "status"), "done") == 0) {
        assert_string_equal(e2e_text(order, "outcome"), "installed");
        assert_int_equal(e2e_profile_count(), profiles_before + 1);
        assert_string_equal(state, "installed");
    } else {
        assert_string_equal(e2e_text(order, "status"), "failed");
        assert_true(strlen(e2e_text(order, "reason")) > 0);
        assert_int_equal(e2e_profile_count(), profiles_before);
        assert_string_equal(state, "released");
    }
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
}

/* 7. The eIM stopped (SIGTERM) and started again on the same database and port while the IPA is in
 * the download, after its k-th ESipa request of the download (k = 1..4: InitiateAuthentication,
 * AuthenticateClient, GetBoundProfilePackage, the result): the IPA retries, the order ends done or
 * failed with a reason, never stays lost, and the card is consistent. */
static void test_eim_restart_during_download(void **state)
{
    int k;
    (void)state;
    e2e_install_eim(&e2e.eim);
    for (k = 1; k <= 4; k++) {
        char matching_id[32], iccid[24];
        size_t profiles = e2e_profile_count(), from = e2e.host.log.count;
        uint64_t deadline = now_ms() + E2E_ORDER_TIMEOUT_MS;
        int requests = 0, restarted = 0;
        long id;
        cJSON *order;
        snprintf(matching_id, sizeof(matching_id), "E2E-EIM-RESTART-%d", k);
        snprintf(iccid, sizeof(iccid), "894900000000000071%d", k);
        id = post_download(matching_id, iccid);
        while (!restarted) {
            struct sgp32_ipa_poll_result result;
            size_t line;
            e2e_poll_once(&result);
            for (line = from; line < e2e.host.log.count; line++)
                if (strstr(e2e.host.log.lines[line].text, "download: POST") != NULL ||
                    (requests >= 3 && strstr(e2e.host.log.lines[line].text, "report: POST") != NULL))
                    requests++;
            from = e2e.host.log.count;
            if (requests >= k) {
                e2e_eim_restart(&e2e.eim);
                restarted = 1;
            }
            assert_true(now_ms() < deadline);
        }
        order = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
        if (getenv("E2E_VERBOSE") != NULL)
            fprintf(stderr, "restart after request %d: %s %s%s\n", k, e2e_text(order, "status"),
                    e2e_text(order, "outcome"), e2e_text(order, "reason"));
        check_consistent(order, matching_id, profiles);
        cJSON_Delete(order);
    }
}

/* Runs the order like e2e_run_order(), but frees the IPA and starts a new one on the same storage
 * right after save call `cut_at` (0: after every save): the number of restarts made. */
static size_t run_with_cuts(long id, size_t cut_at, cJSON **order)
{
    uint64_t deadline = now_ms() + E2E_ORDER_TIMEOUT_MS, next_check = 0;
    size_t seen = ipa_storage_save_count(e2e.host.storage), restarts = 0;
    for (;;) {
        struct sgp32_ipa_poll_result result;
        size_t saves;
        e2e_poll_once(&result);
        saves = ipa_storage_save_count(e2e.host.storage);
        if (saves > seen && (cut_at == 0 || (seen < cut_at && saves >= cut_at))) {
            e2e_ipa_restart(); /* killed right after the save: nothing more of that poll happens */
            restarts++;
        }
        seen = saves;
        if (now_ms() >= next_check && sgp32_ipa_is_idle(e2e.ipa)) {
            const char *status;
            *order = e2e_get_order(&e2e.eim, id);
            status = e2e_text(*order, "status");
            if (strcmp(status, "done") == 0 || strcmp(status, "failed") == 0)
                return restarts;
            cJSON_Delete(*order);
            next_check = now_ms() + 100;
        }
        if (now_ms() > deadline) {
            ipa_log_dump(&e2e.host.log);
            fail_msg("order %ld did not end (cut at save %lu)", id, (unsigned long)cut_at);
        }
    }
}

/* 9a. A download trigger, the IPA killed right after save number k of the procedure and started
 * again on the same storage, for every k the procedure makes: the order ends exactly once, done
 * (installed once) or failed with a reason (nothing installed); then the device downloads. */
static void test_ipa_killed_during_download(void **state)
{
    size_t k, total = 0;
    (void)state;
    for (k = 1;; k++) {
        char matching_id[32], iccid[24];
        size_t restarts, first;
        cJSON *order = NULL;
        long id;
        if (k > 1) { /* a fresh device and eIM for each cut */
            e2e_teardown(NULL);
            e2e_setup(NULL);
        }
        e2e_install_eim(&e2e.eim);
        first = ipa_storage_save_count(e2e.host.storage);
        snprintf(matching_id, sizeof(matching_id), "E2E-IPA-KILLED-%lu", (unsigned long)k);
        snprintf(iccid, sizeof(iccid), "89490000000000%05lu", (unsigned long)k);
        id = post_download(matching_id, iccid);
        restarts = run_with_cuts(id, first + k, &order);
        if (getenv("E2E_VERBOSE") != NULL)
            fprintf(stderr, "cut after save %lu (%lu restarts): %s %s%s\n", (unsigned long)k, (unsigned long)restarts,
                    e2e_text(order, "status"), e2e_text(order, "outcome"), e2e_text(order, "reason"));
        check_consistent(order, matching_id, 1);
        if (strcmp(e2e_text(order, "status"), "failed") == 0) { /* the device is not stuck: it downloads */
            char body[160];
            cJSON_Delete(order);
            snprintf(body, sizeof(body), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", e2e.smdp.address,
                     matching_id);
            order = e2e_run_order(&e2e.eim, e2e_post_order(&e2e.eim, body), E2E_ORDER_TIMEOUT_MS);
            assert_string_equal(e2e_text(order, "outcome"), "installed");
            assert_int_equal(e2e_profile_count(), 2);
        }
        cJSON_Delete(order);
        if (restarts == 0) { /* the procedure made fewer than k saves: every cut was tried */
            total = k - 1;
            break;
        }
        assert_true(k < 40);
    }
    assert_true(total >= 2); /* the download persisted its progress */
}

/* 9b. A PSMO (enable with rollbackFlag), the IPA killed after every single save: executed once, its
 * result accepted once, the card consistent. */
static void test_ipa_killed_after_every_save(void **state)
{
    char order_text[128], path[128], iccid_hex[21];
    cJSON *order = NULL, *device = NULL;
    size_t restarts, notifications, results;
    long id;
    (void)state;
    e2e_install_eim(&e2e.eim);
    id = post_download("E2E-EVERY-SAVE", "8949000000000000990");
    order = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    assert_string_equal(e2e_text(order, "outcome"), "installed");
    cJSON_Delete(order);
    e2e_downloaded_iccid(iccid_hex);
    snprintf(order_text, sizeof(order_text), "{\"psmo\": {\"enable\": {\"iccid\": \"%s\", \"rollbackFlag\": true}}}",
             iccid_hex);
    id = e2e_post_order(&e2e.eim, order_text);
    restarts = run_with_cuts(id, 0, &order);
    assert_true(restarts >= 2);
    assert_string_equal(e2e_text(order, "status"), "done");
    assert_string_equal(e2e_text(order, "outcome"), "success");
    cJSON_Delete(order);
    assert_true(e2e_run_idle(20000));
    assert_int_equal(e2e_profile_state(iccid_hex), 1);
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 0);
    assert_int_equal(ipa_events_count(&e2e.host.events, SGP32_IPA_EVENT_ROLLBACK), 0);
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
    /* one package sent, one result accepted */
    snprintf(path, sizeof(path), "/api/devices/%s", e2e.card.eid_hex);
    assert_int_equal(e2e_rest(&e2e.eim.process, "GET", path, NULL, &device), 200);
    assert_int_equal((long)cJSON_GetObjectItemCaseSensitive(device, "counterValue")->valuedouble, 1);
    cJSON_Delete(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eim_restart_during_download, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_ipa_killed_after_every_save, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_ipa_killed_during_download, e2e_setup, e2e_teardown),
    };
    e2e_filter_from_environment();
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
