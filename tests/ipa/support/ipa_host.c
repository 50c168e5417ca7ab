/* SPDX-License-Identifier: MIT */
/* Clock, log, events, random and the platform glue of ipa_host.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa_host.h"

char *ipa_copy_string(const char *text)
{
    size_t len = strlen(text != NULL ? text : "") + 1;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, text != NULL ? text : "", len);
    return copy;
}

uint8_t *ipa_copy_bytes(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy != NULL && len > 0)
        memcpy(copy, data, len);
    return copy;
}

uint64_t ipa_clock_now(void *clock)
{
    return ((struct ipa_clock *)clock)->now_ms;
}

void ipa_clock_advance(struct ipa_clock *clock, uint64_t ms)
{
    clock->now_ms += ms;
}

void ipa_log_init(struct ipa_log *log)
{
    memset(log, 0, sizeof(*log));
    log->echo = getenv("IPA_TEST_VERBOSE") != NULL;
}

void ipa_log_release(struct ipa_log *log)
{
    size_t i;
    for (i = 0; i < log->count; i++)
        free(log->lines[i].text);
    free(log->lines);
    memset(log, 0, sizeof(*log));
}

static const char *level_name(int level)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    return level >= 0 && level <= 3 ? names[level] : "?";
}

void ipa_log_add(void *user, int level, const char *message)
{
    struct ipa_log *log = user;
    size_t len;
    char *text;
    if (message == NULL)
        message = "(null)";
    if (log->echo)
        fprintf(stderr, "ipa %s: %s\n", level_name(level), message);
    if (log->count == log->cap) {
        size_t cap = log->cap == 0 ? 64 : log->cap * 2;
        struct ipa_log_line *grown = realloc(log->lines, cap * sizeof(*grown));
        if (grown == NULL)
            return;
        log->lines = grown;
        log->cap = cap;
    }
    len = strlen(message) + 1;
    text = malloc(len);
    if (text == NULL)
        return;
    memcpy(text, message, len);
    log->lines[log->count].level = level;
    log->lines[log->count].text = text;
    log->count++;
}

long ipa_log_find(const struct ipa_log *log, size_t from, int max_level, const char *needle)
{
    size_t i;
    for (i = from; i < log->count; i++)
        if ((max_level < 0 || log->lines[i].level <= max_level) && strstr(log->lines[i].text, needle) != NULL)
            return (long)i;
    return -1;
}

size_t ipa_log_count_level(const struct ipa_log *log, int max_level)
{
    size_t i, n = 0;
    for (i = 0; i < log->count; i++)
        n += log->lines[i].level <= max_level;
    return n;
}

void ipa_log_dump(const struct ipa_log *log)
{
    size_t i;
    for (i = 0; i < log->count; i++)
        fprintf(stderr, "ipa %s: %s\n", level_name(log->lines[i].level), log->lines[i].text);
}

void ipa_events_init(struct ipa_events *events, const struct ipa_clock *clock)
{
    memset(events, 0, sizeof(*events));
    events->clock = clock;
}

void ipa_events_clear(struct ipa_events *events)
{
    size_t i;
    for (i = 0; i < events->count; i++) {
        free(events->records[i].detail);
        free(events->records[i].data);
    }
    events->count = 0;
}

void ipa_events_release(struct ipa_events *events)
{
    ipa_events_clear(events);
    free(events->records);
    events->records = NULL;
    events->cap = 0;
}

void ipa_events_add(void *user, const struct sgp32_ipa_event *event)
{
    struct ipa_events *events = user;
    struct ipa_event_record *record;
    const char *detail = event->detail != NULL ? event->detail : "";
    size_t detail_len = strlen(detail) + 1;
    if (events->count == events->cap) {
        size_t cap = events->cap == 0 ? 16 : events->cap * 2;
        struct ipa_event_record *grown = realloc(events->records, cap * sizeof(*grown));
        if (grown == NULL)
            return;
        events->records = grown;
        events->cap = cap;
    }
    record = &events->records[events->count];
    memset(record, 0, sizeof(*record));
    record->event = *event;
    record->detail = malloc(detail_len);
    if (record->detail == NULL)
        return;
    memcpy(record->detail, detail, detail_len);
    record->event.detail = record->detail;
    record->event.data = NULL;
    if (event->data != NULL && event->len > 0) {
        record->data = malloc(event->len);
        if (record->data == NULL) {
            free(record->detail);
            return;
        }
        memcpy(record->data, event->data, event->len);
        record->event.data = record->data;
    }
    record->at_ms = events->clock != NULL ? events->clock->now_ms : 0;
    events->count++;
}

size_t ipa_events_count(const struct ipa_events *events, uint32_t type)
{
    size_t i, n = 0;
    for (i = 0; i < events->count; i++)
        n += type == 0 || events->records[i].event.type == type;
    return n;
}

const struct sgp32_ipa_event *ipa_events_nth(const struct ipa_events *events, uint32_t type, size_t n)
{
    size_t i;
    for (i = 0; i < events->count; i++)
        if (type == 0 || events->records[i].event.type == type) {
            if (n == 0)
                return &events->records[i].event;
            n--;
        }
    return NULL;
}

const struct sgp32_ipa_event *ipa_events_last(const struct ipa_events *events, uint32_t type)
{
    size_t i = events->count;
    while (i > 0) {
        i--;
        if (type == 0 || events->records[i].event.type == type)
            return &events->records[i].event;
    }
    return NULL;
}

enum sgp32_status ipa_random(void *user, uint8_t *out, size_t len)
{
    uint64_t *state = user;
    size_t i;
    for (i = 0; i < len; i++) {
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        out[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return SGP32_OK;
}

enum sgp32_status ipa_host_init(struct ipa_host *host, uint64_t seed)
{
    memset(host, 0, sizeof(*host));
    host->storage = ipa_storage_new();
    if (host->storage == NULL)
        return SGP32_ERR_NO_MEMORY;
    host->clock.now_ms = 1000000u;
    ipa_log_init(&host->log);
    ipa_events_init(&host->events, &host->clock);
    host->random_state = seed != 0 ? seed : 0x5347503332495041ULL; /* "SGP32IPA" */
    return SGP32_OK;
}

void ipa_host_release(struct ipa_host *host)
{
    ipa_storage_free(host->storage);
    host->storage = NULL;
    ipa_log_release(&host->log);
    ipa_events_release(&host->events);
}

void ipa_host_set_storage(struct ipa_host *host, struct ipa_storage *storage)
{
    if (storage == host->storage)
        return;
    ipa_storage_free(host->storage);
    host->storage = storage;
}

static enum sgp32_status host_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    return ipa_storage_load(((struct ipa_host *)user)->storage, name, buf, cap, len);
}

static enum sgp32_status host_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    return ipa_storage_save(((struct ipa_host *)user)->storage, name, data, len);
}

static uint64_t host_now(void *user)
{
    return ((struct ipa_host *)user)->clock.now_ms;
}

static void host_log(void *user, int level, const char *message)
{
    ipa_log_add(&((struct ipa_host *)user)->log, level, message);
}

static enum sgp32_status host_random(void *user, uint8_t *out, size_t len)
{
    return ipa_random(&((struct ipa_host *)user)->random_state, out, len);
}

static void host_event(void *user, const struct sgp32_ipa_event *event)
{
    ipa_events_add(&((struct ipa_host *)user)->events, event);
}

void ipa_host_platform(struct ipa_host *host, struct sgp32_platform *platform)
{
    platform->version = SGP32_PLATFORM_VERSION;
    platform->size = (uint32_t)sizeof(*platform);
    platform->load = host_load;
    platform->save = host_save;
    platform->now_ms = host_now;
    platform->log = host_log;
    platform->alloc = NULL;
    platform->free = NULL;
    platform->random = host_random;
    platform->event = host_event;
    platform->user = host;
}
