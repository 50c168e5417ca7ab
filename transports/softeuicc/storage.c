/* SPDX-License-Identifier: MIT */
/*
 * The card's non-volatile memory (struct sgp32_softeuicc_storage): the helpers every part of the card
 * reads and writes its records with, and the directory storage of sgp32_softeuicc_create() / open(),
 * which is just one implementation of the interface: record <name> is the file <dir>/<name>, replaced
 * atomically (temporary file, fsync, rename, fsync of the directory) so a power cut leaves the old or
 * the new record, never a mix.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "card_internal.h"

#define STORAGE_MIN_SIZE (offsetof(struct sgp32_softeuicc_storage, user) + sizeof(void *))

int softeuicc_storage_copy(const struct sgp32_softeuicc_storage *given, struct sgp32_softeuicc_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (given == NULL || given->version != SGP32_SOFTEUICC_STORAGE_VERSION || given->size < STORAGE_MIN_SIZE)
        return 0;
    memcpy(out, given, given->size < sizeof(*out) ? given->size : sizeof(*out));
    out->size = sizeof(*out);
    return out->load != NULL && out->save != NULL;
}

void softeuicc_record_name(const char *prefix, const uint8_t pkid[20], const char *suffix,
                           char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = 0, i;
    for (i = 0; prefix[i] != '\0' && at < 8; i++)
        name[at++] = prefix[i];
    for (i = 0; i < 20; i++) {
        name[at++] = hex[pkid[i] >> 4];
        name[at++] = hex[pkid[i] & 0x0F];
    }
    for (i = 0; suffix[i] != '\0' && at + 1 < SGP32_SOFTEUICC_STORAGE_NAME_MAX; i++)
        name[at++] = suffix[i];
    name[at] = '\0';
}

enum sgp32_status softeuicc_storage_read(const struct sgp32_softeuicc_storage *storage, const char *name,
                                         size_t max_len, uint8_t **data, size_t *len)
{
    size_t cap = 1024, needed = 0;
    int attempt;
    *data = NULL;
    *len = 0;
    /* A record may grow between the two calls only if someone else writes the storage: two tries. */
    for (attempt = 0; attempt < 3; attempt++) {
        uint8_t *buffer = malloc(cap);
        enum sgp32_status status;
        if (buffer == NULL)
            return SGP32_ERR_NO_MEMORY;
        needed = 0;
        status = storage->load(storage->user, name, buffer, cap, &needed);
        if (status == SGP32_OK && needed <= cap) {
            *data = buffer;
            *len = needed;
            return SGP32_OK;
        }
        free(buffer);
        if (status == SGP32_ERR_NOT_FOUND)
            return SGP32_ERR_NOT_FOUND;
        if (status != SGP32_ERR_BUFFER_TOO_SMALL || needed <= cap || needed > max_len)
            return SGP32_ERR_STORAGE;
        cap = needed;
    }
    return SGP32_ERR_STORAGE;
}

enum sgp32_status softeuicc_storage_write(const struct sgp32_softeuicc_storage *storage, const char *name,
                                          const uint8_t *data, size_t len)
{
    return storage->save(storage->user, name, data, data != NULL ? len : 0) == SGP32_OK ? SGP32_OK : SGP32_ERR_STORAGE;
}

/* ---- The directory storage. */

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}

/* Record names come from the card itself, but a directory storage never leaves its directory. */
static int valid_name(const char *name)
{
    size_t i;
    if (name[0] == '\0' || name[0] == '.' || strlen(name) >= SGP32_SOFTEUICC_STORAGE_NAME_MAX)
        return 0;
    for (i = 0; name[i] != '\0'; i++)
        if (name[i] == '/')
            return 0;
    return 1;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t written = write(fd, data, len);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        data += written;
        len -= (size_t)written;
    }
    return 0;
}

/* A rename or an unlink is durable only once the directory entry is. */
static enum sgp32_status sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY);
    enum sgp32_status status = fd >= 0 && fsync(fd) == 0 ? SGP32_OK : SGP32_ERR_STORAGE;
    if (fd >= 0)
        close(fd);
    return status;
}

static enum sgp32_status directory_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    char *path;
    struct stat info;
    int fd;
    enum sgp32_status status = SGP32_OK;
    size_t got = 0;
    if (!valid_name(name) || (path = path_join(user, name)) == NULL)
        return SGP32_ERR_STORAGE;
    fd = open(path, O_RDONLY);
    free(path);
    if (fd < 0)
        return errno == ENOENT ? SGP32_ERR_NOT_FOUND : SGP32_ERR_STORAGE;
    if (fstat(fd, &info) != 0 || info.st_size < 0) {
        close(fd);
        return SGP32_ERR_STORAGE;
    }
    *len = (size_t)info.st_size;
    if (*len > cap)
        status = SGP32_ERR_BUFFER_TOO_SMALL;
    while (status == SGP32_OK && got < *len) {
        ssize_t n = read(fd, buf + got, *len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            status = SGP32_ERR_STORAGE; /* shorter than it said: not a file we wrote whole */
        else
            got += (size_t)n;
    }
    close(fd);
    return status;
}

static enum sgp32_status directory_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    const char *dir = user;
    char *path, *temp = NULL;
    size_t temp_len;
    enum sgp32_status status = SGP32_OK;
    int fd;
    if (!valid_name(name) || (path = path_join(dir, name)) == NULL)
        return SGP32_ERR_STORAGE;
    if (data == NULL) {
        if (unlink(path) != 0 && errno != ENOENT)
            status = SGP32_ERR_STORAGE;
        free(path);
        return status == SGP32_OK ? sync_directory(dir) : status;
    }
    temp_len = strlen(path) + sizeof(".tmp");
    temp = malloc(temp_len);
    if (temp == NULL) {
        free(path);
        return SGP32_ERR_NO_MEMORY;
    }
    snprintf(temp, temp_len, "%s.tmp", path);
    fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        status = SGP32_ERR_STORAGE;
    } else {
        if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
            status = SGP32_ERR_STORAGE;
        if (close(fd) != 0)
            status = SGP32_ERR_STORAGE;
        if (status == SGP32_OK && rename(temp, path) != 0)
            status = SGP32_ERR_STORAGE;
        if (status != SGP32_OK)
            unlink(temp);
    }
    free(path);
    free(temp);
    return status == SGP32_OK ? sync_directory(dir) : status;
}

void softeuicc_directory_storage(char *dir, struct sgp32_softeuicc_storage *storage)
{
    memset(storage, 0, sizeof(*storage));
    storage->version = SGP32_SOFTEUICC_STORAGE_VERSION;
    storage->size = sizeof(*storage);
    storage->load = directory_load;
    storage->save = directory_save;
    storage->user = dir;
}
