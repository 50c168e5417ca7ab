/* SPDX-License-Identifier: MIT */
/* Line I/O with deadlines over a tty or any descriptor: non-blocking reads and writes driven by
 * poll(), so that a modem that stops answering (or stops reading) can never block the caller. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* termios speeds above 38400, CRTSCTS */
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "at_internal.h"

static int speed_of(uint32_t baud, speed_t *speed)
{
    static const struct {
        uint32_t baud;
        speed_t speed;
    } speeds[] = {
        {9600u, B9600},     {19200u, B19200},   {38400u, B38400},
        {57600u, B57600},   {115200u, B115200}, {230400u, B230400},
#ifdef B460800
        {460800u, B460800},
#endif
#ifdef B921600
        {921600u, B921600},
#endif
    };
    size_t i;
    for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++) {
        if (speeds[i].baud == baud) {
            *speed = speeds[i].speed;
            return 1;
        }
    }
    return 0;
}

enum sgp32_status sgp32_atcmd_tty_configure(int fd, uint32_t baud)
{
    struct termios tio;
    speed_t speed = B0;

    if (baud != 0 && !speed_of(baud, &speed))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (tcgetattr(fd, &tio) != 0)
        return SGP32_ERR_TRANSPORT;
    /* Raw mode as cfmakeraw() sets it (spelled out: cfmakeraw is not POSIX). The modem's CR LF must
     * arrive unchanged, and nothing we send may be echoed back by the line discipline. */
    tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
    tio.c_oflag &= ~(tcflag_t)OPOST;
    tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
    tio.c_cflag |= (tcflag_t)(CS8 | CREAD | CLOCAL);
#ifdef CRTSCTS
    tio.c_cflag &= ~(tcflag_t)CRTSCTS;
#endif
    /* poll() does the waiting; reads on the non-blocking descriptor return what is there. */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (baud != 0 && (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (tcsetattr(fd, TCSANOW, &tio) != 0)
        return SGP32_ERR_TRANSPORT;
    return SGP32_OK;
}

enum sgp32_status sgp32_atcmd_channel_init(struct at_channel *channel, int fd)
{
    int flags = fcntl(fd, F_GETFL);
    memset(channel, 0, sizeof(*channel));
    channel->fd = fd;
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return SGP32_ERR_TRANSPORT;
    return SGP32_OK;
}

/* Waits until fd is ready for `events` or the deadline passes. */
static enum sgp32_status wait_for(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        struct pollfd pfd;
        uint64_t now = transport_now_ms();
        int timeout;
        int n;
        if (now >= deadline_ms)
            return SGP32_ERR_TIMEOUT;
        timeout = deadline_ms - now > 60000u ? 60000 : (int)(deadline_ms - now);
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        n = poll(&pfd, 1, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (pfd.revents & (POLLERR | POLLNVAL)))
            return SGP32_ERR_TRANSPORT;
        if (n > 0 && (pfd.revents & events))
            return SGP32_OK;
        /* A hang-up without pending data: the device is gone. (With data, POLLIN is set as well and
         * the data are read first.) */
        if (n > 0 && (pfd.revents & POLLHUP))
            return SGP32_ERR_TRANSPORT;
    }
}

enum sgp32_status sgp32_atcmd_channel_write(struct at_channel *channel, const char *data, size_t len,
                                            uint64_t deadline_ms)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n;
        enum sgp32_status st = wait_for(channel->fd, POLLOUT, deadline_ms);
        if (st != SGP32_OK)
            return st;
        n = write(channel->fd, data + done, len - done);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return SGP32_ERR_TRANSPORT;
        }
        done += (size_t)n;
    }
    return SGP32_OK;
}

/* Takes one line out of the pending bytes, if a complete one is there. */
static int take_line(struct at_channel *channel, char *line, size_t cap, size_t *len, int *overlong)
{
    size_t i;
    for (;;) {
        size_t end = channel->pending_len;
        for (i = 0; i < channel->pending_len; i++) {
            if (channel->pending[i] == '\r' || channel->pending[i] == '\n') {
                end = i;
                break;
            }
        }
        if (end == channel->pending_len) {
            /* No line end yet. A line that cannot fit is returned truncated and the rest dropped. */
            if (channel->pending_len < cap - 1u || channel->discarding)
                return 0;
            end = cap - 1u;
            memcpy(line, channel->pending, end);
            line[end] = '\0';
            *len = end;
            *overlong = 1;
            channel->discarding = 1;
            memmove(channel->pending, channel->pending + end, channel->pending_len - end);
            channel->pending_len -= end;
            return 1;
        }
        if (channel->discarding || end == 0) {
            /* The tail of an over-long line, or an empty line between CR and LF. */
            channel->discarding = 0;
            memmove(channel->pending, channel->pending + end + 1u, channel->pending_len - end - 1u);
            channel->pending_len -= end + 1u;
            continue;
        }
        *overlong = end > cap - 1u;
        if (*overlong)
            end = cap - 1u;
        memcpy(line, channel->pending, end);
        line[end] = '\0';
        *len = end;
        /* Drop the line and its terminator (the rest of an over-long line up to its end as well). */
        if (*overlong) {
            channel->discarding = 1;
            memmove(channel->pending, channel->pending + end, channel->pending_len - end);
            channel->pending_len -= end;
        } else {
            memmove(channel->pending, channel->pending + end + 1u, channel->pending_len - end - 1u);
            channel->pending_len -= end + 1u;
        }
        return 1;
    }
}

enum sgp32_status sgp32_atcmd_channel_read_line(struct at_channel *channel, char *line, size_t cap, size_t *len,
                                                int *overlong, uint64_t deadline_ms)
{
    if (cap < 2u || cap > sizeof(channel->pending))
        return SGP32_ERR_INVALID_ARGUMENT;
    *len = 0;
    *overlong = 0;
    line[0] = '\0';
    for (;;) {
        ssize_t n;
        enum sgp32_status st;
        if (take_line(channel, line, cap, len, overlong))
            return SGP32_OK;
        if (channel->discarding)
            channel->pending_len = 0; /* nothing of an over-long line's tail is kept */
        st = wait_for(channel->fd, POLLIN, deadline_ms);
        if (st != SGP32_OK)
            return st;
        n = read(channel->fd, channel->pending + channel->pending_len, sizeof(channel->pending) - channel->pending_len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return SGP32_ERR_TRANSPORT; /* EIO: the tty went away (USB modem reset) */
        }
        if (n == 0)
            return SGP32_ERR_TRANSPORT; /* end of file: the peer closed the line */
        channel->pending_len += (size_t)n;
    }
}

enum sgp32_status sgp32_atcmd_channel_discard_input(struct at_channel *channel)
{
    unsigned char scratch[256];
    channel->pending_len = 0;
    channel->discarding = 0;
    for (;;) {
        /* Ask poll() first: a tty in raw mode with VMIN = 0 reads 0 bytes when nothing is there,
         * which is not the end of file it would be on a socket. */
        struct pollfd pfd;
        ssize_t n;
        int ready;
        pfd.fd = channel->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        ready = poll(&pfd, 1, 0);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0 || (pfd.revents & (POLLERR | POLLNVAL)))
            return SGP32_ERR_TRANSPORT;
        if (ready == 0)
            return SGP32_OK;
        if (!(pfd.revents & POLLIN))
            return SGP32_ERR_TRANSPORT; /* hang-up */
        n = read(channel->fd, scratch, sizeof(scratch));
        if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)))
            continue;
        return SGP32_ERR_TRANSPORT;
    }
}
