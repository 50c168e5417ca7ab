/* SPDX-License-Identifier: MIT */
/*
 * SM-DP+ side of the SGP.22 v2.5 download (ES9+ without HTTP): see smdp_core.h. The messages are
 * written and read as DER TLVs by hand so that signed parts stay the exact bytes that were signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/bsp.h"
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "crypto/x509.h"
#include "sgp32/tlv.h"
#include "rsp_server_auth.h"
#include "smdp_internal.h"

enum sgp32_status smdp_read_file(const char *path, struct smdp_blob *blob)
{
    FILE *file = fopen(path, "rb");
    long size;
    if (file == NULL)
        return SGP32_ERR_NOT_FOUND;
    if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0) {
        fclose(file);
        return SGP32_ERR_STORAGE;
    }
    blob->data = malloc((size_t)size + 1);
    if (blob->data == NULL) {
        fclose(file);
        return SGP32_ERR_NO_MEMORY;
    }
    blob->len = fread(blob->data, 1, (size_t)size, file);
    fclose(file);
    return blob->len == (size_t)size ? SGP32_OK : SGP32_ERR_STORAGE;
}

enum sgp32_status smdp_core_load_pki(const char *pki_dir, const char *address, struct smdp_core **core, char *unread,
                                     size_t unread_cap)
{
    static const char *const files[5] = {"ci/ci.cert.der", "smdp/auth.cert.der", "smdp/auth.key.pem",
                                         "smdp/pb.cert.der", "smdp/pb.key.pem"};
    struct smdp_blob blobs[5];
    struct smdp_core_credentials credentials;
    char path[1024];
    enum sgp32_status status = SGP32_OK;
    size_t i;
    memset(blobs, 0, sizeof(blobs));
    if (unread != NULL && unread_cap > 0)
        unread[0] = '\0';
    for (i = 0; i < 5 && status == SGP32_OK; i++) {
        snprintf(path, sizeof(path), "%s/%s", pki_dir, files[i]);
        status = smdp_read_file(path, &blobs[i]);
        if (status != SGP32_OK && unread != NULL && unread_cap > 0)
            snprintf(unread, unread_cap, "%s", path);
    }
    if (status == SGP32_OK) {
        memset(&credentials, 0, sizeof(credentials));
        credentials.ci_certificate = blobs[0].data;
        credentials.ci_certificate_len = blobs[0].len;
        credentials.auth_certificate = blobs[1].data;
        credentials.auth_certificate_len = blobs[1].len;
        credentials.auth_key = blobs[2].data;
        credentials.auth_key_len = blobs[2].len;
        credentials.pb_certificate = blobs[3].data;
        credentials.pb_certificate_len = blobs[3].len;
        credentials.pb_key = blobs[4].data;
        credentials.pb_key_len = blobs[4].len;
        credentials.address = address;
        status = smdp_core_new(&credentials, core);
    }
    for (i = 0; i < 5; i++)
        free(blobs[i].data);
    return status;
}

static enum sgp32_status copy_blob(struct smdp_blob *blob, const uint8_t *data, size_t len)
{
    if (data == NULL || len == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    blob->data = malloc(len);
    if (blob->data == NULL)
        return SGP32_ERR_NO_MEMORY;
    memcpy(blob->data, data, len);
    blob->len = len;
    return SGP32_OK;
}

enum sgp32_status smdp_core_new(const struct smdp_core_credentials *c, struct smdp_core **out)
{
    struct smdp_core *core;
    enum sgp32_status status;
    if (c == NULL || out == NULL || c->address == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    core = calloc(1, sizeof(*core));
    if (core == NULL)
        return SGP32_ERR_NO_MEMORY;
    sgp32_ec_key_init(&core->auth_key);
    sgp32_ec_key_init(&core->pb_key);
    status = copy_blob(&core->ci, c->ci_certificate, c->ci_certificate_len);
    if (status == SGP32_OK)
        status = copy_blob(&core->auth_cert, c->auth_certificate, c->auth_certificate_len);
    if (status == SGP32_OK)
        status = copy_blob(&core->pb_cert, c->pb_certificate, c->pb_certificate_len);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&core->ci_parsed, core->ci.data, core->ci.len);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&core->auth_parsed, core->auth_cert.data, core->auth_cert.len);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&core->pb_parsed, core->pb_cert.data, core->pb_cert.len);
    if (status == SGP32_OK)
        status = sgp32_ec_import_private(&core->auth_key, c->auth_key, c->auth_key_len);
    if (status == SGP32_OK)
        status = sgp32_ec_import_private(&core->pb_key, c->pb_key, c->pb_key_len);
    if (status == SGP32_OK)
        status = sgp32_crypto_rng_init(&core->rng, NULL, NULL);
    if (status == SGP32_OK && (core->address = malloc(strlen(c->address) + 1)) == NULL)
        status = SGP32_ERR_NO_MEMORY;
    if (status != SGP32_OK) {
        smdp_core_free(core);
        return status;
    }
    strcpy(core->address, c->address);
    *out = core;
    return SGP32_OK;
}

void smdp_core_free(struct smdp_core *core)
{
    if (core == NULL)
        return;
    sgp32_ec_key_free(&core->auth_key);
    sgp32_ec_key_free(&core->pb_key);
    sgp32_crypto_rng_free(&core->rng);
    free(core->ci.data);
    free(core->auth_cert.data);
    free(core->pb_cert.data);
    free(core->address);
    free(core);
}

enum sgp32_status smdp_session_new(struct smdp_core *core, const char *expected_matching_id, struct smdp_session **out)
{
    struct smdp_session *s;
    if (core == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SGP32_ERR_NO_MEMORY;
    s->core = core;
    if (expected_matching_id != NULL) {
        s->matching_id = malloc(strlen(expected_matching_id) + 1);
        if (s->matching_id == NULL) {
            free(s);
            return SGP32_ERR_NO_MEMORY;
        }
        strcpy(s->matching_id, expected_matching_id);
    }
    if (sgp32_crypto_rng_bytes(&core->rng, s->transaction_id, 16) != SGP32_OK) {
        smdp_session_free(s);
        return SGP32_ERR_CRYPTO;
    }
    *out = s;
    return SGP32_OK;
}

void smdp_session_free(struct smdp_session *s)
{
    if (s == NULL)
        return;
    free(s->matching_id);
    free(s->euicc_certificate.data);
    free(s->smdp_signature2.data);
    free(s);
}

const uint8_t *smdp_session_transaction_id(const struct smdp_session *s, size_t *len)
{
    *len = 16;
    return s->transaction_id;
}

enum sgp32_status smdp_session_require_confirmation_code(struct smdp_session *s, const char *code)
{
    if (s == NULL || code == NULL || s->stage > STAGE_INITIATED)
        return SGP32_ERR_INVALID_ARGUMENT;
    s->cc_required = 1;
    return sgp32_sha256((const uint8_t *)code, strlen(code), s->cc_hash1);
}

enum sgp32_status smdp_hash_confirmation_code(const char *code, const uint8_t *transaction_id,
                                              size_t transaction_id_len, uint8_t hash_cc[32])
{
    struct sgp32_sha256 hash;
    uint8_t first[32];
    enum sgp32_status status;
    if (code == NULL || transaction_id == NULL || hash_cc == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    status = sgp32_sha256((const uint8_t *)code, strlen(code), first);
    if (status == SGP32_OK)
        status = sgp32_sha256_init(&hash);
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, first, sizeof(first));
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, transaction_id, transaction_id_len);
    if (status == SGP32_OK)
        status = sgp32_sha256_final(&hash, hash_cc);
    return status;
}

void smdp_session_forge_transaction_id(struct smdp_session *s, const uint8_t tid[16])
{
    memcpy(s->forged_transaction_id, tid, 16);
    s->forged = 1;
}

static void blob_free(struct smdp_blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

void smdp_authentication_clear(struct smdp_authentication *a)
{
    blob_free(&a->server_signed1);
    blob_free(&a->server_signature1);
    blob_free(&a->euicc_ci_pkid);
    blob_free(&a->server_certificate);
}

void smdp_prepare_clear(struct smdp_prepare *p)
{
    blob_free(&p->smdp_signed2);
    blob_free(&p->smdp_signature2);
    blob_free(&p->smdp_certificate);
}

/* 5F37 40 <ECDSA-SHA256 over part1 || part2> into b. */
enum sgp32_status smdp_sign_parts(struct smdp_core *core, struct sgp32_ec_key *key, const uint8_t *part1, size_t len1,
                                  const uint8_t *part2, size_t len2, struct dbuf *b)
{
    return rsp_server_sign(&core->rng, key, part1, len1, part2, len2, b);
}

/* CERT.DPauth and its key, as rsp_server_auth.c takes them. */
static void auth_credentials(struct smdp_core *core, struct rsp_server_credentials *c)
{
    c->ci = &core->ci_parsed;
    c->certificate = core->auth_cert.data;
    c->certificate_len = core->auth_cert.len;
    c->key = &core->auth_key;
    c->rng = &core->rng;
    c->address = core->address;
}

enum sgp32_status smdp_digest_parts(const uint8_t *part1, size_t len1, const uint8_t *part2, size_t len2,
                                    uint8_t digest[SGP32_SHA256_SIZE])
{
    struct sgp32_sha256 hash;
    enum sgp32_status status = sgp32_sha256_init(&hash);
    if (status == SGP32_OK)
        status = sgp32_sha256_update(&hash, part1, len1);
    if (status == SGP32_OK && len2 > 0)
        status = sgp32_sha256_update(&hash, part2, len2);
    if (status == SGP32_OK)
        status = sgp32_sha256_final(&hash, digest);
    return status;
}

enum sgp32_status smdp_verify_parts(const uint8_t *cert, size_t cert_len, const uint8_t *part1, size_t len1,
                                    const uint8_t *part2, size_t len2, const struct tlv *signature)
{
    struct sgp32_x509_cert parsed;
    struct sgp32_ec_key key;
    uint8_t digest[SGP32_SHA256_SIZE];
    enum sgp32_status status;
    if (signature->tag != 0x5F37 || signature->len != SGP32_ECDSA_RAW_SIZE)
        return SGP32_ERR_DECODE;
    status = smdp_digest_parts(part1, len1, part2, len2, digest);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&parsed, cert, cert_len);
    if (status != SGP32_OK)
        return status;
    sgp32_ec_key_init(&key);
    status = sgp32_x509_public_key(&parsed, &key);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_verify_digest(&key, digest, signature->value, signature->len);
    sgp32_ec_key_free(&key);
    return status;
}

enum sgp32_status smdp_initiate_authentication(struct smdp_session *s, const uint8_t euicc_challenge[16],
                                               const uint8_t *euicc_info1, size_t euicc_info1_len,
                                               struct smdp_authentication *out)
{
    struct rsp_server_credentials credentials;
    enum sgp32_status status;
    if (s == NULL || euicc_challenge == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof(*out));
    auth_credentials(s->core, &credentials);
    if (euicc_info1 != NULL) {
        /* SGP.22 5.6.1: the CI must be one the eUICC verifies with (euiccCiPKIdListForVerification A9). */
        status = rsp_server_check_euicc_info1(credentials.ci, euicc_info1, euicc_info1_len);
        if (status != SGP32_OK)
            return status;
    }
    memcpy(s->euicc_challenge, euicc_challenge, 16);
    status = rsp_server_initiate(&credentials, s->transaction_id, euicc_challenge, s->server_challenge, out);
    if (status != SGP32_OK)
        return status;
    s->stage = STAGE_INITIATED;
    return SGP32_OK;
}

enum sgp32_status smdp_build_authenticate_server_request(const struct smdp_authentication *auth,
                                                         const char *matching_id, struct smdp_blob *request)
{
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    struct dbuf out = {0}, body = {0}, ctx = {0}, common = {0}, device = {0};
    dbuf_raw(&body, auth->server_signed1.data, auth->server_signed1.len);
    dbuf_raw(&body, auth->server_signature1.data, auth->server_signature1.len);
    dbuf_raw(&body, auth->euicc_ci_pkid.data, auth->euicc_ci_pkid.len);
    dbuf_raw(&body, auth->server_certificate.data, auth->server_certificate.len);
    /* CtxParams1 CHOICE ctxParamsForCommonAuthentication [0] {matchingId [0], deviceInfo [1] {tac [0],
     * deviceCapabilities [1]}} (automatic tags) */
    if (matching_id != NULL)
        dbuf_tlv(&common, 0x80, (const uint8_t *)matching_id, strlen(matching_id));
    dbuf_tlv(&device, 0x80, tac, 4);
    dbuf_tlv(&device, 0xA1, NULL, 0);
    dbuf_wrap(&common, 0xA1, &device);
    dbuf_wrap(&ctx, 0xA0, &common);
    dbuf_raw(&body, ctx.data, ctx.len);
    if (ctx.failed)
        body.failed = 1;
    free(ctx.data);
    dbuf_wrap(&out, 0xBF38, &body);
    return dbuf_take(&out, request);
}

enum sgp32_status smdp_authenticate_client(struct smdp_session *s, const uint8_t *response, size_t len,
                                           struct smdp_prepare *out)
{
    struct smdp_core *core;
    struct rsp_server_credentials credentials;
    struct rsp_client_authentication client;
    struct dbuf signed2 = {0}, inner = {0}, signature2 = {0};
    uint8_t cc_required = (uint8_t)(s != NULL && s->cc_required ? 0xFF : 0x00);
    enum sgp32_status status;
    if (s == NULL || response == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    core = s->core;
    memset(out, 0, sizeof(*out));
    if (s->stage != STAGE_INITIATED)
        return SGP32_ERR_STATE;
    /* SGP.22 5.6.2: chain, euiccSignature1, transactionId, serverChallenge, serverAddress. */
    auth_credentials(core, &credentials);
    status = rsp_server_verify_client(&credentials, s->transaction_id, s->server_challenge, response, len, &client);
    if (status != SGP32_OK)
        return status;
    if (s->matching_id != NULL) {
        /* ctxParams1: ctxParamsForCommonAuthentication [0] { matchingId [0] OPTIONAL, deviceInfo [1] } */
        struct tlv ctx, matching;
        if (!find_child(&client.euicc_signed1, 0xA0, &ctx) || !find_child(&ctx, 0x80, &matching) ||
            matching.len != strlen(s->matching_id) || memcmp(matching.value, s->matching_id, matching.len) != 0)
            return SGP32_ERR_NOT_FOUND;
    }
    memcpy(s->eid, client.eid, 16);
    s->curve = client.euicc.curve;
    free(s->euicc_certificate.data);
    status = copy_blob(&s->euicc_certificate, client.euicc_certificate.all, client.euicc_certificate.all_len);
    if (status != SGP32_OK)
        return status;
    memcpy(s->euicc_signature1, client.euicc_signature1.all, 67);
    if (s->forged)
        memcpy(s->transaction_id, s->forged_transaction_id, 16);
    /* smdpSigned2 {transactionId [0], ccRequiredFlag BOOLEAN} and smdpSignature2 over smdpSigned2 ||
     * euiccSignature1 (tag 5F37 included), SGP.22 5.6.2. */
    dbuf_tlv(&inner, 0x80, s->transaction_id, 16);
    dbuf_tlv(&inner, 0x01, &cc_required, 1);
    dbuf_wrap(&signed2, 0x30, &inner);
    if (signed2.failed) {
        free(signed2.data);
        return SGP32_ERR_NO_MEMORY;
    }
    status = smdp_sign_parts(core, &core->pb_key, signed2.data, signed2.len, s->euicc_signature1, 67, &signature2);
    status = dbuf_take_after(status, &signed2, &out->smdp_signed2);
    status = dbuf_take_after(status, &signature2, &out->smdp_signature2);
    if (status == SGP32_OK)
        status = copy_blob(&out->smdp_certificate, core->pb_cert.data, core->pb_cert.len);
    if (status == SGP32_OK) {
        free(s->smdp_signature2.data);
        status = copy_blob(&s->smdp_signature2, out->smdp_signature2.data, out->smdp_signature2.len);
    }
    if (status != SGP32_OK) {
        smdp_prepare_clear(out);
        return status;
    }
    s->stage = STAGE_AUTHENTICATED;
    return SGP32_OK;
}

enum sgp32_status smdp_build_prepare_download_request(const struct smdp_prepare *prepare, const uint8_t *hash_cc,
                                                      struct smdp_blob *request)
{
    struct dbuf out = {0}, body = {0};
    dbuf_raw(&body, prepare->smdp_signed2.data, prepare->smdp_signed2.len);
    dbuf_raw(&body, prepare->smdp_signature2.data, prepare->smdp_signature2.len);
    if (hash_cc != NULL)
        dbuf_tlv(&body, 0x04, hash_cc, 32);
    dbuf_raw(&body, prepare->smdp_certificate.data, prepare->smdp_certificate.len);
    dbuf_wrap(&out, 0xBF21, &body);
    return dbuf_take(&out, request);
}
