/* SPDX-License-Identifier: MIT */
/*
 * What the IPA needs to know about an eUICC package and its result, read without changing them (the
 * bytes travel as received): who sent it and with which counter, whether it enables a profile with
 * the rollback flag (SGP.32 2.11.1.1.3 / 3.4.1: roll back if the eIM stays unreachable), and what
 * the eUICC answered. Decoded with the generated types; the originals are never re-encoded.
 */
#include <string.h>

#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"
#include "codec/codec_internal.h"
#include "ipa/ipa_package.h"

static void copy_id(const UTF8String_t *id, char *out, size_t cap)
{
    size_t n = (size_t)id->size < cap - 1 ? (size_t)id->size : cap - 1;
    memcpy(out, id->buf, n);
    out[n] = '\0';
}

static void copy_iccid(const OCTET_STRING_t *iccid, uint8_t out[10])
{
    memset(out, 0xFF, 10);
    memcpy(out, iccid->buf, (size_t)iccid->size < 10u ? (size_t)iccid->size : 10u);
}

enum sgp32_status ipa_package_inspect(const uint8_t *request, size_t len, struct ipa_package_info *info)
{
    EuiccPackageRequest_t *value = NULL;
    const EuiccPackageSigned_t *signed_part;
    enum sgp32_status st;
    int i;
    memset(info, 0, sizeof(*info));
    st = sgp32_decode(SGP32_TYPE(EuiccPackageRequest), request, len, NULL, (void **)&value, NULL);
    if (st != SGP32_OK)
        return st;
    signed_part = &value->euiccPackageSigned;
    copy_id(&signed_part->eimId, info->eim_id, sizeof(info->eim_id));
    if (asn_INTEGER2long(&signed_part->counterValue, &info->counter) != 0)
        st = SGP32_ERR_CONSTRAINT;
    if (signed_part->euiccPackage.present == EuiccPackage_PR_psmoList) {
        info->psmo = 1;
        for (i = 0; i < signed_part->euiccPackage.choice.psmoList.list.count; i++) {
            const struct Psmo *psmo = signed_part->euiccPackage.choice.psmoList.list.array[i];
            if (psmo->present == Psmo_PR_enable) {
                info->enables = 1;
                info->rollback_flag = psmo->choice.enable.rollbackFlag != NULL;
                copy_iccid(&psmo->choice.enable.iccid, info->enable_iccid);
            } else if (psmo->present == Psmo_PR_disable) {
                info->disables = 1;
            }
        }
    }
    sgp32_codec_free(SGP32_TYPE(EuiccPackageRequest), value);
    return st;
}

static long first_code(const struct EuiccPackageResultDataSigned__euiccResult *results, int *enable_ok, int *disable_ok)
{
    int i;
    long code = -1, v;
    for (i = 0; i < results->list.count; i++) {
        const struct EuiccResultData *r = results->list.array[i];
        const INTEGER_t *integer = NULL;
        if (r->present == EuiccResultData_PR_enableResult)
            integer = &r->choice.enableResult;
        else if (r->present == EuiccResultData_PR_disableResult)
            integer = &r->choice.disableResult;
        else if (r->present == EuiccResultData_PR_deleteResult)
            integer = &r->choice.deleteResult;
        else if (r->present == EuiccResultData_PR_processingTerminated)
            integer = &r->choice.processingTerminated;
        if (integer == NULL || asn_INTEGER2long(integer, &v) != 0)
            continue;
        if (r->present == EuiccResultData_PR_enableResult && v == 0)
            *enable_ok = 1;
        if (r->present == EuiccResultData_PR_disableResult && v == 0)
            *disable_ok = 1;
        if (code <= 0)
            code = v;
    }
    return code;
}

enum sgp32_status ipa_result_inspect(const uint8_t *result, size_t len, struct ipa_result_info *info)
{
    EuiccPackageResult_t *value = NULL;
    enum sgp32_status st;
    memset(info, 0, sizeof(*info));
    info->seq_number = -1;
    info->code = -1;
    st = sgp32_decode(SGP32_TYPE(EuiccPackageResult), result, len, NULL, (void **)&value, NULL);
    if (st != SGP32_OK)
        return st;
    switch (value->present) {
    case EuiccPackageResult_PR_euiccPackageResultSigned: {
        const EuiccPackageResultDataSigned_t *data =
            &value->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
        info->kind = IPA_RESULT_SIGNED;
        copy_id(&data->eimId, info->eim_id, sizeof(info->eim_id));
        if (asn_INTEGER2long(&data->counterValue, &info->counter) != 0 ||
            asn_INTEGER2long(&data->seqNumber, &info->seq_number) != 0)
            st = SGP32_ERR_CONSTRAINT;
        info->code = first_code(&data->euiccResult, &info->enable_ok, &info->disable_ok);
        break;
    }
    case EuiccPackageResult_PR_euiccPackageErrorSigned: {
        const EuiccPackageErrorDataSigned_t *data = &value->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned;
        info->kind = IPA_RESULT_ERROR_SIGNED;
        copy_id(&data->eimId, info->eim_id, sizeof(info->eim_id));
        if (asn_INTEGER2long(&data->counterValue, &info->counter) != 0 ||
            asn_INTEGER2long(&data->euiccPackageErrorCode, &info->code) != 0)
            st = SGP32_ERR_CONSTRAINT;
        break;
    }
    case EuiccPackageResult_PR_euiccPackageErrorUnsigned:
        info->kind = IPA_RESULT_ERROR_UNSIGNED;
        copy_id(&value->choice.euiccPackageErrorUnsigned.eimId, info->eim_id, sizeof(info->eim_id));
        info->counter = -1;
        break;
    default:
        st = SGP32_ERR_DECODE;
    }
    sgp32_codec_free(SGP32_TYPE(EuiccPackageResult), value);
    return st;
}
