/* SPDX-License-Identifier: MIT */
/*
 * BSP, the Bound Profile Package protection of SGP.22 2.6.4 / Annex G (SCP03t-like): key derivation
 * from the ECKA shared secret, and the per-session engine that protects and unprotects one
 * BPP segment at a time. Library-internal, needs SGP32_HAVE_CRYPTO / wolfSSL.
 *
 * API summary:
 *   struct sgp32_bsp_keys keys;
 *   sgp32_bsp_derive_keys(z, 32, 0x88, 16, host_id, n, eid, 16, &keys);  // S-ENC, S-MAC, MCV0
 *   struct sgp32_bsp bsp;                         // fixed size, no allocation per segment
 *   sgp32_bsp_init(&bsp, &keys);                  // block counter 1, MAC chain = initial MCV
 *   sgp32_bsp_protect(&bsp, 0x87, plain, n, out, size, &out_len);    // 87/86: encrypt and MAC
 *   sgp32_bsp_protect(&bsp, 0x88, plain, n, out, size, &out_len);    // 88: MAC only
 *   sgp32_bsp_unprotect(&bsp, tlv, tlv_len, plain, size, &plain_len, &tag);  // verify, decrypt
 *   sgp32_bsp_clear(&bsp);                        // wipes the keys
 * ReplaceSessionKeys (A2, ppk-enc/ppk-mac/initial MCV) starts a second engine with
 * sgp32_bsp_init_raw() for the 86 segments.
 *
 * Errors: SGP32_ERR_CRYPTO (MAC mismatch or bad padding; the engine state is left unchanged so the
 * caller can abort cleanly), SGP32_ERR_DECODE (malformed segment TLV, ciphertext not a multiple
 * of 16), SGP32_ERR_BUFFER_TOO_SMALL, SGP32_ERR_INVALID_ARGUMENT (other tags, NULL).
 */
#ifndef SGP32_LIB_CRYPTO_BSP_H
#define SGP32_LIB_CRYPTO_BSP_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#define SGP32_BSP_KEY_SIZE 16
#define SGP32_BSP_MAC_SIZE 8
#define SGP32_BSP_TAG_ENCRYPTED_PROFILE 0x86u /* sequenceOf86: profile data (encrypt + MAC) */
#define SGP32_BSP_TAG_ENCRYPTED 0x87u         /* firstSequenceOf87 / secondSequenceOf87 */
#define SGP32_BSP_TAG_MAC_ONLY 0x88u          /* sequenceOf88: StoreMetadata (MAC only) */

struct sgp32_bsp_keys {
    uint8_t s_enc[SGP32_BSP_KEY_SIZE];
    uint8_t s_mac[SGP32_BSP_KEY_SIZE];
    uint8_t initial_mcv[SGP32_BSP_KEY_SIZE];
};

struct sgp32_bsp {
    uint8_t s_enc[SGP32_BSP_KEY_SIZE];
    uint8_t s_mac[SGP32_BSP_KEY_SIZE];
    uint8_t mac_chain[SGP32_BSP_KEY_SIZE]; /* full CMAC of the previous segment */
    uint32_t block_counter;                /* ICV counter: 1 + segments processed (88 included) */
};

/*
 * SGP.22 Annex G: X9.63 KDF (SHA-256) over the shared secret with SharedInfo = key type | key
 * length | host id length | host id | EID length | EID; output 48 bytes = initial MCV | S-ENC |
 * S-MAC. key_type 0x88 (AES), key_length 16.
 */
enum sgp32_status sgp32_bsp_derive_keys(const uint8_t *shared_secret, size_t shared_secret_len, uint8_t key_type,
                                        uint8_t key_length, const uint8_t *host_id, size_t host_id_len,
                                        const uint8_t *eid, size_t eid_len, struct sgp32_bsp_keys *keys);

void sgp32_bsp_init(struct sgp32_bsp *bsp, const struct sgp32_bsp_keys *keys);
void sgp32_bsp_init_raw(struct sgp32_bsp *bsp, const uint8_t s_enc[SGP32_BSP_KEY_SIZE],
                        const uint8_t s_mac[SGP32_BSP_KEY_SIZE], const uint8_t initial_mcv[SGP32_BSP_KEY_SIZE]);
void sgp32_bsp_clear(struct sgp32_bsp *bsp);

/*
 * Protects plain[0..plain_len) as one segment: tag 0x86/0x87 pads (80 00..), AES-CBC encrypts and
 * MACs; tag 0x88 MACs only. out receives the whole TLV: tag | length | data | MAC (8 bytes).
 * The buffers must not overlap.
 */
enum sgp32_status sgp32_bsp_protect(struct sgp32_bsp *bsp, uint8_t tag, const uint8_t *plain, size_t plain_len,
                                    uint8_t *out, size_t out_size, size_t *out_len);

/*
 * Unprotects one segment TLV (tag 86, 87 or 88, exactly segment_len bytes): checks the MAC, then
 * decrypts and strips the padding (86/87). *tag receives the segment's tag (may be NULL). The
 * buffers must not overlap. On error the engine state is unchanged.
 */
enum sgp32_status sgp32_bsp_unprotect(struct sgp32_bsp *bsp, const uint8_t *segment, size_t segment_len, uint8_t *plain,
                                      size_t plain_size, size_t *plain_len, uint8_t *tag);

#endif
