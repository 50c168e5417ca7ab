/* SPDX-License-Identifier: MIT */
/* The in-memory storage of ipa_host.h: records kept sorted by name, every save() logged. */
#include <stdlib.h>
#include <string.h>

#include "ipa_host.h"

#define MAX_FAULTS 16u

struct record {
    char *name;
    uint8_t *data;
    size_t len;
};

struct ipa_storage {
    struct record *records;
    size_t record_count, record_cap;
    struct ipa_storage_save_entry *log;
    size_t log_count, log_cap;
    size_t loads;
    size_t faults[MAX_FAULTS]; /* save call numbers to fail; 0: free slot */
    int fail_loads;
};

struct ipa_storage *ipa_storage_new(void)
{
    return calloc(1, sizeof(struct ipa_storage));
}

void ipa_storage_free(struct ipa_storage *storage)
{
    size_t i;
    if (storage == NULL)
        return;
    for (i = 0; i < storage->record_count; i++) {
        free(storage->records[i].name);
        free(storage->records[i].data);
    }
    for (i = 0; i < storage->log_count; i++) {
        free(storage->log[i].name);
        free(storage->log[i].data);
    }
    free(storage->records);
    free(storage->log);
    free(storage);
}

/* The index of `name`, or where it would go (*found 0). */
static size_t find(const struct ipa_storage *storage, const char *name, int *found)
{
    size_t i;
    *found = 0;
    for (i = 0; i < storage->record_count; i++) {
        int order = strcmp(storage->records[i].name, name);
        if (order == 0)
            *found = 1;
        if (order >= 0)
            break;
    }
    return i;
}

static int grow(struct ipa_storage *storage)
{
    size_t cap = storage->record_cap == 0 ? 8 : storage->record_cap * 2;
    struct record *grown = realloc(storage->records, cap * sizeof(struct record));
    if (grown == NULL)
        return 0;
    storage->records = grown;
    storage->record_cap = cap;
    return 1;
}

/* Replaces, inserts or (data NULL) deletes a record. */
static enum sgp32_status apply(struct ipa_storage *storage, const char *name, const uint8_t *data, size_t len)
{
    int found;
    size_t at = find(storage, name, &found);
    uint8_t *copy;
    char *name_copy;
    if (data == NULL) {
        if (found) {
            free(storage->records[at].name);
            free(storage->records[at].data);
            memmove(&storage->records[at], &storage->records[at + 1],
                    (storage->record_count - at - 1) * sizeof(struct record));
            storage->record_count--;
        }
        return SGP32_OK;
    }
    copy = ipa_copy_bytes(data, len);
    if (copy == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (found) {
        free(storage->records[at].data);
        storage->records[at].data = copy;
        storage->records[at].len = len;
        return SGP32_OK;
    }
    name_copy = ipa_copy_string(name);
    if (name_copy == NULL || (storage->record_count == storage->record_cap && !grow(storage))) {
        free(name_copy);
        free(copy);
        return SGP32_ERR_NO_MEMORY;
    }
    memmove(&storage->records[at + 1], &storage->records[at], (storage->record_count - at) * sizeof(struct record));
    storage->records[at].name = name_copy;
    storage->records[at].data = copy;
    storage->records[at].len = len;
    storage->record_count++;
    return SGP32_OK;
}

static enum sgp32_status log_append(struct ipa_storage *storage, const char *name, const uint8_t *data, size_t len,
                                    int failed)
{
    struct ipa_storage_save_entry *entry;
    if (storage->log_count == storage->log_cap) {
        size_t cap = storage->log_cap == 0 ? 16 : storage->log_cap * 2;
        struct ipa_storage_save_entry *grown = realloc(storage->log, cap * sizeof(*grown));
        if (grown == NULL)
            return SGP32_ERR_NO_MEMORY;
        storage->log = grown;
        storage->log_cap = cap;
    }
    entry = &storage->log[storage->log_count];
    entry->name = ipa_copy_string(name);
    entry->data = data != NULL ? ipa_copy_bytes(data, len) : NULL;
    entry->len = data != NULL ? len : 0;
    entry->failed = failed;
    if (entry->name == NULL || (data != NULL && entry->data == NULL)) {
        free(entry->name);
        free(entry->data);
        return SGP32_ERR_NO_MEMORY;
    }
    storage->log_count++;
    return SGP32_OK;
}

enum sgp32_status ipa_storage_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct ipa_storage *storage = user;
    int found;
    size_t at;
    if (storage == NULL || name == NULL || len == NULL || (buf == NULL && cap > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    storage->loads++;
    if (storage->fail_loads)
        return SGP32_ERR_STORAGE;
    at = find(storage, name, &found);
    if (!found)
        return SGP32_ERR_NOT_FOUND;
    *len = storage->records[at].len;
    if (cap < storage->records[at].len)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (storage->records[at].len > 0)
        memcpy(buf, storage->records[at].data, storage->records[at].len);
    return SGP32_OK;
}

enum sgp32_status ipa_storage_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct ipa_storage *storage = user;
    size_t call, i;
    int failed = 0;
    enum sgp32_status status;
    if (storage == NULL || name == NULL || name[0] == '\0')
        return SGP32_ERR_INVALID_ARGUMENT;
    call = storage->log_count + 1;
    for (i = 0; i < MAX_FAULTS; i++)
        if (storage->faults[i] == call) {
            storage->faults[i] = 0;
            failed = 1;
        }
    status = log_append(storage, name, data, len, failed);
    if (status != SGP32_OK)
        return status;
    if (failed)
        return SGP32_ERR_STORAGE;
    return apply(storage, name, data, len);
}

const uint8_t *ipa_storage_get(const struct ipa_storage *storage, const char *name, size_t *len)
{
    int found;
    size_t at = find(storage, name, &found);
    if (!found)
        return NULL;
    if (len != NULL)
        *len = storage->records[at].len;
    return storage->records[at].data;
}

size_t ipa_storage_record_count(const struct ipa_storage *storage)
{
    return storage->record_count;
}

const char *ipa_storage_record_name(const struct ipa_storage *storage, size_t i)
{
    return i < storage->record_count ? storage->records[i].name : NULL;
}

size_t ipa_storage_save_count(const struct ipa_storage *storage)
{
    return storage->log_count;
}

const struct ipa_storage_save_entry *ipa_storage_save_at(const struct ipa_storage *storage, size_t k)
{
    return k < storage->log_count ? &storage->log[k] : NULL;
}

size_t ipa_storage_save_count_of(const struct ipa_storage *storage, const char *name)
{
    size_t i, n = 0;
    for (i = 0; i < storage->log_count; i++)
        n += strcmp(storage->log[i].name, name) == 0;
    return n;
}

size_t ipa_storage_load_count(const struct ipa_storage *storage)
{
    return storage->loads;
}

struct ipa_storage *ipa_storage_replay(const struct ipa_storage *storage, size_t k)
{
    struct ipa_storage *copy;
    size_t i;
    if (k > storage->log_count)
        return NULL;
    copy = ipa_storage_new();
    for (i = 0; copy != NULL && i < k; i++) {
        const struct ipa_storage_save_entry *entry = &storage->log[i];
        if (log_append(copy, entry->name, entry->data, entry->len, entry->failed) != SGP32_OK ||
            (!entry->failed && apply(copy, entry->name, entry->data, entry->len) != SGP32_OK)) {
            ipa_storage_free(copy);
            copy = NULL;
        }
    }
    return copy;
}

struct ipa_storage *ipa_storage_clone(const struct ipa_storage *storage)
{
    struct ipa_storage *copy = ipa_storage_replay(storage, storage->log_count);
    if (copy != NULL)
        copy->loads = storage->loads;
    return copy;
}

void ipa_storage_fail_save(struct ipa_storage *storage, size_t call)
{
    size_t i;
    for (i = 0; i < MAX_FAULTS; i++)
        if (storage->faults[i] == 0) {
            storage->faults[i] = call;
            return;
        }
}

void ipa_storage_fail_next_save(struct ipa_storage *storage)
{
    ipa_storage_fail_save(storage, storage->log_count + 1);
}

void ipa_storage_fail_loads(struct ipa_storage *storage, int on)
{
    storage->fail_loads = on;
}
