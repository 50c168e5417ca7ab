/* SPDX-License-Identifier: MIT */
/* One QMI request and its response over the QMUX fd. Reads go by the QMUX length: a read may bring
 * part of a frame or several frames (cdc-wdm behaves like a stream when messages queue up), so bytes
 * collect in a receive buffer and whole frames are taken from its front. Every wait is a poll() with
 * the remaining time to one deadline; nothing sleeps. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/deadline.h"
#include "qmi_internal.h"

enum sgp32_status qmi_fail(struct sgp32_qmi *qmi, enum sgp32_status status, uint16_t message, uint16_t qmi_error,
                           const char *reason)
{
    qmi->error.status = status;
    qmi->error.message = message;
    qmi->error.qmi_error = qmi_error;
    qmi->error.sw = 0;
    qmi->error.reason = reason;
    return status;
}

enum sgp32_status qmi_map_error(uint16_t qmi_error)
{
    switch (qmi_error) {
    case SGP32_QMI_ERR_NONE:
        return SGP32_OK;
    case SGP32_QMI_ERR_INVALID_QMI_COMMAND: /* the firmware lacks the message */
        return SGP32_ERR_NOT_SUPPORTED;
    default:
        return SGP32_ERR_TRANSPORT;
    }
}

/* Writes one whole frame: a cdc-wdm write is one QMI message, a partial write is an error. */
static enum sgp32_status write_frame(struct sgp32_qmi *qmi, const uint8_t *frame, size_t len, uint64_t deadline,
                                     uint16_t message)
{
    for (;;) {
        struct pollfd pfd;
        ssize_t n;
        int rc;

        pfd.fd = qmi->fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        rc = poll(&pfd, 1, (int)transport_remaining_ms(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "poll failed");
        if (rc == 0)
            return qmi_fail(qmi, SGP32_ERR_TIMEOUT, message, 0, "timeout: device not writable");
        if ((pfd.revents & POLLOUT) == 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "device closed");
        /* send() with MSG_NOSIGNAL: a peer that went away is EPIPE, not a SIGPIPE for the process. */
        n = send(qmi->fd, frame, len, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(qmi->fd, frame, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0,
                            errno == EPIPE || errno == ECONNRESET ? "device closed" : "write failed");
        if ((size_t)n != len)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "short write");
        return SGP32_OK;
    }
}

/* Reads what is available into the receive buffer, waiting until the deadline. */
static enum sgp32_status read_more(struct sgp32_qmi *qmi, uint64_t deadline, uint16_t message, int skipped)
{
    for (;;) {
        struct pollfd pfd;
        ssize_t n;
        int rc;

        pfd.fd = qmi->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        rc = poll(&pfd, 1, (int)transport_remaining_ms(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "poll failed");
        if (rc == 0) {
            const char *reason = "timeout: no response";
            if (qmi->rx_len > 0)
                reason = "timeout: incomplete QMUX frame";
            else if (skipped)
                reason = "timeout: only other messages (wrong transaction id, indications) arrived";
            return qmi_fail(qmi, SGP32_ERR_TIMEOUT, message, 0, reason);
        }
        if ((pfd.revents & POLLIN) == 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "device closed");
        n = read(qmi->fd, qmi->rx + qmi->rx_len, 2u * QMUX_MAX_FRAME - qmi->rx_len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "read failed");
        if (n == 0)
            return qmi_fail(qmi, SGP32_ERR_TRANSPORT, message, 0, "device closed");
        qmi->rx_len += (size_t)n;
        return SGP32_OK;
    }
}

static void consume(struct sgp32_qmi *qmi, size_t len)
{
    memmove(qmi->rx, qmi->rx + len, qmi->rx_len - len);
    qmi->rx_len -= len;
}

static uint16_t next_tid(struct sgp32_qmi *qmi, uint8_t service)
{
    if (service == QMI_SERVICE_CTL) {
        qmi->ctl_tid = (uint8_t)(qmi->ctl_tid + 1u);
        if (qmi->ctl_tid == 0)
            qmi->ctl_tid = 1;
        return qmi->ctl_tid;
    }
    qmi->uim_tid = (uint16_t)(qmi->uim_tid + 1u);
    if (qmi->uim_tid == 0)
        qmi->uim_tid = 1;
    return qmi->uim_tid;
}

/* Takes whole frames from the receive buffer until the awaited response: 1 found, 0 need more bytes,
 * or an error. */
static enum sgp32_status take_frames(struct sgp32_qmi *qmi, const struct qmux_message *request,
                                     struct qmi_answer *answer, int *found, int *skipped)
{
    *found = 0;
    while (qmi->rx_len > 0) {
        struct qmux_message msg;
        size_t frame_len = 0;
        enum sgp32_status st = qmux_frame_length(qmi->rx, qmi->rx_len, &frame_len);

        if (st == SGP32_ERR_NEED_MORE)
            return SGP32_OK;
        if (st != SGP32_OK)
            return qmi_fail(qmi, SGP32_ERR_PROTOCOL, request->message, 0, "garbage on the QMUX device");
        if (qmux_decode(qmi->rx, frame_len, &msg) != SGP32_OK)
            return qmi_fail(qmi, SGP32_ERR_PROTOCOL, request->message, 0, "malformed QMUX frame");
        if (msg.service == QMI_SERVICE_CTL && msg.flags == QMI_CTL_FLAG_INDICATION && msg.message == QMI_CTL_SYNC) {
            /* The modem restarted: every client id is gone and no UIM request in flight will be
             * answered. Fail now rather than at the deadline; the next channel open re-allocates. */
            consume(qmi, frame_len);
            qmi->have_client = 0;
            qmi->client = 0;
            if (request->service != QMI_SERVICE_CTL)
                return qmi_fail(qmi, SGP32_ERR_TRANSPORT, request->message, 0, "modem restarted (CTL sync)");
            *skipped = 1;
            continue;
        }
        if (msg.service != request->service || msg.client != request->client ||
            msg.flags != qmux_response_flags(request->service) || msg.tid != request->tid) {
            consume(qmi, frame_len); /* an indication, another client's message, a stale answer */
            *skipped = 1;
            continue;
        }
        if (msg.message != request->message)
            return qmi_fail(qmi, SGP32_ERR_PROTOCOL, request->message, 0, "response to another message");
        if (msg.tlvs_len > sizeof(answer->tlvs))
            return qmi_fail(qmi, SGP32_ERR_PROTOCOL, request->message, 0, "oversized response");
        if (qmux_result(msg.tlvs, msg.tlvs_len, &answer->result, &answer->error) != SGP32_OK)
            return qmi_fail(qmi, SGP32_ERR_PROTOCOL, request->message, 0, "response without a result TLV");
        memcpy(answer->tlvs, msg.tlvs, msg.tlvs_len);
        answer->tlvs_len = msg.tlvs_len;
        consume(qmi, frame_len);
        *found = 1;
        return SGP32_OK;
    }
    return SGP32_OK;
}

enum sgp32_status qmi_request(struct sgp32_qmi *qmi, uint8_t service, uint8_t client, uint16_t message,
                              const uint8_t *tlvs, size_t tlvs_len, struct qmi_answer *answer, uint32_t timeout_ms)
{
    uint8_t frame[QMI_TX_CAP + 16u];
    struct qmux_message request;
    uint64_t deadline = transport_now_ms() + timeout_ms;
    size_t frame_len = 0;
    int skipped = 0;
    enum sgp32_status st;

    memset(&request, 0, sizeof(request));
    request.service = service;
    request.client = client;
    request.flags = qmux_request_flags(service);
    request.tid = next_tid(qmi, service);
    request.message = message;
    request.tlvs = tlvs;
    request.tlvs_len = tlvs_len;
    st = qmux_encode(&request, frame, sizeof(frame), &frame_len);
    if (st != SGP32_OK)
        return qmi_fail(qmi, SGP32_ERR_INVALID_ARGUMENT, message, 0, "request too large");
    st = write_frame(qmi, frame, frame_len, deadline, message);
    if (st != SGP32_OK)
        return st;
    for (;;) {
        int found = 0;
        st = take_frames(qmi, &request, answer, &found, &skipped);
        if (st == SGP32_OK && found)
            return SGP32_OK;
        if (st == SGP32_OK)
            st = read_more(qmi, deadline, message, skipped);
        if (st != SGP32_OK) {
            /* Start the next exchange clean: a late answer will be skipped by its transaction id. */
            qmi->rx_len = 0;
            return st;
        }
    }
}
