/* SPDX-License-Identifier: MIT */
/*
 * End-to-end: a device from its bootstrap profile to an operational one (docs/e2e.md, scenarios 1,
 * 4, 5, 6): the real IPA, sgp32-eim, sgp32-smdp, the software eUICC.
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

/* A download order (activation code for the SM-DP+) run to its end: the ICCID installed. */
static void indirect_download(char iccid[21])
{
    char order[256];
    long id;
    cJSON *json;
    snprintf(order, sizeof(order), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", e2e.smdp.address,
             E2E_MATCHING_ID);
    id = e2e_post_order(&e2e.eim, order);
    json = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    assert_string_equal(e2e_text(json, "status"), "done");
    assert_string_equal(e2e_text(json, "outcome"), "installed");
    cJSON_Delete(json);
    e2e_downloaded_iccid(iccid);
    assert_int_equal(e2e_profile_state(iccid), 0); /* installed, disabled */
}

/* A PSMO order run to its end: done / success. */
static void psmo(const char *operation, const char *iccid, int rollback)
{
    char order[256];
    long id;
    cJSON *json;
    if (iccid != NULL)
        snprintf(order, sizeof(order), "{\"psmo\": {\"%s\": {\"iccid\": \"%s\"%s}}}", operation, iccid,
                 rollback ? ", \"rollbackFlag\": true" : "");
    else
        snprintf(order, sizeof(order), "{\"psmo\": {\"%s\": {}}}", operation);
    id = e2e_post_order(&e2e.eim, order);
    json = e2e_run_order(&e2e.eim, id, E2E_ORDER_TIMEOUT_MS);
    if (strcmp(e2e_text(json, "outcome"), "success") != 0)
        fprintf(stderr, "order %s: %s\n", operation, cJSON_PrintUnformatted(json));
    assert_string_equal(e2e_text(json, "status"), "done");
    assert_string_equal(e2e_text(json, "outcome"), "success");
    cJSON_Delete(json);
}

/* 1. AddInitialEim, registration, first poll -> indirect download, enable with rollbackFlag, the
 * notifications delivered and removed, the bootstrap profile disabled. */
static void test_bootstrap(void **state)
{
    char iccid[21], path[160];
    const struct sgp32_ipa_event *changed;
    size_t notifications, results;
    cJSON *json = NULL, *list;
    (void)state;
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 1);
    e2e_install_eim(&e2e.eim);
    indirect_download(iccid);
    assert_int_equal(e2e_profile_count(), 2);
    ipa_events_clear(&e2e.host.events);
    psmo("enable", iccid, 1);
    changed = ipa_events_last(&e2e.host.events, SGP32_IPA_EVENT_PROFILE_CHANGED);
    assert_non_null(changed);
    assert_true(changed->has_iccid);
    {
        char hex[21];
        e2e_hex(changed->iccid, 10, hex);
        assert_string_equal(hex, iccid);
    }
    assert_int_equal(ipa_events_count(&e2e.host.events, SGP32_IPA_EVENT_ROLLBACK), 0);
    /* the notifications (install, enable, disable of the bootstrap) delivered, none left on the card */
    assert_true(e2e_run_idle(10000));
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
    assert_true(ipa_events_count(&e2e.host.events, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED) >= 1);
    snprintf(path, sizeof(path), "/api/devices/%s/notifications", e2e.card.eid_hex);
    assert_int_equal(e2e_rest(&e2e.eim.process, "GET", path, NULL, &json), 200);
    list = cJSON_GetObjectItemCaseSensitive(json, "notifications");
    assert_true(cJSON_GetArraySize(list) >= 1);
    cJSON_Delete(json);
    /* the states: the operational profile enabled, the bootstrap one disabled */
    assert_int_equal(e2e_profile_state(iccid), 1);
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 0);
}

/* Runs an order to its end and checks it: done with the outcome. The order (cJSON_Delete it). */
static cJSON *run_checked(const struct e2e_eim *eim, const char *order, const char *outcome)
{
    long id = e2e_post_order(eim, order);
    cJSON *json = e2e_run_order(eim, id, E2E_ORDER_TIMEOUT_MS);
    if (getenv("E2E_VERBOSE") != NULL || strcmp(e2e_text(json, "outcome"), outcome) != 0) {
        char *printed = cJSON_Print(json);
        fprintf(stderr, "order %ld: %s\n", id, printed);
        free(printed);
    }
    assert_string_equal(e2e_text(json, "status"), "done");
    assert_string_equal(e2e_text(json, "outcome"), outcome);
    return json;
}

/* 4. A second eIM added by eCO (addEim with its configuration), the IPA moved to it, its packages
 * executed, and the first eIM deleted by the second. */
static void test_second_eim(void **state)
{
    static struct e2e_eim second;
    cJSON *json = NULL, *order;
    char body[1024], path[160];
    (void)state;
    e2e_install_eim(&e2e.eim);
    e2e_eim_start(&second, "eim2", 0);
    assert_int_equal(e2e_rest(&second.process, "GET", "/api/eim", NULL, &json), 200);
    snprintf(body, sizeof(body),
             "{\"eco\": [{\"addEim\": {\"eimId\": \"eim2\", \"eimFqdn\": \"%s\", \"counterValue\": 0, "
             "\"associationToken\": true, \"eimPublicKey\": \"%s\"}}, {\"listEim\": {}}]}",
             second.process.address, e2e_text(json, "eimPublicKey"));
    cJSON_Delete(json);
    order = run_checked(&e2e.eim, body, "success");
    assert_true(e2e_json_contains(order, "eim2"));
    cJSON_Delete(order);
    /* the card assigned the second eIM a token: the one after the first eIM's */
    snprintf(path, sizeof(path), "%ld", e2e.association_token + 1);
    e2e_register_device(&second, e2e.association_token + 1);
    /* the IPA now works with the second eIM */
    e2e.config.eim_id = "eim2";
    e2e_ipa_restart();
    order = run_checked(&second, "{\"psmo\": [{\"listProfileInfo\": {}}, {\"getRAT\": {}}]}", "success");
    assert_true(e2e_json_contains(order, E2E_BOOTSTRAP_ICCID));
    cJSON_Delete(order);
    order = run_checked(&second, "{\"eco\": [{\"deleteEim\": {\"eimId\": \"eIM\"}}, {\"listEim\": {}}]}", "success");
    cJSON_Delete(order);
    snprintf(path, sizeof(path), "/api/devices/%s", e2e.card.eid_hex);
    assert_int_equal(e2e_rest(&second.process, "GET", path, NULL, &json), 200);
    assert_int_equal((long)cJSON_GetObjectItemCaseSensitive(json, "counterValue")->valuedouble, 2);
    cJSON_Delete(json);
    e2e_eim_remove(&second);
}

/* 5. IpaEuiccDataRequest: the eUICC's data at the eIM. */
static void test_euicc_data(void **state)
{
    cJSON *order;
    (void)state;
    e2e_install_eim(&e2e.eim);
    order = run_checked(&e2e.eim, "{\"ipaEuiccData\": {\"tagList\": \"81BF20BF22A8\"}}", "success");
    assert_string_equal(e2e_text(order, "type"), "ipaEuiccData");
    assert_true(strlen(e2e_text(order, "result")) > 0);
    assert_true(e2e_json_contains(order, "euiccInfo1"));
    assert_true(e2e_json_contains(order, "euiccInfo2"));
    cJSON_Delete(order);
}

/* 5b. A tag IpaEuiccData does not have (80): the IPA answers ipaEuiccDataErrorCode incorrectTagList
 * (SGP.32 5.14.x), the order fails with that reason. */
static void test_euicc_data_incorrect_tag(void **state)
{
    long id;
    cJSON *order;
    (void)state;
    e2e_install_eim(&e2e.eim);
    id = e2e_post_order(&e2e.eim, "{\"ipaEuiccData\": {\"tagList\": \"80\"}}");
    order = e2e_run_order(&e2e.eim, id, 20000);
    assert_string_equal(e2e_text(order, "status"), "failed");
    assert_string_equal(e2e_text(order, "reason"), "ipaEuiccDataErrorCode 1");
    cJSON_Delete(order);
}

/* 6. A downloaded profile deleted by a PSMO; its delete notification delivered. */
static void test_delete(void **state)
{
    char iccid[21], order[128];
    size_t notifications, results;
    cJSON *json;
    (void)state;
    e2e_install_eim(&e2e.eim);
    indirect_download(iccid);
    snprintf(order, sizeof(order), "{\"psmo\": {\"delete\": {\"iccid\": \"%s\"}}}", iccid);
    json = run_checked(&e2e.eim, order, "success");
    cJSON_Delete(json);
    assert_int_equal(e2e_profile_state(iccid), -1);
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 1);
    assert_int_equal(e2e_profile_count(), 1);
    assert_true(e2e_run_idle(10000));
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bootstrap, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_second_eim, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_euicc_data, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_euicc_data_incorrect_tag, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_delete, e2e_setup, e2e_teardown),
    };
    e2e_filter_from_environment();
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
