/* SPDX-License-Identifier: MIT */
/* sgp32_ipa_eim_tls_trust(): the eIM's TLS trust from its configuration on the eUICC, for the host's
 * HTTP client (EimConfigurationData trustedPublicKeyDataTls, SGP.32 v1.2 2.11.1.1.1). */
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

static int setup(void **state)
{
    struct ipa_fixture *f = calloc(1, sizeof(*f));
    struct ipa_fixture_options options;
    assert_non_null(f);
    memset(&options, 0, sizeof(options));
    options.no_initial_eim = 1;
    if (ipa_fixture_setup(f, &options) != SGP32_OK) {
        ipa_fixture_teardown(f);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct ipa_fixture *f = *state;
    ipa_fixture_teardown(f);
    free(f);
    return 0;
}

/* The fixture eIM's AddInitialEimRequest, with trustedCertificateTls [6] added when tls is given. */
static void add_initial_eim(struct ipa_fixture *f, const uint8_t *tls, size_t tls_len)
{
    struct sgp32_eim_buffer request = {NULL, 0};
    struct sgp32_der_writer w;
    const uint8_t *list, *entry, *v;
    size_t list_len, entry_len, v_len;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    assert_int_equal(ipa_fixture_eim_configuration(f, f->eim_id, 0, 1, &request), SGP32_OK);
    /* BF57 { A0 { 30 { fields } } } -> BF57 { A0 { 30 { fields, A6 { A1 certificate } } } } */
    assert_true(sgp32_der_find_element(request.data, request.len, 0xA0, &list, &list_len));
    assert_true(sgp32_der_find_element(list, list_len, 0x30, &entry, &entry_len));
    assert_true(sgp32_der_find_child(list, list_len, 0x30, &v, &v_len, NULL));
    sgp32_der_writer_init_dynamic(&w, 8192);
    sgp32_der_writer_begin(&w, 0xBF57);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_begin(&w, 0x30);
    sgp32_der_writer_raw(&w, v, v_len);
    if (tls != NULL) {
        /* trustedPublicKeyDataTls [6] { trustedCertificateTls [1] (implicit: the Certificate's content) } */
        struct sgp32_tlv_header h;
        assert_int_equal(sgp32_tlv_parse_header(tls, tls_len, &h), SGP32_OK);
        sgp32_der_writer_begin(&w, 0xA6);
        sgp32_der_writer_bytes(&w, 0xA1, tls + h.header_len, h.length);
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    assert_false(w.error);
    if (sgp32_ipa_add_initial_eim(f->ipa, w.buf, w.len, &answer, &answer_len) != SGP32_OK)
        fail_msg("AddInitialEim: %s", sgp32_ipa_last_error(f->ipa));
    sgp32_buffer_free(answer);
    sgp32_der_writer_release(&w);
    sgp32_eim_buffer_free(&request);
}

static void test_trust_from_the_configuration(void **state)
{
    struct ipa_fixture *f = *state;
    uint8_t *tls = NULL, *der = NULL;
    size_t tls_len = 0, len = 0;
    int is_certificate = -1;
    char path[600];
    ipa_fixture_pki_path(f, "eim/tls.cert.der", path, sizeof(path));
    assert_int_equal(ipa_read_file(path, &tls, &tls_len), 0);
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    /* no eIM yet */
    assert_int_equal(sgp32_ipa_eim_tls_trust(f->ipa, &der, &len, NULL), SGP32_ERR_NOT_FOUND);
    add_initial_eim(f, tls, tls_len);
    assert_int_equal(sgp32_ipa_eim_tls_trust(f->ipa, &der, &len, &is_certificate), SGP32_OK);
    assert_int_equal(len, tls_len);
    assert_memory_equal(der, tls, tls_len);
    assert_int_equal(is_certificate, 1);
    sgp32_buffer_free(der);
    free(tls);
    assert_int_equal(sgp32_ipa_eim_tls_trust(NULL, &der, &len, NULL), SGP32_ERR_INVALID_ARGUMENT);
}

static void test_configuration_without_trust(void **state)
{
    struct ipa_fixture *f = *state;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    add_initial_eim(f, NULL, 0);
    assert_int_equal(sgp32_ipa_eim_tls_trust(f->ipa, &der, &len, NULL), SGP32_ERR_NOT_FOUND);
    assert_null(der);
}

/* An SGP.32 eUICC refusing a malformed AddInitialEim (6A80) is not taken for an SGP.22 one: no IoT
 * emulation, and the proper request then works on the card itself. */
static void test_malformed_request_is_no_sgp22_card(void **state)
{
    struct ipa_fixture *f = *state;
    static const uint8_t malformed[] = {0xBF, 0x57, 0x04, 0xA0, 0x02, 0x04, 0x00};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    assert_int_equal(ipa_fixture_ipa_new(f), SGP32_OK);
    assert_true(ipa_fixture_run(f, 200, 0, NULL) > 0);
    assert_int_not_equal(sgp32_ipa_add_initial_eim(f->ipa, malformed, sizeof(malformed), &answer, &answer_len),
                         SGP32_OK);
    sgp32_buffer_free(answer);
    assert_null(strstr(sgp32_ipa_last_error(f->ipa), "emulation"));
    assert_null(ipa_storage_get(f->host.storage, "ipa.emulation", NULL));
    assert_false(sgp32_ipa_has_eim(f->ipa));
    add_initial_eim(f, NULL, 0);
    assert_true(sgp32_ipa_has_eim(f->ipa));
    assert_null(ipa_storage_get(f->host.storage, "ipa.emulation", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trust_from_the_configuration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_configuration_without_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_request_is_no_sgp22_card, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
