/* SPDX-License-Identifier: MIT */
/*
 * Ready-made host services for POSIX systems (transports/host, SGP32_WITH_HOST_POSIX): a directory as
 * the storage of the IPA's (and the software eUICC's) small named records, and a monotonic clock in
 * milliseconds. They have the signatures of struct sgp32_platform's load / save / now_ms, with the
 * directory's path (a NUL-terminated string) as the user pointer:
 *
 *     platform.load = sgp32_host_dir_load;
 *     platform.save = sgp32_host_dir_save;
 *     platform.now_ms = sgp32_host_now_ms;
 *     platform.user = "/var/lib/ipa";             (log and event receive the same pointer)
 *
 * A host with its own user pointer calls them from its callbacks with the path. Each record is one
 * file named as the record; a save is atomic (a temporary file written and fsync'd, renamed over the
 * record, then the directory fsync'd), so a power cut leaves the old record or the new one.
 */
#ifndef SGP32_HOST_POSIX_H
#define SGP32_HOST_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The record `name` of the directory `dir` into buf: SGP32_ERR_NOT_FOUND when there is none,
 * SGP32_ERR_BUFFER_TOO_SMALL with *len the size needed, SGP32_ERR_INVALID_ARGUMENT for a name that is
 * not a plain file name (empty, '/', a leading '.'), SGP32_ERR_STORAGE for an I/O error. */
enum sgp32_status sgp32_host_dir_load(void *dir, const char *name, uint8_t *buf, size_t cap, size_t *len);
/* Writes the record atomically; data NULL deletes it (a missing record is fine). */
enum sgp32_status sgp32_host_dir_save(void *dir, const char *name, const uint8_t *data, size_t len);
/* CLOCK_MONOTONIC in milliseconds; user is ignored. */
uint64_t sgp32_host_now_ms(void *user);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_HOST_POSIX_H */
