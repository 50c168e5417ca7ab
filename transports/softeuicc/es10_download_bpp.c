/* SPDX-License-Identifier: MIT */
/*
 * ES10b.LoadBoundProfilePackage, card side (SGP.22 v2.5 2.5.5, 2.6.4, 5.7.23 (ES8+ functions inside the
 * BPP), Annex G). The IPA sends the BPP in segments, each its own STORE DATA sequence:
 *   BF36 header + BF23 | A0 (whole) | A1 header | each 88 | A2 (whole, optional) | A3 header | each 86
 * Each segment is checked and unprotected as it arrives (BSP: AES-CBC + CMAC chaining); nothing of the
 * profile is kept but what the card installs: the StoreMetadata (88) content and the ProfileHeader's
 * ICCID (first 86 bytes). Segments answer 9000 without data; the last one, or the first that fails,
 * answers the signed ProfileInstallationResult (BF37) and ends the session. The new profile is
 * committed atomically after the last segment, so a power cut leaves the card with or without the
 * profile, never half of it. Segments wrapped twice in the same tag (the pySim BPP encoder, see
 * docs/crypto.md) are accepted as well.
 */
#include <stdlib.h>
#include <string.h>

#include "StoreMetadataRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "download_internal.h"
#include "sgp32/tlv.h"

/* BppCommandId and ErrorReason (SGP.22 5.7.23 / RSPDefinitions). */
enum { CMD_INITIALISE = 0, CMD_CONFIGURE_ISDP = 1, CMD_STORE_METADATA = 2, CMD_REPLACE_KEYS = 4, CMD_LOAD_PE = 5 };
enum {
    ERR_INCORRECT_INPUT = 1,
    ERR_INVALID_SIGNATURE = 2,
    ERR_INVALID_TRANSACTION_ID = 3,
    ERR_UNSUPPORTED_CRT = 4,
    ERR_UNSUPPORTED_REMOTE_OP = 5,
    ERR_UNSUPPORTED_CLASS = 6,
    ERR_STRUCTURE = 7,
    ERR_SECURITY = 8,
    ERR_ICCID_EXISTS = 9,
    ERR_NO_MEMORY = 10,
    ERR_PE_PROCESSING = 12,
    ERR_DATA_MISMATCH = 13,
    ERR_PPR_NOT_ALLOWED = 15,
    ERR_UNKNOWN = 127
};

#define PROFILE_BUDGET (512u * 1024u) /* per profile slot, as EUICCInfo2 extCardResource reports */

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/rng.h"

/* simaResponse of a successful installation: EUICCResponse { peStatus { status ok } } */
static const uint8_t sima_ok[9] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

/* Writes the signed ProfileInstallationResult into `out`. success: aid given. */
static uint16_t signed_result(struct sgp32_softeuicc *card, struct der_writer *out, const uint8_t *aid, long command,
                              long reason, const uint8_t *iccid, long seq_number)
{
    static const int install_bit[1] = {1};
    static const uint8_t fallback_oid[2] = {0x88, 0x37}; /* 2.999 */
    struct softeuicc_download *s = &card->download;
    struct der_writer data;
    uint8_t *bytes, signature[64];
    size_t len = 0;
    der_writer_reset(out);
    der_writer_init(&data);
    der_begin(&data, 0xBF27);
    der_bytes(&data, 0x80, s->transaction_id, s->transaction_id_len);
    der_begin(&data, 0xBF2F);
    der_integer(&data, 0x80, seq_number);
    der_named_bits(&data, 0x81, install_bit, 1);
    der_string(&data, 0x0C, s->server_address);
    if (iccid != NULL)
        der_bytes(&data, 0x5A, iccid, 10);
    der_end(&data);
    if (s->pb_oid_len > 0)
        der_bytes(&data, 0x06, s->pb_oid, s->pb_oid_len);
    else
        der_bytes(&data, 0x06, fallback_oid, sizeof(fallback_oid));
    der_begin(&data, 0xA2);
    if (aid != NULL) {
        der_begin(&data, 0xA0);
        der_bytes(&data, 0x4F, aid, 16);
        der_bytes(&data, 0x04, sima_ok, sizeof(sima_ok));
        der_end(&data);
    } else {
        der_begin(&data, 0xA1);
        der_integer(&data, 0x80, command);
        der_integer(&data, 0x81, reason);
        der_end(&data);
    }
    der_end(&data);
    der_end(&data);
    bytes = der_writer_take(&data, &len);
    if (bytes == NULL || softeuicc_sign(card, bytes, len, signature) != SGP32_OK) {
        free(bytes);
        return SW_MEMORY_FAILURE;
    }
    der_begin(out, 0xBF37);
    der_raw(out, bytes, len);
    der_bytes(out, 0x5F37, signature, 64);
    der_end(out);
    free(bytes);
    return SW_OK;
}

/* SGP.22 3.1.3 / 5.7.10: the signed result, kept on the card as the install notification (seqNumber from
 * the notification counter) and committed together with the new profile; then the session ends. If the
 * commit fails the card is back at its previous state (no profile): the result reports the failure. */
static uint16_t installation_result(struct sgp32_softeuicc *card, struct der_writer *out, const uint8_t *aid,
                                    long command, long reason, const uint8_t *iccid)
{
    enum sgp32_status status;
    uint16_t sw = signed_result(card, out, aid, command, reason, iccid, card->state.next_seq_number++);
    status = sw == SW_OK ? softeuicc_add_install_result(card, out->buf, out->len) : SGP32_ERR_NO_MEMORY;
    status = softeuicc_commit_after(card, status);
    if (sw == SW_OK && status != SGP32_OK && aid != NULL) {
        sw = signed_result(card, out, NULL, CMD_LOAD_PE, status == SGP32_ERR_NO_MEMORY ? ERR_NO_MEMORY : ERR_UNKNOWN,
                           NULL, card->state.next_seq_number++);
        if (sw == SW_OK)
            (void)softeuicc_commit_after(card, softeuicc_add_install_result(card, out->buf, out->len));
    }
    softeuicc_download_end(card);
    return sw;
}

static uint16_t fail(struct sgp32_softeuicc *card, struct der_writer *out, long command, long reason)
{
    return installation_result(card, out, NULL, command, reason, NULL);
}

/* The command a structure error is reported against, by the stage the card is in. */
static long stage_command(int stage)
{
    switch (stage) {
    case DOWNLOAD_EXPECT_A0:
        return CMD_CONFIGURE_ISDP;
    case DOWNLOAD_EXPECT_A1:
    case DOWNLOAD_IN_A1:
        return CMD_STORE_METADATA;
    case DOWNLOAD_PREPARED:
        return CMD_INITIALISE;
    default:
        return CMD_LOAD_PE;
    }
}

/* Unprotects one segment TLV; a segment wrapped once more in its own tag is unwrapped. The plain text
 * is malloc'd. */
static enum sgp32_status unprotect(struct sgp32_bsp *bsp, const struct dl_tlv *segment, uint8_t **plain,
                                   size_t *plain_len)
{
    struct dl_tlv inner;
    enum sgp32_status status;
    *plain = malloc(segment->len + 1);
    if (*plain == NULL)
        return SGP32_ERR_NO_MEMORY;
    status = sgp32_bsp_unprotect(bsp, segment->all, segment->all_len, *plain, segment->len + 1, plain_len, NULL);
    if (status != SGP32_OK && dl_one(segment->value, segment->len, &inner) && inner.tag == segment->tag)
        status = sgp32_bsp_unprotect(bsp, inner.all, inner.all_len, *plain, segment->len + 1, plain_len, NULL);
    if (status != SGP32_OK) {
        free(*plain);
        *plain = NULL;
    }
    return status;
}

/* SGP.22 5.5.1 / 2.5.4: BF23 InitialiseSecureChannelRequest; derives the session keys. */
static uint16_t initialise_secure_channel(struct sgp32_softeuicc *card, const uint8_t *rest, size_t rest_len,
                                          struct der_writer *out)
{
    struct softeuicc_download *s = &card->download;
    struct dl_tlv bf23, field, crt, key_type, key_len, host, otpk, signature;
    struct sgp32_ec_key own, peer, pb;
    struct sgp32_crypto_rng rng;
    struct sgp32_sha256 hash;
    struct sgp32_bsp_keys keys;
    uint8_t digest[SGP32_SHA256_SIZE], secret[SGP32_EC_SECRET_SIZE], otpk_tlv[3 + 65];
    enum sgp32_status status;
    if (!dl_one(rest, rest_len, &bf23) || bf23.tag != 0xBF23 || !dl_child(&bf23, 0x5F37, &signature) ||
        !dl_child(&bf23, 0x5F49, &otpk) || !dl_child(&bf23, 0xA6, &crt) || !dl_child(&bf23, 0x80, &field))
        return fail(card, out, CMD_INITIALISE, ERR_INCORRECT_INPUT);
    {
        struct dl_tlv op;
        if (!dl_child(&bf23, 0x82, &op) || op.len != 1 || op.value[0] != 1)
            return fail(card, out, CMD_INITIALISE, ERR_UNSUPPORTED_REMOTE_OP);
    }
    if (field.len != s->transaction_id_len || memcmp(field.value, s->transaction_id, field.len) != 0)
        return fail(card, out, CMD_INITIALISE, ERR_INVALID_TRANSACTION_ID);
    if (!dl_child(&crt, 0x80, &key_type) || key_type.len != 1 || key_type.value[0] != 0x88 ||
        !dl_child(&crt, 0x81, &key_len) || key_len.len != 1 || key_len.value[0] != 0x10 ||
        !dl_child(&crt, 0x84, &host) || host.len < 1 || host.len > 16)
        return fail(card, out, CMD_INITIALISE, ERR_UNSUPPORTED_CRT);
    /* smdpSign over the fields before it || euiccOtpk (5F49 41 ..) with PK.DPpb.ECDSA */
    otpk_tlv[0] = 0x5F;
    otpk_tlv[1] = 0x49;
    otpk_tlv[2] = 65;
    memcpy(otpk_tlv + 3, s->otpk, 65);
    memset(&rng, 0, sizeof(rng));
    sgp32_ec_key_init(&own);
    sgp32_ec_key_init(&peer);
    sgp32_ec_key_init(&pb);
    status = sgp32_sha256_init(&hash);
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, bf23.value, (size_t)(signature.all - bf23.value));
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, otpk_tlv, sizeof(otpk_tlv));
    if (status == SGP32_OK)
        status = sgp32_sha256_final(&hash, digest);
    if (status == SGP32_OK)
        status = sgp32_ec_import_public_raw(&pb, (enum sgp32_curve)s->curve, s->pb_point, 65);
    if (status == SGP32_OK &&
        (signature.len != 64 || sgp32_ecdsa_verify_digest(&pb, digest, signature.value, signature.len) != SGP32_OK)) {
        sgp32_ec_key_free(&pb);
        sgp32_ec_key_free(&own);
        sgp32_ec_key_free(&peer);
        return fail(card, out, CMD_INITIALISE, ERR_INVALID_SIGNATURE);
    }
    /* ECKA with otSK.EUICC, then the X9.63 KDF with the host id and the EID (Annex G). */
    if (status == SGP32_OK)
        status = sgp32_ec_import_private_raw(&own, (enum sgp32_curve)s->curve, s->otsk, 32);
    if (status == SGP32_OK)
        status = sgp32_ec_import_public_raw(&peer, (enum sgp32_curve)s->curve, otpk.value, otpk.len);
    if (status == SGP32_OK)
        status = sgp32_crypto_rng_init(&rng, NULL, NULL);
    if (status == SGP32_OK)
        status = sgp32_ec_shared_secret(&own, &peer, &rng, secret);
    if (status == SGP32_OK)
        status =
            sgp32_bsp_derive_keys(secret, sizeof(secret), 0x88, 16, host.value, host.len, card->state.eid, 16, &keys);
    sgp32_crypto_rng_free(&rng);
    sgp32_ec_key_free(&pb);
    sgp32_ec_key_free(&own);
    sgp32_ec_key_free(&peer);
    memset(secret, 0, sizeof(secret));
    memset(s->otsk, 0, sizeof(s->otsk)); /* one-time: never used again */
    if (status != SGP32_OK)
        return fail(card, out, CMD_INITIALISE, ERR_INCORRECT_INPUT);
    sgp32_bsp_init(&s->bsp, &keys);
    memset(&keys, 0, sizeof(keys));
    s->stage = DOWNLOAD_EXPECT_A0;
    return SW_OK;
}

/* A0 / A2: a whole sequence of 87 segments with the session keys, into buf. */
static int sequence_of_87(struct softeuicc_download *s, const struct dl_tlv *whole, uint8_t *buf, size_t cap,
                          size_t *len, long *reason)
{
    const uint8_t *p = whole->value;
    size_t left = whole->len;
    struct dl_tlv segment;
    *len = 0;
    while (dl_next(&p, &left, &segment)) {
        uint8_t *plain;
        size_t plain_len = 0;
        if (segment.tag != 0x87) {
            *reason = ERR_STRUCTURE;
            return 0;
        }
        if (unprotect(&s->bsp, &segment, &plain, &plain_len) != SGP32_OK) {
            *reason = ERR_SECURITY;
            return 0;
        }
        if (plain_len > cap - *len) {
            free(plain);
            *reason = ERR_INCORRECT_INPUT;
            return 0;
        }
        memcpy(buf + *len, plain, plain_len);
        *len += plain_len;
        free(plain);
    }
    *reason = ERR_STRUCTURE;
    return left == 0 && *len > 0;
}

/* SGP.22 5.5.3 StoreMetadata: checks before any profile data is accepted. */
static long check_metadata(struct sgp32_softeuicc *card)
{
    struct softeuicc_download *s = &card->download;
    StoreMetadataRequest_t *metadata = softeuicc_decode(SGP32_TYPE(StoreMetadataRequest), s->metadata, s->metadata_len);
    long code = 0, profile_class = 2;
    if (metadata == NULL)
        return ERR_INCORRECT_INPUT;
    if (metadata->iccid.size != 10)
        code = ERR_INCORRECT_INPUT;
    else if (softeuicc_profile_by_iccid(card, metadata->iccid.buf) != NULL)
        code = ERR_ICCID_EXISTS;
    else if (card->state.profile_count >= SOFTEUICC_MAX_PROFILES)
        code = ERR_NO_MEMORY;
    else if (metadata->profileClass != NULL &&
             (asn_INTEGER2long(metadata->profileClass, &profile_class) != 0 || profile_class < 0 || profile_class > 2))
        code = ERR_UNSUPPORTED_CLASS;
    if (code == 0 && !softeuicc_rat_allows(card, metadata->profilePolicyRules, metadata->profileOwner))
        code = ERR_PPR_NOT_ALLOWED; /* SGP.22 2.9.2.2: no RAT rule for a PPR and this Profile Owner */
    sgp32_codec_free(SGP32_TYPE(StoreMetadataRequest), metadata);
    return code;
}

/* The ICCID of the ProfileHeader at the start of the profile data (PEDefinitions: header [0] {..,
 * iccid [3], .., connectivityParameters [7] OCTET STRING OPTIONAL, ..}) and its connectivity
 * parameters (*connectivity NULL when absent); 0 if the data does not start with a readable header. */
static int header_fields(const struct softeuicc_download *s, const uint8_t **iccid, struct dl_tlv *connectivity)
{
    struct sgp32_tlv_header header;
    const uint8_t *p;
    size_t left;
    struct dl_tlv field;
    memset(connectivity, 0, sizeof(*connectivity));
    if (sgp32_tlv_parse_header(s->header, s->header_len, &header) != SGP32_OK || header.tag != 0xA0 ||
        header.length == SGP32_TLV_INDEFINITE)
        return 0;
    p = s->header + header.header_len;
    left = s->header_len - header.header_len;
    if (left > header.length)
        left = header.length;
    *iccid = NULL;
    while (dl_next(&p, &left, &field))
        if (field.tag == 0x83 && field.len == 10)
            *iccid = field.value;
        else if (field.tag == 0x87)
            *connectivity = field;
    return *iccid != NULL;
}

/* The last 86 segment: check the profile against its metadata, install and commit. */
static uint16_t install(struct sgp32_softeuicc *card, struct der_writer *out)
{
    static const uint32_t copied[] = {0x91, 0x92, 0x93, 0x94, 0x95, 0xB6, 0xB7};
    struct softeuicc_download *s = &card->download;
    struct dl_tlv metadata, field, isdp, connectivity;
    struct softeuicc_profile_extra *extra;
    struct der_writer info;
    SGP32_ProfileInfo_t *profile;
    uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};
    uint8_t iccid[10], *der;
    const uint8_t *profile_iccid = NULL;
    size_t der_len = 0, i;
    if (!dl_one(s->metadata, s->metadata_len, &metadata) || !dl_child(&metadata, 0x5A, &field) || field.len != 10)
        return fail(card, out, CMD_LOAD_PE, ERR_UNKNOWN);
    memcpy(iccid, field.value, 10);
    if (!header_fields(s, &profile_iccid, &connectivity))
        return fail(card, out, CMD_LOAD_PE, ERR_PE_PROCESSING);
    /* The SAIP ProfileHeader carries the ICCID digits in reading order (89 49 44 ..); SGP.22's Iccid
     * (StoreMetadataRequest, ProfileInfo, notifications) is "as coded in EF.ICCID" (ETSI TS 102 221:
     * each byte's nibbles swapped, 98 94 44 ..). Compare the digits; the card keeps the EF.ICCID form. */
    for (i = 0; i < 10; i++)
        if (profile_iccid[i] != (uint8_t)((iccid[i] << 4) | (iccid[i] >> 4)))
            return fail(card, out, CMD_LOAD_PE, ERR_DATA_MISMATCH);
    if (softeuicc_profile_by_iccid(card, iccid) != NULL)
        return fail(card, out, CMD_LOAD_PE, ERR_ICCID_EXISTS);
    if (card->state.profile_count >= SOFTEUICC_MAX_PROFILES)
        return fail(card, out, CMD_LOAD_PE, ERR_NO_MEMORY);
    while (softeuicc_profile_by_aid(card, aid, 16) != NULL) /* a free ISD-P AID */
        aid[14]++;
    /* ProfileInfo from the metadata (same tags), ConfigureISDP's dpProprietaryData and the new AID. */
    der_writer_init(&info);
    der_begin(&info, 0xE3);
    der_bytes(&info, 0x5A, iccid, 10);
    der_bytes(&info, 0x4F, aid, 16);
    der_integer(&info, 0x9F70, 0);
    for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
        if (dl_child(&metadata, copied[i], &field))
            der_raw(&info, field.all, field.all_len);
    if (dl_one(s->isdp, s->isdp_len, &isdp) && dl_child(&isdp, 0xB8, &field))
        der_raw(&info, field.all, field.all_len);
    if (dl_child(&metadata, 0x99, &field))
        der_raw(&info, field.all, field.all_len);
    if (dl_child(&metadata, 0xBF22, &field))
        der_raw(&info, field.all, field.all_len);
    der_end(&info);
    der = der_writer_take(&info, &der_len);
    profile = der != NULL ? softeuicc_decode(SGP32_TYPE(SGP32_ProfileInfo), der, der_len) : NULL;
    free(der);
    if (profile == NULL)
        return fail(card, out, CMD_LOAD_PE, ERR_UNKNOWN);
    extra = &card->state.profile_extras[card->state.profile_count];
    softeuicc_profile_extra_free(extra); /* field-loaded (preloaded 0) */
    if (connectivity.all != NULL) {
        extra->connectivity = malloc(connectivity.len + 1);
        if (extra->connectivity == NULL) {
            sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), profile);
            return fail(card, out, CMD_LOAD_PE, ERR_NO_MEMORY);
        }
        memcpy(extra->connectivity, connectivity.value, connectivity.len);
        extra->connectivity_len = connectivity.len;
    }
    card->state.profiles[card->state.profile_count++] = profile; /* committed with the result */
    memset(&card->kept_otk, 0, sizeof(card->kept_otk));          /* installed: no retry can need the key pair */
    return installation_result(card, out, aid, 0, 0, iccid);
}

/* One 88 or 86 segment: verified, unprotected, its plain text kept as far as needed. */
static uint16_t data_segment(struct sgp32_softeuicc *card, const struct dl_tlv *segment, struct der_writer *out)
{
    struct softeuicc_download *s = &card->download;
    int metadata = segment->tag == 0x88;
    long command = metadata ? CMD_STORE_METADATA : CMD_LOAD_PE;
    size_t *left = metadata ? &s->a1_left : &s->a3_left, plain_len = 0;
    uint8_t *plain;
    if (segment->all_len > *left)
        return fail(card, out, command, ERR_STRUCTURE);
    if (unprotect(metadata || !s->have_ppk ? &s->bsp : &s->ppk_bsp, segment, &plain, &plain_len) != SGP32_OK)
        return fail(card, out, command, ERR_SECURITY);
    *left -= segment->all_len;
    if (metadata) {
        if (plain_len > sizeof(s->metadata) - s->metadata_len) {
            free(plain);
            return fail(card, out, command, ERR_INCORRECT_INPUT);
        }
        memcpy(s->metadata + s->metadata_len, plain, plain_len);
        s->metadata_len += plain_len;
    } else {
        size_t room = sizeof(s->header) - s->header_len;
        memcpy(s->header + s->header_len, plain, plain_len < room ? plain_len : room);
        s->header_len += plain_len < room ? plain_len : room;
        s->profile_len += plain_len;
    }
    free(plain);
    if (s->profile_len > PROFILE_BUDGET)
        return fail(card, out, CMD_LOAD_PE, ERR_NO_MEMORY);
    if (*left > 0)
        return SW_OK;
    if (metadata) {
        long code = check_metadata(card);
        if (code != 0)
            return fail(card, out, CMD_STORE_METADATA, code);
        s->stage = DOWNLOAD_EXPECT_A2_A3;
        return SW_OK;
    }
    return install(card, out);
}

/* The A1 / A3 header segment (SGP.22 2.5.5 sends the header alone; a whole element is accepted too). */
static uint16_t header_segment(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                               const struct sgp32_tlv_header *header, struct der_writer *out)
{
    struct softeuicc_download *s = &card->download;
    const uint8_t *p = data + header->header_len;
    size_t left = len - header->header_len;
    struct dl_tlv segment;
    uint32_t inner = header->tag == 0xA1 ? 0x88 : 0x86;
    uint16_t sw = SW_OK;
    if (header->length == SGP32_TLV_INDEFINITE || (left != 0 && left != header->length))
        return fail(card, out, stage_command(s->stage), ERR_STRUCTURE);
    if (header->tag == 0xA1) {
        s->a1_left = header->length;
        s->stage = DOWNLOAD_IN_A1;
    } else {
        s->a3_left = header->length;
        s->stage = DOWNLOAD_IN_A3;
    }
    if (header->length == 0)
        return fail(card, out, stage_command(s->stage), ERR_STRUCTURE);
    while (left > 0 && sw == SW_OK && s->stage != DOWNLOAD_NONE) {
        if (!dl_next(&p, &left, &segment) || segment.tag != inner)
            return fail(card, out, stage_command(s->stage), ERR_STRUCTURE);
        sw = data_segment(card, &segment, out);
    }
    return sw;
}

uint16_t es10_load_bound_profile_package(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                         struct der_writer *out)
{
    struct softeuicc_download *s = &card->download;
    struct sgp32_tlv_header header;
    struct dl_tlv whole;
    long reason = ERR_STRUCTURE;
    if (sgp32_tlv_parse_header(data, len, &header) != SGP32_OK || header.length == SGP32_TLV_INDEFINITE)
        return SW_WRONG_DATA;
    if (s->stage < DOWNLOAD_PREPARED || !softeuicc_can_sign(card))
        return SW_CONDITIONS_NOT_SATISFIED; /* no session: nothing to load into */
    if (header.tag == 0xBF36) {
        if (s->stage != DOWNLOAD_PREPARED)
            return fail(card, out, stage_command(s->stage), ERR_STRUCTURE);
        return initialise_secure_channel(card, data + header.header_len, len - header.header_len, out);
    }
    switch (s->stage) {
    case DOWNLOAD_EXPECT_A0:
        if (header.tag != 0xA0 || !dl_one(data, len, &whole))
            break;
        if (!sequence_of_87(s, &whole, s->isdp, sizeof(s->isdp), &s->isdp_len, &reason))
            return fail(card, out, CMD_CONFIGURE_ISDP, reason);
        if (!dl_one(s->isdp, s->isdp_len, &whole) || whole.tag != 0xBF24) /* ConfigureISDPRequest */
            return fail(card, out, CMD_CONFIGURE_ISDP, ERR_INCORRECT_INPUT);
        s->stage = DOWNLOAD_EXPECT_A1;
        return SW_OK;
    case DOWNLOAD_EXPECT_A1:
        if (header.tag != 0xA1)
            break;
        return header_segment(card, data, len, &header, out);
    case DOWNLOAD_IN_A1:
    case DOWNLOAD_IN_A3:
        if (header.tag != (s->stage == DOWNLOAD_IN_A1 ? 0x88u : 0x86u) || !dl_one(data, len, &whole))
            break;
        return data_segment(card, &whole, out);
    case DOWNLOAD_EXPECT_A2_A3:
        if (header.tag == 0xA2 && dl_one(data, len, &whole)) {
            /* ReplaceSessionKeysRequest BF26 {initialMacChainingValue [0], ppkEnc [1], ppkCmac [2]} */
            uint8_t keys[SOFTEUICC_DOWNLOAD_SMALL];
            size_t keys_len = 0;
            struct dl_tlv request, mcv, enc, mac;
            if (!sequence_of_87(s, &whole, keys, sizeof(keys), &keys_len, &reason))
                return fail(card, out, CMD_REPLACE_KEYS, reason);
            if (!dl_one(keys, keys_len, &request) || request.tag != 0xBF26 || !dl_child(&request, 0x80, &mcv) ||
                !dl_child(&request, 0x81, &enc) || !dl_child(&request, 0x82, &mac) || mcv.len != 16 || enc.len != 16 ||
                mac.len != 16)
                return fail(card, out, CMD_REPLACE_KEYS, ERR_INCORRECT_INPUT);
            sgp32_bsp_init_raw(&s->ppk_bsp, enc.value, mac.value, mcv.value);
            memset(keys, 0, sizeof(keys));
            s->have_ppk = 1;
            s->stage = DOWNLOAD_EXPECT_A3;
            return SW_OK;
        }
        if (header.tag != 0xA3) /* A3 without A2 */
            break;
        return header_segment(card, data, len, &header, out);
    case DOWNLOAD_EXPECT_A3:
        if (header.tag != 0xA3)
            break;
        return header_segment(card, data, len, &header, out);
    default:
        break;
    }
    return fail(card, out, stage_command(s->stage), ERR_STRUCTURE);
}

#else

uint16_t es10_load_bound_profile_package(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                         struct der_writer *out)
{
    (void)card;
    (void)data;
    (void)len;
    (void)out;
    return SW_CONDITIONS_NOT_SATISFIED;
}
#endif
