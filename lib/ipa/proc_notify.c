/* SPDX-License-Identifier: MIT */
/* Delivery of pending notifications to their receivers: being written (issue 5). */
#include "ipa/ipa_internal.h"

static enum sgp32_status notify_run(struct sgp32_ipa *ipa)
{
    ipa->notify_due = 0;
    ipa_goto(ipa, IPA_STATE_IDLE);
    return SGP32_OK;
}

const struct ipa_state_def ipa_state_notify = {"notify", notify_run, NULL};
