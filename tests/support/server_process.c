/* SPDX-License-Identifier: MIT */
/* A test server as a child process, the test PKI (server_process.h). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "server_process.h"

#define STEP_TIMEOUT_MS 30000

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads the server's stdout until a full line arrived (bounded). */
static void read_line(int fd, char *line, size_t cap)
{
    size_t len = 0;
    uint64_t deadline = now_ms() + STEP_TIMEOUT_MS;
    line[0] = '\0';
    while (len + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        uint64_t now = now_ms();
        ssize_t n;
        assert_true(now < deadline);
        if (poll(&p, 1, (int)(deadline - now)) <= 0)
            continue;
        n = read(fd, line + len, 1);
        assert_true(n == 1); /* EOF: the server died before listening */
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
}

void server_start(struct server_process *process, const char *const *argv)
{
    char line[128];
    int fds[2];
    memset(process, 0, sizeof(*process));
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    process->pid = fork();
    assert_true(process->pid >= 0);
    if (process->pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    process->stdout_fd = fds[0];
    read_line(process->stdout_fd, line, sizeof(line));
    assert_int_equal(sscanf(line, "listening 127.0.0.1:%u", &process->port), 1);
    assert_true(process->port > 0 && process->port < 65536);
    snprintf(process->address, sizeof(process->address), "127.0.0.1:%u", process->port);
}

void server_stop(struct server_process *process)
{
    uint64_t deadline = now_ms() + STEP_TIMEOUT_MS;
    int status = -1, eof = 0;
    char buffer[256];
    if (process->pid <= 0)
        return;
    assert_int_equal(kill(process->pid, SIGTERM), 0);
    /* The pipe ends when the process has exited (it never closes its stdout itself). */
    while (!eof && now_ms() < deadline) {
        struct pollfd p = {process->stdout_fd, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - now_ms())) > 0 && read(process->stdout_fd, buffer, sizeof(buffer)) <= 0)
            eof = 1;
    }
    if (!eof)
        kill(process->pid, SIGKILL);
    assert_int_equal(waitpid(process->pid, &status, 0), process->pid);
    close(process->stdout_fd);
    process->pid = 0;
    assert_true(eof);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

void server_kill(struct server_process *process)
{
    int status = 0;
    if (process->pid <= 0)
        return;
    kill(process->pid, SIGKILL);
    waitpid(process->pid, &status, 0);
    close(process->stdout_fd);
    process->pid = 0;
}

int server_alive(struct server_process *process)
{
    int status = 0;
    return process->pid > 0 && waitpid(process->pid, &status, WNOHANG) == 0;
}

int server_pki_create(char *template, const char *curve)
{
    char command[512];
    if (mkdtemp(template) == NULL)
        return -1;
    snprintf(command, sizeof(command), "sh '%s/examples/pki/sgp32-test-pki' --curve %s --force '%s' >/dev/null",
             SGP32_SOURCE_DIR, curve, template);
    return system(command) == 0 ? 0 : -1;
}

void server_pki_remove(const char *dir)
{
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    if (system(command) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}
