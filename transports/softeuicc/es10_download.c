/* SPDX-License-Identifier: MIT */
/*
 * Profile download, card side (SGP.22 v2.5 3.1.3): AuthenticateServer (5.7.13), PrepareDownload
 * (5.7.13 / ES10b), CancelSession (5.7.14). LoadBoundProfilePackage is in es10_download_bpp.c.
 *
 * Trust: the CI public keys. The card's state holds only the CI PKIDs; the CI certificates it verifies
 * with are files in its state directory, `ci-<PKID in upper-case hex>.der` (DER), installed by
 * sgp32_softeuicc_create() from identity.ci_certificate_files (docs/software-euicc.md). A PKID without its file is
 * "unknown".
 *
 * Signatures (ECDSA-SHA256, 5F37 40 r||s), over the bytes as received:
 *   serverSignature1 over serverSigned1 (PK of CERT.DPauth, chained to the CI of euiccCiPKIdToBeUsed)
 *   euiccSignature1 over euiccSigned1
 *   smdpSignature2 over smdpSigned2 || euiccSignature1 (5F37 TLV) (PK of CERT.DPpb, same CI)
 *   euiccSignature2 over euiccSigned2 || smdpSignature2 (5F37 TLV)
 *   euiccCancelSessionSignature over euiccCancelSessionSigned
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "AuthenticateServerRequest.h"
#include "CancelSessionRequest.h"
#include "PrepareDownloadRequest.h"
#include "card_internal.h"
#include "identity.h"
#include "codec/codec_internal.h"
#include "download_internal.h"
#include "sgp32/tlv.h"

int dl_next(const uint8_t **p, size_t *left, struct dl_tlv *t)
{
    struct sgp32_tlv_header h;
    if (*left == 0 || sgp32_tlv_parse_header(*p, *left, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
        h.length > *left - h.header_len)
        return 0;
    t->tag = h.tag;
    t->all = *p;
    t->all_len = h.header_len + h.length;
    t->value = *p + h.header_len;
    t->len = h.length;
    *p += t->all_len;
    *left -= t->all_len;
    return 1;
}

int dl_one(const uint8_t *data, size_t len, struct dl_tlv *t)
{
    return dl_next(&data, &len, t) && len == 0;
}

int dl_child(const struct dl_tlv *parent, uint32_t tag, struct dl_tlv *out)
{
    const uint8_t *p = parent->value;
    size_t left = parent->len;
    while (dl_next(&p, &left, out))
        if (out->tag == tag)
            return 1;
    return 0;
}

void softeuicc_download_end(struct sgp32_softeuicc *card)
{
    memset(&card->download, 0, sizeof(card->download));
}

int softeuicc_bpp_segment(const struct sgp32_softeuicc *card, uint32_t tag)
{
    if (tag == 0xBF36)
        return 1;
    if (card->download.stage < DOWNLOAD_EXPECT_A0)
        return 0;
    return tag == 0xA0 || tag == 0xA1 || tag == 0xA2 || tag == 0xA3 || tag == 0x86 || tag == 0x87 || tag == 0x88;
}

/* BF38 / BF21 error: { [1] { transactionId [0], code } } */
static uint16_t session_error(struct der_writer *out, uint32_t tag, const uint8_t *tid, size_t tid_len, long code)
{
    der_writer_reset(out);
    der_begin(out, tag);
    der_begin(out, 0xA1);
    der_bytes(out, 0x80, tid, tid_len);
    der_integer(out, 0x02, code);
    der_end(out);
    der_end(out);
    return SW_OK;
}

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "crypto/x509.h"

/* subjectAltName registeredID (SGP.22 4.5.2: the SM-DP+ OID) content octets; 0 if absent. */
static size_t registered_id(const struct sgp32_x509_cert *cert, uint8_t *oid, size_t cap)
{
    static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1D, 0x11};
    size_t i;
    for (i = 0; i + sizeof(san_oid) < cert->tbs.len; i++) {
        const uint8_t *p = cert->tbs.data + i + sizeof(san_oid);
        size_t left = cert->tbs.len - i - sizeof(san_oid);
        struct dl_tlv t, names, id;
        if (memcmp(cert->tbs.data + i, san_oid, sizeof(san_oid)) != 0)
            continue;
        if (!dl_next(&p, &left, &t) || (t.tag == 0x01 && !dl_next(&p, &left, &t)) || t.tag != 0x04 ||
            !dl_one(t.value, t.len, &names) || !dl_child(&names, 0x88, &id) || id.len > cap)
            return 0;
        memcpy(oid, id.value, id.len);
        return id.len;
    }
    return 0;
}

/* Checks cert (DER) chains to the CI `pkid` the card trusts with `role`. 0 ok, else the error code:
 * 7 ciPKUnknown, 1 invalidCertificate (also when revoked by a loaded CRL), 3 unsupportedCurve, 5 invalidOid. */
static long check_server_certificate(struct sgp32_softeuicc *card, const uint8_t pkid[20], const uint8_t *der,
                                     size_t len, enum sgp32_x509_role role, struct sgp32_x509_cert *cert)
{
    struct sgp32_x509_cert ci;
    uint8_t *ci_der;
    size_t ci_len = 0, i;
    long code = 0;
    int known = 0;
    for (i = 0; i < card->state.ci_pkid_count; i++)
        known |= memcmp(card->state.ci_pkids[i], pkid, 20) == 0;
    if (!known || (ci_der = softeuicc_ci_certificate_read(&card->storage, pkid, &ci_len)) == NULL)
        return 7;
    if (sgp32_x509_parse(&ci, ci_der, ci_len) != SGP32_OK || ci.subject_key_id.len != 20 ||
        memcmp(ci.subject_key_id.data, pkid, 20) != 0) {
        code = 7;
    } else if (sgp32_x509_parse(cert, der, len) != SGP32_OK) {
        code = 1;
    } else if (cert->curve == SGP32_CURVE_NONE) {
        code = 3;
    } else if (sgp32_x509_verify_issued_by(cert, &ci, (int64_t)time(NULL)) != SGP32_OK) {
        code = 1;
    } else if (softeuicc_crl_revoked(card, pkid, cert->serial.data, cert->serial.len)) {
        code = 1; /* SGP.22 5.7.13 / 4.6.5: revoked by the loaded CRL of its CI: invalidCertificate */
    } else if (sgp32_x509_gsma_role(cert) != role) {
        code = 5;
    }
    free(ci_der);
    return code;
}

static enum sgp32_status verify_two(const struct sgp32_x509_cert *cert, const uint8_t *part1, size_t len1,
                                    const uint8_t *part2, size_t len2, const uint8_t *signature, size_t signature_len)
{
    struct sgp32_sha256 hash;
    struct sgp32_ec_key key;
    uint8_t digest[SGP32_SHA256_SIZE];
    enum sgp32_status status = sgp32_sha256_init(&hash);
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, part1, len1);
    if (status == SGP32_OK && len2 > 0)
        status = sgp32_sha256_update(&hash, part2, len2);
    if (status == SGP32_OK)
        status = sgp32_sha256_final(&hash, digest);
    if (status != SGP32_OK)
        return status;
    sgp32_ec_key_init(&key);
    status = sgp32_x509_public_key(cert, &key);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_verify_digest(&key, digest, signature, signature_len);
    sgp32_ec_key_free(&key);
    return status;
}

/* Signs part1 || part2 with SK.EUICC.ECDSA; writes 5F37 40 <r||s> and keeps it in tlv (may be NULL). */
static enum sgp32_status sign_two(struct sgp32_softeuicc *card, const uint8_t *part1, size_t len1, const uint8_t *part2,
                                  size_t len2, struct der_writer *out, uint8_t tlv[67])
{
    uint8_t *joined = malloc(len1 + len2 + 1), signature[64];
    enum sgp32_status status;
    if (joined == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(joined, part1, len1);
    if (len2 > 0)
        memcpy(joined + len1, part2, len2);
    status = softeuicc_sign(card, joined, len1 + len2, signature);
    free(joined);
    if (status == SGP32_OK) {
        der_bytes(out, 0x5F37, signature, 64);
        if (tlv != NULL) {
            tlv[0] = 0x5F;
            tlv[1] = 0x37;
            tlv[2] = 64;
            memcpy(tlv + 3, signature, 64);
        }
    }
    return status;
}

/* euiccInfo2 [34]: the GetEUICCInfo2 answer (BF22 ..), the form this card's mode uses. */
static int euicc_info2(struct sgp32_softeuicc *card, struct der_writer *out)
{
    static const uint8_t request[3] = {0xBF, 0x22, 0x00};
    struct der_writer info;
    uint8_t *bytes;
    size_t len = 0;
    der_writer_init(&info);
    if (es10_get_euicc_info2(card, request, sizeof(request), &info) != SW_OK) {
        der_writer_reset(&info);
        return 0;
    }
    bytes = der_writer_take(&info, &len);
    if (bytes == NULL)
        return 0;
    der_raw(out, bytes, len);
    free(bytes);
    return 1;
}

/* SGP.22 5.7.13 ES10b.AuthenticateServer. */
uint16_t es10_authenticate_server(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    AuthenticateServerRequest_t *request = softeuicc_decode(SGP32_TYPE(AuthenticateServerRequest), data, len);
    struct softeuicc_download *session = &card->download;
    struct dl_tlv top, signed1, signature1, pkid, certificate, ctx, field;
    struct sgp32_x509_cert server;
    struct der_writer signed_out;
    const uint8_t *p;
    size_t left, signed_len = 0, tid_len;
    uint8_t *signed_bytes, tid[16];
    long code;
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(AuthenticateServerRequest), request);
    /* The codec checked the structure; take the parts as received. */
    p = data;
    left = len;
    if (!dl_next(&p, &left, &top))
        return SW_WRONG_DATA;
    p = top.value;
    left = top.len;
    if (!dl_next(&p, &left, &signed1) || !dl_next(&p, &left, &signature1) || !dl_next(&p, &left, &pkid) ||
        !dl_next(&p, &left, &certificate) || !dl_next(&p, &left, &ctx) || !dl_child(&signed1, 0x80, &field) ||
        field.len > sizeof(tid))
        return SW_WRONG_DATA;
    tid_len = field.len;
    memcpy(tid, field.value, tid_len);
    softeuicc_download_end(card); /* a new AuthenticateServer replaces any session */
    if (!softeuicc_can_sign(card))
        return session_error(out, 0xBF38, tid, tid_len, 127);
    if (pkid.len != 20)
        return session_error(out, 0xBF38, tid, tid_len, 7);
    /* SGP.22 5.7.13: CERT.XXauth.ECDSA is an SM-DP+'s CERT.DPauth or an SM-DS's CERT.DSauth. */
    code = check_server_certificate(card, pkid.value, certificate.all, certificate.all_len, SGP32_X509_ROLE_DP_AUTH,
                                    &server);
    if (code == 5)
        code = check_server_certificate(card, pkid.value, certificate.all, certificate.all_len, SGP32_X509_ROLE_DS_AUTH,
                                        &server);
    if (code != 0)
        return session_error(out, 0xBF38, tid, tid_len, code);
    if (signature1.len != 64 ||
        verify_two(&server, signed1.all, signed1.all_len, NULL, 0, signature1.value, signature1.len) != SGP32_OK)
        return session_error(out, 0xBF38, tid, tid_len, 2);
    if (!card->have_challenge || !dl_child(&signed1, 0x81, &field) || field.len != 16 ||
        memcmp(field.value, card->euicc_challenge, 16) != 0)
        return session_error(out, 0xBF38, tid, tid_len, 6);
    card->have_challenge = 0; /* one challenge, one authentication */
    if (!dl_child(&signed1, 0x83, &field) || field.len >= sizeof(session->server_address))
        return session_error(out, 0xBF38, tid, tid_len, 127);
    {
        /* SGP.22 3.1.2 / 5.7.13: without a matching id a download comes from the default SM-DP+, so an
         * SM-DP+ must be the one configured on the card. An SM-DS (event retrieval) sends no matching
         * id and is never the default SM-DP+: no such check. */
        struct dl_tlv matching;
        const char *dp = card->state.default_dp_address;
        int has_matching = dl_child(&ctx, 0x80, &matching); /* ctxParamsForCommonAuthentication [0] */
        if (sgp32_x509_gsma_role(&server) == SGP32_X509_ROLE_DP_AUTH && !has_matching && dp != NULL &&
            (strlen(dp) != field.len || memcmp(dp, field.value, field.len) != 0))
            return session_error(out, 0xBF38, tid, tid_len, 127);
    }
    memcpy(session->server_address, field.value, field.len);
    session->server_address[field.len] = '\0';
    /* euiccSigned1 {transactionId [0], serverAddress [3], serverChallenge [4], euiccInfo2 [34], ctxParams1} */
    if (!dl_child(&signed1, 0x84, &field) || field.len != 16)
        return session_error(out, 0xBF38, tid, tid_len, 127);
    der_writer_init(&signed_out);
    der_begin(&signed_out, 0x30);
    der_bytes(&signed_out, 0x80, tid, tid_len);
    der_bytes(&signed_out, 0x83, (const uint8_t *)session->server_address, strlen(session->server_address));
    der_bytes(&signed_out, 0x84, field.value, 16);
    if (!euicc_info2(card, &signed_out)) {
        der_writer_reset(&signed_out);
        return session_error(out, 0xBF38, tid, tid_len, 127);
    }
    der_raw(&signed_out, ctx.all, ctx.all_len);
    der_end(&signed_out);
    signed_bytes = der_writer_take(&signed_out, &signed_len);
    if (signed_bytes == NULL)
        return session_error(out, 0xBF38, tid, tid_len, 127);
    der_begin(out, 0xBF38);
    der_begin(out, 0xA0);
    der_raw(out, signed_bytes, signed_len);
    if (sign_two(card, signed_bytes, signed_len, NULL, 0, out, session->euicc_signature1) != SGP32_OK) {
        free(signed_bytes);
        return session_error(out, 0xBF38, tid, tid_len, 127);
    }
    free(signed_bytes);
    der_raw(out, card->state.euicc_certificate, card->state.euicc_certificate_len);
    der_raw(out, card->state.eum_certificate, card->state.eum_certificate_len);
    der_end(out);
    der_end(out);
    memcpy(session->transaction_id, tid, tid_len);
    session->transaction_id_len = tid_len;
    memcpy(session->ci_pkid, pkid.value, 20);
    session->auth_oid_len = registered_id(&server, session->auth_oid, sizeof(session->auth_oid));
    session->curve = server.curve;
    /* An SM-DS session authenticates only (event retrieval): no PrepareDownload follows it. */
    session->server_is_ds = sgp32_x509_gsma_role(&server) == SGP32_X509_ROLE_DS_AUTH;
    session->stage = DOWNLOAD_AUTHENTICATED;
    return SW_OK;
}

/* SGP.22 5.7.13 ES10b.PrepareDownload. */
uint16_t es10_prepare_download(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    PrepareDownloadRequest_t *request = softeuicc_decode(SGP32_TYPE(PrepareDownloadRequest), data, len);
    struct softeuicc_download *session = &card->download;
    struct dl_tlv top, signed2, signature2, next, certificate, field;
    struct sgp32_x509_cert pb;
    const uint8_t *p, *hash_cc = NULL;
    size_t left, point_len = 0, signed_len = 0;
    uint8_t tid[16], *signed_bytes;
    size_t tid_len;
    int cc_required = 0;
    long code;
    struct sgp32_ec_key key;
    struct sgp32_crypto_rng rng;
    struct der_writer signed_out;
    enum sgp32_status status;
    if (request == NULL)
        return SW_WRONG_DATA;
    cc_required = request->smdpSigned2.ccRequiredFlag != 0;
    sgp32_codec_free(SGP32_TYPE(PrepareDownloadRequest), request);
    p = data;
    left = len;
    if (!dl_next(&p, &left, &top))
        return SW_WRONG_DATA;
    p = top.value;
    left = top.len;
    if (!dl_next(&p, &left, &signed2) || !dl_next(&p, &left, &signature2) || !dl_next(&p, &left, &next) ||
        !dl_child(&signed2, 0x80, &field) || field.len > sizeof(tid))
        return SW_WRONG_DATA;
    if (next.tag == 0x04) {
        hash_cc = next.value;
        if (!dl_next(&p, &left, &certificate))
            return SW_WRONG_DATA;
    } else {
        certificate = next;
    }
    tid_len = field.len;
    memcpy(tid, field.value, tid_len);
    if (session->stage != DOWNLOAD_AUTHENTICATED || session->server_is_ds)
        return session_error(out, 0xBF21, tid, tid_len, 4); /* noSessionContext: none, or an SM-DS's */
    code = check_server_certificate(card, session->ci_pkid, certificate.all, certificate.all_len, SGP32_X509_ROLE_DP_PB,
                                    &pb);
    if (code != 0)
        return session_error(out, 0xBF21, tid, tid_len, code == 3 ? 3 : 1);
    if (signature2.len != 64 || verify_two(&pb, signed2.all, signed2.all_len, session->euicc_signature1, 67,
                                           signature2.value, signature2.len) != SGP32_OK)
        return session_error(out, 0xBF21, tid, tid_len, 2);
    if (tid_len != session->transaction_id_len || memcmp(tid, session->transaction_id, tid_len) != 0)
        return session_error(out, 0xBF21, tid, tid_len, 5);
    if (cc_required && hash_cc == NULL)
        return session_error(out, 0xBF21, tid, tid_len, 127);
    /* SGP.22 3.1.3.2 / 5.7.13: smdpSigned2 carries bppEuiccOtpk when the SM-DP+ retries with a BPP it
     * already bound to an otPK.EUICC.ECKA of an earlier attempt. The card reuses that key pair when it
     * still holds it (card->kept_otk); otherwise (or without bppEuiccOtpk) it generates a fresh pair, and
     * the SM-DP+, seeing a euiccOtpk other than the one it bound to, binds the profile again.
     * PrepareDownloadResponseError has no code for an unknown otPK, so a fresh pair is the answer. */
    if (dl_child(&signed2, 0x5F49, &field) && card->kept_otk.valid && card->kept_otk.curve == (int)pb.curve &&
        field.len == 65 && memcmp(field.value, card->kept_otk.otpk, 65) == 0) {
        memcpy(session->otpk, card->kept_otk.otpk, 65);
        memcpy(session->otsk, card->kept_otk.otsk, 32);
        point_len = 65;
        status = SGP32_OK;
    } else {
        memset(&rng, 0, sizeof(rng));
        sgp32_ec_key_init(&key);
        status = sgp32_crypto_rng_init(&rng, NULL, NULL);
        if (status == SGP32_OK)
            status = sgp32_ec_generate(&key, pb.curve, &rng);
        if (status == SGP32_OK)
            status = sgp32_ec_export_public(&key, session->otpk, sizeof(session->otpk), &point_len);
        if (status == SGP32_OK)
            status = sgp32_ec_export_private_raw(&key, session->otsk, sizeof(session->otsk));
        sgp32_ec_key_free(&key);
        sgp32_crypto_rng_free(&rng);
    }
    if (status != SGP32_OK || point_len != 65 || pb.public_point.len != 65)
        return session_error(out, 0xBF21, tid, tid_len, 127);
    /* kept for a retry until a profile is installed or a newer PrepareDownload replaces it */
    card->kept_otk.valid = 1;
    card->kept_otk.curve = (int)pb.curve;
    memcpy(card->kept_otk.otpk, session->otpk, 65);
    memcpy(card->kept_otk.otsk, session->otsk, 32);
    memcpy(session->pb_point, pb.public_point.data, 65);
    session->curve = pb.curve;
    session->pb_oid_len = registered_id(&pb, session->pb_oid, sizeof(session->pb_oid));
    /* euiccSigned2 {transactionId [0], euiccOtpk 5F49, hashCc OPTIONAL}; euiccSignature2 over
     * euiccSigned2 || smdpSignature2 (5F37 TLV). */
    der_writer_init(&signed_out);
    der_begin(&signed_out, 0x30);
    der_bytes(&signed_out, 0x80, tid, tid_len);
    der_bytes(&signed_out, 0x5F49, session->otpk, 65);
    if (hash_cc != NULL)
        der_bytes(&signed_out, 0x04, hash_cc, 32);
    der_end(&signed_out);
    signed_bytes = der_writer_take(&signed_out, &signed_len);
    if (signed_bytes == NULL)
        return session_error(out, 0xBF21, tid, tid_len, 127);
    der_begin(out, 0xBF21);
    der_begin(out, 0xA0);
    der_raw(out, signed_bytes, signed_len);
    status = sign_two(card, signed_bytes, signed_len, signature2.all, signature2.all_len, out, NULL);
    free(signed_bytes);
    if (status != SGP32_OK)
        return session_error(out, 0xBF21, tid, tid_len, 127);
    der_end(out);
    der_end(out);
    session->stage = DOWNLOAD_PREPARED;
    return SW_OK;
}

/* SGP.22 5.7.14 ES10b.CancelSession: a signed acknowledgement, the session ends. */
uint16_t es10_cancel_session(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    CancelSessionRequest_t *request = softeuicc_decode(SGP32_TYPE(CancelSessionRequest), data, len);
    struct softeuicc_download *session = &card->download;
    struct der_writer signed_out;
    uint8_t *signed_bytes;
    size_t signed_len = 0;
    long reason = 127;
    int valid;
    if (request == NULL)
        return SW_WRONG_DATA;
    valid = session->stage != DOWNLOAD_NONE && (size_t)request->transactionId.size == session->transaction_id_len &&
            memcmp(request->transactionId.buf, session->transaction_id, session->transaction_id_len) == 0;
    if (asn_INTEGER2long(&request->reason, &reason) != 0)
        reason = 127;
    sgp32_codec_free(SGP32_TYPE(CancelSessionRequest), request);
    if (!valid || !softeuicc_can_sign(card)) {
        der_begin(out, 0xBF41);
        der_integer(out, 0x81, valid ? 127 : 5);
        der_end(out);
        return SW_OK;
    }
    /* euiccCancelSessionSigned {transactionId [0], smdpOid [1] (of CERT.DPauth), reason [2]} */
    der_writer_init(&signed_out);
    der_begin(&signed_out, 0x30);
    der_bytes(&signed_out, 0x80, session->transaction_id, session->transaction_id_len);
    der_bytes(&signed_out, 0x81, session->auth_oid, session->auth_oid_len);
    der_integer(&signed_out, 0x82, reason);
    der_end(&signed_out);
    signed_bytes = der_writer_take(&signed_out, &signed_len);
    softeuicc_download_end(card);
    der_begin(out, 0xBF41);
    der_begin(out, 0xA0);
    if (signed_bytes != NULL) {
        der_raw(out, signed_bytes, signed_len);
        if (sign_two(card, signed_bytes, signed_len, NULL, 0, out, NULL) != SGP32_OK)
            out->failed = 1;
    } else {
        out->failed = 1;
    }
    free(signed_bytes);
    der_end(out);
    der_end(out);
    if (der_writer_failed(out)) {
        der_writer_reset(out);
        der_begin(out, 0xBF41);
        der_integer(out, 0x81, 127);
        der_end(out);
    }
    return SW_OK;
}

#else /* without the crypto layer the card cannot take part in a download */

uint16_t es10_authenticate_server(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    AuthenticateServerRequest_t *request = softeuicc_decode(SGP32_TYPE(AuthenticateServerRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    session_error(out, 0xBF38, request->serverSigned1.transactionId.buf,
                  (size_t)request->serverSigned1.transactionId.size, 127); /* undefinedError */
    sgp32_codec_free(SGP32_TYPE(AuthenticateServerRequest), request);
    return SW_OK;
}

uint16_t es10_prepare_download(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    PrepareDownloadRequest_t *request = softeuicc_decode(SGP32_TYPE(PrepareDownloadRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    session_error(out, 0xBF21, request->smdpSigned2.transactionId.buf, (size_t)request->smdpSigned2.transactionId.size,
                  4);
    sgp32_codec_free(SGP32_TYPE(PrepareDownloadRequest), request);
    return SW_OK;
}

uint16_t es10_cancel_session(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    void *request = softeuicc_decode(SGP32_TYPE(CancelSessionRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(CancelSessionRequest), request);
    der_begin(out, 0xBF41);
    der_integer(out, 0x81, 5);
    der_end(out);
    return SW_OK;
}
#endif
