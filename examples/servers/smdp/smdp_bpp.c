/* SPDX-License-Identifier: MIT */
/*
 * SM-DP+ side, second half: ES9+.GetBoundProfilePackage (the BPP builder of SGP.22 2.5.4 / 2.6.4 /
 * Annex G), the ES10b segmentation of SGP.22 2.5.5, and the ProfileInstallationResult check.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/bsp.h"
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "smdp_internal.h"

#define HOST_ID "libsgp32-smdp"

enum sgp32_status smdp_upp_header_iccid(const uint8_t *upp, size_t upp_len, uint8_t iccid[10])
{
    /* PEDefinitions ProfileElement CHOICE header [0] ProfileHeader { ..., iccid [3] } */
    const uint8_t *p = upp;
    size_t left = upp_len;
    struct tlv header, field;
    int bad = 0;
    if (!next_tlv(&p, &left, &header, &bad) || header.tag != 0xA0 || !find_child(&header, 0x83, &field) ||
        field.len != 10)
        return SGP32_ERR_DECODE;
    memcpy(iccid, field.value, 10);
    return SGP32_OK;
}

/* The header has the digits in reading order (89 49 44 ..); SGP.22's Iccid is "as coded in EF.ICCID"
 * (ETSI TS 102 221: nibbles swapped in each byte, 98 94 44 .., as the profile's own EF.ICCID 2FE2). */
enum sgp32_status smdp_upp_iccid(const uint8_t *upp, size_t upp_len, uint8_t iccid[10])
{
    size_t i;
    enum sgp32_status status = smdp_upp_header_iccid(upp, upp_len, iccid);
    if (status == SGP32_OK)
        for (i = 0; i < 10; i++)
            iccid[i] = (uint8_t)((iccid[i] << 4) | (iccid[i] >> 4));
    return status;
}

/* StoreMetadataRequest (BF25) from the UPP header: ICCID (EF.ICCID form), names, notifications for every
 * event. */
static enum sgp32_status default_metadata(struct smdp_core *core, const uint8_t *upp, size_t upp_len, struct dbuf *out)
{
    static const uint8_t all_events[3] = {0x04, 0xF0}; /* install, enable, disable, delete */
    static const char provider[] = "libsgp32 test SM-DP+";
    const uint8_t *p = upp;
    size_t left = upp_len;
    struct tlv header, type;
    struct dbuf body = {0}, list = {0}, entry = {0};
    uint8_t iccid[10];
    int bad = 0;
    enum sgp32_status status = smdp_upp_iccid(upp, upp_len, iccid);
    if (status != SGP32_OK)
        return status;
    if (!next_tlv(&p, &left, &header, &bad))
        return SGP32_ERR_DECODE;
    dbuf_tlv(&body, 0x5A, iccid, 10);
    dbuf_tlv(&body, 0x91, (const uint8_t *)provider, sizeof(provider) - 1);
    if (find_child(&header, 0x82, &type) && type.len <= 64)
        dbuf_tlv(&body, 0x92, type.value, type.len);
    else
        dbuf_tlv(&body, 0x92, NULL, 0);
    dbuf_tlv(&entry, 0x80, all_events, 2);
    dbuf_tlv(&entry, 0x81, (const uint8_t *)core->address, strlen(core->address));
    dbuf_wrap(&list, 0x30, &entry);
    dbuf_wrap(&body, 0xB6, &list);
    dbuf_wrap(out, 0xBF25, &body);
    return out->failed ? SGP32_ERR_NO_MEMORY : SGP32_OK;
}

enum sgp32_status smdp_profile_metadata(struct smdp_core *core, const uint8_t *upp, size_t upp_len,
                                        struct smdp_blob *metadata)
{
    struct dbuf out = {0};
    enum sgp32_status status;
    if (core == NULL || upp == NULL || metadata == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    status = default_metadata(core, upp, upp_len, &out);
    if (status != SGP32_OK) {
        free(out.data);
        return status;
    }
    return dbuf_take(&out, metadata);
}

/* Protects plain in segments of at most `size` bytes, each appended to b. */
static enum sgp32_status protect_segments(struct sgp32_bsp *bsp, uint8_t tag, const uint8_t *plain, size_t len,
                                          size_t size, struct dbuf *b)
{
    uint8_t *out = malloc(size + 64);
    size_t at = 0;
    enum sgp32_status status = out == NULL ? SGP32_ERR_NO_MEMORY : SGP32_OK;
    while (status == SGP32_OK && at < len) {
        size_t n = len - at < size ? len - at : size, out_len = 0;
        status = sgp32_bsp_protect(bsp, tag, plain + at, n, out, size + 64, &out_len);
        if (status == SGP32_OK)
            dbuf_raw(b, out, out_len);
        at += n;
    }
    free(out);
    return b->failed && status == SGP32_OK ? SGP32_ERR_NO_MEMORY : status;
}

static enum sgp32_status check_prepare_response(struct smdp_session *s, const uint8_t *response, size_t len,
                                                uint8_t otpk[SGP32_EC_POINT_SIZE])
{
    struct tlv ok, signed2, signature2, field;
    const uint8_t *p;
    size_t left;
    int bad = 0;
    /* SGP32_ERR_EUICC_RESULT: downloadResponseError */
    enum sgp32_status status = smdp_response_ok(response, len, 0xBF21, &ok);
    if (status != SGP32_OK)
        return status;
    p = ok.value;
    left = ok.len;
    if (!next_tlv(&p, &left, &signed2, &bad) || signed2.tag != 0x30 || !next_tlv(&p, &left, &signature2, &bad))
        return SGP32_ERR_DECODE;
    /* SGP.22 5.6.3: euiccSignature2 over euiccSigned2 || smdpSignature2 (tag 5F37 included). */
    status = smdp_verify_parts(s->euicc_certificate.data, s->euicc_certificate.len, signed2.all, signed2.all_len,
                               s->smdp_signature2.data, s->smdp_signature2.len, &signature2);
    if (status != SGP32_OK)
        return status;
    if (!find_child(&signed2, 0x80, &field) || field.len != 16 || memcmp(field.value, s->transaction_id, 16) != 0)
        return SGP32_ERR_PROTOCOL;
    if (!find_child(&signed2, 0x5F49, &field) || field.len != SGP32_EC_POINT_SIZE)
        return SGP32_ERR_DECODE;
    memcpy(otpk, field.value, SGP32_EC_POINT_SIZE);
    if (s->cc_required) {
        /* SGP.22 5.6.3: hashCc = SHA-256(SHA-256(code) || transactionId) */
        struct sgp32_sha256 hash;
        uint8_t expected[32];
        if (!find_child(&signed2, 0x04, &field) || field.len != 32)
            return SGP32_ERR_PROTOCOL;
        status = sgp32_sha256_init(&hash);
        if (status == SGP32_OK)
            status = sgp32_sha256_update(&hash, s->cc_hash1, 32);
        if (status == SGP32_OK)
            status = sgp32_sha256_update(&hash, s->transaction_id, 16);
        if (status == SGP32_OK)
            status = sgp32_sha256_final(&hash, expected);
        if (status != SGP32_OK)
            return status;
        if (memcmp(expected, field.value, 32) != 0)
            return SGP32_ERR_CRYPTO;
    }
    return SGP32_OK;
}

/* BF23 InitialiseSecureChannelRequest; derives the session keys. */
static enum sgp32_status secure_channel(struct smdp_session *s, const uint8_t euicc_otpk[SGP32_EC_POINT_SIZE],
                                        struct dbuf *out, struct sgp32_bsp_keys *keys)
{
    static const uint8_t remote_op[3] = {0x82, 0x01, 0x01}; /* installBoundProfilePackage */
    struct smdp_core *core = s->core;
    struct sgp32_ec_key own, peer;
    uint8_t own_point[SGP32_EC_POINT_SIZE], secret[SGP32_EC_SECRET_SIZE], otpk_tlv[3 + SGP32_EC_POINT_SIZE];
    size_t own_len = 0;
    struct dbuf body = {0}, crt = {0};
    static const uint8_t key_type = 0x88, key_len = 0x10;
    enum sgp32_status status;
    sgp32_ec_key_init(&own);
    sgp32_ec_key_init(&peer);
    status = sgp32_ec_import_public_raw(&peer, s->curve, euicc_otpk, SGP32_EC_POINT_SIZE);
    if (status == SGP32_OK)
        status = sgp32_ec_generate(&own, s->curve, &core->rng);
    if (status == SGP32_OK)
        status = sgp32_ec_export_public(&own, own_point, sizeof(own_point), &own_len);
    if (status == SGP32_OK)
        status = sgp32_ec_shared_secret(&own, &peer, &core->rng, secret);
    sgp32_ec_key_free(&own);
    sgp32_ec_key_free(&peer);
    if (status == SGP32_OK)
        status = sgp32_bsp_derive_keys(secret, sizeof(secret), key_type, key_len, (const uint8_t *)HOST_ID,
                                       sizeof(HOST_ID) - 1, s->eid, 16, keys);
    memset(secret, 0, sizeof(secret));
    if (status != SGP32_OK)
        return status;
    dbuf_raw(&body, remote_op, sizeof(remote_op));
    dbuf_tlv(&body, 0x80, s->transaction_id, 16);
    dbuf_tlv(&crt, 0x80, &key_type, 1);
    dbuf_tlv(&crt, 0x81, &key_len, 1);
    dbuf_tlv(&crt, 0x84, (const uint8_t *)HOST_ID, sizeof(HOST_ID) - 1);
    dbuf_wrap(&body, 0xA6, &crt);
    dbuf_tlv(&body, 0x5F49, own_point, own_len);
    if (body.failed) {
        free(body.data);
        return SGP32_ERR_NO_MEMORY;
    }
    /* SGP.22 2.5.4 / 5.5.1: smdpSign over the fields above || euiccOtpk (5F49 41 ..). */
    otpk_tlv[0] = 0x5F;
    otpk_tlv[1] = 0x49;
    otpk_tlv[2] = SGP32_EC_POINT_SIZE;
    memcpy(otpk_tlv + 3, euicc_otpk, SGP32_EC_POINT_SIZE);
    status = smdp_sign_parts(core, &core->pb_key, body.data, body.len, otpk_tlv, sizeof(otpk_tlv), &body);
    if (status != SGP32_OK) {
        free(body.data);
        return status;
    }
    dbuf_wrap(out, 0xBF23, &body);
    return out->failed ? SGP32_ERR_NO_MEMORY : SGP32_OK;
}

enum sgp32_status smdp_get_bound_profile_package(struct smdp_session *s, const uint8_t *response, size_t response_len,
                                                 const uint8_t *upp, size_t upp_len,
                                                 const struct smdp_bpp_options *options, struct smdp_blob *bpp)
{
    uint8_t euicc_otpk[SGP32_EC_POINT_SIZE];
    struct sgp32_bsp_keys keys;
    struct sgp32_bsp bsp, ppk_bsp;
    struct dbuf body = {0}, seq = {0}, metadata = {0}, isdp = {0}, dp = {0}, out = {0};
    struct tlv oid;
    size_t segment = options != NULL && options->segment_size > 0 ? options->segment_size : 1020;
    int use_ppk = options != NULL && options->replace_session_keys;
    enum sgp32_status status;
    if (s == NULL || response == NULL || upp == NULL || bpp == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (s->stage != STAGE_AUTHENTICATED)
        return SGP32_ERR_STATE;
    status = check_prepare_response(s, response, response_len, euicc_otpk);
    if (status == SGP32_OK)
        status = secure_channel(s, euicc_otpk, &body, &keys);
    if (status != SGP32_OK) {
        free(body.data);
        return status;
    }
    sgp32_bsp_init(&bsp, &keys);
    memset(&keys, 0, sizeof(keys));
    /* A0: ConfigureISDPRequest BF24 { dpProprietaryData [24] { dpOid [0] } } in 87 segments. */
    if (smdp_certificate_registered_id(&s->core->pb_parsed, &oid)) {
        dbuf_tlv(&dp, 0x80, oid.value, oid.len);
        dbuf_wrap(&isdp, 0xB8, &dp);
    }
    dbuf_wrap(&metadata, 0xBF24, &isdp);
    status = metadata.failed ? SGP32_ERR_NO_MEMORY : SGP32_OK;
    if (status == SGP32_OK)
        status = protect_segments(&bsp, 0x87, metadata.data, metadata.len, segment, &seq);
    dbuf_wrap(&body, 0xA0, &seq);
    free(metadata.data);
    memset(&metadata, 0, sizeof(metadata));
    /* A1: StoreMetadataRequest BF25 in 88 segments (MAC only). */
    if (status == SGP32_OK) {
        if (options != NULL && options->metadata != NULL)
            dbuf_raw(&metadata, options->metadata, options->metadata_len);
        else
            status = default_metadata(s->core, upp, upp_len, &metadata);
    }
    if (status == SGP32_OK)
        status = protect_segments(&bsp, 0x88, metadata.data, metadata.len, segment, &seq);
    dbuf_wrap(&body, 0xA1, &seq);
    free(metadata.data);
    /* A2: ReplaceSessionKeysRequest BF26 {initialMacChainingValue, ppkEnc, ppkCmac} in an 87 segment. */
    if (status == SGP32_OK && use_ppk) {
        uint8_t ppk[48];
        struct dbuf rsk = {0}, rsk_body = {0};
        status = sgp32_crypto_rng_bytes(&s->core->rng, ppk, sizeof(ppk));
        dbuf_tlv(&rsk_body, 0x80, ppk, 16);
        dbuf_tlv(&rsk_body, 0x81, ppk + 16, 16);
        dbuf_tlv(&rsk_body, 0x82, ppk + 32, 16);
        dbuf_wrap(&rsk, 0xBF26, &rsk_body);
        if (status == SGP32_OK)
            status =
                rsk.failed ? SGP32_ERR_NO_MEMORY : protect_segments(&bsp, 0x87, rsk.data, rsk.len, rsk.len + 16, &seq);
        dbuf_wrap(&body, 0xA2, &seq);
        free(rsk.data);
        sgp32_bsp_init_raw(&ppk_bsp, ppk + 16, ppk + 32, ppk);
        memset(ppk, 0, sizeof(ppk));
    }
    /* A3: the profile elements in 86 segments. */
    if (status == SGP32_OK)
        status = protect_segments(use_ppk ? &ppk_bsp : &bsp, 0x86, upp, upp_len, segment, &seq);
    dbuf_wrap(&body, 0xA3, &seq);
    sgp32_bsp_clear(&bsp);
    if (use_ppk)
        sgp32_bsp_clear(&ppk_bsp);
    if (status != SGP32_OK) {
        free(body.data);
        return status;
    }
    dbuf_wrap(&out, 0xBF36, &body);
    status = dbuf_take(&out, bpp);
    if (status == SGP32_OK)
        s->stage = STAGE_BOUND;
    return status;
}

enum sgp32_status smdp_split_bpp(const uint8_t *bpp, size_t bpp_len, struct smdp_segment *segments, size_t cap,
                                 size_t *count)
{
    struct tlv top, part, item;
    const uint8_t *p, *q;
    size_t left, qleft, n = 0;
    int bad = 0;
    if (!parse_one(bpp, bpp_len, &top) || top.tag != 0xBF36)
        return SGP32_ERR_DECODE;
    p = top.value;
    left = top.len;
    if (!next_tlv(&p, &left, &part, &bad) || part.tag != 0xBF23 || cap < 1)
        return SGP32_ERR_DECODE;
    /* BF36 header + BF23 */
    segments[n].data = bpp;
    segments[n++].len = (size_t)(part.all + part.all_len - bpp);
    while (next_tlv(&p, &left, &part, &bad)) {
        if (part.tag == 0xA0 || part.tag == 0xA2) { /* whole */
            if (n == cap)
                return SGP32_ERR_BUFFER_TOO_SMALL;
            segments[n].data = part.all;
            segments[n++].len = part.all_len;
            continue;
        }
        if (part.tag != 0xA1 && part.tag != 0xA3)
            return SGP32_ERR_DECODE;
        if (n == cap)
            return SGP32_ERR_BUFFER_TOO_SMALL;
        segments[n].data = part.all; /* header only */
        segments[n++].len = (size_t)(part.value - part.all);
        q = part.value;
        qleft = part.len;
        while (next_tlv(&q, &qleft, &item, &bad)) {
            if (n == cap)
                return SGP32_ERR_BUFFER_TOO_SMALL;
            segments[n].data = item.all;
            segments[n++].len = item.all_len;
        }
    }
    if (bad)
        return SGP32_ERR_DECODE;
    *count = n;
    return SGP32_OK;
}

enum sgp32_status smdp_verify_installation_result(struct smdp_session *s, const uint8_t *result, size_t len,
                                                  struct smdp_installation_result *out)
{
    struct tlv top, data, signature, field, final, choice, metadata;
    struct sgp32_x509_cert pb;
    struct tlv oid;
    const uint8_t *p;
    size_t left;
    int bad = 0;
    enum sgp32_status status;
    if (s == NULL || result == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (s->euicc_certificate.data == NULL)
        return SGP32_ERR_STATE;
    if (!parse_one(result, len, &top) || top.tag != 0xBF37)
        return SGP32_ERR_DECODE;
    p = top.value;
    left = top.len;
    if (!next_tlv(&p, &left, &data, &bad) || data.tag != 0xBF27 || !next_tlv(&p, &left, &signature, &bad))
        return SGP32_ERR_DECODE;
    status = smdp_verify_parts(s->euicc_certificate.data, s->euicc_certificate.len, data.all, data.all_len, NULL, 0,
                               &signature);
    if (status != SGP32_OK)
        return status;
    if (!find_child(&data, 0x80, &field) || field.len != 16 || memcmp(field.value, s->transaction_id, 16) != 0)
        return SGP32_ERR_PROTOCOL;
    pb = s->core->pb_parsed;
    if (!find_child(&data, 0x06, &field) || !smdp_certificate_registered_id(&pb, &oid) || field.len != oid.len ||
        memcmp(field.value, oid.value, oid.len) != 0)
        return SGP32_ERR_PROTOCOL;
    if (find_child(&data, 0xBF2F, &metadata) && find_child(&metadata, 0x5A, &field) && field.len == 10) {
        memcpy(out->iccid, field.value, 10);
        out->has_iccid = 1;
    }
    if (!find_child(&data, 0xA2, &final) || !parse_one(final.value, final.len, &choice))
        return SGP32_ERR_DECODE;
    if (choice.tag == 0xA0) {
        out->success = 1;
        return SGP32_OK;
    }
    if (choice.tag != 0xA1)
        return SGP32_ERR_DECODE;
    if (find_child(&choice, 0x80, &field) && field.len >= 1 && field.len <= 2)
        out->bpp_command_id = field.len == 1 ? field.value[0] : (field.value[0] << 8) | field.value[1];
    if (find_child(&choice, 0x81, &field) && field.len >= 1 && field.len <= 2)
        out->error_reason = field.len == 1 ? field.value[0] : (field.value[0] << 8) | field.value[1];
    return SGP32_OK;
}
