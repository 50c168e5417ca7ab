/* SPDX-License-Identifier: MIT */
/* The platform meter of bench_meter.h. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench_alloc.h"
#include "bench_meter.h"

/* ---- APDU transport: counted, run as "other" (the card is not the IPA) ---- */

static enum sgp32_status meter_open(void *user, uint8_t *atr, size_t cap, size_t *len, uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.apdu.ops->open(m->inner.apdu.user, atr, cap, len, timeout_ms);
    bench_alloc_owner(owner);
    return st;
}

static void meter_close(void *user)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    m->inner.apdu.ops->close(m->inner.apdu.user);
    bench_alloc_owner(owner);
}

static void count_apdu(struct bench_meter *m, const uint8_t *command, size_t command_len, const size_t *response_len,
                       enum sgp32_status st)
{
    m->counts.apdus++;
    m->counts.apdu_bytes_up += command_len;
    if (command_len >= 2 && command[1] == 0xE2)
        m->counts.store_data++;
    if (st == SGP32_OK)
        m->counts.apdu_bytes_down += *response_len;
}

static enum sgp32_status meter_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                        size_t cap, size_t *response_len, uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st =
        m->inner.apdu.ops->transmit(m->inner.apdu.user, command, command_len, response, cap, response_len, timeout_ms);
    bench_alloc_owner(owner);
    count_apdu(m, command, command_len, response_len, st);
    return st;
}

static enum sgp32_status meter_reset(void *user, uint8_t *atr, size_t cap, size_t *len, uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.apdu.ops->reset(m->inner.apdu.user, atr, cap, len, timeout_ms);
    bench_alloc_owner(owner);
    return st;
}

static enum sgp32_status meter_open_channel(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                            uint8_t *select_response, size_t select_cap, size_t *select_len,
                                            uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.apdu.ops->open_logical_channel(m->inner.apdu.user, aid, aid_len, channel,
                                                                   select_response, select_cap, select_len, timeout_ms);
    bench_alloc_owner(owner);
    return st;
}

static enum sgp32_status meter_close_channel(void *user, uint32_t channel, uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.apdu.ops->close_logical_channel(m->inner.apdu.user, channel, timeout_ms);
    bench_alloc_owner(owner);
    return st;
}

static enum sgp32_status meter_transmit_on_channel(void *user, uint32_t channel, const uint8_t *command,
                                                   size_t command_len, uint8_t *response, size_t cap,
                                                   size_t *response_len, uint32_t timeout_ms)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.apdu.ops->transmit_on_channel(m->inner.apdu.user, channel, command, command_len,
                                                                  response, cap, response_len, timeout_ms);
    bench_alloc_owner(owner);
    count_apdu(m, command, command_len, response_len, st);
    return st;
}

static int meter_proactive_pending(void *user)
{
    struct bench_meter *m = user;
    return m->inner.apdu.ops->proactive_pending(m->inner.apdu.user);
}

/* ---- HTTP: the peer (and the servers behind it) as "other", the IPA's body sink as measured ---- */

static enum sgp32_status meter_sink(void *user, const uint8_t *data, size_t len)
{
    struct bench_sink_slot *slot = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    enum sgp32_status st = slot->sink(slot->sink_user, data, len);
    bench_alloc_owner(owner);
    slot->meter->counts.http_bytes_down += len;
    return st;
}

static enum sgp32_status meter_start(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                                     void *sink_user, uint32_t *request_id)
{
    struct bench_meter *m = user;
    struct bench_sink_slot *slot = NULL;
    enum bench_owner owner;
    enum sgp32_status st;
    size_t i;
    /* a slot per request in flight; slots of finished requests are reused (the peer never calls the sink
     * of a request after it completed or was cancelled) */
    for (i = 0; i < BENCH_METER_SINKS; i++)
        if (!m->sinks[(m->counts.http_requests + i) % BENCH_METER_SINKS].used) {
            slot = &m->sinks[(m->counts.http_requests + i) % BENCH_METER_SINKS];
            break;
        }
    if (slot == NULL)
        return SGP32_ERR_NO_MEMORY;
    slot->meter = m;
    slot->sink = sink;
    slot->sink_user = sink_user;
    m->counts.http_requests++;
    m->counts.http_bytes_up += request->body_len;
    owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    st = m->inner.http.ops->start(m->inner.http.user, request, meter_sink, slot, request_id);
    bench_alloc_owner(owner);
    slot->used = st == SGP32_OK;
    return st;
}

/* Finished requests' slots: the peer keeps no sink once a request is done, so the slots are simply
 * recycled when every request has completed (the IPA has at most a few in flight). */
static enum sgp32_status meter_poll(void *user, uint32_t request_id, uint32_t max_wait_ms, int *done,
                                    struct sgp32_http_result *result)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.http.ops->poll(m->inner.http.user, request_id, max_wait_ms, done, result);
    bench_alloc_owner(owner);
    if (ipa_http_peer_in_flight(m->f->http) == 0)
        memset(m->sinks, 0, sizeof(m->sinks));
    return st;
}

static void meter_cancel(void *user, uint32_t request_id)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    m->inner.http.ops->cancel(m->inner.http.user, request_id);
    bench_alloc_owner(owner);
    if (ipa_http_peer_in_flight(m->f->http) == 0)
        memset(m->sinks, 0, sizeof(m->sinks));
}

/* ---- Host callbacks: the host's memory (storage records, log lines, event copies) is not the IPA's ---- */

static enum sgp32_status meter_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.load(m->inner.user, name, buf, cap, len);
    bench_alloc_owner(owner);
    return st;
}

static enum sgp32_status meter_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    enum sgp32_status st = m->inner.save(m->inner.user, name, data, len);
    bench_alloc_owner(owner);
    return st;
}

static uint64_t meter_now(void *user)
{
    struct bench_meter *m = user;
    return m->inner.now_ms(m->inner.user);
}

static void meter_log(void *user, int level, const char *message)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    m->inner.log(m->inner.user, level, message);
    bench_alloc_owner(owner);
}

static enum sgp32_status meter_random(void *user, uint8_t *out, size_t len)
{
    struct bench_meter *m = user;
    return m->inner.random(m->inner.user, out, len);
}

static void meter_event(void *user, const struct sgp32_ipa_event *event)
{
    struct bench_meter *m = user;
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_OTHER);
    m->inner.event(m->inner.user, event);
    bench_alloc_owner(owner);
}

void bench_meter_install(struct bench_meter *meter, struct ipa_fixture *f)
{
    const struct sgp32_apdu_transport_ops *apdu = f->platform.apdu.ops;
    memset(meter, 0, sizeof(*meter));
    meter->f = f;
    meter->inner = f->platform;
    meter->apdu_ops = *apdu;
    meter->apdu_ops.open = meter_open;
    meter->apdu_ops.close = meter_close;
    meter->apdu_ops.transmit = meter_transmit;
    meter->apdu_ops.reset = apdu->reset != NULL ? meter_reset : NULL;
    meter->apdu_ops.open_logical_channel = apdu->open_logical_channel != NULL ? meter_open_channel : NULL;
    meter->apdu_ops.close_logical_channel = apdu->close_logical_channel != NULL ? meter_close_channel : NULL;
    meter->apdu_ops.transmit_on_channel = apdu->transmit_on_channel != NULL ? meter_transmit_on_channel : NULL;
    meter->apdu_ops.proactive_pending = apdu->proactive_pending != NULL ? meter_proactive_pending : NULL;
    meter->http_ops = *f->platform.http.ops;
    meter->http_ops.start = meter_start;
    meter->http_ops.poll = meter_poll;
    meter->http_ops.cancel = meter_cancel;
    f->platform.apdu.ops = &meter->apdu_ops;
    f->platform.apdu.user = meter;
    f->platform.http.ops = &meter->http_ops;
    f->platform.http.user = meter;
    f->platform.load = meter->inner.load != NULL ? meter_load : NULL;
    f->platform.save = meter->inner.save != NULL ? meter_save : NULL;
    f->platform.now_ms = meter->inner.now_ms != NULL ? meter_now : NULL;
    f->platform.log = meter->inner.log != NULL ? meter_log : NULL;
    f->platform.random = meter->inner.random != NULL ? meter_random : NULL;
    f->platform.event = meter->inner.event != NULL ? meter_event : NULL;
    f->platform.user = meter;
}

enum sgp32_status bench_meter_ipa_new(struct bench_meter *meter)
{
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    enum sgp32_status st = ipa_fixture_ipa_new(meter->f);
    bench_alloc_owner(owner);
    return st;
}

void bench_meter_ipa_free(struct bench_meter *meter)
{
    enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
    sgp32_ipa_free(meter->f->ipa);
    meter->f->ipa = NULL;
    bench_alloc_owner(owner);
}

int bench_meter_run(struct bench_meter *meter, long max_polls)
{
    struct ipa_fixture *f = meter->f;
    long polls;
    for (polls = 0; polls < max_polls; polls++) {
        struct sgp32_ipa_poll_result result;
        enum bench_owner owner = bench_alloc_owner(BENCH_OWNER_MEASURED);
        sgp32_ipa_poll(f->ipa, &result);
        bench_alloc_owner(owner);
        meter->counts.polls++;
        if (result.activity == SGP32_IPA_IDLE && sgp32_ipa_is_idle(f->ipa))
            return 0;
        ipa_clock_advance(&f->host.clock, result.wait_ms);
    }
    return -1;
}

struct bench_counts bench_counts_since(const struct bench_counts *now, const struct bench_counts *before)
{
    struct bench_counts d = *now;
    d.apdus -= before->apdus;
    d.store_data -= before->store_data;
    d.apdu_bytes_up -= before->apdu_bytes_up;
    d.apdu_bytes_down -= before->apdu_bytes_down;
    d.http_requests -= before->http_requests;
    d.http_bytes_up -= before->http_bytes_up;
    d.http_bytes_down -= before->http_bytes_down;
    d.polls -= before->polls;
    return d;
}
