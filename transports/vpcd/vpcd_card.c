/* SPDX-License-Identifier: MIT */
/* The card side of the vpcd protocol (see include/sgp32/vpcd.h): TCP frames of a 2-byte big-endian
 * length and a payload. Every wait is a poll() with a deadline; nothing blocks without a bound. */
#define _POSIX_C_SOURCE 200809L

#include "sgp32/vpcd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../common/deadline.h"

/* Control messages from the reader (vpcd.h in vsmartcard). */
enum { VPCD_CTRL_OFF = 0, VPCD_CTRL_ON = 1, VPCD_CTRL_RESET = 2, VPCD_CTRL_ATR = 4 };

/* A frame carries at most 0xFFFF bytes; an extended R-APDU is at most 65536 + 2. */
#define FRAME_MAX 0xFFFFu
#define RESPONSE_CAP (65536u + 2u)
/* Once the first byte of a frame arrived, the rest must follow within this time. */
#define FRAME_COMPLETION_MS 5000u

struct sgp32_vpcd {
    int fd;
    int last_errno;
    int have_atr;
    size_t atr_len;
    uint8_t atr[SGP32_VPCD_MAX_ATR];
    uint8_t command[FRAME_MAX];
    uint8_t response[2 + RESPONSE_CAP];
};

/* Waits for `events` on the socket until the deadline: 1 ready, 0 timeout (or EINTR), -1 error. */
static int wait_for(struct sgp32_vpcd *conn, short events, uint64_t deadline)
{
    struct pollfd pfd;
    int rc;
    pfd.fd = conn->fd;
    pfd.events = events;
    pfd.revents = 0;
    rc = poll(&pfd, 1, (int)transport_remaining_ms(deadline));
    if (rc < 0) {
        if (errno == EINTR)
            return 0;
        conn->last_errno = errno;
        return -1;
    }
    return rc;
}

enum sgp32_status sgp32_vpcd_connect(const char *host, uint16_t port, uint32_t timeout_ms, struct sgp32_vpcd **conn_out)
{
    struct addrinfo hints, *addresses = NULL, *ai;
    char service[8];
    struct sgp32_vpcd *conn;
    enum sgp32_status st = SGP32_ERR_TRANSPORT;
    uint64_t deadline = transport_now_ms() + timeout_ms;
    int one = 1;

    if (conn_out == NULL || host == NULL || port == 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    *conn_out = NULL;
    conn = calloc(1, sizeof(*conn));
    if (conn == NULL)
        return SGP32_ERR_NO_MEMORY;
    conn->fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &addresses) != 0) {
        free(conn);
        return SGP32_ERR_TRANSPORT;
    }
    for (ai = addresses; ai != NULL && conn->fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        int rc, error = 0;
        socklen_t error_len = sizeof(error);
        if (fd < 0)
            continue;
        /* Non-blocking for a bounded connect and for all later I/O. */
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            close(fd);
            continue;
        }
        rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            conn->fd = fd;
            rc = wait_for(conn, POLLOUT, deadline);
            conn->fd = -1;
            if (rc == 0) {
                st = SGP32_ERR_TIMEOUT;
                close(fd);
                continue;
            }
            if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) != 0 || error != 0) {
                conn->last_errno = error;
                close(fd);
                continue;
            }
        } else if (rc != 0) {
            conn->last_errno = errno;
            close(fd);
            continue;
        }
        /* Without TCP_NODELAY every small R-APDU waits for the delayed ACK: about 40 ms per APDU. */
        if (ai->ai_family != AF_UNIX)
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn->fd = fd;
    }
    freeaddrinfo(addresses);
    if (conn->fd < 0) {
        free(conn);
        return st;
    }
    conn->last_errno = 0;
    *conn_out = conn;
    return SGP32_OK;
}

void sgp32_vpcd_close(struct sgp32_vpcd *conn)
{
    if (conn == NULL)
        return;
    if (conn->fd >= 0)
        close(conn->fd);
    free(conn);
}

int sgp32_vpcd_last_errno(const struct sgp32_vpcd *conn)
{
    return conn == NULL ? 0 : conn->last_errno;
}

/* Reads exactly len bytes before the deadline. */
static enum sgp32_status read_exact(struct sgp32_vpcd *conn, uint8_t *out, size_t len, uint64_t deadline)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = recv(conn->fd, out + done, len - done, 0);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0) { /* vpcd closed the connection (pcscd stopped or the reader was removed) */
            conn->last_errno = 0;
            return SGP32_ERR_TRANSPORT;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            conn->last_errno = errno;
            return SGP32_ERR_TRANSPORT;
        }
        switch (wait_for(conn, POLLIN, deadline)) {
        case 1:
            break;
        case 0:
            if (transport_remaining_ms(deadline) > 0)
                break; /* a signal: keep reading inside a frame */
            return SGP32_ERR_TIMEOUT;
        default:
            return SGP32_ERR_TRANSPORT;
        }
    }
    return SGP32_OK;
}

static enum sgp32_status write_exact(struct sgp32_vpcd *conn, const uint8_t *data, size_t len, uint64_t deadline)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(conn->fd, data + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            conn->last_errno = errno;
            return SGP32_ERR_TRANSPORT;
        }
        switch (wait_for(conn, POLLOUT, deadline)) {
        case 1:
            break;
        case 0:
            if (transport_remaining_ms(deadline) > 0)
                break;
            return SGP32_ERR_TIMEOUT;
        default:
            return SGP32_ERR_TRANSPORT;
        }
    }
    return SGP32_OK;
}

/* Sends the payload at conn->response + 2 as one frame. */
static enum sgp32_status send_frame(struct sgp32_vpcd *conn, size_t len)
{
    if (len > FRAME_MAX)
        return SGP32_ERR_TOO_LARGE;
    conn->response[0] = (uint8_t)(len >> 8);
    conn->response[1] = (uint8_t)len;
    return write_exact(conn, conn->response, 2 + len, transport_now_ms() + FRAME_COMPLETION_MS);
}

static enum sgp32_status power(struct sgp32_vpcd *conn, void *user,
                               enum sgp32_status (*fn)(void *, uint8_t *, size_t, size_t *))
{
    size_t len = 0;
    enum sgp32_status st = fn(user, conn->atr, sizeof(conn->atr), &len);
    if (st == SGP32_OK && len > 0 && len <= sizeof(conn->atr)) {
        conn->atr_len = len;
        conn->have_atr = 1;
    }
    /* vpcd expects no answer to a power message; a card that failed keeps its previous ATR. */
    return SGP32_OK;
}

static enum sgp32_status handle_control(struct sgp32_vpcd *conn, const struct sgp32_vpcd_card_ops *ops, void *user,
                                        uint8_t control)
{
    switch (control) {
    case VPCD_CTRL_OFF:
        if (ops->power_off != NULL)
            (void)ops->power_off(user, NULL, 0, NULL);
        return SGP32_OK;
    case VPCD_CTRL_ON:
        return power(conn, user, ops->power_on);
    case VPCD_CTRL_RESET:
        return power(conn, user, ops->reset);
    case VPCD_CTRL_ATR:
        if (!conn->have_atr)
            (void)power(conn, user, ops->power_on);
        memcpy(conn->response + 2, conn->atr, conn->atr_len);
        return send_frame(conn, conn->atr_len);
    default:
        return SGP32_ERR_PROTOCOL; /* unknown control message */
    }
}

enum sgp32_status sgp32_vpcd_serve_step(struct sgp32_vpcd *conn, const struct sgp32_vpcd_card_ops *ops, void *user,
                                        uint32_t timeout_ms)
{
    uint8_t header[2];
    size_t len, response_len = 0;
    enum sgp32_status st;
    int rc;

    if (conn == NULL || conn->fd < 0 || ops == NULL || ops->size < sizeof(*ops) || ops->process_apdu == NULL ||
        ops->power_on == NULL || ops->reset == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    rc = wait_for(conn, POLLIN, transport_now_ms() + timeout_ms);
    if (rc == 0)
        return SGP32_ERR_TIMEOUT;
    if (rc < 0)
        return SGP32_ERR_TRANSPORT;
    st = read_exact(conn, header, sizeof(header), transport_now_ms() + FRAME_COMPLETION_MS);
    if (st != SGP32_OK)
        return st;
    len = ((size_t)header[0] << 8) | header[1];
    if (len == 0)
        return SGP32_ERR_PROTOCOL;
    st = read_exact(conn, conn->command, len, transport_now_ms() + FRAME_COMPLETION_MS);
    if (st != SGP32_OK)
        return st;
    if (len == 1)
        return handle_control(conn, ops, user, conn->command[0]);

    st = ops->process_apdu(user, conn->command, len, conn->response + 2, RESPONSE_CAP, &response_len);
    if (st != SGP32_OK || response_len < 2 || response_len > FRAME_MAX) {
        conn->response[2] = 0x6F; /* no precise diagnosis */
        conn->response[3] = 0x00;
        response_len = 2;
    }
    return send_frame(conn, response_len);
}
