/* SPDX-License-Identifier: MIT */
/*
 * IpaEuiccDataRequest (lib/ipa/proc_euicc_data.c, SGP.32 v1.2 2.11.1.2 / 2.11.2.2): every IpaEuiccData
 * field the eIM can ask for, gathered from the software eUICC byte for byte or from the IPA's
 * configuration, the eimTransactionId echoed, the search criteria, and the error answers
 * (incorrectTagList, euiccCiPKIdNotFound).
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

static const uint8_t TID[4] = {0x01, 0x02, 0x03, 0x04};
/* DeviceInfo: SEQUENCE { tac [0] '35290611', deviceCapabilities [1] {} } */
static const uint8_t DEVICE_INFO[] = {0x30, 0x08, 0x80, 0x04, 0x35, 0x29, 0x06, 0x11, 0xA1, 0x00};

static int setup(void **state)
{
    struct ipa_fixture *f = ipa_fixture_new(NULL);
    if (f == NULL)
        return -1;
    f->config.device_info = DEVICE_INFO;
    f->config.device_info_len = sizeof(DEVICE_INFO);
    f->config.ipa_features =
        SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION | SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES;
    f->config.ipa_protocols = SGP32_IPA_PROTOCOL_RETRIEVE_HTTPS;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    ipa_fixture_free(*state);
    return 0;
}

/* Runs one IpaEuiccDataRequest and returns the BF52 the eIM received (inside its BF50). */
static void ask(struct ipa_fixture *f, const uint8_t *tags, size_t tags_len, const uint8_t **response, size_t *len)
{
    const struct ipa_eim_received *got;
    assert_int_equal(ipa_eim_queue_euicc_data_request(f->eim, tags, tags_len, TID, sizeof(TID)), SGP32_OK);
    if (f->ipa == NULL)
        assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    else
        sgp32_ipa_poll_eim_now(f->ipa);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(got);
    assert_int_equal(got->result_kind, IPA_EIM_IPA_EUICC_DATA_RESPONSE);
    assert_true(sgp32_der_find_element(got->data, got->len, 0xBF52, response, len));
}

/* The field `tag` of IpaEuiccData (BF52 { A0 { ... } }), whole. */
static int field(const uint8_t *response, size_t len, uint32_t tag, const uint8_t **element, size_t *element_len)
{
    const uint8_t *data;
    size_t data_len;
    return sgp32_der_find_element(response, len, 0xA0, &data, &data_len) &&
           sgp32_der_find_element(data, data_len, tag, element, element_len);
}

static void card_answer(struct ipa_fixture *f, int which, uint8_t **answer, size_t *len)
{
    struct sgp32_es10 *es10 = NULL;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    if (which == 1)
        assert_int_equal(sgp32_es10_get_euicc_info1(es10, answer, len), SGP32_OK);
    else if (which == 2)
        assert_int_equal(sgp32_es10_get_euicc_info2(es10, answer, len), SGP32_OK);
    else
        assert_int_equal(sgp32_es10_get_certs(es10, NULL, 0, answer, len), SGP32_OK);
    sgp32_es10_free(es10);
}

static void test_every_field(void **state)
{
    struct ipa_fixture *f = *state;
    static const uint8_t tags[] = {0xBF, 0x20, 0xBF, 0x22, 0xA8, 0xA9, 0x84, 0xA5, 0xA6, 0x81, 0x83, 0xA0, 0xA2};
    const uint8_t *response, *element, *v;
    size_t len, element_len, v_len;
    uint8_t *card = NULL;
    size_t card_len = 0;
    long token = -1;
    ask(f, tags, sizeof(tags), &response, &len);
    /* EUICCInfo1 / EUICCInfo2 exactly as the eUICC gave them. */
    assert_true(field(response, len, 0xBF20, &element, &element_len));
    card_answer(f, 1, &card, &card_len);
    assert_int_equal(element_len, card_len);
    assert_memory_equal(element, card, card_len);
    sgp32_buffer_free(card);
    assert_true(field(response, len, 0xBF22, &element, &element_len));
    card_answer(f, 2, &card, &card_len);
    assert_int_equal(element_len, card_len);
    assert_memory_equal(element, card, card_len);
    sgp32_buffer_free(card);
    /* The certificates as GetCerts gives them ([5] / [6]). */
    card_answer(f, 3, &card, &card_len);
    assert_true(field(response, len, 0xA6, &element, &element_len));
    {
        const uint8_t *certs, *cert;
        size_t certs_len, cert_len;
        assert_true(sgp32_der_find_element(card, card_len, 0xA0, &certs, &certs_len));
        assert_true(sgp32_der_find_element(certs, certs_len, 0xA6, &cert, &cert_len));
        assert_int_equal(cert_len, element_len);
        assert_memory_equal(cert, element, cert_len);
    }
    sgp32_buffer_free(card);
    assert_true(field(response, len, 0xA5, &element, &element_len));
    /* IpaCapabilities as named BIT STRINGs: features bits 1 and 5, protocols bit 0. */
    assert_true(field(response, len, 0xA8, &element, &element_len));
    assert_true(sgp32_der_find_child(element, element_len, 0x80, &v, &v_len, NULL));
    assert_int_equal(v_len, 2);
    assert_int_equal(v[0], 2);    /* unused bits: bit 5 is the last named one set */
    assert_int_equal(v[1], 0x44); /* bits 1 and 5 */
    assert_true(sgp32_der_find_child(element, element_len, 0x81, &v, &v_len, NULL));
    assert_int_equal(v_len, 2);
    assert_int_equal(v[0], 7);
    assert_int_equal(v[1], 0x80);
    /* DeviceInfo under [9], the associationToken AddInitialEim gave, the transaction id echoed. */
    assert_true(field(response, len, 0xA9, &element, &element_len));
    assert_int_equal(element_len, sizeof(DEVICE_INFO));
    assert_memory_equal(element + 2, DEVICE_INFO + 2, sizeof(DEVICE_INFO) - 2);
    assert_true(field(response, len, 0x84, &element, &element_len));
    assert_true(sgp32_der_integer(element + 2, element_len - 2, &token));
    assert_int_equal(token, f->association_token);
    assert_true(field(response, len, 0x87, &element, &element_len));
    assert_memory_equal(element + 2, TID, sizeof(TID));
    /* Lists present (empty on a fresh card). */
    assert_true(field(response, len, 0xA0, &element, &element_len));
    assert_true(field(response, len, 0xA2, &element, &element_len));
    /* The eIM verified and closed the order. */
    assert_null(ipa_storage_get(f->host.storage, "ipa.job", NULL));
}

static void test_incorrect_tag_list(void **state)
{
    struct ipa_fixture *f = *state;
    static const uint8_t tags[] = {0xBF, 0x20, 0x9F, 0x99, 0x01};
    const uint8_t *response, *error, *v;
    size_t len, error_len, v_len;
    long code = 0;
    ask(f, tags, sizeof(tags), &response, &len);
    /* BF52 { A1 { 80 tid, 02 incorrectTagList } } */
    assert_true(sgp32_der_find_element(response, len, 0xA1, &error, &error_len));
    assert_true(sgp32_der_find_child(error, error_len, 0x80, &v, &v_len, NULL));
    assert_memory_equal(v, TID, sizeof(TID));
    assert_true(sgp32_der_find_child(error, error_len, 0x02, &v, &v_len, NULL));
    assert_true(sgp32_der_integer(v, v_len, &code));
    assert_int_equal(code, 1);
    /* A truncated multi-byte tag is refused the same way. */
    {
        static const uint8_t cut[] = {0xBF};
        ask(f, cut, sizeof(cut), &response, &len);
        assert_true(sgp32_der_find_element(response, len, 0xA1, &error, &error_len));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incorrect_tag_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
