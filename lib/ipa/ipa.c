/* SPDX-License-Identifier: MIT */
/* The IPA context, the host operations and the poll loop that drives the state table. */
#include <stdlib.h>
#include <string.h>

#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"
#include "sgp32/version.h"

#define DEFAULT_POLL_INTERVAL_MS 3600000u
#define DEFAULT_RETRY_INITIAL_MS 2000u
#define DEFAULT_RETRY_MAX_MS 600000u
#define DEFAULT_RETRY_LIMIT 8u
#define DEFAULT_HTTP_TIMEOUT_MS 60000u
#define DEFAULT_APDU_TIMEOUT_MS 30000u
#define DEFAULT_ROLLBACK_TIMEOUT_MS 300000u
/* While an HTTP exchange is in flight the host is asked back this soon. */
#define EXCHANGE_POLL_MS 20u
/* Steps one poll may take before it hands control back (each step is short; this bounds a poll). */
#define STEPS_PER_POLL 32u

static const struct ipa_state_def *const state_table[IPA_STATE_COUNT] = {
    [IPA_STATE_START] = &ipa_state_start,
    [IPA_STATE_RESUME] = &ipa_state_resume,
    [IPA_STATE_IDLE] = &ipa_state_idle,
    [IPA_STATE_GET_PACKAGE] = &ipa_state_get_package,
    [IPA_STATE_EXECUTE] = &ipa_state_execute,
    [IPA_STATE_REPORT] = &ipa_state_report,
    [IPA_STATE_ACKNOWLEDGE] = &ipa_state_acknowledge,
    [IPA_STATE_ROLLBACK] = &ipa_state_rollback,
    [IPA_STATE_EUICC_DATA] = &ipa_state_euicc_data,
    [IPA_STATE_DOWNLOAD] = &ipa_state_download,
    [IPA_STATE_NOTIFY] = &ipa_state_notify,
    [IPA_STATE_INJECT] = &ipa_state_inject,
};

void *ipa_alloc(const struct sgp32_ipa *ipa, size_t size)
{
    if (ipa->platform.alloc != NULL)
        return ipa->platform.alloc(ipa->platform.user, size);
    return malloc(size);
}

void ipa_free(const struct sgp32_ipa *ipa, void *ptr)
{
    if (ptr == NULL)
        return;
    if (ipa->platform.free != NULL)
        ipa->platform.free(ipa->platform.user, ptr);
    else
        free(ptr);
}

void ipa_blob_free(struct ipa_blob *blob)
{
    free(blob->data);
    blob->data = NULL;
    blob->len = 0;
}

enum sgp32_status ipa_blob_set(struct ipa_blob *blob, const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len + 1u); /* +1: strings stay NUL-terminated */
    if (copy == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = 0;
    ipa_blob_free(blob);
    blob->data = copy;
    blob->len = len;
    return SGP32_OK;
}

uint64_t ipa_now(const struct sgp32_ipa *ipa)
{
    return ipa->platform.now_ms(ipa->platform.user);
}

void ipa_log(const struct sgp32_ipa *ipa, int level, const char *a, const char *b)
{
    char line[320];
    size_t n = 0;
    const char *parts[4];
    size_t i;
    if (ipa->platform.log == NULL)
        return;
    parts[0] = state_table[ipa->state]->name;
    parts[1] = ": ";
    parts[2] = a != NULL ? a : "";
    parts[3] = b;
    for (i = 0; i < 4; i++) {
        size_t len;
        if (parts[i] == NULL)
            continue;
        if (i == 3 && n + 2 < sizeof(line)) {
            line[n++] = ':';
            line[n++] = ' ';
        }
        len = strlen(parts[i]);
        if (len > sizeof(line) - 1 - n)
            len = sizeof(line) - 1 - n;
        memcpy(line + n, parts[i], len);
        n += len;
    }
    line[n] = '\0';
    ipa->platform.log(ipa->platform.user, level, line);
}

void ipa_emit(struct sgp32_ipa *ipa, uint32_t type, enum sgp32_status status, long code, const uint8_t *iccid,
              const char *detail, const uint8_t *data, size_t len)
{
    struct sgp32_ipa_event event;
    if (type == SGP32_IPA_EVENT_PROFILE_CHANGED)
        ipa->connectivity_due = 1; /* the new profile's connectivity parameters go to the host next */
    if (ipa->platform.event == NULL)
        return;
    memset(&event, 0, sizeof(event));
    event.type = type;
    event.status = status;
    event.code = code;
    if (iccid != NULL) {
        event.has_iccid = 1;
        memcpy(event.iccid, iccid, sizeof(event.iccid));
    }
    event.detail = detail != NULL ? detail : "";
    event.data = data;
    event.len = len;
    ipa->platform.event(ipa->platform.user, &event);
}

void ipa_emit_progress(struct sgp32_ipa *ipa, long loaded, long total, const char *detail)
{
    struct sgp32_ipa_event event;
    if (ipa->platform.event == NULL)
        return;
    memset(&event, 0, sizeof(event));
    event.type = SGP32_IPA_EVENT_DOWNLOAD_PROGRESS;
    event.status = SGP32_OK;
    event.code = loaded;
    event.total = total;
    event.detail = detail;
    ipa->platform.event(ipa->platform.user, &event);
}

enum sgp32_status ipa_fail(struct sgp32_ipa *ipa, enum sgp32_status status, const char *what, const char *detail)
{
    size_t n = 0, len;
    ipa->last_status = status;
    ipa->last_error[0] = '\0';
    if (what != NULL) {
        len = strlen(what);
        if (len > sizeof(ipa->last_error) - 1)
            len = sizeof(ipa->last_error) - 1;
        memcpy(ipa->last_error, what, len);
        n = len;
    }
    if (detail != NULL && detail[0] != '\0' && n + 3 < sizeof(ipa->last_error)) {
        ipa->last_error[n++] = ':';
        ipa->last_error[n++] = ' ';
        len = strlen(detail);
        if (len > sizeof(ipa->last_error) - 1 - n)
            len = sizeof(ipa->last_error) - 1 - n;
        memcpy(ipa->last_error + n, detail, len);
        n += len;
    }
    ipa->last_error[n] = '\0';
    ipa_log(ipa, SGP32_LOG_WARNING, ipa->last_error, sgp32_status_name(status));
    return status;
}

void ipa_goto(struct sgp32_ipa *ipa, enum ipa_state state)
{
    if (state != ipa->state) {
        ipa->state = state;
        ipa_log(ipa, SGP32_LOG_DEBUG, "enter", NULL);
    }
    ipa->attempt = 0;
    ipa->wake_at_ms = 0;
}

void ipa_sleep(struct sgp32_ipa *ipa, uint32_t ms)
{
    ipa->wake_at_ms = ipa_now(ipa) + ms;
}

int ipa_retry(struct sgp32_ipa *ipa)
{
    uint64_t delay = ipa->config.retry_initial_ms;
    uint32_t i;
    ipa->attempt++;
    if (ipa->attempt >= ipa->config.retry_limit)
        return 0;
    /* Exponential backoff: initial * 2^(attempt-1), capped. */
    for (i = 1; i < ipa->attempt && delay < ipa->config.retry_max_ms; i++)
        delay *= 2u;
    if (delay > ipa->config.retry_max_ms)
        delay = ipa->config.retry_max_ms;
    ipa->wake_at_ms = ipa_now(ipa) + delay;
    ipa->activity = SGP32_IPA_BACKOFF;
    ipa_emit(ipa, SGP32_IPA_EVENT_RETRY, ipa->last_status, (long)ipa->attempt, NULL, ipa->last_error, NULL, 0);
    return 1;
}

static void set_defaults(struct sgp32_ipa_config *c)
{
    if (c->poll_interval_ms == 0)
        c->poll_interval_ms = DEFAULT_POLL_INTERVAL_MS;
    if (c->retry_initial_ms == 0)
        c->retry_initial_ms = DEFAULT_RETRY_INITIAL_MS;
    if (c->retry_max_ms == 0)
        c->retry_max_ms = DEFAULT_RETRY_MAX_MS;
    if (c->retry_max_ms < c->retry_initial_ms)
        c->retry_max_ms = c->retry_initial_ms;
    if (c->retry_limit == 0)
        c->retry_limit = DEFAULT_RETRY_LIMIT;
    if (c->http_timeout_ms == 0)
        c->http_timeout_ms = DEFAULT_HTTP_TIMEOUT_MS;
    if (c->apdu_timeout_ms == 0)
        c->apdu_timeout_ms = DEFAULT_APDU_TIMEOUT_MS;
    if (c->rollback_timeout_ms == 0)
        c->rollback_timeout_ms = DEFAULT_ROLLBACK_TIMEOUT_MS;
    if (c->ipa_features == 0)
        c->ipa_features =
            SGP32_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION | SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION;
    if (c->ipa_protocols == 0)
        c->ipa_protocols = SGP32_IPA_PROTOCOL_RETRIEVE_HTTPS | SGP32_IPA_PROTOCOL_INJECT_HTTPS;
}

static int platform_valid(const struct sgp32_platform *p)
{
    return p->version == SGP32_PLATFORM_VERSION && p->size >= sizeof(struct sgp32_platform) && p->apdu.ops != NULL &&
           p->http.ops != NULL && p->http.ops->start != NULL && p->http.ops->poll != NULL &&
           p->http.ops->cancel != NULL && p->load != NULL && p->save != NULL && p->now_ms != NULL &&
           (p->alloc == NULL) == (p->free == NULL);
}

enum sgp32_status sgp32_ipa_new(const struct sgp32_ipa_config *config, const struct sgp32_platform *platform,
                                struct sgp32_ipa **out)
{
    struct sgp32_ipa *ipa;
    size_t n;
    if (out == NULL || platform == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!platform_valid(platform) ||
        (config != NULL &&
         (config->size < sizeof(struct sgp32_ipa_config) || config->binding > SGP32_IPA_BINDING_JSON ||
          (config->device_info == NULL && config->device_info_len != 0))))
        return SGP32_ERR_INVALID_ARGUMENT;
    ipa = platform->alloc != NULL ? platform->alloc(platform->user, sizeof(*ipa)) : malloc(sizeof(*ipa));
    if (ipa == NULL)
        return SGP32_ERR_NO_MEMORY;
    memset(ipa, 0, sizeof(*ipa));
    ipa->platform = *platform;
    if (config != NULL)
        ipa->config = *config;
    ipa->config.size = sizeof(ipa->config);
    set_defaults(&ipa->config);
    ipa->state = IPA_STATE_START;
    ipa->change_cause = -1;
    ipa->network_up = 1;
    ipa->notify_due = 1;
    ipa->notify_seq = -1;
    ipa->notify_after = -1;
    if (ipa->config.user_agent != NULL) {
        n = strlen(ipa->config.user_agent);
        if (n >= sizeof(ipa->user_agent))
            n = sizeof(ipa->user_agent) - 1;
        memcpy(ipa->user_agent, ipa->config.user_agent, n);
    } else {
        const char *v = sgp32_version();
        memcpy(ipa->user_agent, "libsgp32/", 9);
        n = strlen(v);
        if (n > sizeof(ipa->user_agent) - 10)
            n = sizeof(ipa->user_agent) - 10;
        memcpy(ipa->user_agent + 9, v, n);
    }
    *out = ipa;
    return SGP32_OK;
}

static void op_release(struct ipa_op *op)
{
    ipa_blob_free(&op->data);
    ipa_blob_free(&op->extra);
}

void sgp32_ipa_free(struct sgp32_ipa *ipa)
{
    size_t i;
    if (ipa == NULL)
        return;
    ipa_exchange_end(ipa);
    ipa_download_free(ipa);
    for (i = 0; i < ipa->op_count; i++)
        op_release(&ipa->ops[i]);
    ipa_blob_free(&ipa->job.request);
    ipa_blob_free(&ipa->job.report);
    ipa_blob_free(&ipa->inject);
    ipa_blob_free(&ipa->notify_element);
    sgp32_es10_free(ipa->es10);
    if (ipa->transport_open && ipa->platform.apdu.ops->close != NULL)
        ipa->platform.apdu.ops->close(ipa->platform.apdu.user);
    ipa_free(ipa, ipa);
}

/* Pops the next queued host operation into *op (0 when none). */
int ipa_take_op(struct sgp32_ipa *ipa, struct ipa_op *op)
{
    if (ipa->op_count == 0)
        return 0;
    *op = ipa->ops[0];
    memmove(&ipa->ops[0], &ipa->ops[1], (ipa->op_count - 1) * sizeof(ipa->ops[0]));
    ipa->op_count--;
    return 1;
}

static enum sgp32_status queue_op(struct sgp32_ipa *ipa, int kind, const uint8_t *data, size_t len, const char *extra)
{
    struct ipa_op op;
    enum sgp32_status st;
    if (ipa->op_count >= IPA_MAX_OPS)
        return SGP32_ERR_STATE;
    memset(&op, 0, sizeof(op));
    op.kind = kind;
    st = ipa_blob_set(&op.data, data, len);
    if (st == SGP32_OK && extra != NULL)
        st = ipa_blob_set(&op.extra, (const uint8_t *)extra, strlen(extra));
    if (st != SGP32_OK) {
        op_release(&op);
        return st;
    }
    ipa->ops[ipa->op_count++] = op;
    if (ipa->state == IPA_STATE_IDLE)
        ipa->wake_at_ms = 0;
    return SGP32_OK;
}

enum sgp32_status sgp32_ipa_download(struct sgp32_ipa *ipa, const char *activation_code, const char *confirmation_code)
{
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return queue_op(ipa, IPA_OP_DOWNLOAD, (const uint8_t *)(activation_code != NULL ? activation_code : ""),
                    activation_code != NULL ? strlen(activation_code) : 0, confirmation_code);
}

enum sgp32_status sgp32_ipa_inject_eim_package(struct sgp32_ipa *ipa, const uint8_t *request, size_t len)
{
    if (ipa == NULL || request == NULL || len == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    return queue_op(ipa, IPA_OP_INJECT, request, len, NULL);
}

enum sgp32_status sgp32_ipa_poll_eim_now(struct sgp32_ipa *ipa)
{
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    ipa->eim_poll_requested = 1;
    if (ipa->state == IPA_STATE_IDLE)
        ipa->wake_at_ms = 0;
    return SGP32_OK;
}

enum sgp32_status sgp32_ipa_network_changed(struct sgp32_ipa *ipa, int up, const uint8_t *rplmn)
{
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (rplmn != NULL) {
        memcpy(ipa->rplmn, rplmn, sizeof(ipa->rplmn));
        ipa->have_rplmn = 1;
    }
    if (up && !ipa->network_up) {
        /* Whatever waited for the network is due now, the state-change report first. */
        ipa->eim_poll_requested = 1;
        ipa->notify_due = 1;
        ipa->wake_at_ms = 0;
        ipa->attempt = 0;
    }
    ipa->network_up = up ? 1 : 0;
    return SGP32_OK;
}

int sgp32_ipa_has_eim(const struct sgp32_ipa *ipa)
{
    return ipa != NULL && ipa->have_eim;
}

int sgp32_ipa_is_idle(const struct sgp32_ipa *ipa)
{
    return ipa != NULL && ipa->state == IPA_STATE_IDLE && !ipa->exchange.active && ipa->op_count == 0 &&
           !ipa->eim_poll_requested && ipa->ack_count == 0 && !ipa->job.present && ipa->download == NULL &&
           !ipa->notify_due && ipa->change_cause < 0;
}

const char *sgp32_ipa_last_error(const struct sgp32_ipa *ipa)
{
    if (ipa == NULL)
        return "no IPA";
    return ipa->last_error;
}

enum sgp32_status sgp32_ipa_eid(const struct sgp32_ipa *ipa, uint8_t eid[16])
{
    if (ipa == NULL || eid == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!ipa->have_eid)
        return SGP32_ERR_STATE;
    memcpy(eid, ipa->eid, 16);
    return SGP32_OK;
}

static uint32_t wait_until(const struct sgp32_ipa *ipa, uint64_t when)
{
    uint64_t now = ipa_now(ipa);
    if (when <= now)
        return 0;
    return when - now > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)(when - now);
}

enum sgp32_status sgp32_ipa_poll(struct sgp32_ipa *ipa, struct sgp32_ipa_poll_result *result)
{
    enum sgp32_status st = SGP32_OK, first = SGP32_OK;
    char first_detail[sizeof(ipa->last_error)];
    unsigned steps;
    uint32_t wait_ms = 0;
    if (ipa == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    ipa->activity = SGP32_IPA_IDLE;
    ipa->last_status = SGP32_OK;
    first_detail[0] = '\0';
    for (steps = 0; steps < STEPS_PER_POLL; steps++) {
        const struct ipa_state_def *def = state_table[ipa->state];
        enum ipa_state before = ipa->state;
        if (ipa->exchange.active) {
            int done = 0;
            st = ipa_exchange_poll(ipa, &done);
            if (!done) {
                if (ipa->activity != SGP32_IPA_FAILED)
                    ipa->activity = SGP32_IPA_WORKING;
                wait_ms = EXCHANGE_POLL_MS;
                break;
            }
            st = def->answer != NULL ? def->answer(ipa) : SGP32_ERR_STATE;
            ipa_exchange_end(ipa);
        } else {
            if (ipa->wake_at_ms > ipa_now(ipa)) {
                wait_ms = wait_until(ipa, ipa->wake_at_ms);
                break;
            }
            st = def->run(ipa);
            if (st != SGP32_OK && ipa->state == before && !ipa->exchange.active && ipa->wake_at_ms <= ipa_now(ipa) &&
                ipa->activity != SGP32_IPA_BACKOFF) {
                /* A step that failed without deciding what next (an exchange that could not even be
                 * built, say) must not spin: back off like any failure, then wait for the period. */
                if (!ipa_retry(ipa)) {
                    ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
                    ipa->eim_poll_requested = 0;
                    ipa_goto(ipa, IPA_STATE_IDLE);
                }
            }
        }
        if (ipa->activity == SGP32_IPA_IDLE && (ipa->state != IPA_STATE_IDLE || before != IPA_STATE_IDLE))
            ipa->activity = SGP32_IPA_WORKING;
        if (st != SGP32_OK && first == SGP32_OK) {
            /* The poll reports its first failure: later steps (the next state's own checks) must not
             * hide why the procedure ended. */
            first = st;
            memcpy(first_detail, ipa->last_error, sizeof(first_detail));
            if (ipa->activity != SGP32_IPA_BACKOFF)
                ipa->activity = SGP32_IPA_FAILED;
        }
        if (ipa->state == IPA_STATE_IDLE && before == IPA_STATE_IDLE && ipa->wake_at_ms > ipa_now(ipa)) {
            wait_ms = wait_until(ipa, ipa->wake_at_ms);
            break;
        }
    }
    /* Ended idle with nothing due before wait_ms: say so, whatever was done on the way. */
    if (ipa->activity == SGP32_IPA_WORKING && ipa->state == IPA_STATE_IDLE && !ipa->exchange.active &&
        ipa->wake_at_ms > ipa_now(ipa))
        ipa->activity = SGP32_IPA_IDLE;
    if (first != SGP32_OK) {
        ipa->last_status = first;
        memcpy(ipa->last_error, first_detail, sizeof(ipa->last_error));
    }
    if (result != NULL) {
        memset(result, 0, sizeof(*result));
        result->activity = (uint32_t)ipa->activity;
        result->wait_ms = wait_ms;
        result->state = state_table[ipa->state]->name;
        result->status = first;
        if (first != SGP32_OK) {
            size_t n = strlen(first_detail);
            if (n >= sizeof(result->detail))
                n = sizeof(result->detail) - 1;
            memcpy(result->detail, first_detail, n);
        }
    }
    return first;
}
