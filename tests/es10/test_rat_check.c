/* SPDX-License-Identifier: MIT */
/* es10_rat_allows_metadata() (lib/es10/rat_check.c): Profile Policy Rules against a Rules
 * Authorisation Table, as the IPA checks them before PrepareDownload (SGP.22 v2.5 2.9.2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec/der.h"
#include "es10/rat_check.h"

#define PPR1 1u /* named bit 1 of PprIds (bit 0 is pprUpdateControl) */
#define PPR2 2u

static const uint8_t OPERATOR_A[3] = {0x22, 0xF2, 0x10}; /* MCC 222, MNC 01 */
static const uint8_t OPERATOR_B[3] = {0x32, 0xF4, 0x51};
static const uint8_t WILDCARD_A[3] = {0x22, 0xF2, 0xE0}; /* MCC 222, any MNC digit 2 */

/* A RulesAuthorisationTable of up to two rules { pprIds, allowedOperators { OperatorId }, pprFlags }. */
static size_t rat(uint8_t *out, size_t cap, uint32_t pprs1, const uint8_t *op1, int gid1, uint32_t pprs2,
                  const uint8_t *op2)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init(&w, out, cap);
    sgp32_der_writer_begin(&w, 0x30);
    if (op1 != NULL) {
        uint8_t g = (uint8_t)gid1;
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_named_bits(&w, 0x80, pprs1);
        sgp32_der_writer_begin(&w, 0xA1);
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_bytes(&w, 0x80, op1, 3);
        if (gid1 >= 0)
            sgp32_der_writer_bytes(&w, 0x81, &g, 1);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_named_bits(&w, 0x82, 0);
        sgp32_der_writer_end(&w);
    }
    if (op2 != NULL) {
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_named_bits(&w, 0x80, pprs2);
        sgp32_der_writer_begin(&w, 0xA1);
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_bytes(&w, 0x80, op2, 3);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_named_bits(&w, 0x82, 0);
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    assert_false(w.error);
    return w.len;
}

/* StoreMetadataRequest { iccid, serviceProviderName, profileName, profileOwner?, profilePolicyRules? } */
static size_t metadata(uint8_t *out, size_t cap, const uint8_t *owner, int gid1, uint32_t pprs)
{
    static const uint8_t iccid[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
    struct sgp32_der_writer w;
    sgp32_der_writer_init(&w, out, cap);
    sgp32_der_writer_begin(&w, 0xBF25);
    sgp32_der_writer_bytes(&w, 0x5A, iccid, sizeof(iccid));
    sgp32_der_writer_bytes(&w, 0x91, (const uint8_t *)"SP", 2);
    sgp32_der_writer_bytes(&w, 0x92, (const uint8_t *)"Profile", 7);
    if (owner != NULL) {
        uint8_t g = (uint8_t)gid1;
        sgp32_der_writer_begin(&w, 0xB7);
        sgp32_der_writer_bytes(&w, 0x80, owner, 3);
        if (gid1 >= 0)
            sgp32_der_writer_bytes(&w, 0x81, &g, 1);
        sgp32_der_writer_end(&w);
    }
    if (pprs != 0)
        sgp32_der_writer_named_bits(&w, 0x99, pprs);
    sgp32_der_writer_end(&w);
    assert_false(w.error);
    return w.len;
}

static int check(const uint8_t *r, size_t r_len, const uint8_t *owner, int gid1, uint32_t pprs)
{
    uint8_t m[96];
    size_t m_len = metadata(m, sizeof(m), owner, gid1, pprs);
    return es10_rat_allows_metadata(r, r_len, m, m_len);
}

static void test_rules(void **state)
{
    uint8_t r[128];
    size_t len = rat(r, sizeof(r), 1u << PPR1, OPERATOR_A, 0x01, 1u << PPR2, OPERATOR_B);
    (void)state;
    assert_int_equal(check(r, len, OPERATOR_A, 0x01, 0), 1);                           /* no PPR */
    assert_int_equal(check(r, len, OPERATOR_A, 0x01, 1u << PPR1), 1);                  /* rule 1 */
    assert_int_equal(check(r, len, OPERATOR_A, -1, 1u << PPR1), 0);                    /* gid1 wanted */
    assert_int_equal(check(r, len, OPERATOR_A, 0x02, 1u << PPR1), 0);                  /* other gid1 */
    assert_int_equal(check(r, len, OPERATOR_B, -1, 1u << PPR2), 1);                    /* rule 2 */
    assert_int_equal(check(r, len, OPERATOR_B, -1, 1u << PPR1), 0);                    /* B may not PPR1 */
    assert_int_equal(check(r, len, OPERATOR_A, 0x01, (1u << PPR1) | (1u << PPR2)), 0); /* PPR2 not for A */
    assert_int_equal(check(r, len, NULL, -1, 1u << PPR1), 0);                          /* no owner */
}

static void test_wildcard_and_empty_table(void **state)
{
    uint8_t r[128];
    size_t len = rat(r, sizeof(r), 1u << PPR1, WILDCARD_A, -1, 0, NULL);
    (void)state;
    assert_int_equal(check(r, len, OPERATOR_A, -1, 1u << PPR1), 1);
    assert_int_equal(check(r, len, OPERATOR_B, -1, 1u << PPR1), 0);
    /* the empty table allows no PPR, and allows a profile without any */
    assert_int_equal(check(NULL, 0, OPERATOR_A, -1, 1u << PPR1), 0);
    assert_int_equal(check(NULL, 0, OPERATOR_A, -1, 0), 1);
    /* unreadable metadata */
    assert_int_equal(es10_rat_allows_metadata(r, len, (const uint8_t *)"\xBF\x25\x01", 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rules), cmocka_unit_test(test_wildcard_and_empty_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
