/* SPDX-License-Identifier: MIT */
/* The in-memory storage of the tests (memory_storage.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memory_storage.h"

static struct memory_record *find(struct memory_storage *memory, const char *name)
{
    size_t i;
    for (i = 0; i < memory->count; i++)
        if (strcmp(memory->records[i].name, name) == 0)
            return &memory->records[i];
    return NULL;
}

const struct memory_record *memory_storage_find(const struct memory_storage *memory, const char *name)
{
    return find((struct memory_storage *)memory, name);
}

/* The semantics of struct sgp32_platform's load (sgp32/ipa.h). */
static enum sgp32_status memory_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct memory_storage *memory = user;
    struct memory_record *record = find(memory, name);
    assert_true(strlen(name) < SGP32_SOFTEUICC_STORAGE_NAME_MAX);
    memory->loads++;
    if (record == NULL)
        return SGP32_ERR_NOT_FOUND;
    *len = record->len;
    if (record->len > cap) {
        memory->too_small++;
        return SGP32_ERR_BUFFER_TOO_SMALL;
    }
    if (record->len > 0)
        memcpy(buf, record->data, record->len);
    return SGP32_OK;
}

static enum sgp32_status memory_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct memory_storage *memory = user;
    struct memory_record *record = find(memory, name);
    uint8_t *copy;
    assert_true(strlen(name) < SGP32_SOFTEUICC_STORAGE_NAME_MAX);
    if (memory->fail_saves > 0) {
        memory->fail_saves--;
        return SGP32_ERR_STORAGE;
    }
    memory->saves++;
    if (data == NULL) { /* delete */
        if (record != NULL) {
            free(record->data);
            *record = memory->records[--memory->count];
        }
        return SGP32_OK;
    }
    copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, data, len);
    if (record == NULL) {
        assert_true(memory->count < MEMORY_STORAGE_RECORDS);
        record = &memory->records[memory->count++];
        strcpy(record->name, name);
    } else {
        free(record->data);
    }
    record->data = copy;
    record->len = len;
    if (strcmp(name, "card.state") == 0)
        memory->state_saves++;
    return SGP32_OK;
}

void memory_storage_init(struct memory_storage *memory, struct sgp32_softeuicc_storage *storage)
{
    memset(memory, 0, sizeof(*memory));
    memset(storage, 0, sizeof(*storage));
    storage->version = SGP32_SOFTEUICC_STORAGE_VERSION;
    storage->size = sizeof(*storage);
    storage->load = memory_load;
    storage->save = memory_save;
    storage->user = memory;
}

void memory_storage_free(struct memory_storage *memory)
{
    size_t i;
    for (i = 0; i < memory->count; i++)
        free(memory->records[i].data);
    memset(memory, 0, sizeof(*memory));
}

void memory_storage_copy(const struct memory_storage *from, struct memory_storage *to)
{
    size_t i;
    *to = *from;
    for (i = 0; i < from->count; i++) {
        to->records[i].data = malloc(from->records[i].len ? from->records[i].len : 1);
        assert_non_null(to->records[i].data);
        memcpy(to->records[i].data, from->records[i].data, from->records[i].len);
    }
}
