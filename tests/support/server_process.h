/* SPDX-License-Identifier: MIT */
/*
 * A test server (sgp32-eim, sgp32-smdp, sgp32-smds) as a child process: it binds 127.0.0.1 on a free
 * port (--port 0) and prints "listening 127.0.0.1:<port>" on stdout; the test waits (bounded) for that
 * line and stops the process by PID. Also the test PKI in a temporary directory. The helpers assert
 * (cmocka): compile server_process.c into the test executable.
 */
#ifndef SGP32_TESTS_SUPPORT_SERVER_PROCESS_H
#define SGP32_TESTS_SUPPORT_SERVER_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

struct server_process {
    pid_t pid;
    int stdout_fd; /* the server's stdout: its "listening" line, EOF when it exits */
    unsigned port;
    char address[64]; /* "127.0.0.1:<port>" */
};

/* Starts a server (argv[0] the program, NULL-terminated) and waits (bounded) for "listening". */
void server_start(struct server_process *process, const char *const *argv);
/* SIGTERM, then waits (bounded) for its exit; asserts it exited 0 (clean shutdown). */
void server_stop(struct server_process *process);
/* SIGKILL and reap, without checks (teardown after a failure, or a crash on purpose); nothing if
 * already stopped. */
void server_kill(struct server_process *process);
/* 1 while the process runs. */
int server_alive(struct server_process *process);

/* A test PKI made by examples/pki/sgp32-test-pki (curve: "nist", "brainpool" or "both") in a new
 * directory from template (e.g. "/tmp/x-pki-XXXXXX", rewritten in place): 0 on success. */
int server_pki_create(char *template, const char *curve);
/* Removes the directory (rm -rf), reporting a failure on stderr. */
void server_pki_remove(const char *dir);

#endif
