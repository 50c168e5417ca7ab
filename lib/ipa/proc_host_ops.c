/* SPDX-License-Identifier: MIT */
/*
 * Operations the host runs at once on the eUICC (AddInitialEim, fallback, emergency profile,
 * immediate enable, memory reset). They need the card to themselves, so they are refused while a
 * procedure is in flight; a change of the enabled profile is told to the host (event) and to the
 * eIM (notifyStateChange with its stateChangeCause, SGP.32 6.3.2.6, at the next GetEimPackage).
 */
#include "ipa/ipa_emulation.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"

/* StateChangeCause values (6.3.2.6). */
#define CAUSE_FALLBACK 1
#define CAUSE_EMERGENCY_PROFILE 2
#define CAUSE_RESET 4
#define CAUSE_IMMEDIATE_ENABLE 5

static enum sgp32_status card_for_host(struct sgp32_ipa *ipa)
{
    if (ipa->exchange.active || (ipa->state != IPA_STATE_IDLE && ipa->state != IPA_STATE_START))
        return SGP32_ERR_STATE;
    return ipa_card_ready(ipa);
}

/* After an operation changed the enabled profile. */
static enum sgp32_status changed(struct sgp32_ipa *ipa, long cause, const char *what)
{
    enum sgp32_status st = ipa_change_set(ipa, cause);
    ipa->eim_poll_requested = 1;
    ipa->notify_due = 1;
    if (ipa->state == IPA_STATE_IDLE)
        ipa->wake_at_ms = 0;
    ipa_emit(ipa, SGP32_IPA_EVENT_PROFILE_CHANGED, SGP32_OK, cause, NULL, what, NULL, 0);
    return st;
}

typedef enum sgp32_status (*switch_function)(struct sgp32_es10 *session, int refresh);

static enum sgp32_status run_switch(struct sgp32_ipa *ipa, switch_function function, long cause, const char *what)
{
    enum sgp32_status st;
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = card_for_host(ipa);
    if (st != SGP32_OK)
        return st;
    /* refreshFlag false: the host re-attaches on the PROFILE_CHANGED event. */
    st = function(ipa->es10, 0);
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, what);
    return changed(ipa, cause, what);
}

enum sgp32_status sgp32_ipa_execute_fallback(struct sgp32_ipa *ipa)
{
    return run_switch(ipa, sgp32_es10_execute_fallback_mechanism, CAUSE_FALLBACK, "ExecuteFallbackMechanism");
}

enum sgp32_status sgp32_ipa_return_from_fallback(struct sgp32_ipa *ipa)
{
    return run_switch(ipa, sgp32_es10_return_from_fallback, CAUSE_FALLBACK, "ReturnFromFallback");
}

enum sgp32_status sgp32_ipa_enable_emergency_profile(struct sgp32_ipa *ipa)
{
    return run_switch(ipa, sgp32_es10_enable_emergency_profile, CAUSE_EMERGENCY_PROFILE, "EnableEmergencyProfile");
}

enum sgp32_status sgp32_ipa_disable_emergency_profile(struct sgp32_ipa *ipa)
{
    return run_switch(ipa, sgp32_es10_disable_emergency_profile, CAUSE_EMERGENCY_PROFILE, "DisableEmergencyProfile");
}

enum sgp32_status sgp32_ipa_immediate_enable(struct sgp32_ipa *ipa)
{
    return run_switch(ipa, sgp32_es10_immediate_enable, CAUSE_IMMEDIATE_ENABLE, "ImmediateEnable");
}

enum sgp32_status sgp32_ipa_memory_reset(struct sgp32_ipa *ipa, uint32_t options)
{
    enum sgp32_status st;
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = card_for_host(ipa);
    if (st != SGP32_OK)
        return st;
    st = sgp32_es10_euicc_memory_reset_iot(ipa->es10, options, NULL, NULL);
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "EuiccMemoryReset");
    if (options & SGP32_ES10_RESET_EIM_CONFIG_DATA)
        ipa->have_eim = 0; /* the eIM is gone with its configuration */
    return changed(ipa, CAUSE_RESET, "EuiccMemoryReset");
}

enum sgp32_status sgp32_ipa_add_initial_eim(struct sgp32_ipa *ipa, const uint8_t *request, size_t len, uint8_t **answer,
                                            size_t *answer_len)
{
    uint8_t *received = NULL;
    size_t received_len = 0;
    enum sgp32_status st;
    if (ipa == NULL || request == NULL || len == 0 || (answer == NULL) != (answer_len == NULL))
        return SGP32_ERR_INVALID_ARGUMENT;
    st = card_for_host(ipa);
    if (st != SGP32_OK)
        return st;
    if (!ipa->emulated)
        st = sgp32_es10_add_initial_eim(ipa->es10, request, len, &received, &received_len);
    if (st != SGP32_OK && !ipa->emulated)
        ipa_card_fail(ipa, st, "AddInitialEim"); /* before a probe for SGP.22 rewrites the session's error */
    if (ipa->emulated || (st != SGP32_OK && ipa_emulation_detect(ipa, st))) {
        /* an SGP.22 eUICC: the IPA keeps the eIM configuration (ipa_emulation.c) */
        sgp32_buffer_free(received);
        received = NULL;
        st = ipa_emulation_add_initial_eim(ipa, request, len, &received, &received_len);
    }
    if (answer != NULL) {
        *answer = received;
        *answer_len = received_len;
    } else {
        sgp32_buffer_free(received);
    }
    if (st != SGP32_OK)
        return st;
    /* The new eIM is the one to poll, at once. */
    st = ipa_card_read_eim(ipa);
    ipa->eim_poll_requested = 1;
    if (ipa->state == IPA_STATE_IDLE)
        ipa->wake_at_ms = 0;
    return st;
}
