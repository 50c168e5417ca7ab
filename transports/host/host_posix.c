/* SPDX-License-Identifier: MIT */
/* POSIX host services: records in a directory, written atomically, and the monotonic clock
 * (include/sgp32/host_posix.h). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sgp32/host_posix.h"

#define PATH_MAX_LEN 1024u

/* dir/name, refusing names that are not one plain file name. */
static int record_path(const void *dir, const char *name, char *out, size_t cap)
{
    int n;
    if (dir == NULL || name == NULL || name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
        return -1;
    n = snprintf(out, cap, "%s/%s", (const char *)dir, name);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

enum sgp32_status sgp32_host_dir_load(void *dir, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    char path[PATH_MAX_LEN];
    struct stat st;
    int fd, failed;
    if (len == NULL || (buf == NULL && cap != 0) || record_path(dir, name, path, sizeof(path)) != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SGP32_ERR_NOT_FOUND : SGP32_ERR_STORAGE;
    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        close(fd);
        return SGP32_ERR_STORAGE;
    }
    *len = (size_t)st.st_size;
    if (*len > cap) {
        close(fd);
        return SGP32_ERR_BUFFER_TOO_SMALL;
    }
    failed = read_all(fd, buf, *len);
    close(fd);
    return failed ? SGP32_ERR_STORAGE : SGP32_OK;
}

/* The directory's entry for the rename must reach the disk too. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC), failed;
    if (fd < 0)
        return -1;
    failed = fsync(fd) != 0 && errno != EINVAL; /* some file systems cannot sync a directory */
    close(fd);
    return failed ? -1 : 0;
}

enum sgp32_status sgp32_host_dir_save(void *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[PATH_MAX_LEN], tmp[PATH_MAX_LEN + 8];
    int fd, failed;
    if ((data == NULL && len != 0) || record_path(dir, name, path, sizeof(path)) != 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (data == NULL) {
        if (unlink(path) != 0 && errno != ENOENT)
            return SGP32_ERR_STORAGE;
        return sync_dir(dir) == 0 ? SGP32_OK : SGP32_ERR_STORAGE;
    }
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return SGP32_ERR_INVALID_ARGUMENT;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return SGP32_ERR_STORAGE;
    failed = write_all(fd, data, len) != 0 || fsync(fd) != 0;
    failed = close(fd) != 0 || failed;
    if (failed || rename(tmp, path) != 0 || sync_dir(dir) != 0) {
        unlink(tmp);
        return SGP32_ERR_STORAGE;
    }
    return SGP32_OK;
}

uint64_t sgp32_host_now_ms(void *user)
{
    struct timespec t;
    (void)user;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0;
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}
