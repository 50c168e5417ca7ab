/* SPDX-License-Identifier: MIT */
/*
 * The host side of struct sgp32_platform for IPA tests, all in memory and deterministic:
 *   ipa_storage  named records with atomic replace, a log of every save (snapshot / replay for
 *                restart tests) and fault injection;
 *   ipa_clock    a monotonic clock the test advances explicitly;
 *   ipa_log      the log lines (with their level), searchable;
 *   ipa_events   a copy of every struct sgp32_ipa_event;
 *   ipa_host     the four together plus a seeded random source, behind the platform's single user
 *                pointer (ipa_host_platform() fills load / save / now_ms / log / random / event).
 * None of it needs lib/ipa. See README.md.
 */
#ifndef SGP32_TESTS_IPA_HOST_H
#define SGP32_TESTS_IPA_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/ipa.h"

/* ---- Copies (malloc'd, NULL when out of memory) ---- */

/* A copy of text (NULL: of ""). */
char *ipa_copy_string(const char *text);
/* A copy of len bytes; malloc(1) for 0, so that "present, empty" is not NULL. */
uint8_t *ipa_copy_bytes(const uint8_t *data, size_t len);

/* ---- Storage ---- */

struct ipa_storage;

/* One save() call as it was made. */
struct ipa_storage_save_entry {
    char *name;
    uint8_t *data; /* NULL: the call deleted the record */
    size_t len;
    int failed; /* 1: the call was made to fail (fault injection) and changed nothing */
};

struct ipa_storage *ipa_storage_new(void);
void ipa_storage_free(struct ipa_storage *storage);
/* The platform callbacks (user = the storage). save() with data NULL deletes (deleting a missing
 * record is fine). load(): SGP32_ERR_NOT_FOUND, SGP32_ERR_BUFFER_TOO_SMALL with *len the size. */
enum sgp32_status ipa_storage_load(void *storage, const char *name, uint8_t *buf, size_t cap, size_t *len);
enum sgp32_status ipa_storage_save(void *storage, const char *name, const uint8_t *data, size_t len);

/* The current record (NULL if absent); valid until the next save. */
const uint8_t *ipa_storage_get(const struct ipa_storage *storage, const char *name, size_t *len);
size_t ipa_storage_record_count(const struct ipa_storage *storage);
/* The name of the i-th record (in name order), NULL past the end. */
const char *ipa_storage_record_name(const struct ipa_storage *storage, size_t i);

/* Every save() call since creation (failed ones included), in order: entry k is call number k + 1. */
size_t ipa_storage_save_count(const struct ipa_storage *storage);
const struct ipa_storage_save_entry *ipa_storage_save_at(const struct ipa_storage *storage, size_t k);
/* How many save() calls named `name` were made (failed ones included). */
size_t ipa_storage_save_count_of(const struct ipa_storage *storage, const char *name);
size_t ipa_storage_load_count(const struct ipa_storage *storage);

/* A new storage holding the records as they were right after save call number k (k = 0: empty),
 * i.e. the first k log entries replayed (failed calls skipped); its log is those k entries. What a
 * device would find after a power cut just after that save. NULL if out of memory or k too large. */
struct ipa_storage *ipa_storage_replay(const struct ipa_storage *storage, size_t k);
/* A full copy (records, log, counters; no pending faults). */
struct ipa_storage *ipa_storage_clone(const struct ipa_storage *storage);

/* Fault injection: save call number `call` (1-based, counted since creation, as in the log) fails
 * with SGP32_ERR_STORAGE and changes nothing. Up to 16 pending faults. */
void ipa_storage_fail_save(struct ipa_storage *storage, size_t call);
/* The next save call (whatever its name) fails. */
void ipa_storage_fail_next_save(struct ipa_storage *storage);
/* While set, every load() answers SGP32_ERR_STORAGE. */
void ipa_storage_fail_loads(struct ipa_storage *storage, int on);

/* ---- Clock ---- */

struct ipa_clock {
    uint64_t now_ms; /* starts at whatever the test sets (ipa_host_init: 1000000) */
};
uint64_t ipa_clock_now(void *clock);
void ipa_clock_advance(struct ipa_clock *clock, uint64_t ms);

/* ---- Log ---- */

struct ipa_log_line {
    int level; /* enum sgp32_log_level */
    char *text;
};

struct ipa_log {
    struct ipa_log_line *lines;
    size_t count, cap;
    int echo; /* 1: also print each line to stderr (ipa_host_init sets it from IPA_TEST_VERBOSE) */
};
void ipa_log_init(struct ipa_log *log);
void ipa_log_release(struct ipa_log *log);
void ipa_log_add(void *log, int level, const char *message);
/* The index of the first line at or after `from` with level <= max_level (-1: any level) that
 * contains `needle`; -1 if none. */
long ipa_log_find(const struct ipa_log *log, size_t from, int max_level, const char *needle);
/* Lines with level <= max_level. */
size_t ipa_log_count_level(const struct ipa_log *log, int max_level);
void ipa_log_dump(const struct ipa_log *log);

/* ---- Events ---- */

/* A deep copy of one event (detail and data copied). */
struct ipa_event_record {
    struct sgp32_ipa_event event; /* event.detail points to detail, event.data to data */
    char *detail;
    uint8_t *data;
    uint64_t at_ms; /* the fake clock when it arrived (0 without a clock) */
};

struct ipa_events {
    struct ipa_event_record *records;
    size_t count, cap;
    const struct ipa_clock *clock; /* may be NULL */
};
void ipa_events_init(struct ipa_events *events, const struct ipa_clock *clock);
void ipa_events_release(struct ipa_events *events);
void ipa_events_add(void *events, const struct sgp32_ipa_event *event);
/* How many events of `type` (0: any) arrived. */
size_t ipa_events_count(const struct ipa_events *events, uint32_t type);
/* The n-th (0-based) event of `type` (0: any), NULL if none. */
const struct sgp32_ipa_event *ipa_events_nth(const struct ipa_events *events, uint32_t type, size_t n);
/* The last event of `type`, NULL if none. */
const struct sgp32_ipa_event *ipa_events_last(const struct ipa_events *events, uint32_t type);
void ipa_events_clear(struct ipa_events *events);

/* ---- Random: a seeded deterministic stream (xorshift64*), so runs repeat. ---- */
enum sgp32_status ipa_random(void *state /* uint64_t */, uint8_t *out, size_t len);

/* ---- Host: the platform's user pointer ---- */

struct ipa_host {
    struct ipa_storage *storage; /* replaceable (ipa_host_set_storage) between IPA lifetimes */
    struct ipa_clock clock;
    struct ipa_log log;
    struct ipa_events events;
    uint64_t random_state;
};

/* Clock at 1000000 ms, empty storage, random seeded with `seed` (0: a fixed default). */
enum sgp32_status ipa_host_init(struct ipa_host *host, uint64_t seed);
void ipa_host_release(struct ipa_host *host);
/* Replaces the storage (frees the old one): e.g. with ipa_storage_replay() before a restart. */
void ipa_host_set_storage(struct ipa_host *host, struct ipa_storage *storage);
/* Fills version, size, load, save, now_ms, log, random, event and user (= host); apdu and http are
 * left as they are. */
void ipa_host_platform(struct ipa_host *host, struct sgp32_platform *platform);

#endif
