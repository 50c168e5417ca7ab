/* SPDX-License-Identifier: MIT */
/* Profile download (direct ES9+, indirect via the eIM, SM-DS): being written (issue 5). */
#include "ipa/ipa_internal.h"

enum sgp32_status ipa_download_begin_direct(struct sgp32_ipa *ipa, const char *activation_code,
                                            const char *confirmation_code)
{
    (void)activation_code;
    (void)confirmation_code;
    ipa_emit(ipa, SGP32_IPA_EVENT_DOWNLOAD_DONE, SGP32_ERR_NOT_SUPPORTED, 0, NULL, "not implemented yet", NULL, 0);
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "download", "not implemented yet");
}

enum sgp32_status ipa_download_begin_trigger(struct sgp32_ipa *ipa)
{
    ipa_job_clear(ipa);
    ipa_goto(ipa, IPA_STATE_IDLE);
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "ProfileDownloadTriggerRequest", "not implemented yet");
}

enum sgp32_status ipa_download_resume(struct sgp32_ipa *ipa)
{
    ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, NULL, 0);
    ipa_job_clear(ipa);
    ipa_goto(ipa, IPA_STATE_IDLE);
    return SGP32_OK;
}

void ipa_download_free(struct sgp32_ipa *ipa)
{
    (void)ipa;
}

static enum sgp32_status download_run(struct sgp32_ipa *ipa)
{
    ipa_goto(ipa, IPA_STATE_IDLE);
    return SGP32_OK;
}

const struct ipa_state_def ipa_state_download = {"download", download_run, NULL};
