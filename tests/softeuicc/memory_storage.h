/* SPDX-License-Identifier: MIT */
/* An in-memory struct sgp32_softeuicc_storage for the tests: named records in RAM (each save replaces a
 * record whole, so it is atomic by construction), counters and a fault knob (the next n saves fail as
 * a full flash would). */
#ifndef SOFTEUICC_MEMORY_STORAGE_H
#define SOFTEUICC_MEMORY_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/softeuicc.h"

#define MEMORY_STORAGE_RECORDS 16

struct memory_record {
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    uint8_t *data;
    size_t len;
};

struct memory_storage {
    struct memory_record records[MEMORY_STORAGE_RECORDS];
    size_t count;
    unsigned saves;       /* successful saves (deletes included) */
    unsigned state_saves; /* successful saves of "card.state" */
    unsigned loads;
    unsigned too_small;  /* loads answered SGP32_ERR_BUFFER_TOO_SMALL */
    unsigned fail_saves; /* the next n saves fail (SGP32_ERR_STORAGE) and change nothing */
};

/* An empty storage and the interface over it. */
void memory_storage_init(struct memory_storage *memory, struct sgp32_softeuicc_storage *storage);
void memory_storage_free(struct memory_storage *memory);
/* A deep copy (to is overwritten; free it with memory_storage_free). */
void memory_storage_copy(const struct memory_storage *from, struct memory_storage *to);
/* The record, NULL when absent. */
const struct memory_record *memory_storage_find(const struct memory_storage *memory, const char *name);

#endif
