/* SPDX-License-Identifier: MIT */
/*
 * End-to-end downloads (docs/e2e.md, scenarios 2, 3, 8): direct by activation code, SM-DS discovery,
 * and the SM-DP+ refusing (wrong Matching ID, expired session) with its reason at the eIM.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "e2e_env.h"

static void print_order(long id, const cJSON *order)
{
    char *printed = cJSON_Print(order);
    fprintf(stderr, "order %ld: %s\n", id, printed);
    free(printed);
}

/* The SM-DP+'s notification records of a kind ("profileInstallationResult") that it verified. */
static int smdp_verified_notifications(const struct server_process *smdp, const char *kind)
{
    cJSON *json = NULL, *item;
    int count = 0;
    assert_int_equal(e2e_rest(smdp, "GET", "/api/notifications", NULL, &json), 200);
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "notifications"))
    {
        if (strcmp(e2e_text(item, "kind"), kind) == 0 &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "verified")))
            count++;
    }
    cJSON_Delete(json);
    return count;
}

/* 2. sgp32_ipa_download() with an activation code: ES9+ straight to the SM-DP+, the profile on the
 * card, its install notification delivered to the SM-DP+ and removed from the card. */
static void test_direct_download(void **state)
{
    char code[160], iccid[21];
    size_t notifications, results;
    int before = smdp_verified_notifications(&e2e.smdp, "profileInstallationResult");
    const struct sgp32_ipa_event *done;
    (void)state;
    e2e_install_eim(&e2e.eim);
    snprintf(code, sizeof(code), "LPA:1$%s$%s", e2e.smdp.address, E2E_MATCHING_ID);
    assert_int_equal(sgp32_ipa_download(e2e.ipa, code, NULL), SGP32_OK);
    assert_true(e2e_run_idle(E2E_ORDER_TIMEOUT_MS));
    done = ipa_events_last(&e2e.host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    assert_non_null(done);
    assert_int_equal(done->status, SGP32_OK);
    assert_true(ipa_events_count(&e2e.host.events, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS) >= 1);
    e2e_downloaded_iccid(iccid);
    assert_int_equal(e2e_profile_state(iccid), 0);
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 1);
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(smdp_verified_notifications(&e2e.smdp, "profileInstallationResult"), before + 1);
}

/* 2b. A direct download the SM-DP+ refuses (unknown Matching ID): DOWNLOAD_DONE with the SGP.22 codes,
 * nothing installed, the IPA idle again. */
static void test_direct_download_refused(void **state)
{
    char code[160];
    const struct sgp32_ipa_event *done;
    (void)state;
    e2e_install_eim(&e2e.eim);
    snprintf(code, sizeof(code), "1$%s$NO-SUCH-MATCHING-ID", e2e.smdp.address);
    assert_int_equal(sgp32_ipa_download(e2e.ipa, code, NULL), SGP32_OK);
    assert_true(e2e_run_idle(E2E_ORDER_TIMEOUT_MS));
    done = ipa_events_last(&e2e.host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    assert_non_null(done);
    assert_int_not_equal(done->status, SGP32_OK);
    if (strstr(done->detail, "8.2.6") == NULL)
        fprintf(stderr, "DOWNLOAD_DONE detail: %s\n", done->detail);
    assert_non_null(strstr(done->detail, "8.2.6")); /* Matching ID refused (SGP.22 5.6.2) */
    assert_int_equal(e2e_profile_count(), 1);
}

/* 3. SM-DS discovery: an event for the EID at sgp32-smds pointing to the SM-DP+, a download trigger
 * with contactSmds -> the IPA asks the SM-DS (ES11), downloads from the SM-DP+ of the event. */
static void test_smds_discovery(void **state)
{
    char body[256], iccid[21];
    cJSON *order, *json = NULL;
    long id;
    (void)state;
    e2e_install_eim(&e2e.eim);
    snprintf(body, sizeof(body), "{\"eid\": \"%s\", \"smdpAddress\": \"%s\", \"eventId\": \"%s\"}", e2e.card.eid_hex,
             e2e.smdp.address, E2E_MATCHING_ID);
    assert_int_equal(e2e_rest(&e2e.smds, "POST", "/api/events", body, NULL), 201);
    snprintf(body, sizeof(body), "{\"download\": {\"contactSmds\": {\"smdsAddress\": \"%s\"}}}", e2e.smds.address);
    id = e2e_post_order(&e2e.eim, body);
    order = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    if (strcmp(e2e_text(order, "status"), "done") != 0)
        print_order(id, order);
    assert_string_equal(e2e_text(order, "status"), "done");
    assert_string_equal(e2e_text(order, "outcome"), "installed");
    cJSON_Delete(order);
    e2e_downloaded_iccid(iccid);
    assert_int_equal(e2e_profile_state(iccid), 0);
    /* the SM-DS handed the event out */
    assert_int_equal(e2e_rest(&e2e.smds, "GET", "/api/events", NULL, &json), 200);
    assert_true(e2e_json_contains(json, "\"retrieved\":1"));
    cJSON_Delete(json);
    assert_int_equal(e2e_rest(&e2e.smds, "DELETE", "/api/events", NULL, NULL), 204);
}

/* A download order for the activation code, run to its end: it must fail, the reason carrying the
 * SM-DP+'s refusal. The order (cJSON_Delete it). */
static cJSON *refused_download(const char *smdp_address, const char *matching_id)
{
    char body[256];
    cJSON *order;
    long id;
    snprintf(body, sizeof(body), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", smdp_address, matching_id);
    id = e2e_post_order(&e2e.eim, body);
    order = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    if (getenv("E2E_VERBOSE") != NULL || strcmp(e2e_text(order, "status"), "failed") != 0)
        print_order(id, order);
    assert_string_equal(e2e_text(order, "status"), "failed");
    assert_true(strlen(e2e_text(order, "reason")) > 0);
    assert_int_equal(e2e_profile_count(), 1); /* nothing installed */
    return order;
}

static void start_expiring_smdp(struct server_process *expiring)
{
    char pki[256];
    const char *argv[12];
    size_t argc = 0;
    env_pki_path(pki, sizeof(pki), "");
    argv[argc++] = SGP32_SMDP_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--profiles";
    argv[argc++] = SGP32_SHARED_DIR "/profiles";
    argv[argc++] = "--session-ttl"; /* every RSP session expires at once */
    argv[argc++] = "0";
    argv[argc++] = "--lifetime";
    argv[argc++] = "300";
    argv[argc] = NULL;
    server_start(expiring, argv);
}

/* 8. The SM-DP+ refusing an indirect download: an unknown Matching ID, then an expired RSP session
 * (an SM-DP+ with --session-ttl 0): the order fails at the eIM with a reason, nothing is installed,
 * and the device downloads fine afterwards. */
static void test_smdp_refusing(void **state)
{
    struct server_process expiring;
    char body[256];
    cJSON *order;
    long id;
    (void)state;
    e2e_install_eim(&e2e.eim);
    cJSON_Delete(refused_download(e2e.smdp.address, "NO-SUCH-MATCHING-ID"));
    start_expiring_smdp(&expiring);
    cJSON_Delete(refused_download(expiring.address, E2E_MATCHING_ID));
    server_stop(&expiring);
    snprintf(body, sizeof(body), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", e2e.smdp.address,
             E2E_MATCHING_ID);
    id = e2e_post_order(&e2e.eim, body);
    order = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    assert_string_equal(e2e_text(order, "outcome"), "installed");
    cJSON_Delete(order);
}

/* 1 when the order shows which refusal it was: the SM-DP+'s SGP.22 codes ("8.2.6") or the ESipa
 * error the eIM relayed (SGP.32 6.3.2.x, e.g. matchingIdRefused: the AuthenticateClientResponseEsipa
 * "BF3B03820106" carried back in profileDownloadError.errorResponse). */
static int refusal_visible(const cJSON *order, const char *sgp22_code, const char *esipa_error_hex)
{
    return e2e_json_contains(order, sgp22_code) || e2e_json_contains(order, esipa_error_hex);
}

/* 8b. The reason of each refusal reaches the operator through the eIM's REST API: which code the
 * SM-DP+ answered, not only profileDownloadErrorReason undefinedError. */
static void test_smdp_refusal_reason_at_eim(void **state)
{
    struct server_process expiring;
    cJSON *order;
    int wrong_id, expired;
    (void)state;
    e2e_install_eim(&e2e.eim);
    order = refused_download(e2e.smdp.address, "NO-SUCH-MATCHING-ID");
    wrong_id = refusal_visible(order, "8.2.6", "BF3B03820106");
    cJSON_Delete(order);
    start_expiring_smdp(&expiring);
    order = refused_download(expiring.address, E2E_MATCHING_ID);
    expired = refusal_visible(order, "8.10.1", "BF3B0382010A");
    cJSON_Delete(order);
    server_stop(&expiring);
    assert_true(wrong_id);
    assert_true(expired);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_direct_download, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_direct_download_refused, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_smds_discovery, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_smdp_refusing, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_smdp_refusal_reason_at_eim, e2e_setup, e2e_teardown),
    };
    e2e_filter_from_environment();
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
