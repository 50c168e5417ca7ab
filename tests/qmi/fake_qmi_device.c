/* SPDX-License-Identifier: MIT */
/* The fake QMI device (fake_qmi_device.h): a thread answering QMUX requests in front of a software
 * eUICC. It decodes requests with the library's QMUX codec but builds the card side (MANAGE CHANNEL,
 * SELECT, CLA coding) on its own, so that the transport's channel handling is checked independently. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef TEST_PEER_WITH_WOLFSSL
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#endif

#include "fake_qmi_device.h"
#include "qmi/qmux.h"
#include "sgp32/softeuicc.h"

#define QMI_ERR_INVALID_CLIENT_ID 0x0007u
#define QMI_ERR_MISSING_ARGUMENT 0x0011u
#define QMI_ERR_INTERNAL 0x0003u
#define QMI_ERR_INVALID_ARGUMENT 0x0030u
#define QMI_ERR_DEVICE_NOT_READY 0x0034u
#define QMI_ERR_INSUFFICIENT_RESOURCES 0x0044u
#define QMI_ERR_INVALID_QMI_COMMAND 0x0047u
#define UIM_STATUS_CHANGE_INDICATION 0x0032u

struct fake_qmi_device {
    int fds[2]; /* [0] the device's end, [1] the host's */
    pthread_t thread;
    pthread_mutex_t lock;
    enum fake_qmi_fault fault;
    uint16_t open_error;
    struct fake_qmi_counters counters;
    uint8_t slot;
    uint8_t allocated[256];
    uint8_t next_client;
    int gone;              /* the device "disappeared" (closed mid-command) */
    unsigned reboot_after; /* Send APDU requests until the modem restarts (0: never) */
    int reboot_announce;   /* send a CTL Sync indication once restarted */
    struct sgp32_softeuicc *card;
    char dir[64];
};

/* A response under construction. */
struct reply {
    uint8_t tlvs[2048];
    struct qmux_tlv_writer writer;
};

static void reply_init(struct reply *reply, uint16_t result, uint16_t error)
{
    uint8_t value[4];
    value[0] = (uint8_t)(result & 0xFF);
    value[1] = (uint8_t)(result >> 8);
    value[2] = (uint8_t)(error & 0xFF);
    value[3] = (uint8_t)(error >> 8);
    qmux_tlv_writer_init(&reply->writer, reply->tlvs, sizeof(reply->tlvs));
    qmux_tlv_add(&reply->writer, QMI_TLV_RESULT, value, sizeof(value));
}

static void send_frame(struct fake_qmi_device *dev, const uint8_t *frame, size_t len)
{
    if (send(dev->fds[0], frame, len, MSG_NOSIGNAL) < 0) {
        /* the host is gone: nothing to do */
    }
}

static size_t encode(uint8_t service, uint8_t client, uint8_t flags, uint16_t tid, uint16_t message,
                     const uint8_t *tlvs, size_t tlvs_len, uint8_t *out, size_t cap)
{
    struct qmux_message msg;
    size_t len = 0;
    memset(&msg, 0, sizeof(msg));
    msg.qmux_flags = QMUX_FLAG_FROM_SERVICE;
    msg.service = service;
    msg.client = client;
    msg.flags = flags;
    msg.tid = tid;
    msg.message = message;
    msg.tlvs = tlvs;
    msg.tlvs_len = tlvs_len;
    if (qmux_encode(&msg, out, cap, &len) != SGP32_OK)
        return 0;
    return len;
}

static enum fake_qmi_fault current_fault(struct fake_qmi_device *dev, uint16_t *open_error)
{
    enum fake_qmi_fault fault;
    pthread_mutex_lock(&dev->lock);
    fault = dev->fault;
    if (open_error != NULL)
        *open_error = dev->open_error;
    pthread_mutex_unlock(&dev->lock);
    return fault;
}

/* Sends the answer to request, with the fault of the moment applied. */
static void respond(struct fake_qmi_device *dev, const struct qmux_message *request, struct reply *reply)
{
    uint8_t frame[4096];
    uint8_t packet[8192];
    size_t len, packet_len = 0;
    uint16_t tid = request->tid;
    enum fake_qmi_fault fault = current_fault(dev, NULL);

    if (fault == FAKE_QMI_FAULT_BAD_TLV && reply->writer.len + 4 <= sizeof(reply->tlvs)) {
        /* A TLV claiming 255 bytes where 1 follows (the SDU length itself is consistent). */
        static const uint8_t bad[] = {0x10, 0xFF, 0x00, 0x01};
        memcpy(reply->tlvs + reply->writer.len, bad, sizeof(bad));
        reply->writer.len += sizeof(bad);
    }
    if (fault == FAKE_QMI_FAULT_WRONG_TID)
        tid = (uint16_t)(request->service == QMI_SERVICE_CTL ? (uint8_t)(tid + 1u) : tid + 1u);
    len = encode(request->service, request->client, qmux_response_flags(request->service), tid, request->message,
                 reply->tlvs, reply->writer.len, frame, sizeof(frame));
    if (len == 0)
        return;
    switch (fault) {
    case FAKE_QMI_FAULT_TRUNCATED:
        send_frame(dev, frame, len - 3);
        return;
    case FAKE_QMI_FAULT_GARBAGE: {
        static const uint8_t garbage[] = {0xFF, 0xFE, 'A', 'T', '\r', '\n', 0x00, 0x7E};
        send_frame(dev, garbage, sizeof(garbage));
        return;
    }
    case FAKE_QMI_FAULT_INDICATIONS: {
        uint8_t value[3] = {0x01, 0x02, 0x03};
        uint8_t ind_tlvs[16];
        struct qmux_tlv_writer ind;
        struct reply other;
        size_t n;
        /* Counted before sending: the host may check as soon as the answer is there. */
        pthread_mutex_lock(&dev->lock);
        dev->counters.indications_sent += 3;
        pthread_mutex_unlock(&dev->lock);
        /* 1. An indication of the service for this client, alone. */
        qmux_tlv_writer_init(&ind, ind_tlvs, sizeof(ind_tlvs));
        qmux_tlv_add(&ind, 0x10, value, sizeof(value));
        n = encode(request->service, request->client, qmux_indication_flags(request->service), 0,
                   UIM_STATUS_CHANGE_INDICATION, ind_tlvs, ind.len, packet, sizeof(packet));
        send_frame(dev, packet, n);
        /* 2. In one packet: another client's answer with the same transaction id, a CTL indication
         *    (broadcast client 0xFF), then the real answer. */
        reply_init(&other, 1, QMI_ERR_INTERNAL);
        n = encode(request->service, (uint8_t)(request->client + 0x40u), qmux_response_flags(request->service),
                   request->tid, request->message, other.tlvs, other.writer.len, packet, sizeof(packet));
        packet_len = n;
        n = encode(QMI_SERVICE_CTL, 0xFF, QMI_CTL_FLAG_INDICATION, 0, 0x0028, NULL, 0, packet + packet_len,
                   sizeof(packet) - packet_len);
        packet_len += n;
        if (packet_len + len <= sizeof(packet)) {
            memcpy(packet + packet_len, frame, len);
            packet_len += len;
        }
        send_frame(dev, packet, packet_len);
        return;
    }
    case FAKE_QMI_FAULT_SPLIT:
        /* Inside the QMUX header, inside the TLVs, the rest: the reader must join them by length. */
        send_frame(dev, frame, 2);
        send_frame(dev, frame + 2, len / 2 - 2);
        send_frame(dev, frame + len / 2, len - len / 2);
        return;
    default:
        send_frame(dev, frame, len);
        return;
    }
}

/* ---- CTL. */

static void handle_ctl(struct fake_qmi_device *dev, const struct qmux_message *request)
{
    struct reply reply;
    const uint8_t *value = NULL;
    size_t len = 0;
    enum sgp32_status st = qmux_tlv_find(request->tlvs, request->tlvs_len, 0x01, &value, &len);

    if (request->message == QMI_CTL_ALLOCATE_CLIENT_ID) {
        uint8_t answer[2];
        if (st != SGP32_OK || len != 1) {
            reply_init(&reply, 1, QMI_ERR_MISSING_ARGUMENT);
            respond(dev, request, &reply);
            return;
        }
        pthread_mutex_lock(&dev->lock);
        while (dev->next_client == 0 || dev->next_client == 0xFF || dev->allocated[dev->next_client])
            dev->next_client++;
        answer[0] = value[0];
        answer[1] = dev->next_client++;
        dev->allocated[answer[1]] = 1;
        dev->counters.clients++;
        pthread_mutex_unlock(&dev->lock);
        reply_init(&reply, 0, 0);
        qmux_tlv_add(&reply.writer, 0x01, answer, sizeof(answer));
    } else if (request->message == QMI_CTL_RELEASE_CLIENT_ID) {
        int known;
        if (st != SGP32_OK || len != 2) {
            reply_init(&reply, 1, QMI_ERR_MISSING_ARGUMENT);
            respond(dev, request, &reply);
            return;
        }
        pthread_mutex_lock(&dev->lock);
        known = dev->allocated[value[1]];
        if (known) {
            dev->allocated[value[1]] = 0;
            dev->counters.clients--;
        }
        pthread_mutex_unlock(&dev->lock);
        reply_init(&reply, known ? 0 : 1, known ? 0 : QMI_ERR_INVALID_CLIENT_ID);
        qmux_tlv_add(&reply.writer, 0x01, value, 2);
    } else {
        reply_init(&reply, 1, QMI_ERR_INVALID_QMI_COMMAND);
    }
    respond(dev, request, &reply);
}

/* ---- UIM: the card side. */

/* The CLA of a command on a channel, coded by the device itself (ISO 7816-4 5.4.1). */
static uint8_t device_cla(uint8_t base, uint8_t channel)
{
    if (channel < 4)
        return (uint8_t)(base | channel);
    return (uint8_t)((base & 0x80u) | 0x40u | (channel - 4u));
}

static uint8_t channel_of_cla(uint8_t cla)
{
    return (cla & 0x40u) ? (uint8_t)(4u + (cla & 0x0Fu)) : (uint8_t)(cla & 0x03u);
}

static uint16_t card_apdu(struct fake_qmi_device *dev, const uint8_t *command, size_t command_len, uint8_t *response,
                          size_t *response_len)
{
    if (sgp32_softeuicc_process_apdu(dev->card, command, command_len, response, SGP32_APDU_MAX_RESPONSE,
                                     response_len) != SGP32_OK ||
        *response_len < 2)
        return 0;
    return (uint16_t)((response[*response_len - 2] << 8) | response[*response_len - 1]);
}

static void close_card_channel(struct fake_qmi_device *dev, uint8_t channel)
{
    uint8_t command[4] = {0x00, 0x70, 0x80, 0x00};
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t len = 0;
    command[3] = channel;
    (void)card_apdu(dev, command, sizeof(command), response, &len);
}

static void uim_open_channel(struct fake_qmi_device *dev, const struct qmux_message *request, struct reply *reply)
{
    static const uint8_t manage_open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    uint8_t command[SGP32_APDU_MAX_COMMAND];
    uint8_t fci[1 + 255];
    uint8_t card_result[2];
    const uint8_t *aid = NULL;
    size_t aid_len = 0, len = 0, fci_len = 0;
    uint16_t sw, open_error = 0;
    uint8_t channel;

    if (current_fault(dev, &open_error) == FAKE_QMI_FAULT_OPEN_ERROR) {
        reply_init(reply, 1, open_error);
        return;
    }
    if (qmux_tlv_find(request->tlvs, request->tlvs_len, 0x10, &aid, &aid_len) != SGP32_OK || aid_len < 2 ||
        aid[0] != aid_len - 1) {
        reply_init(reply, 1, QMI_ERR_MISSING_ARGUMENT);
        return;
    }
    sw = card_apdu(dev, manage_open, sizeof(manage_open), response, &len);
    if (sw != 0x9000u || len != 3) {
        reply_init(reply, 1, QMI_ERR_INSUFFICIENT_RESOURCES);
        return;
    }
    channel = response[0];
    command[0] = device_cla(0x00, channel);
    command[1] = 0xA4;
    command[2] = 0x04;
    command[3] = 0x00;
    command[4] = (uint8_t)(aid_len - 1);
    memcpy(command + 5, aid + 1, aid_len - 1);
    command[5 + aid_len - 1] = 0x00;
    sw = card_apdu(dev, command, 5 + aid_len, response, &len);
    if (sw != 0 && len >= 2) {
        fci_len = len - 2;
        memcpy(fci + 1, response, fci_len);
    }
    while ((sw >> 8) == 0x61u) { /* the modem fetches the FCI itself */
        uint8_t get_response[5] = {0x00, 0xC0, 0x00, 0x00, 0x00};
        get_response[0] = device_cla(0x00, channel);
        get_response[4] = (uint8_t)(sw & 0xFFu);
        sw = card_apdu(dev, get_response, sizeof(get_response), response, &len);
        if (sw != 0 && len >= 2 && fci_len + len - 2 <= 255) {
            memcpy(fci + 1 + fci_len, response, len - 2);
            fci_len += len - 2;
        }
    }
    card_result[0] = (uint8_t)(sw >> 8);
    card_result[1] = (uint8_t)(sw & 0xFFu);
    if (sw != 0x9000u) {
        close_card_channel(dev, channel);
        reply_init(reply, 1, QMI_ERR_INTERNAL);
        qmux_tlv_add(&reply->writer, 0x11, card_result, sizeof(card_result));
        return;
    }
    pthread_mutex_lock(&dev->lock);
    dev->counters.channels++;
    pthread_mutex_unlock(&dev->lock);
    fci[0] = (uint8_t)fci_len;
    reply_init(reply, 0, 0);
    qmux_tlv_add_u8(&reply->writer, 0x10, channel);
    qmux_tlv_add(&reply->writer, 0x11, card_result, sizeof(card_result));
    qmux_tlv_add(&reply->writer, 0x12, fci, 1 + fci_len);
}

/* The modem restarts: the request in flight is lost, the card is reset (it loses its channels and
 * whatever it had not committed), every client id is forgotten; with `announce` the modem then says
 * so with a CTL Sync indication to all clients, as QMI modems do when they come up. */
static void reboot(struct fake_qmi_device *dev, int announce)
{
    uint8_t frame[64];
    size_t len;
    pthread_mutex_lock(&dev->lock);
    memset(dev->allocated, 0, sizeof(dev->allocated));
    dev->counters.clients = 0;
    dev->counters.channels = 0;
    dev->counters.reboots++;
    pthread_mutex_unlock(&dev->lock);
    (void)sgp32_softeuicc_reset(dev->card, NULL, 0, NULL);
    if (!announce)
        return;
    len = encode(QMI_SERVICE_CTL, 0xFF, QMI_CTL_FLAG_INDICATION, 0, 0x0027, NULL, 0, frame, sizeof(frame));
    send_frame(dev, frame, len);
}

/* 1 when this Send APDU is the one the modem restarts on. */
static int reboot_now(struct fake_qmi_device *dev, int *announce)
{
    int now = 0;
    pthread_mutex_lock(&dev->lock);
    if (dev->reboot_after != 0)
        now = --dev->reboot_after == 0;
    *announce = dev->reboot_announce;
    pthread_mutex_unlock(&dev->lock);
    return now;
}

/* Returns 0 when the device disappeared or restarted (no answer at all). */
static int uim_send_apdu(struct fake_qmi_device *dev, const struct qmux_message *request, struct reply *reply)
{
    uint8_t response[2 + SGP32_APDU_MAX_RESPONSE];
    const uint8_t *apdu = NULL, *channel = NULL;
    size_t apdu_len = 0, channel_len = 0, len = 0;

    if (qmux_tlv_find(request->tlvs, request->tlvs_len, 0x02, &apdu, &apdu_len) != SGP32_OK || apdu_len < 6 ||
        (size_t)(apdu[0] | (apdu[1] << 8)) != apdu_len - 2) {
        reply_init(reply, 1, QMI_ERR_MISSING_ARGUMENT);
        return 1;
    }
    {
        int announce = 0;
        if (reboot_now(dev, &announce)) {
            reboot(dev, announce);
            return 0;
        }
    }
    if (current_fault(dev, NULL) == FAKE_QMI_FAULT_CLOSE_MID_COMMAND) {
        pthread_mutex_lock(&dev->lock);
        dev->gone = 1;
        pthread_mutex_unlock(&dev->lock);
        shutdown(dev->fds[0], SHUT_RDWR);
        return 0;
    }
    if (qmux_tlv_find(request->tlvs, request->tlvs_len, 0x10, &channel, &channel_len) == SGP32_OK &&
        (channel_len != 1 || channel_of_cla(apdu[2]) != channel[0])) {
        /* Strict: the host must code the channel into the CLA itself. */
        pthread_mutex_lock(&dev->lock);
        dev->counters.cla_mismatches++;
        pthread_mutex_unlock(&dev->lock);
        reply_init(reply, 1, QMI_ERR_INVALID_ARGUMENT);
        return 1;
    }
    if (card_apdu(dev, apdu + 2, apdu_len - 2, response + 2, &len) == 0) {
        reply_init(reply, 1, QMI_ERR_DEVICE_NOT_READY);
        return 1;
    }
    response[0] = (uint8_t)(len & 0xFFu);
    response[1] = (uint8_t)(len >> 8);
    reply_init(reply, 0, 0);
    qmux_tlv_add(&reply->writer, 0x10, response, 2 + len);
    return 1;
}

static void uim_close_channel(struct fake_qmi_device *dev, const struct qmux_message *request, struct reply *reply)
{
    uint8_t command[4] = {0x00, 0x70, 0x80, 0x00};
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    const uint8_t *channel = NULL;
    size_t channel_len = 0, len = 0;

    if (qmux_tlv_find(request->tlvs, request->tlvs_len, 0x11, &channel, &channel_len) != SGP32_OK || channel_len != 1) {
        reply_init(reply, 1, QMI_ERR_MISSING_ARGUMENT);
        return;
    }
    command[3] = channel[0];
    if (card_apdu(dev, command, sizeof(command), response, &len) != 0x9000u) {
        reply_init(reply, 1, QMI_ERR_INVALID_ARGUMENT);
        return;
    }
    pthread_mutex_lock(&dev->lock);
    dev->counters.channels--;
    pthread_mutex_unlock(&dev->lock);
    reply_init(reply, 0, 0);
}

static void handle_uim(struct fake_qmi_device *dev, const struct qmux_message *request)
{
    struct reply reply;
    const uint8_t *slot = NULL;
    size_t slot_len = 0;
    int known;

    pthread_mutex_lock(&dev->lock);
    known = dev->allocated[request->client];
    pthread_mutex_unlock(&dev->lock);
    if (!known) {
        reply_init(&reply, 1, QMI_ERR_INVALID_CLIENT_ID);
    } else if (qmux_tlv_find(request->tlvs, request->tlvs_len, 0x01, &slot, &slot_len) != SGP32_OK || slot_len != 1) {
        reply_init(&reply, 1, QMI_ERR_MISSING_ARGUMENT);
    } else if (slot[0] != dev->slot) {
        reply_init(&reply, 1, QMI_ERR_INVALID_ARGUMENT); /* no card in that slot */
    } else if (request->message == QMI_UIM_OPEN_LOGICAL_CHANNEL) {
        uim_open_channel(dev, request, &reply);
    } else if (request->message == QMI_UIM_SEND_APDU) {
        if (!uim_send_apdu(dev, request, &reply))
            return;
    } else if (request->message == QMI_UIM_LOGICAL_CHANNEL) {
        uim_close_channel(dev, request, &reply);
    } else {
        reply_init(&reply, 1, QMI_ERR_INVALID_QMI_COMMAND);
    }
    respond(dev, request, &reply);
}

static void *device_thread(void *arg)
{
    struct fake_qmi_device *dev = arg;
    uint8_t frame[QMUX_MAX_FRAME];

    for (;;) {
        struct qmux_message request;
        ssize_t n = recv(dev->fds[0], frame, sizeof(frame), 0);
        int gone;
        if (n <= 0)
            break;
        pthread_mutex_lock(&dev->lock);
        dev->counters.requests++;
        pthread_mutex_unlock(&dev->lock);
        if (qmux_decode(frame, (size_t)n, &request) != SGP32_OK || request.flags != qmux_request_flags(request.service))
            continue; /* a modem drops what it cannot parse */
        if (current_fault(dev, NULL) == FAKE_QMI_FAULT_SILENT)
            continue;
        if (request.service == QMI_SERVICE_CTL)
            handle_ctl(dev, &request);
        else if (request.service == QMI_SERVICE_UIM)
            handle_uim(dev, &request);
        pthread_mutex_lock(&dev->lock);
        gone = dev->gone;
        pthread_mutex_unlock(&dev->lock);
        if (gone)
            break;
    }
#ifdef TEST_PEER_WITH_WOLFSSL
    /* The card signed on this thread: wolfSSL's fixed-point ECC cache is thread-local and only this
     * thread can free it. */
    wc_ecc_fp_free();
#endif
    return NULL;
}

int fake_qmi_device_start(const struct fake_qmi_config *config, struct fake_qmi_device **device, int *host_fd)
{
    struct sgp32_softeuicc_identity identity;
    struct fake_qmi_device *dev = calloc(1, sizeof(*dev));

    if (dev == NULL)
        return -1;
    memset(&identity, 0, sizeof(identity));
    if (config->identity != NULL)
        identity = *config->identity;
    else
        memcpy(identity.eid, config->eid, sizeof(identity.eid));
    dev->slot = config->slot != 0 ? config->slot : 1;
    dev->next_client = 1;
    snprintf(dev->dir, sizeof(dev->dir), "/tmp/sgp32-qmi-XXXXXX");
    if (mkdtemp(dev->dir) == NULL) {
        free(dev);
        return -1;
    }
    rmdir(dev->dir); /* create() makes it */
    if (sgp32_softeuicc_create(dev->dir, &identity, NULL, &dev->card) != SGP32_OK) {
        free(dev);
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, dev->fds) != 0) {
        sgp32_softeuicc_free(dev->card);
        free(dev);
        return -1;
    }
    pthread_mutex_init(&dev->lock, NULL);
    if (pthread_create(&dev->thread, NULL, device_thread, dev) != 0) {
        close(dev->fds[0]);
        close(dev->fds[1]);
        sgp32_softeuicc_free(dev->card);
        free(dev);
        return -1;
    }
    *device = dev;
    *host_fd = dev->fds[1];
    return 0;
}

void fake_qmi_device_stop(struct fake_qmi_device *dev)
{
    char command[128];
    if (dev == NULL)
        return;
    shutdown(dev->fds[0], SHUT_RDWR); /* wakes the thread's recv() with end of file */
    pthread_join(dev->thread, NULL);
    close(dev->fds[0]);
    close(dev->fds[1]);
    sgp32_softeuicc_free(dev->card);
    snprintf(command, sizeof(command), "rm -rf '%s'", dev->dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", dev->dir);
    pthread_mutex_destroy(&dev->lock);
    free(dev);
}

void fake_qmi_device_set_fault(struct fake_qmi_device *dev, enum fake_qmi_fault fault, uint16_t open_error)
{
    pthread_mutex_lock(&dev->lock);
    dev->fault = fault;
    dev->open_error = open_error;
    pthread_mutex_unlock(&dev->lock);
}

void fake_qmi_device_counters(struct fake_qmi_device *dev, struct fake_qmi_counters *counters)
{
    pthread_mutex_lock(&dev->lock);
    *counters = dev->counters;
    pthread_mutex_unlock(&dev->lock);
}

void fake_qmi_device_reboot_after(struct fake_qmi_device *device, unsigned send_apdus, int announce)
{
    pthread_mutex_lock(&device->lock);
    device->reboot_after = send_apdus;
    device->reboot_announce = announce;
    pthread_mutex_unlock(&device->lock);
}
