/* SPDX-License-Identifier: MIT */
/* The QMI transport handle and its sgp32_apdu_transport_ops (include/sgp32/transport_qmi.h). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmi_internal.h"

#define DEFAULT_CLOSE_TIMEOUT_MS 2000u

static void clear_error(struct sgp32_qmi *qmi)
{
    memset(&qmi->error, 0, sizeof(qmi->error));
    qmi->error.status = SGP32_OK;
    qmi->error.reason = "none";
}

static enum sgp32_status create(int fd, int owns_fd, const struct sgp32_qmi_options *options, struct sgp32_qmi **out)
{
    struct sgp32_qmi *qmi = calloc(1, sizeof(*qmi));
    if (qmi == NULL)
        return SGP32_ERR_NO_MEMORY;
    qmi->rx = malloc(2u * QMUX_MAX_FRAME);
    if (qmi->rx == NULL) {
        free(qmi);
        return SGP32_ERR_NO_MEMORY;
    }
    qmi->fd = fd;
    qmi->owns_fd = owns_fd;
    qmi->slot = 1;
    qmi->close_timeout_ms = DEFAULT_CLOSE_TIMEOUT_MS;
    if (options != NULL) {
        if (options->slot != 0)
            qmi->slot = options->slot;
        if (options->close_timeout_ms != 0)
            qmi->close_timeout_ms = options->close_timeout_ms;
    }
    clear_error(qmi);
    *out = qmi;
    return SGP32_OK;
}

static int options_valid(const struct sgp32_qmi_options *options)
{
    return options == NULL || options->size >= sizeof(*options);
}

enum sgp32_status sgp32_qmi_new_device(const char *path, const struct sgp32_qmi_options *options,
                                       struct sgp32_qmi **qmi)
{
    enum sgp32_status st;
    int fd;

    if (qmi == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *qmi = NULL;
    if (path == NULL || !options_valid(options))
        return SGP32_ERR_INVALID_ARGUMENT;
    fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENODEV || errno == ENXIO ? SGP32_ERR_NOT_FOUND : SGP32_ERR_TRANSPORT;
    st = create(fd, 1, options, qmi);
    if (st != SGP32_OK)
        close(fd);
    return st;
}

enum sgp32_status sgp32_qmi_new_fd(int fd, const struct sgp32_qmi_options *options, struct sgp32_qmi **qmi)
{
    if (qmi == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *qmi = NULL;
    if (fd < 0 || !options_valid(options))
        return SGP32_ERR_INVALID_ARGUMENT;
    return create(fd, 0, options, qmi);
}

static void transport_close(void *user)
{
    struct sgp32_qmi *qmi = user;
    if (qmi->have_client)
        (void)qmi_ctl_release(qmi, qmi->close_timeout_ms);
}

void sgp32_qmi_free(struct sgp32_qmi *qmi)
{
    if (qmi == NULL)
        return;
    transport_close(qmi);
    if (qmi->owns_fd)
        close(qmi->fd);
    free(qmi->rx);
    free(qmi);
}

const struct sgp32_qmi_error *sgp32_qmi_last_error(const struct sgp32_qmi *qmi)
{
    return &qmi->error;
}

uint8_t sgp32_qmi_client_id(const struct sgp32_qmi *qmi)
{
    return qmi->have_client ? qmi->client : 0;
}

/* ---- Transport operations. */

static enum sgp32_status transport_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct sgp32_qmi *qmi = user;
    (void)atr;
    (void)atr_cap;
    if (atr_len != NULL)
        *atr_len = 0; /* the ATR is not part of the messages used here */
    clear_error(qmi);
    if (qmi->have_client)
        return SGP32_OK;
    return qmi_ctl_allocate(qmi, timeout_ms);
}

static enum sgp32_status transport_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                            size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct sgp32_qmi *qmi = user;
    if (command == NULL || response == NULL || response_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    clear_error(qmi);
    return qmi_uim_send_apdu(qmi, -1, command, command_len, response, response_cap, response_len, timeout_ms);
}

static enum sgp32_status transport_open_channel(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                                uint8_t *select_response, size_t select_cap, size_t *select_len,
                                                uint32_t timeout_ms)
{
    struct sgp32_qmi *qmi = user;
    enum sgp32_status st;
    if (aid == NULL || channel == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    clear_error(qmi);
    /* After a modem restart (CTL sync indication, or the modem refused our client id) the client id
     * is gone: allocate a new one, so that sgp32_es10_connect() alone recovers the session. */
    if (!qmi->have_client && (st = qmi_ctl_allocate(qmi, timeout_ms)) != SGP32_OK)
        return st;
    st = qmi_uim_open_channel(qmi, aid, aid_len, channel, select_response, select_cap, select_len, timeout_ms);
    if (st != SGP32_OK && !qmi->have_client && qmi_ctl_allocate(qmi, timeout_ms) == SGP32_OK) {
        clear_error(qmi);
        st = qmi_uim_open_channel(qmi, aid, aid_len, channel, select_response, select_cap, select_len, timeout_ms);
    }
    return st;
}

static enum sgp32_status transport_close_channel(void *user, uint32_t channel, uint32_t timeout_ms)
{
    struct sgp32_qmi *qmi = user;
    clear_error(qmi);
    return qmi_uim_close_channel(qmi, channel, timeout_ms);
}

static enum sgp32_status transport_transmit_on_channel(void *user, uint32_t channel, const uint8_t *command,
                                                       size_t command_len, uint8_t *response, size_t response_cap,
                                                       size_t *response_len, uint32_t timeout_ms)
{
    struct sgp32_qmi *qmi = user;
    if (command == NULL || response == NULL || response_len == NULL || channel > 0x7FFFu)
        return SGP32_ERR_INVALID_ARGUMENT;
    clear_error(qmi);
    return qmi_uim_send_apdu(qmi, (int)channel, command, command_len, response, response_cap, response_len, timeout_ms);
}

static const struct sgp32_apdu_transport_ops qmi_ops = {
    SGP32_APDU_TRANSPORT_VERSION,
    sizeof(struct sgp32_apdu_transport_ops),
    SGP32_TRANSPORT_OWNS_CHANNELS,
    transport_open,
    transport_close,
    transport_transmit,
    NULL, /* reset: QMI UIM has no card reset among the messages used */
    transport_open_channel,
    transport_close_channel,
    transport_transmit_on_channel,
    NULL /* proactive_pending: the modem's STK handling owns proactive commands */
};

void sgp32_qmi_transport(struct sgp32_qmi *qmi, struct sgp32_apdu_transport *transport)
{
    transport->ops = &qmi_ops;
    transport->user = qmi;
}
