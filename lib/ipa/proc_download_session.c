/* SPDX-License-Identifier: MIT */
/*
 * The data side of a profile download: activation codes (SGP.22 v2.5 4.1), ProfileDownloadTrigger
 * requests (SGP.32 v1.2 2.11.1.3), the ES10b requests built from the server's answers
 * (AuthenticateServer 5.7.13, PrepareDownload 5.7.5), the hash of the confirmation code, the
 * ProfileInstallationResult, and the "ipa.download" record (kept in the job record's report field for a
 * download the eIM triggered, until the report replaces it):
 *   SEQUENCE { [0] version, [1] mode, [2] stage, [3] transactionId, [4] smdpAddress,
 *              [5] eimTransactionId, [6] ProfileInstallationResult, [7] fromTrigger,
 *              [8] cancelReason, [9] sessionOpen, [10] CancelSessionResponse, [11] detail }
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_download.h"
#ifdef SGP32_HAVE_CRYPTO
#include "crypto/hash.h"
#endif

#define RECORD_VERSION 1
#define RECORD_MAX (64u * 1024u)

int ipa_download_text(const uint8_t *text, size_t len, char *out, size_t cap)
{
    if (len >= cap || (len > 0 && memchr(text, 0, len) != NULL))
        return 0;
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
    return 1;
}

enum sgp32_status ipa_download_parse_activation_code(struct ipa_download *dl, const char *code)
{
    const char *field[6];
    size_t length[6], count = 0;
    const char *p;
    if (strncmp(code, "LPA:", 4) == 0)
        code += 4;
    /* "1$SM-DP+ address$AC_Token[$SM-DP+ OID[$Confirmation Code Required Flag]]" */
    field[0] = code;
    for (p = code;; p++) {
        if (*p == '$' || *p == '\0') {
            if (count >= 5)
                return SGP32_ERR_INVALID_ARGUMENT;
            length[count] = (size_t)(p - field[count]);
            count++;
            if (*p == '\0')
                break;
            field[count] = p + 1;
        }
    }
    if (count < 2 || length[0] != 1 || field[0][0] != '1' || length[1] == 0 || length[1] >= IPA_DL_TEXT_MAX)
        return SGP32_ERR_INVALID_ARGUMENT;
    memcpy(dl->smdp_address, field[1], length[1]);
    dl->smdp_address[length[1]] = '\0';
    if (count >= 3) {
        if (length[2] >= IPA_DL_TEXT_MAX)
            return SGP32_ERR_INVALID_ARGUMENT;
        memcpy(dl->matching_id, field[2], length[2]);
        dl->matching_id[length[2]] = '\0';
        dl->has_matching_id = 1;
    }
    if (count >= 5)
        dl->cc_flag = length[4] == 1 && field[4][0] == '1';
    return SGP32_OK;
}

enum sgp32_status ipa_download_parse_trigger(struct ipa_download *dl, const uint8_t *request, size_t len)
{
    const uint8_t *data, *v, *inner;
    size_t data_len, v_len, inner_len;
    uint32_t tag = 0;
    if (len < 2 || request[0] != 0xBF || request[1] != 0x54)
        return SGP32_ERR_DECODE;
    if (sgp32_der_find_child(request, len, 0x82, &v, &v_len, NULL)) {
        if (v_len == 0 || v_len > sizeof(dl->eim_transaction_id))
            return SGP32_ERR_DECODE;
        memcpy(dl->eim_transaction_id, v, v_len);
        dl->eim_transaction_id_len = v_len;
    }
    /* profileDownloadData [0] (explicit: a CHOICE) { activationCode [0] | contactDefaultSmdp [1] |
     * contactSmds [2] { smdsAddress [0] OPTIONAL } }; absent: the eIM supplies the data itself. */
    if (!sgp32_der_find_element(request, len, 0xA0, &data, &data_len))
        return SGP32_OK;
    if (!sgp32_der_find_child(data, data_len, 0, &v, &v_len, &tag))
        return SGP32_ERR_DECODE;
    if (tag == 0x80) {
        char code[IPA_DL_TEXT_MAX];
        if (!ipa_download_text(v, v_len, code, sizeof(code)))
            return SGP32_ERR_DECODE;
        return ipa_download_parse_activation_code(dl, code);
    }
    if (tag == 0x81) {
        dl->default_smdp = 1;
        return SGP32_OK;
    }
    if (tag == 0xA2) {
        dl->mode = IPA_DOWNLOAD_SMDS;
        if (sgp32_der_find_element(data, data_len, 0xA2, &inner, &inner_len) &&
            sgp32_der_find_child(inner, inner_len, 0x80, &v, &v_len, NULL) &&
            !ipa_download_text(v, v_len, dl->smds_address, sizeof(dl->smds_address)))
            return SGP32_ERR_DECODE;
        return SGP32_OK;
    }
    return SGP32_ERR_DECODE;
}

static enum sgp32_status take(struct sgp32_der_writer *w, struct ipa_blob *out)
{
    size_t len = 0;
    uint8_t *data = sgp32_der_writer_take(w, &len);
    if (data == NULL)
        return SGP32_ERR_ENCODE;
    ipa_blob_free(out);
    out->data = data;
    out->len = len;
    return SGP32_OK;
}

enum sgp32_status ipa_download_authenticate_request(const struct sgp32_ipa *ipa, const struct ipa_download *dl,
                                                    struct ipa_blob *request)
{
    static const uint8_t tac[4] = {0, 0, 0, 0};
    const uint8_t *info = ipa->config.device_info;
    size_t info_len = ipa->config.device_info_len;
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF38);
    sgp32_der_writer_raw(&w, dl->server_signed1.data, dl->server_signed1.len);
    sgp32_der_writer_raw(&w, dl->server_signature1.data, dl->server_signature1.len);
    sgp32_der_writer_raw(&w, dl->ci_pkid.data, dl->ci_pkid.len);
    sgp32_der_writer_raw(&w, dl->server_certificate.data, dl->server_certificate.len);
    if (dl->ctx_params1.len > 0) {
        /* ctxParams1 made by the eIM (eimCtxParams1Generation): used as given */
        sgp32_der_writer_raw(&w, dl->ctx_params1.data, dl->ctx_params1.len);
    } else {
        /* CtxParams1 ctxParamsForCommonAuthentication [0] { matchingId [0] OPTIONAL, deviceInfo [1] }
         * (automatic tags, SGP.22 v2.5 5.7.13) */
        sgp32_der_writer_begin(&w, 0xA0);
        if (dl->has_matching_id)
            sgp32_der_writer_bytes(&w, 0x80, (const uint8_t *)dl->matching_id, strlen(dl->matching_id));
        if (info != NULL && info_len > 2 && info[0] == 0xA1) {
            sgp32_der_writer_raw(&w, info, info_len);
        } else if (info != NULL && info_len > 2 && info[0] == 0x30) {
            struct sgp32_tlv_header h;
            if (sgp32_tlv_parse_header(info, info_len, &h) != SGP32_OK || h.length != info_len - h.header_len) {
                sgp32_der_writer_release(&w);
                return SGP32_ERR_INVALID_ARGUMENT;
            }
            sgp32_der_writer_begin(&w, 0xA1);
            sgp32_der_writer_raw(&w, info + h.header_len, h.length);
            sgp32_der_writer_end(&w);
        } else {
            /* a minimal DeviceInfo: tac, empty deviceCapabilities */
            sgp32_der_writer_begin(&w, 0xA1);
            sgp32_der_writer_bytes(&w, 0x80, tac, sizeof(tac));
            sgp32_der_writer_begin(&w, 0xA1);
            sgp32_der_writer_end(&w);
            sgp32_der_writer_end(&w);
        }
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    return take(&w, request);
}

enum sgp32_status ipa_download_prepare_request(const struct ipa_download *dl, const uint8_t *hash_cc,
                                               struct ipa_blob *request)
{
    struct sgp32_der_writer w;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF21);
    sgp32_der_writer_raw(&w, dl->smdp_signed2.data, dl->smdp_signed2.len);
    sgp32_der_writer_raw(&w, dl->smdp_signature2.data, dl->smdp_signature2.len);
    if (hash_cc != NULL)
        sgp32_der_writer_bytes(&w, 0x04, hash_cc, 32);
    sgp32_der_writer_raw(&w, dl->smdp_certificate.data, dl->smdp_certificate.len);
    sgp32_der_writer_end(&w);
    return take(&w, request);
}

enum sgp32_status ipa_download_hash_cc(const struct ipa_download *dl, uint8_t hash_cc[32])
{
#ifdef SGP32_HAVE_CRYPTO
    struct sgp32_sha256 hash;
    uint8_t first[32];
    enum sgp32_status st = sgp32_sha256(dl->confirmation_code.data, dl->confirmation_code.len, first);
    if (st == SGP32_OK)
        st = sgp32_sha256_init(&hash);
    if (st == SGP32_OK)
        st = sgp32_sha256_update(&hash, first, sizeof(first));
    if (st == SGP32_OK)
        st = sgp32_sha256_update(&hash, dl->transaction_id, dl->transaction_id_len);
    if (st == SGP32_OK)
        st = sgp32_sha256_final(&hash, hash_cc);
    return st;
#else
    (void)dl;
    (void)hash_cc;
    return SGP32_ERR_NOT_SUPPORTED;
#endif
}

void ipa_download_read_result(struct ipa_download *dl)
{
    const uint8_t *data, *meta, *final, *v;
    size_t data_len, meta_len, final_len, v_len;
    uint32_t tag = 0;
    dl->installed = 0;
    dl->have_iccid = 0;
    dl->seq_number = -1;
    /* BF37 { BF27 { 80 transactionId, BF2F { 80 seqNumber, 81, 0C, 5A iccid }, 06 oid,
     *               A2 { A0 successResult | A1 errorResult } }, 5F37 } */
    if (!sgp32_der_find_element(dl->result.data, dl->result.len, 0xBF27, &data, &data_len))
        return;
    if (sgp32_der_find_element(data, data_len, 0xBF2F, &meta, &meta_len)) {
        if (sgp32_der_find_child(meta, meta_len, 0x80, &v, &v_len, NULL))
            sgp32_der_integer(v, v_len, &dl->seq_number);
        if (sgp32_der_find_child(meta, meta_len, 0x5A, &v, &v_len, NULL) && v_len == sizeof(dl->iccid)) {
            memcpy(dl->iccid, v, v_len);
            dl->have_iccid = 1;
        }
    }
    if (sgp32_der_find_element(data, data_len, 0xA2, &final, &final_len) &&
        sgp32_der_find_child(final, final_len, 0, &v, &v_len, &tag))
        dl->installed = tag == 0xA0;
}

enum sgp32_status ipa_download_save(struct sgp32_ipa *ipa, struct ipa_download *dl, int stage)
{
    struct sgp32_der_writer w;
    uint8_t *data;
    size_t len = 0;
    enum sgp32_status st;
    sgp32_der_writer_init_dynamic(&w, RECORD_MAX);
    sgp32_der_writer_begin(&w, 0x30);
    sgp32_der_writer_integer(&w, 0x80, RECORD_VERSION);
    sgp32_der_writer_integer(&w, 0x81, dl->mode);
    sgp32_der_writer_integer(&w, 0x82, stage);
    sgp32_der_writer_bytes(&w, 0x83, dl->transaction_id, dl->transaction_id_len);
    sgp32_der_writer_bytes(&w, 0x84, (const uint8_t *)dl->smdp_address, strlen(dl->smdp_address));
    if (dl->eim_transaction_id_len > 0)
        sgp32_der_writer_bytes(&w, 0x85, dl->eim_transaction_id, dl->eim_transaction_id_len);
    if (dl->result.len > 0)
        sgp32_der_writer_bytes(&w, 0x86, dl->result.data, dl->result.len);
    sgp32_der_writer_integer(&w, 0x87, dl->from_trigger);
    sgp32_der_writer_integer(&w, 0x88, dl->cancel_reason);
    sgp32_der_writer_integer(&w, 0x89, dl->session_open);
    if (dl->cancel_response.len > 0)
        sgp32_der_writer_bytes(&w, 0x8A, dl->cancel_response.data, dl->cancel_response.len);
    if (dl->detail[0] != '\0')
        sgp32_der_writer_bytes(&w, 0x8B, (const uint8_t *)dl->detail, strlen(dl->detail));
    sgp32_der_writer_end(&w);
    data = sgp32_der_writer_take(&w, &len);
    if (data == NULL)
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "record", IPA_RECORD_DOWNLOAD);
    if (dl->from_trigger && ipa->job.present && ipa->job.kind == IPA_JOB_DOWNLOAD &&
        ipa->job.stage == IPA_JOB_RECEIVED) {
        /* A download for the eIM lives in its job record (the report field, until the report
         * replaces it): the ProfileDownloadTriggerResult and the end of the session are one
         * atomic save, so a power cut cannot leave one without the other. */
        ipa_blob_free(&ipa->job.report);
        ipa->job.report.data = data;
        ipa->job.report.len = len;
        st = ipa_job_save(ipa);
    } else {
        st = ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, data, len);
        free(data);
    }
    if (st == SGP32_OK)
        dl->stage = stage;
    return st;
}

static long field(const uint8_t *record, size_t len, uint32_t tag)
{
    const uint8_t *v;
    size_t v_len;
    long value = 0;
    if (sgp32_der_find_child(record, len, tag, &v, &v_len, NULL))
        sgp32_der_integer(v, v_len, &value);
    return value;
}

enum sgp32_status ipa_download_load(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct ipa_blob record = {NULL, 0};
    const uint8_t *v;
    size_t v_len;
    enum sgp32_status st;
    if (ipa->job.present && ipa->job.kind == IPA_JOB_DOWNLOAD && ipa->job.stage == IPA_JOB_RECEIVED)
        st = ipa->job.report.len > 0 ? ipa_blob_set(&record, ipa->job.report.data, ipa->job.report.len)
                                     : SGP32_ERR_NOT_FOUND;
    else
        st = ipa_record_read(ipa, IPA_RECORD_DOWNLOAD, &record);
    if (st != SGP32_OK)
        return st;
    st = SGP32_ERR_DECODE;
    if (record.len < 2 || record.data[0] != 0x30 || field(record.data, record.len, 0x80) != RECORD_VERSION)
        goto out;
    dl->mode = (int)field(record.data, record.len, 0x81);
    dl->stage = (int)field(record.data, record.len, 0x82);
    dl->from_trigger = field(record.data, record.len, 0x87) != 0;
    dl->cancel_reason = field(record.data, record.len, 0x88);
    dl->session_open = field(record.data, record.len, 0x89) != 0;
    if (!sgp32_der_find_child(record.data, record.len, 0x83, &v, &v_len, NULL) || v_len > sizeof(dl->transaction_id))
        goto out;
    memcpy(dl->transaction_id, v, v_len);
    dl->transaction_id_len = v_len;
    if (sgp32_der_find_child(record.data, record.len, 0x84, &v, &v_len, NULL) &&
        !ipa_download_text(v, v_len, dl->smdp_address, sizeof(dl->smdp_address)))
        goto out;
    if (sgp32_der_find_child(record.data, record.len, 0x85, &v, &v_len, NULL)) {
        if (v_len > sizeof(dl->eim_transaction_id))
            goto out;
        memcpy(dl->eim_transaction_id, v, v_len);
        dl->eim_transaction_id_len = v_len;
    }
    if (sgp32_der_find_child(record.data, record.len, 0x86, &v, &v_len, NULL) &&
        ipa_blob_set(&dl->result, v, v_len) != SGP32_OK)
        goto out;
    if (sgp32_der_find_child(record.data, record.len, 0x8A, &v, &v_len, NULL) &&
        ipa_blob_set(&dl->cancel_response, v, v_len) != SGP32_OK)
        goto out;
    if (sgp32_der_find_child(record.data, record.len, 0x8B, &v, &v_len, NULL))
        ipa_download_text(v, v_len, dl->detail, sizeof(dl->detail));
    if (dl->mode < IPA_DOWNLOAD_DIRECT || dl->mode > IPA_DOWNLOAD_SMDS || dl->stage < IPA_DL_STAGE_SESSION ||
        dl->stage > IPA_DL_STAGE_CANCELLED)
        goto out;
    st = SGP32_OK;
out:
    ipa_blob_free(&record);
    return st;
}
