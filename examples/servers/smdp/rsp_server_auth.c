/* SPDX-License-Identifier: MIT */
/* Server side of the SGP.22 v2.5 mutual authentication, shared by SM-DP+ and SM-DS: rsp_server_auth.h. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "rsp_server_auth.h"

enum sgp32_status rsp_server_sign(struct sgp32_crypto_rng *rng, struct sgp32_ec_key *key, const uint8_t *part1,
                                  size_t len1, const uint8_t *part2, size_t len2, struct dbuf *b)
{
    uint8_t digest[SGP32_SHA256_SIZE], signature[SGP32_ECDSA_RAW_SIZE];
    enum sgp32_status status = smdp_digest_parts(part1, len1, part2, len2, digest);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_sign_digest(key, rng, digest, signature);
    if (status == SGP32_OK)
        dbuf_tlv(b, 0x5F37, signature, sizeof(signature));
    return status;
}

enum sgp32_status rsp_server_check_euicc_info1(const struct sgp32_x509_cert *ci, const uint8_t *euicc_info1, size_t len)
{
    /* euiccCiPKIdListForVerification [9] (A9) of EUICCInfo1 (BF20) must hold the CI's SKI. */
    struct tlv info, list, entry;
    const uint8_t *p;
    size_t left;
    int bad = 0, found = 0;
    if (!parse_one(euicc_info1, len, &info) || info.tag != 0xBF20 || !find_child(&info, 0xA9, &list))
        return SGP32_ERR_DECODE;
    p = list.value;
    left = list.len;
    while (next_tlv(&p, &left, &entry, &bad))
        found |=
            ci->subject_key_id.len == 20 && entry.len == 20 && memcmp(entry.value, ci->subject_key_id.data, 20) == 0;
    return found ? SGP32_OK : SGP32_ERR_NOT_SUPPORTED;
}

enum sgp32_status rsp_server_initiate(const struct rsp_server_credentials *c, const uint8_t transaction_id[16],
                                      const uint8_t euicc_challenge[16], uint8_t server_challenge[16],
                                      struct smdp_authentication *out)
{
    struct dbuf signed1 = {0}, inner = {0}, signature = {0}, pkid = {0}, certificate = {0};
    const struct sgp32_x509_span *ski = &c->ci->subject_key_id;
    enum sgp32_status status;
    memset(out, 0, sizeof(*out));
    if (ski->len != 20)
        return SGP32_ERR_STATE;
    status = sgp32_crypto_rng_bytes(c->rng, server_challenge, 16);
    if (status != SGP32_OK)
        return status;
    /* serverSigned1 {transactionId [0], euiccChallenge [1], serverAddress [3], serverChallenge [4]} */
    dbuf_tlv(&inner, 0x80, transaction_id, 16);
    dbuf_tlv(&inner, 0x81, euicc_challenge, 16);
    dbuf_tlv(&inner, 0x83, (const uint8_t *)c->address, strlen(c->address));
    dbuf_tlv(&inner, 0x84, server_challenge, 16);
    dbuf_wrap(&signed1, 0x30, &inner);
    if (signed1.failed) {
        free(signed1.data);
        return SGP32_ERR_NO_MEMORY;
    }
    status = rsp_server_sign(c->rng, c->key, signed1.data, signed1.len, NULL, 0, &signature);
    dbuf_tlv(&pkid, 0x04, ski->data, 20);
    dbuf_raw(&certificate, c->certificate, c->certificate_len);
    status = dbuf_take_after(status, &signed1, &out->server_signed1);
    status = dbuf_take_after(status, &signature, &out->server_signature1);
    status = dbuf_take_after(status, &pkid, &out->euicc_ci_pkid);
    status = dbuf_take_after(status, &certificate, &out->server_certificate);
    if (status != SGP32_OK)
        smdp_authentication_clear(out);
    return status;
}

enum sgp32_status rsp_server_verify_euicc_chain(const struct sgp32_x509_cert *ci, const struct tlv *euicc_certificate,
                                                const struct tlv *eum_certificate, struct sgp32_x509_cert *euicc)
{
    struct sgp32_x509_cert eum;
    int64_t now = (int64_t)time(NULL);
    if (sgp32_x509_parse(&eum, eum_certificate->all, eum_certificate->all_len) != SGP32_OK ||
        sgp32_x509_parse(euicc, euicc_certificate->all, euicc_certificate->all_len) != SGP32_OK)
        return SGP32_ERR_DECODE;
    if (sgp32_x509_verify_issued_by(&eum, ci, now) != SGP32_OK ||
        sgp32_x509_verify_issued_by(euicc, &eum, now) != SGP32_OK ||
        sgp32_x509_gsma_role(euicc) != SGP32_X509_ROLE_EUICC || sgp32_x509_gsma_role(&eum) != SGP32_X509_ROLE_EUM)
        return SGP32_ERR_CRYPTO;
    return SGP32_OK;
}

enum sgp32_status rsp_server_verify_client(const struct rsp_server_credentials *c, const uint8_t transaction_id[16],
                                           const uint8_t server_challenge[16], const uint8_t *response, size_t len,
                                           struct rsp_client_authentication *out)
{
    struct tlv ok, eum_certificate, field;
    const uint8_t *p;
    size_t left;
    int bad = 0;
    enum sgp32_status status;
    memset(out, 0, sizeof(*out));
    status = smdp_response_ok(response, len, 0xBF38, &ok); /* SGP32_ERR_EUICC_RESULT: authenticateResponseError */
    if (status != SGP32_OK)
        return status;
    p = ok.value;
    left = ok.len;
    if (!next_tlv(&p, &left, &out->euicc_signed1, &bad) || out->euicc_signed1.tag != 0x30 ||
        !next_tlv(&p, &left, &out->euicc_signature1, &bad) || out->euicc_signature1.tag != 0x5F37 ||
        out->euicc_signature1.len != 64 || !next_tlv(&p, &left, &out->euicc_certificate, &bad) ||
        !next_tlv(&p, &left, &eum_certificate, &bad))
        return SGP32_ERR_DECODE;
    /* SGP.22 5.6.2 / 5.8.2: eUICC certificate -> EUM certificate -> CI, then euiccSignature1. */
    status = rsp_server_verify_euicc_chain(c->ci, &out->euicc_certificate, &eum_certificate, &out->euicc);
    if (status != SGP32_OK)
        return status;
    status = smdp_verify_parts(out->euicc_certificate.all, out->euicc_certificate.all_len, out->euicc_signed1.all,
                               out->euicc_signed1.all_len, NULL, 0, &out->euicc_signature1);
    if (status != SGP32_OK)
        return status;
    if (!find_child(&out->euicc_signed1, 0x80, &field) || field.len != 16 ||
        memcmp(field.value, transaction_id, 16) != 0)
        return SGP32_ERR_PROTOCOL;
    if (!find_child(&out->euicc_signed1, 0x84, &field) || field.len != 16 ||
        memcmp(field.value, server_challenge, 16) != 0)
        return SGP32_ERR_PROTOCOL;
    if (!find_child(&out->euicc_signed1, 0x83, &field) || field.len != strlen(c->address) ||
        memcmp(field.value, c->address, field.len) != 0)
        return SGP32_ERR_PROTOCOL;
    if (!smdp_certificate_eid(&out->euicc, out->eid))
        return SGP32_ERR_DECODE;
    return SGP32_OK;
}

uint64_t rsp_server_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void rsp_server_fail(struct sgp32_remote_result *r, const char *subject, const char *reason, const char *message)
{
    sgp32_remote_result_clear(r);
    snprintf(r->execution_status, sizeof(r->execution_status), "Failed");
    snprintf(r->subject_code, sizeof(r->subject_code), "%s", subject);
    snprintf(r->reason_code, sizeof(r->reason_code), "%s", reason);
    snprintf(r->message, sizeof(r->message), "%s", message);
}

void rsp_server_text_answer(struct sgp32_remote_response *response, int http_status, const char *text)
{
    sgp32_remote_response_init(response, http_status, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                               (const uint8_t *)text, strlen(text), NULL, NULL);
}

void rsp_server_refuse_request(struct sgp32_remote_response *response, enum sgp32_status status,
                               const struct sgp32_remote_result *result)
{
    rsp_server_text_answer(response, status == SGP32_ERR_NOT_FOUND ? 404 : 400,
                           result->detail[0] != '\0' ? result->detail : sgp32_strerror(status));
}
