/* SPDX-License-Identifier: MIT */
/*
 * BSP (SGP.22 2.6.4.3-2.6.4.5, Annex G): SCP03t-style protection of BPP segments. Every segment is
 * a TLV whose value ends with an 8-byte C-MAC; the MAC input is the chaining value (the full
 * 16-byte CMAC of the previous segment, initially the derived MCV) || tag || length || data.
 * Encrypted segments (86, 87) are AES-128-CBC with ICV = AES(S-ENC, block counter) and padding
 * 80 00.. (GlobalPlatform Amendment D, SCP03). The block counter counts every segment of the
 * engine, MAC-only ones included: the vectors from a production SM-DP+ trace (step 3 of
 * cipher-mode51 follows an 88 segment and uses counter 3) settle this.
 */
#include "crypto/bsp.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cmac.h>

#include "crypto/hash.h"
#include "sgp32/tlv.h"

#define BSP_BLOCK 16u
/* The largest segment value this engine handles; BPP segments are about 1 KB. */
#define BSP_MAX_VALUE 0xFFFFu

enum sgp32_status sgp32_bsp_derive_keys(const uint8_t *shared_secret, size_t shared_secret_len, uint8_t key_type,
                                        uint8_t key_length, const uint8_t *host_id, size_t host_id_len,
                                        const uint8_t *eid, size_t eid_len, struct sgp32_bsp_keys *keys)
{
    /* SharedInfo: keyType | keyLength | L(hostId) | hostId | L(EID) | EID (SGP.22 Annex G). */
    uint8_t shared_info[4 + 2 * 127];
    uint8_t derived[3 * SGP32_BSP_KEY_SIZE];
    size_t pos = 0;
    enum sgp32_status st;

    if (shared_secret == NULL || host_id == NULL || eid == NULL || keys == NULL || host_id_len > 127 || eid_len > 127)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (key_length != SGP32_BSP_KEY_SIZE)
        return SGP32_ERR_NOT_SUPPORTED; /* AES-128 only (key type 88, length 16) */
    shared_info[pos++] = key_type;
    shared_info[pos++] = key_length;
    shared_info[pos++] = (uint8_t)host_id_len;
    memcpy(shared_info + pos, host_id, host_id_len);
    pos += host_id_len;
    shared_info[pos++] = (uint8_t)eid_len;
    memcpy(shared_info + pos, eid, eid_len);
    pos += eid_len;
    st = sgp32_x963_kdf_sha256(shared_secret, shared_secret_len, shared_info, pos, derived, sizeof derived);
    if (st == SGP32_OK) {
        memcpy(keys->initial_mcv, derived, SGP32_BSP_KEY_SIZE);
        memcpy(keys->s_enc, derived + SGP32_BSP_KEY_SIZE, SGP32_BSP_KEY_SIZE);
        memcpy(keys->s_mac, derived + 2 * SGP32_BSP_KEY_SIZE, SGP32_BSP_KEY_SIZE);
    }
    memset(derived, 0, sizeof derived);
    return st;
}

void sgp32_bsp_init_raw(struct sgp32_bsp *bsp, const uint8_t s_enc[SGP32_BSP_KEY_SIZE],
                        const uint8_t s_mac[SGP32_BSP_KEY_SIZE], const uint8_t initial_mcv[SGP32_BSP_KEY_SIZE])
{
    if (bsp == NULL || s_enc == NULL || s_mac == NULL || initial_mcv == NULL)
        return;
    memcpy(bsp->s_enc, s_enc, SGP32_BSP_KEY_SIZE);
    memcpy(bsp->s_mac, s_mac, SGP32_BSP_KEY_SIZE);
    memcpy(bsp->mac_chain, initial_mcv, SGP32_BSP_KEY_SIZE);
    bsp->block_counter = 1;
}

void sgp32_bsp_init(struct sgp32_bsp *bsp, const struct sgp32_bsp_keys *keys)
{
    if (keys == NULL)
        return;
    sgp32_bsp_init_raw(bsp, keys->s_enc, keys->s_mac, keys->initial_mcv);
}

void sgp32_bsp_clear(struct sgp32_bsp *bsp)
{
    /* volatile keeps the compiler from dropping the wipe of a dying object. */
    volatile uint8_t *bytes = (volatile uint8_t *)bsp;
    size_t i;
    if (bsp == NULL)
        return;
    for (i = 0; i < sizeof *bsp; i++)
        bytes[i] = 0;
}

static int is_bsp_tag(uint32_t tag)
{
    return tag == SGP32_BSP_TAG_ENCRYPTED_PROFILE || tag == SGP32_BSP_TAG_ENCRYPTED || tag == SGP32_BSP_TAG_MAC_ONLY;
}

/* Writes tag and DER length; returns the header size. */
static size_t put_header(uint8_t tag, size_t length, uint8_t header[4])
{
    header[0] = tag;
    if (length < 0x80u) {
        header[1] = (uint8_t)length;
        return 2;
    }
    if (length <= 0xFFu) {
        header[1] = 0x81;
        header[2] = (uint8_t)length;
        return 3;
    }
    header[1] = 0x82;
    header[2] = (uint8_t)(length >> 8);
    header[3] = (uint8_t)length;
    return 4;
}

/* C-MAC = AES-CMAC(S-MAC, chain || header || data): the full 16 bytes. */
static enum sgp32_status compute_mac(const struct sgp32_bsp *bsp, const uint8_t *header, size_t header_len,
                                     const uint8_t *data, size_t data_len, uint8_t mac[BSP_BLOCK])
{
    Cmac cmac;
    word32 mac_len = BSP_BLOCK;
    int rc = wc_InitCmac(&cmac, bsp->s_mac, SGP32_BSP_KEY_SIZE, WC_CMAC_AES, NULL);

    if (rc == 0)
        rc = wc_CmacUpdate(&cmac, bsp->mac_chain, SGP32_BSP_KEY_SIZE);
    if (rc == 0)
        rc = wc_CmacUpdate(&cmac, header, (word32)header_len);
    if (rc == 0 && data_len > 0)
        rc = wc_CmacUpdate(&cmac, data, (word32)data_len);
    if (rc == 0)
        rc = wc_CmacFinal(&cmac, mac, &mac_len);
    memset(&cmac, 0, sizeof cmac);
    return rc == 0 && mac_len == BSP_BLOCK ? SGP32_OK : SGP32_ERR_CRYPTO;
}

/* AES-CBC over in[0..len) (len a multiple of 16) with ICV = AES(S-ENC, counter as 16 bytes BE). */
static enum sgp32_status cbc(const struct sgp32_bsp *bsp, int encrypt, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t counter_block[BSP_BLOCK] = {0};
    uint8_t icv[BSP_BLOCK];
    Aes aes;
    int rc;

    counter_block[12] = (uint8_t)(bsp->block_counter >> 24);
    counter_block[13] = (uint8_t)(bsp->block_counter >> 16);
    counter_block[14] = (uint8_t)(bsp->block_counter >> 8);
    counter_block[15] = (uint8_t)bsp->block_counter;
    rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
    if (rc != 0)
        return SGP32_ERR_CRYPTO;
    rc = wc_AesSetKey(&aes, bsp->s_enc, SGP32_BSP_KEY_SIZE, NULL, AES_ENCRYPTION);
    if (rc == 0)
        rc = wc_AesEncryptDirect(&aes, icv, counter_block);
    if (rc == 0)
        rc = wc_AesSetKey(&aes, bsp->s_enc, SGP32_BSP_KEY_SIZE, icv, encrypt ? AES_ENCRYPTION : AES_DECRYPTION);
    if (rc == 0)
        rc = encrypt ? wc_AesCbcEncrypt(&aes, out, in, (word32)len) : wc_AesCbcDecrypt(&aes, out, in, (word32)len);
    wc_AesFree(&aes);
    memset(&aes, 0, sizeof aes);
    return rc == 0 ? SGP32_OK : SGP32_ERR_CRYPTO;
}

enum sgp32_status sgp32_bsp_protect(struct sgp32_bsp *bsp, uint8_t tag, const uint8_t *plain, size_t plain_len,
                                    uint8_t *out, size_t out_size, size_t *out_len)
{
    uint8_t header[4];
    uint8_t mac[BSP_BLOCK];
    size_t header_len, data_len, value_len;
    int encrypt = tag != SGP32_BSP_TAG_MAC_ONLY;
    enum sgp32_status st;

    if (bsp == NULL || (plain == NULL && plain_len > 0) || out == NULL || out_len == NULL || !is_bsp_tag(tag))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (plain_len > BSP_MAX_VALUE - BSP_BLOCK - SGP32_BSP_MAC_SIZE)
        return SGP32_ERR_TOO_LARGE;
    data_len = encrypt ? (plain_len / BSP_BLOCK + 1) * BSP_BLOCK : plain_len; /* pad 80 00.., always */
    value_len = data_len + SGP32_BSP_MAC_SIZE;
    header_len = put_header(tag, value_len, header);
    if (out_size < header_len + value_len)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    memcpy(out, header, header_len);
    if (plain_len > 0)
        memcpy(out + header_len, plain, plain_len);
    if (encrypt) {
        out[header_len + plain_len] = 0x80;
        memset(out + header_len + plain_len + 1, 0, data_len - plain_len - 1);
        st = cbc(bsp, 1, out + header_len, data_len, out + header_len);
        if (st != SGP32_OK)
            return st;
    }
    st = compute_mac(bsp, header, header_len, out + header_len, data_len, mac);
    if (st != SGP32_OK)
        return st;
    memcpy(out + header_len + data_len, mac, SGP32_BSP_MAC_SIZE);
    memcpy(bsp->mac_chain, mac, BSP_BLOCK);
    bsp->block_counter++;
    *out_len = header_len + value_len;
    return SGP32_OK;
}

/* Constant-time comparison: a MAC check must not leak how many bytes matched. */
static int equal_secret(const uint8_t *a, const uint8_t *b, size_t len)
{
    uint8_t diff = 0;
    size_t i;
    for (i = 0; i < len; i++)
        diff = (uint8_t)(diff | (a[i] ^ b[i]));
    return diff == 0;
}

enum sgp32_status sgp32_bsp_unprotect(struct sgp32_bsp *bsp, const uint8_t *segment, size_t segment_len, uint8_t *plain,
                                      size_t plain_size, size_t *plain_len, uint8_t *tag)
{
    struct sgp32_tlv_header header;
    uint8_t mac[BSP_BLOCK];
    const uint8_t *data;
    size_t data_len, unpadded;
    int encrypt;
    enum sgp32_status st;

    if (bsp == NULL || segment == NULL || plain_len == NULL || (plain == NULL && plain_size > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    st = sgp32_tlv_parse_header(segment, segment_len, &header);
    if (st == SGP32_ERR_NEED_MORE)
        return SGP32_ERR_TRUNCATED;
    if (st != SGP32_OK)
        return st;
    if (!is_bsp_tag(header.tag) || header.length == SGP32_TLV_INDEFINITE)
        return SGP32_ERR_DECODE;
    if (header.length > segment_len - header.header_len)
        return SGP32_ERR_TRUNCATED;
    if (header.length < segment_len - header.header_len)
        return SGP32_ERR_TRAILING;
    if (header.length < SGP32_BSP_MAC_SIZE || header.length > BSP_MAX_VALUE)
        return SGP32_ERR_DECODE;
    encrypt = header.tag != SGP32_BSP_TAG_MAC_ONLY;
    data = segment + header.header_len;
    data_len = header.length - SGP32_BSP_MAC_SIZE;
    if (encrypt && (data_len == 0 || data_len % BSP_BLOCK != 0))
        return SGP32_ERR_DECODE;
    if (plain_size < data_len)
        return SGP32_ERR_BUFFER_TOO_SMALL;

    st = compute_mac(bsp, segment, header.header_len, data, data_len, mac);
    if (st != SGP32_OK)
        return st;
    if (!equal_secret(mac, data + data_len, SGP32_BSP_MAC_SIZE))
        return SGP32_ERR_CRYPTO;
    unpadded = data_len;
    if (encrypt) {
        st = cbc(bsp, 0, data, data_len, plain);
        if (st != SGP32_OK)
            return st;
        /* Strip 80 00..: the last non-zero byte of the last block must be 80. */
        while (unpadded > data_len - BSP_BLOCK && plain[unpadded - 1] == 0)
            unpadded--;
        if (unpadded == data_len - BSP_BLOCK || plain[unpadded - 1] != 0x80) {
            memset(plain, 0, data_len);
            return SGP32_ERR_CRYPTO;
        }
        unpadded--;
    } else if (data_len > 0) {
        memcpy(plain, data, data_len);
    }
    memcpy(bsp->mac_chain, mac, BSP_BLOCK);
    bsp->block_counter++;
    *plain_len = unpadded;
    if (tag != NULL)
        *tag = (uint8_t)header.tag;
    return SGP32_OK;
}
