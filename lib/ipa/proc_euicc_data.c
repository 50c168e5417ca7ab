/* SPDX-License-Identifier: MIT */
/* IpaEuiccDataRequest (SGP.32 v1.2 2.11.1.2 / 3.x): being written (issue 5). Until then the IPA
 * answers nothing it cannot prove: the job fails with SGP32_ERR_NOT_SUPPORTED and stays reported
 * as such in the logs. */
#include "ipa/ipa_internal.h"

enum sgp32_status ipa_euicc_data_response(struct sgp32_ipa *ipa, const uint8_t *request, size_t len,
                                          struct ipa_blob *response)
{
    (void)request;
    (void)len;
    (void)response;
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "IpaEuiccDataRequest", "not implemented yet");
}

static enum sgp32_status euicc_data_run(struct sgp32_ipa *ipa)
{
    struct ipa_blob response = {NULL, 0};
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK)
        st = ipa_euicc_data_response(ipa, ipa->job.request.data, ipa->job.request.len, &response);
    if (st == SGP32_OK)
        st = ipa_report_prepare(ipa, response.data, response.len);
    ipa_blob_free(&response);
    if (st != SGP32_OK) {
        ipa_job_clear(ipa);
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    return st;
}

const struct ipa_state_def ipa_state_euicc_data = {"euicc-data", euicc_data_run, NULL};
