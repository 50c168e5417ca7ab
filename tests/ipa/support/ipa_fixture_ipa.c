/* SPDX-License-Identifier: MIT */
/* The fixture's IPA helpers (ipa_fixture.h): the only harness file that calls lib/ipa, kept apart so
 * that tests of the harness itself link without it. */
#include <stddef.h>
#include <stdio.h>

#include "ipa_fixture.h"

enum sgp32_status ipa_fixture_ipa_new(struct ipa_fixture *f)
{
    enum sgp32_status status;
    if (f->ipa != NULL)
        return SGP32_ERR_STATE;
    status = sgp32_ipa_new(&f->config, &f->platform, &f->ipa);
    if (status == SGP32_OK)
        f->ipa_free = sgp32_ipa_free;
    return status;
}

enum sgp32_status ipa_fixture_restart(struct ipa_fixture *f, struct ipa_storage *storage)
{
    sgp32_ipa_free(f->ipa);
    f->ipa = NULL;
    if (storage != NULL)
        ipa_host_set_storage(&f->host, storage);
    return ipa_fixture_ipa_new(f);
}

long ipa_fixture_run(struct ipa_fixture *f, long max_polls, uint32_t max_step_ms, struct sgp32_ipa_poll_result *last)
{
    struct sgp32_ipa_poll_result result;
    long polls = 0;
    while (polls < max_polls) {
        sgp32_ipa_poll(f->ipa, &result);
        polls++;
        if (last != NULL)
            *last = result;
        if (result.activity == SGP32_IPA_FAILED || (result.activity == SGP32_IPA_IDLE && sgp32_ipa_is_idle(f->ipa)))
            return polls;
        ipa_clock_advance(&f->host.clock,
                          max_step_ms != 0 && result.wait_ms > max_step_ms ? max_step_ms : result.wait_ms);
    }
    return -1;
}

long ipa_fixture_run_logged(struct ipa_fixture *f, long max_polls, uint32_t max_step_ms,
                            struct sgp32_ipa_poll_result *last)
{
    struct sgp32_ipa_poll_result result;
    long polls = ipa_fixture_run(f, max_polls, max_step_ms, &result);
    if (last != NULL)
        *last = result;
    if (polls < 0) {
        fprintf(stderr, "run: %ld polls, state %s, activity %u, %s\n", polls, result.state, result.activity,
                result.detail);
        ipa_log_dump(&f->host.log);
    }
    return polls;
}
