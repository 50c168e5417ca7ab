/* SPDX-License-Identifier: MIT */
/* BSP (SGP.22 2.6.4 / Annex G) against the pySim-derived vectors in vectors/bsp/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cmac.h>

#include "crypto/bsp.h"
#include "crypto_test_util.h"
#include "sgp32/tlv.h"

#define VECTORS "vectors/bsp/bsp_vectors.txt"
#define MAX_SEGMENT 2048

struct step {
    const char *plain_key;
    const char *out_key;
    uint8_t tag;
};

/* cipher-mode51: steps 1-3 share the session engine, 4-5 the ReplaceSessionKeys engine. */
static const struct step session_steps[] = {
    {"step1.encrypt_and_mac.tag87.plain", "step1.out", 0x87},
    {"step2.mac_only.tag88.plain", "step2.out", 0x88},
    {"step3.encrypt_and_mac.tag87.plain", "step3.out", 0x87},
};
static const struct step ppk_steps[] = {
    {"step4.encrypt_and_mac_one.tag86.plain", "step4.out", 0x86},
    {"step5.encrypt_and_mac_one.tag86.plain", "step5.out", 0x86},
};

static char *load_vectors(void)
{
    size_t len;
    return (char *)test_read_shared(VECTORS, &len);
}

static void get(const char *text, const char *section, const char *key, uint8_t *out, size_t size, size_t *len)
{
    if (!test_vector_hex(text, section, key, out, size, len))
        fail_msg("vector %s/%s missing", section != NULL ? section : "-", key);
}

static void check_kdf(const char *text, const char *section)
{
    uint8_t secret[32], eid[16], type[1], key_len[1], host[8], s_enc[16], s_mac[16], mcv[16];
    size_t secret_len, eid_len, n, host_len;
    struct sgp32_bsp_keys keys;

    get(text, section, "shared_secret", secret, sizeof secret, &secret_len);
    get(text, section, "eid", eid, sizeof eid, &eid_len);
    get(text, section, "key_type", type, sizeof type, &n);
    get(text, section, "key_len", key_len, sizeof key_len, &n);
    assert_int_equal(key_len[0], 0x16); /* the file writes the decimal 16 as "16" */
    get(text, section, "host_id", host, sizeof host, &host_len);
    get(text, section, "s_enc", s_enc, sizeof s_enc, &n);
    get(text, section, "s_mac", s_mac, sizeof s_mac, &n);
    get(text, section, "initial_mcv", mcv, sizeof mcv, &n);

    assert_int_equal(sgp32_bsp_derive_keys(secret, secret_len, type[0], 16, host, host_len, eid, eid_len, &keys),
                     SGP32_OK);
    assert_memory_equal(keys.s_enc, s_enc, 16);
    assert_memory_equal(keys.s_mac, s_mac, 16);
    assert_memory_equal(keys.initial_mcv, mcv, 16);

    /* A different EID gives different keys (the EID really is an input). */
    eid[15] ^= 1;
    assert_int_equal(sgp32_bsp_derive_keys(secret, secret_len, type[0], 16, host, host_len, eid, eid_len, &keys),
                     SGP32_OK);
    assert_memory_not_equal(keys.s_enc, s_enc, 16);
    assert_int_equal(sgp32_bsp_derive_keys(secret, secret_len, type[0], 32, host, host_len, eid, eid_len, &keys),
                     SGP32_ERR_NOT_SUPPORTED);
}

static void test_kdf_vectors(void **state)
{
    char *text = load_vectors();
    (void)state;
    check_kdf(text, "kdf-1");
    check_kdf(text, "kdf-2-mode51");
    free(text);
}

static void init_from(struct sgp32_bsp *bsp, const char *text, const char *enc_key, const char *mac_key,
                      const char *mcv_key)
{
    uint8_t s_enc[16], s_mac[16], mcv[16];
    size_t n;
    get(text, "cipher-mode51", enc_key, s_enc, sizeof s_enc, &n);
    get(text, "cipher-mode51", mac_key, s_mac, sizeof s_mac, &n);
    get(text, "cipher-mode51", mcv_key, mcv, sizeof mcv, &n);
    sgp32_bsp_init_raw(bsp, s_enc, s_mac, mcv);
}

static void run_steps(const char *text, struct sgp32_bsp *bsp, const struct step *steps, size_t count, int protect)
{
    static uint8_t plain[MAX_SEGMENT], expected[MAX_SEGMENT], out[MAX_SEGMENT];
    size_t i, plain_len, expected_len, out_len;

    for (i = 0; i < count; i++) {
        uint8_t tag = 0;
        get(text, "cipher-mode51", steps[i].plain_key, plain, sizeof plain, &plain_len);
        get(text, "cipher-mode51", steps[i].out_key, expected, sizeof expected, &expected_len);
        if (protect) {
            assert_int_equal(sgp32_bsp_protect(bsp, steps[i].tag, plain, plain_len, out, sizeof out, &out_len),
                             SGP32_OK);
            assert_int_equal(out_len, expected_len);
            assert_memory_equal(out, expected, expected_len);
        } else {
            assert_int_equal(sgp32_bsp_unprotect(bsp, expected, expected_len, out, sizeof out, &out_len, &tag),
                             SGP32_OK);
            assert_int_equal(tag, steps[i].tag);
            assert_int_equal(out_len, plain_len);
            assert_memory_equal(out, plain, plain_len);
        }
    }
}

static void test_cipher_protect(void **state)
{
    char *text = load_vectors();
    struct sgp32_bsp bsp;
    (void)state;
    init_from(&bsp, text, "s_enc", "s_mac", "initial_mcv");
    run_steps(text, &bsp, session_steps, 3, 1);
    assert_int_equal(bsp.block_counter, 4); /* every segment counts, the MAC-only 88 too */
    init_from(&bsp, text, "ppk_enc", "ppk_mac", "ppk_initial_mcv");
    run_steps(text, &bsp, ppk_steps, 2, 1);
    sgp32_bsp_clear(&bsp);
    assert_int_equal(bsp.block_counter, 0);
    free(text);
}

static void test_cipher_unprotect(void **state)
{
    char *text = load_vectors();
    struct sgp32_bsp bsp;
    (void)state;
    init_from(&bsp, text, "s_enc", "s_mac", "initial_mcv");
    run_steps(text, &bsp, session_steps, 3, 0);
    init_from(&bsp, text, "ppk_enc", "ppk_mac", "ppk_initial_mcv");
    run_steps(text, &bsp, ppk_steps, 2, 0);
    free(text);
}

/* Tampered, reordered and malformed segments are refused, and a refusal leaves the engine usable. */
static void test_unprotect_refusals(void **state)
{
    char *text = load_vectors();
    uint8_t step1[64], step2[128], plain[128], bad[160];
    size_t step1_len, step2_len, plain_len;
    struct sgp32_bsp bsp, before;
    size_t i;
    (void)state;

    get(text, "cipher-mode51", "step1.out", step1, sizeof step1, &step1_len);
    get(text, "cipher-mode51", "step2.out", step2, sizeof step2, &step2_len);
    init_from(&bsp, text, "s_enc", "s_mac", "initial_mcv");
    before = bsp;

    /* Every single-bit flip in the value (ciphertext or MAC) is caught by the MAC. */
    for (i = 2; i < step1_len; i++) {
        memcpy(bad, step1, step1_len);
        bad[i] ^= 0x01;
        assert_int_equal(sgp32_bsp_unprotect(&bsp, bad, step1_len, plain, sizeof plain, &plain_len, NULL),
                         SGP32_ERR_CRYPTO);
    }
    /* Same bytes under another tag: the tag is MACed (86 and 87 are both encrypting tags). */
    memcpy(bad, step1, step1_len);
    bad[0] = 0x86;
    assert_int_equal(sgp32_bsp_unprotect(&bsp, bad, step1_len, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_CRYPTO);
    bad[0] = 0x85;
    assert_int_equal(sgp32_bsp_unprotect(&bsp, bad, step1_len, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_DECODE);
    /* Out of order: step 2 needs step 1's MAC as chaining value. */
    assert_int_equal(sgp32_bsp_unprotect(&bsp, step2, step2_len, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_CRYPTO);
    /* Truncated, trailing bytes, buffer too small. */
    assert_int_equal(sgp32_bsp_unprotect(&bsp, step1, step1_len - 1, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_TRUNCATED);
    memcpy(bad, step1, step1_len);
    bad[step1_len] = 0;
    assert_int_equal(sgp32_bsp_unprotect(&bsp, bad, step1_len + 1, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_TRAILING);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, step1, step1_len, plain, 15, &plain_len, NULL),
                     SGP32_ERR_BUFFER_TOO_SMALL);
    /* A MAC-only length shorter than the MAC itself. */
    bad[0] = 0x88;
    bad[1] = 0x07;
    assert_int_equal(sgp32_bsp_unprotect(&bsp, bad, 9, plain, sizeof plain, &plain_len, NULL), SGP32_ERR_DECODE);

    /* None of that moved the engine: the genuine sequence still verifies. */
    assert_memory_equal(&bsp, &before, sizeof bsp);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, step1, step1_len, plain, sizeof plain, &plain_len, NULL), SGP32_OK);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, step2, step2_len, plain, sizeof plain, &plain_len, NULL), SGP32_OK);
    free(text);
}

/* Round trips at the padding edges (0, 15, 16, 32 bytes) and argument checks. */
static void test_bad_padding_refused(void **state)
{
    static const uint8_t key[16] = {1, 2, 3};
    uint8_t plain[32], out[64], back[64];
    size_t out_len, back_len, i;
    struct sgp32_bsp sender, receiver;
    (void)state;

    for (i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)i;
    /* 32 bytes pad to 48: a whole padding block. Round trip of the edge sizes 0, 15, 16, 32. */
    sgp32_bsp_init_raw(&sender, key, key, key);
    sgp32_bsp_init_raw(&receiver, key, key, key);
    for (i = 0; i <= 32; i += (i == 0 ? 15 : (i == 15 ? 1 : 16))) {
        assert_int_equal(sgp32_bsp_protect(&sender, 0x87, plain, i, out, sizeof out, &out_len), SGP32_OK);
        assert_int_equal(out_len, 2 + (i / 16 + 1) * 16 + 8);
        assert_int_equal(sgp32_bsp_unprotect(&receiver, out, out_len, back, sizeof back, &back_len, NULL), SGP32_OK);
        assert_int_equal(back_len, i);
        assert_memory_equal(back, plain, i);
    }
    /* MAC-only of an empty value, and an over-small output buffer. */
    assert_int_equal(sgp32_bsp_protect(&sender, 0x88, NULL, 0, out, sizeof out, &out_len), SGP32_OK);
    assert_int_equal(out_len, 10);
    assert_int_equal(sgp32_bsp_unprotect(&receiver, out, out_len, back, sizeof back, &back_len, NULL), SGP32_OK);
    assert_int_equal(back_len, 0);
    assert_int_equal(sgp32_bsp_protect(&sender, 0x87, plain, 16, out, 41, &out_len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sgp32_bsp_protect(&sender, 0x5A, plain, 16, out, sizeof out, &out_len),
                     SGP32_ERR_INVALID_ARGUMENT);
}

/* Builds an 87 segment by hand (wolfCrypt directly) from a raw 16-byte block, bypassing protect's
 * padding: ICV = AES(k, counter 1), MAC over MCV || 87 18 || ciphertext. */
static void forge_segment(const uint8_t key[16], const uint8_t block[16], uint8_t segment[26])
{
    uint8_t counter[16] = {0}, icv[16], mac[16];
    word32 mac_len = sizeof mac;
    Aes aes;
    Cmac cmac;

    counter[15] = 1;
    assert_int_equal(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
    assert_int_equal(wc_AesSetKey(&aes, key, 16, NULL, AES_ENCRYPTION), 0);
    assert_int_equal(wc_AesEncryptDirect(&aes, icv, counter), 0);
    assert_int_equal(wc_AesSetKey(&aes, key, 16, icv, AES_ENCRYPTION), 0);
    segment[0] = 0x87;
    segment[1] = 0x18;
    assert_int_equal(wc_AesCbcEncrypt(&aes, segment + 2, block, 16), 0);
    wc_AesFree(&aes);
    assert_int_equal(wc_InitCmac(&cmac, key, 16, WC_CMAC_AES, NULL), 0);
    assert_int_equal(wc_CmacUpdate(&cmac, key, 16), 0); /* the MCV (same bytes as the key here) */
    assert_int_equal(wc_CmacUpdate(&cmac, segment, 18), 0);
    assert_int_equal(wc_CmacFinal(&cmac, mac, &mac_len), 0);
    memcpy(segment + 18, mac, 8);
}

static void test_forged_padding(void **state)
{
    static const uint8_t key[16] = {0x42, 1, 2, 3};
    uint8_t block[16], segment[26], plain[32];
    size_t plain_len;
    struct sgp32_bsp bsp;
    (void)state;

    /* Positive control: 15 bytes then the 80 marker decrypts to the 15 bytes. */
    memset(block, 0x11, sizeof block);
    block[15] = 0x80;
    forge_segment(key, block, segment);
    sgp32_bsp_init_raw(&bsp, key, key, key);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, segment, sizeof segment, plain, sizeof plain, &plain_len, NULL),
                     SGP32_OK);
    assert_int_equal(plain_len, 15);
    /* No marker at all (all zero), and a wrong marker: MAC fine, padding refused, engine unmoved. */
    memset(block, 0, sizeof block);
    forge_segment(key, block, segment);
    sgp32_bsp_init_raw(&bsp, key, key, key);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, segment, sizeof segment, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_CRYPTO);
    assert_int_equal(bsp.block_counter, 1);
    block[3] = 0x81;
    forge_segment(key, block, segment);
    assert_int_equal(sgp32_bsp_unprotect(&bsp, segment, sizeof segment, plain, sizeof plain, &plain_len, NULL),
                     SGP32_ERR_CRYPTO);
}

struct bpp_walk {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

/* Next TLV of the walk: header in *h, returns the element start. */
static const uint8_t *walk_next(struct bpp_walk *walk, struct sgp32_tlv_header *h)
{
    const uint8_t *at = walk->data + walk->pos;
    assert_true(walk->pos < walk->len);
    assert_int_equal(sgp32_tlv_parse_header(at, walk->len - walk->pos, h), SGP32_OK);
    assert_true(h->length != SGP32_TLV_INDEFINITE && h->length <= walk->len - walk->pos - h->header_len);
    walk->pos += h->header_len + h->length;
    return at;
}

static void test_full_bpp(void **state)
{
    size_t bpp_len, upp_len, keys_len, n, plain_len, upp_pos = 0, segments86 = 0, wrapped_segments = 0;
    uint8_t *bpp = test_read_shared_exact("vectors/bsp/bpp_decode_test.BoundProfilePackage.der", &bpp_len);
    uint8_t *upp = test_read_shared("vectors/bsp/bpp_decode_test.expected_upp.der", &upp_len);
    char *keys = (char *)test_read_shared("vectors/bsp/bpp_decode_test.keys.txt", &keys_len);
    uint8_t s_enc[16], s_mac[16], mcv[16], expected[256], plain[MAX_SEGMENT];
    uint8_t *got_upp = malloc(upp_len);
    struct sgp32_tlv_header h, inner_h;
    struct bpp_walk outer, body, inner;
    struct sgp32_bsp session, profile;
    (void)state;

    assert_non_null(got_upp);
    get(keys, NULL, "s_enc", s_enc, 16, &n);
    get(keys, NULL, "s_mac", s_mac, 16, &n);
    get(keys, NULL, "initial_mcv", mcv, 16, &n);
    sgp32_bsp_init_raw(&session, s_enc, s_mac, mcv);
    get(keys, NULL, "ppk_enc", s_enc, 16, &n);
    get(keys, NULL, "ppk_mac", s_mac, 16, &n);
    get(keys, NULL, "ppk_initial_mcv", mcv, 16, &n);
    sgp32_bsp_init_raw(&profile, s_enc, s_mac, mcv);

    outer.data = bpp;
    outer.len = bpp_len;
    outer.pos = 0;
    walk_next(&outer, &h);
    assert_int_equal(h.tag, 0xBF36);
    assert_int_equal(outer.pos, bpp_len);
    body.data = bpp + h.header_len;
    body.len = h.length;
    body.pos = 0;
    walk_next(&body, &h);
    assert_int_equal(h.tag, 0xBF23); /* InitialiseSecureChannel: not BSP-protected */
    while (body.pos < body.len) {
        const uint8_t *container = walk_next(&body, &h);
        inner.data = container + h.header_len;
        inner.len = h.length;
        inner.pos = 0;
        while (inner.pos < inner.len) {
            const uint8_t *segment = walk_next(&inner, &inner_h);
            size_t segment_len = inner_h.header_len + inner_h.length;
            uint8_t tag = 0;
            struct sgp32_bsp *engine = h.tag == 0xA3 ? &profile : &session;
            struct sgp32_tlv_header wrapped;
            /* This vector (pySim's BPP encoder) wraps each BSP output TLV once more in an element
             * of the same tag ("87 1A 87 18 ..."); real SM-DP+ BPPs carry the BSP TLV directly. */
            if (sgp32_tlv_parse_header(segment + inner_h.header_len, inner_h.length, &wrapped) == SGP32_OK &&
                wrapped.tag == inner_h.tag && wrapped.header_len + wrapped.length == inner_h.length) {
                segment += inner_h.header_len;
                segment_len = inner_h.length;
                wrapped_segments++;
            }
            assert_int_equal(sgp32_bsp_unprotect(engine, segment, segment_len, plain, sizeof plain, &plain_len, &tag),
                             SGP32_OK);
            if (h.tag == 0xA0) {
                assert_int_equal(tag, 0x87);
                get(keys, NULL, "plain_firstSequenceOf87", expected, sizeof expected, &n);
                assert_int_equal(plain_len, n);
                assert_memory_equal(plain, expected, n);
            } else if (h.tag == 0xA1) {
                assert_int_equal(tag, 0x88);
                get(keys, NULL, "plain_sequenceOf88", expected, sizeof expected, &n);
                assert_int_equal(plain_len, n);
                assert_memory_equal(plain, expected, n);
            } else {
                assert_int_equal(h.tag, 0xA3); /* this BPP has no secondSequenceOf87 */
                assert_int_equal(tag, 0x86);
                assert_true(plain_len <= upp_len - upp_pos);
                memcpy(got_upp + upp_pos, plain, plain_len);
                upp_pos += plain_len;
                segments86++;
            }
        }
    }
    assert_int_equal(segments86, 13);
    assert_int_equal(wrapped_segments, 1 + 1 + 13);
    assert_int_equal(upp_pos, upp_len);
    assert_memory_equal(got_upp, upp, upp_len);
    free(got_upp);
    free(bpp);
    free(upp);
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_vectors),
        cmocka_unit_test(test_cipher_protect),
        cmocka_unit_test(test_cipher_unprotect),
        cmocka_unit_test(test_unprotect_refusals),
        cmocka_unit_test(test_bad_padding_refused),
        cmocka_unit_test(test_forged_padding),
        cmocka_unit_test(test_full_bpp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
