/* SPDX-License-Identifier: MIT */
/*
 * IoT emulation on an SGP.22 consumer eUICC (lib/ipa/ipa_emulation*.c, docs/ipa.md): the software
 * eUICC in consumer mode refuses every SGP.32 command, so the IPA keeps the eIM configuration
 * (AddInitialEim emulated), verifies the eIM's packages itself (signature, EID, counter persisted
 * before execution) and maps PSMOs to ES10c and eCOs to its record. Results carry an EMPTY
 * euiccSignEPR (the scripted eIM, flagged as serving an emulating device, accepts exactly that);
 * refusals are euiccPackageErrorUnsigned and change nothing. An IoT eUICC never uses emulation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/der.h"
#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

static const uint8_t ICCID_A[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
static const uint8_t ICCID_B[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x64, 0xF7};

/* ---- Card set-up and inspection (ES10c only: the card is an SGP.22 one) ---- */

/* Pending notifications on the card (an SGP.22 card: no package results to ask for). */
static size_t card_notifications(struct ipa_fixture *f)
{
    size_t notifications = 0;
    assert_int_equal(ipa_fixture_card_leftovers(f, &notifications, NULL), SGP32_OK);
    return notifications;
}

static long run(struct ipa_fixture *f, struct sgp32_ipa_poll_result *last)
{
    return ipa_fixture_run_logged(f, 400, 0, last);
}

/* The eIM's configuration for AddInitialEim / addEim: its signing key, counterValue 0, a token asked for. */
static void eim_configuration(struct ipa_fixture *f, const char *eim_id, int initial, struct sgp32_eim_buffer *out)
{
    assert_int_equal(ipa_fixture_eim_configuration(f, eim_id, 1, initial, out), SGP32_OK);
}

/* The associationToken of an AddInitialEimResponse BF57 { A0 { 84 token } }, -1 if none. */
static long token_of(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header top, ok, item;
    long token = 0;
    size_t i;
    if (sgp32_tlv_parse_header(answer, len, &top) != SGP32_OK || top.tag != 0xBF57 ||
        sgp32_tlv_parse_header(answer + top.header_len, len - top.header_len, &ok) != SGP32_OK || ok.tag != 0xA0 ||
        sgp32_tlv_parse_header(answer + top.header_len + ok.header_len, len - top.header_len - ok.header_len, &item) !=
            SGP32_OK ||
        item.tag != 0x84)
        return -1;
    for (i = 0; i < item.length; i++)
        token = token * 256 + answer[top.header_len + ok.header_len + item.header_len + i];
    return token;
}

/* A consumer eUICC with profiles A and B, no eIM on it; the IPA made, the eIM added through it. */
static int setup(void **state)
{
    struct ipa_fixture *f;
    struct ipa_fixture_options options;
    struct sgp32_softeuicc_options card;
    struct sgp32_eim_buffer request = {NULL, 0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long token;
    memset(&options, 0, sizeof(options));
    memset(&card, 0, sizeof(card));
    card.mode = SGP32_SOFTEUICC_MODE_CONSUMER;
    options.card_options = &card;
    options.no_initial_eim = 1; /* the card could not take it */
    f = ipa_fixture_new(&options);
    if (f == NULL)
        return -1;
    assert_int_equal(ipa_fixture_preload(f, ICCID_A, 0x01, 0, IPA_FIXTURE_EIM_FQDN), SGP32_OK);
    assert_int_equal(ipa_fixture_preload(f, ICCID_B, 0x02, 0, IPA_FIXTURE_EIM_FQDN), SGP32_OK);
    f->config.poll_interval_ms = 60000;
    f->config.retry_initial_ms = 1000;
    f->config.retry_max_ms = 8000;
    f->config.retry_limit = 4;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    /* AddInitialEim: the card answers it as an unknown command, the IPA emulates it. */
    eim_configuration(f, f->eim_id, 1, &request);
    assert_int_equal(sgp32_ipa_add_initial_eim(f->ipa, request.data, request.len, &answer, &answer_len), SGP32_OK);
    sgp32_eim_buffer_free(&request);
    token = token_of(answer, answer_len);
    sgp32_buffer_free(answer);
    assert_true(token >= 1);
    assert_non_null(ipa_storage_get(f->host.storage, "ipa.emulation", NULL));
    ipa_eim_set_association_token(f->eim, 1, token);
    ipa_eim_set_emulated(f->eim, 1); /* the eIM knows this device emulates (its registration) */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    ipa_fixture_free(*state);
    return 0;
}

static void queue_psmo(struct ipa_fixture *f, struct sgp32_eim_buffer *psmo, long *counter)
{
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, psmo, 1, counter), SGP32_OK);
    sgp32_eim_buffer_free(psmo);
}

/* The last result the eIM took: verified (unsigned, emulated), its first item's tag and value. */
static const struct ipa_eim_received *last_result(struct ipa_fixture *f, uint32_t tag, long value)
{
    const struct ipa_eim_received *report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->verify_status, SGP32_OK);
    assert_int_equal(report->result.kind, SGP32_EIM_RESULT_SIGNED);
    assert_true(report->result.seq_number >= 0x40000000L);
    assert_true(report->result.item_count >= 1);
    assert_int_equal(report->result.items[0].tag, tag);
    if (report->result.items[0].is_integer)
        assert_int_equal(report->result.items[0].value, value);
    /* never a signature: euiccSignEPR is the last element, 5F37 00 */
    assert_true(report->euicc_package_result_len > 3);
    assert_memory_equal(report->euicc_package_result + report->euicc_package_result_len - 3, "\x5F\x37\x00", 3);
    return report;
}

/* A package made by the eIM, pushed through the host: TransferEimPackageRequest BF4E { BF51 ... }. */
static void inject(struct ipa_fixture *f, const struct sgp32_eim_buffer *package)
{
    uint8_t *message = malloc(package->len + 5);
    assert_non_null(message);
    assert_true(package->len < 0x10000);
    message[0] = 0xBF;
    message[1] = 0x4E;
    message[2] = 0x82;
    memcpy(message + 5, package->data, package->len);
    message[3] = (uint8_t)(package->len >> 8);
    message[4] = (uint8_t)package->len;
    assert_int_equal(sgp32_ipa_inject_eim_package(f->ipa, message, package->len + 5), SGP32_OK);
    free(message);
}

/* The alternative of the EuiccPackageResult in the last TRANSFER_RESPONSE (0xA0 signed, 0xA2 unsigned
 * error), 0 if none. */
static int transfer_result_kind(struct ipa_fixture *f)
{
    const struct sgp32_ipa_event *event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_TRANSFER_RESPONSE);
    size_t at;
    if (event == NULL || event->data == NULL)
        return 0;
    for (at = 0; at + 4 < event->len; at++)
        if (event->data[at] == 0xBF && event->data[at + 1] == 0x51) {
            struct sgp32_tlv_header h;
            if (sgp32_tlv_parse_header(event->data + at, event->len - at, &h) == SGP32_OK &&
                at + h.header_len < event->len)
                return event->data[at + h.header_len];
        }
    return 0;
}

static void make_enable(struct ipa_fixture *f, const uint8_t iccid[10], struct sgp32_eim_buffer *package)
{
    struct sgp32_eim_buffer psmo = {NULL, 0};
    assert_int_equal(sgp32_eim_psmo_enable(iccid, 0, &psmo), SGP32_OK);
    assert_int_equal(ipa_eim_make_package(f->eim, SGP32_EIM_PSMO_LIST, &psmo, 1, package, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&psmo);
}

static int contains(const uint8_t *data, size_t len, const char *text)
{
    size_t n = strlen(text), at;
    for (at = 0; at + n <= len; at++)
        if (memcmp(data + at, text, n) == 0)
            return 1;
    return 0;
}

/* ---- Tests ---- */

static void test_add_initial_eim_emulated(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer request = {NULL, 0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    assert_true(run(f, NULL) > 0);
    assert_true(ipa_log_find(&f->host.log, 0, SGP32_LOG_INFO, "eIM (IoT emulation)") >= 0);
    /* the eIM was polled: the IPA took the emulated configuration */
    assert_true(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE) >= 1);
    /* A second AddInitialEim: associatedEimAlreadyExists (2), as an SGP.32 eUICC answers. */
    eim_configuration(f, "eim.other", 1, &request);
    assert_int_equal(sgp32_ipa_add_initial_eim(f->ipa, request.data, request.len, &answer, &answer_len),
                     SGP32_ERR_EUICC_RESULT);
    sgp32_eim_buffer_free(&request);
    assert_int_equal(answer_len, 6);
    assert_memory_equal(answer, "\xBF\x57\x03\x81\x01\x02", 6);
    sgp32_buffer_free(answer);
}

static void test_enable_disable_delete_through_es10c(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo = {NULL, 0};
    const struct ipa_eim_received *report;
    const struct sgp32_ipa_event *event;
    long counter = 0;
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_A, 0, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, &counter);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    report = last_result(f, 0x83, 0);
    assert_int_equal(report->counter_value, counter);
    /* the consumer card's enable notification travelled with the result, was acknowledged, removed */
    assert_int_equal(report->result_kind, IPA_EIM_EPR_AND_NOTIFICATIONS);
    assert_true(report->ack_count >= 2);
    assert_int_equal(card_notifications(f), 0);
    event = ipa_events_last(&f->host.events, SGP32_IPA_EVENT_PROFILE_CHANGED);
    assert_non_null(event);
    assert_true(event->has_iccid);
    assert_memory_equal(event->iccid, ICCID_A, 10);

    assert_int_equal(sgp32_eim_psmo_disable(ICCID_A, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
    last_result(f, 0x84, 0);

    assert_int_equal(sgp32_eim_psmo_delete(ICCID_A, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    /* an ICCID the card does not have: its SGP.22 code (iccidOrAidNotFound 1) */
    assert_int_equal(sgp32_eim_psmo_enable((const uint8_t *)"\x98\x99\x99\x99\x99\x99\x99\x99\x99\xF9", 0, &psmo),
                     SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), -1);
    last_result(f, 0x83, 1);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 4);
    assert_int_equal(card_notifications(f), 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_B), 0);
}

static void test_list_rat_and_unsupported_psmos(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer items[5];
    const struct ipa_eim_received *report;
    size_t i;
    memset(items, 0, sizeof(items));
    assert_int_equal(sgp32_eim_psmo_list_profile_info(NULL, 0, &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[1]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_B, 1, &items[2]), SGP32_OK); /* rollbackFlag */
    assert_int_equal(sgp32_eim_psmo_unset_fallback_attribute(&items[3]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_set_default_dp_address("smdp.example.com", &items[4]), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, items, 5, NULL), SGP32_OK);
    for (i = 0; i < 5; i++)
        sgp32_eim_buffer_free(&items[i]);
    assert_true(run(f, NULL) > 0);
    report = last_result(f, 0xBF2D, 0);
    assert_int_equal(report->result.item_count, 5);
    assert_int_equal(report->result.items[1].tag, 0xA6);
    assert_int_equal(report->result.items[2].tag, 0x83);
    assert_int_equal(report->result.items[2].value, 20); /* rollbackNotAvailable: SGP.22 has no rollback */
    assert_int_equal(report->result.items[3].tag, 0x8E);
    assert_int_equal(report->result.items[3].value, 2);
    assert_int_equal(report->result.items[4].tag, 0xBF65);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_B), 0); /* not enabled */
    {
        struct sgp32_es10 *es10 = NULL;
        char address[128];
        assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
        assert_int_equal(sgp32_es10_get_euicc_configured_addresses(es10, address, sizeof(address), NULL, 0), SGP32_OK);
        assert_string_equal(address, "smdp.example.com");
        sgp32_es10_free(es10);
    }
}

static void test_forged_signature_refused(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer package = {NULL, 0};
    assert_true(run(f, NULL) > 0);
    make_enable(f, ICCID_A, &package);
    package.data[package.len - 1] ^= 0x01; /* the last byte of eimSignature */
    inject(f, &package);
    sgp32_eim_buffer_free(&package);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(transfer_result_kind(f), 0xA2); /* euiccPackageErrorUnsigned */
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
    assert_int_equal(card_notifications(f), 0);
    assert_true(ipa_log_find(&f->host.log, 0, SGP32_LOG_WARNING, "eimSignature does not verify") >= 0);
    /* the genuine package with the same counter still runs: nothing was stored for the forgery */
    make_enable(f, ICCID_A, &package);
    inject(f, &package);
    sgp32_eim_buffer_free(&package);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(transfer_result_kind(f), 0xA0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
}

static void test_replay_refused_also_after_restart(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer package = {NULL, 0}, psmo = {NULL, 0};
    assert_true(run(f, NULL) > 0);
    make_enable(f, ICCID_A, &package);
    inject(f, &package);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(transfer_result_kind(f), 0xA0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    /* the same package again: replayError, refused unsigned */
    inject(f, &package);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(transfer_result_kind(f), 0xA2);
    assert_true(ipa_log_find(&f->host.log, 0, SGP32_LOG_WARNING, "replayError") >= 0);
    /* a newer package disables A */
    assert_int_equal(sgp32_eim_psmo_disable(ICCID_A, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
    /* a device restart: the counter is in the emulation record, the old enable stays refused */
    assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    inject(f, &package);
    sgp32_eim_buffer_free(&package);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(transfer_result_kind(f), 0xA2);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
}

/* A power cut right after the counter was stored (before the PSMO ran): after the restart the
 * package is reported interrupted and nothing runs again. */
static void test_power_cut_after_counter_saved(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo = {NULL, 0};
    const struct ipa_eim_received *report;
    size_t k, counter_save = 0, saves;
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_A, 0, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    saves = ipa_storage_save_count(f->host.storage);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 1);
    /* the first emulation save after the package arrived is the counter's (with the pending mark) */
    for (k = saves; k < ipa_storage_save_count(f->host.storage) && counter_save == 0; k++)
        if (strcmp(ipa_storage_save_at(f->host.storage, k)->name, "ipa.emulation") == 0)
            counter_save = k + 1;
    assert_true(counter_save > 0);
    /* the card is put back as it was before the enable ran, the storage as of that save */
    {
        struct sgp32_es10 *es10 = NULL;
        assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
        assert_int_equal(sgp32_es10_disable_profile(es10, SGP32_ES10_PROFILE_ICCID, ICCID_A, 10, 0), SGP32_OK);
        sgp32_es10_free(es10);
    }
    assert_int_equal(ipa_fixture_restart(f, ipa_storage_replay(f->host.storage, counter_save)), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    report = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->duplicate, 0);
    last_result(f, 0x02, 3); /* processingTerminated interruption */
    assert_int_equal(ipa_fixture_profile_state(f, ICCID_A), 0);
}

static void test_eco_add_and_list(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer configuration = {NULL, 0}, ecos[2];
    const struct ipa_eim_received *report;
    const uint8_t *list;
    memset(ecos, 0, sizeof(ecos));
    eim_configuration(f, "eim.second", 0, &configuration);
    assert_int_equal(sgp32_eim_eco_add_eim(configuration.data, configuration.len, &ecos[0]), SGP32_OK);
    sgp32_eim_buffer_free(&configuration);
    assert_int_equal(sgp32_eim_eco_list_eim(&ecos[1]), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_ECO_LIST, ecos, 2, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&ecos[0]);
    sgp32_eim_buffer_free(&ecos[1]);
    assert_true(run(f, NULL) > 0);
    report = last_result(f, 0xA8, 0);
    assert_int_equal(report->result.item_count, 2);
    /* addEimResult: the new eIM's associationToken (the first was 1) */
    assert_memory_equal(report->euicc_package_result + report->result.items[0].offset, "\xA8\x03\x84\x01\x02", 5);
    assert_int_equal(report->result.items[1].tag, 0xAB);
    list = report->euicc_package_result + report->result.items[1].offset;
    assert_true(contains(list, report->result.items[1].len, "eim.test"));
    assert_true(contains(list, report->result.items[1].len, "eim.second"));
    /* the record keeps both across a restart; the configured eIM is still the one polled */
    assert_int_equal(ipa_fixture_restart(f, NULL), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_true(ipa_log_find(&f->host.log, 0, SGP32_LOG_INFO, "eIM (IoT emulation)") >= 0);
    /* deleteEim of the second one (ok), of an unknown one (eimNotFound 1), then the list */
    assert_int_equal(sgp32_eim_eco_delete_eim("eim.second", &ecos[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_delete_eim("eim.none", &ecos[1]), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_ECO_LIST, ecos, 2, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&ecos[0]);
    sgp32_eim_buffer_free(&ecos[1]);
    assert_int_equal(sgp32_eim_eco_list_eim(&ecos[0]), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_ECO_LIST, ecos, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&ecos[0]);
    assert_int_equal(sgp32_ipa_poll_eim_now(f->ipa), SGP32_OK);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 3);
    report = last_result(f, 0xAB, 0);
    list = report->euicc_package_result + report->result.items[0].offset;
    assert_true(contains(list, report->result.items[0].len, "eim.test"));
    assert_false(contains(list, report->result.items[0].len, "eim.second"));
    {
        size_t i, deletes = 0;
        for (i = 0; i < ipa_eim_received_count(f->eim); i++) {
            const struct ipa_eim_received *r = ipa_eim_received_at(f->eim, i);
            if (r->message == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT && r->verify_status == SGP32_OK &&
                r->result.item_count == 2 && r->result.items[0].tag == 0x89) {
                assert_int_equal(r->result.items[0].value, 0);
                assert_int_equal(r->result.items[1].tag, 0x89);
                assert_int_equal(r->result.items[1].value, 1);
                deletes++;
            }
        }
        assert_int_equal(deletes, 1);
    }
}

static void test_iot_card_never_emulates(void **state)
{
    struct ipa_fixture f;
    struct sgp32_eim_buffer psmo = {NULL, 0};
    const struct ipa_eim_received *report;
    (void)state;
    assert_int_equal(ipa_fixture_setup(&f, NULL), SGP32_OK);
    assert_int_equal(ipa_fixture_preload(&f, ICCID_A, 0x01, 0, IPA_FIXTURE_EIM_FQDN), SGP32_OK);
    ipa_eim_set_emulated(f.eim, 1); /* even an eIM that would accept it gets a signed result */
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_A, 0, &psmo), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f.eim, SGP32_EIM_PSMO_LIST, &psmo, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&psmo);
    assert_int_equal(ipa_fixture_ipa_new(&f), SGP32_OK);
    assert_true(run(&f, NULL) > 0);
    report = ipa_eim_last(f.eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(report);
    assert_int_equal(report->verify_status, SGP32_OK);
    assert_true(report->result.seq_number < 0x40000000L);
    assert_memory_not_equal(report->euicc_package_result + report->euicc_package_result_len - 3, "\x5F\x37\x00", 3);
    assert_null(ipa_storage_get(f.host.storage, "ipa.emulation", NULL));
    assert_true(ipa_log_find(&f.host.log, 0, SGP32_LOG_DEBUG, "IoT emulation") < 0);
    ipa_fixture_teardown(&f);
}

/* IpaEuiccDataRequest on an emulated card: the SGP.32 fields come from the IPA's record. */
static void test_euicc_data_from_the_record(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo = {NULL, 0};
    static const uint8_t tags[] = {0x84, 0xA2, 0xBF, 0x20};
    const struct ipa_eim_received *got;
    const uint8_t *response = NULL, *data, *v;
    size_t len = 0, data_len, v_len;
    long token = -1;
    assert_int_equal(sgp32_eim_psmo_enable(ICCID_A, 0, &psmo), SGP32_OK);
    queue_psmo(f, &psmo, NULL);
    assert_true(run(f, NULL) > 0);
    assert_int_equal(ipa_eim_queue_euicc_data_request(f->eim, tags, sizeof(tags), NULL, 0), SGP32_OK);
    sgp32_ipa_poll_eim_now(f->ipa);
    assert_true(run(f, NULL) > 0);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(got);
    assert_int_equal(got->result_kind, IPA_EIM_IPA_EUICC_DATA_RESPONSE);
    /* BF50 { 5A, BF52 { A0 { 84 token, A2 { BF51 ... }, BF20 ... } } } */
    assert_true(sgp32_der_find_element(got->data, got->len, 0xBF52, &response, &len));
    {
        struct sgp32_tlv_header h;
        assert_int_equal(sgp32_tlv_parse_header(response, len, &h), SGP32_OK);
        len = h.header_len + h.length;
        data = response + h.header_len;
        assert_int_equal(data[0], 0xA0);
        assert_int_equal(sgp32_tlv_parse_header(data, h.length, &h), SGP32_OK);
        data_len = h.length;
        data += h.header_len;
    }
    /* 84: the token the IPA assigned at AddInitialEim */
    assert_int_equal(data[0], 0x84);
    v = data + 2;
    v_len = data[1];
    for (token = 0; v_len > 0; v_len--, v++)
        token = token * 256 + *v;
    assert_true(token >= 1);
    /* A2 holds the emulated result (BF51 with the empty signature) */
    assert_true(contains(data, data_len, "\xBF\x51"));
    assert_true(contains(data, data_len, "\x5F\x37\x00"));
    assert_true(contains(data, data_len, "\xBF\x20"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_initial_eim_emulated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enable_disable_delete_through_es10c, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_rat_and_unsupported_psmos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_signature_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_refused_also_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_after_counter_saved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eco_add_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_euicc_data_from_the_record, setup, teardown),
        cmocka_unit_test(test_iot_card_never_emulates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
