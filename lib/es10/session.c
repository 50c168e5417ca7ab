/* SPDX-License-Identifier: MIT */
/* ES10 session: logical channel, ISD-R selection, TERMINAL CAPABILITY, and ES10 commands carried in
 * STORE DATA (SGP.22 5.7.1, GlobalPlatform Card Spec 11.11). */
#include <stdlib.h>
#include <string.h>

#include "es10/es10_internal.h"

const uint8_t sgp32_isdr_aid[SGP32_ISDR_AID_LENGTH] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                                       0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};

#define DEFAULT_APDU_TIMEOUT_MS 10000u
#define DEFAULT_MAX_RESPONSE 65536u
#define STORE_DATA_BLOCK 255u
/* The largest FCI we keep from SELECT (it is only checked, not interpreted, here). */
#define SELECT_RESPONSE_MAX 512u

/* ETSI TS 102 221 11.1.19.2.4: eUICC-related terminal capabilities (tag 83). */
static const uint8_t default_terminal_capability[] = {0x83, 0x01, 0x07};

static enum sgp32_status check_sw(struct sgp32_es10 *session, uint16_t sw, uint8_t ins, const char *step)
{
    if (sw == 0x9000u)
        return SGP32_OK;
    return es10_fail(session, SGP32_ERR_CARD_STATUS, sw, ins, step);
}

static enum sgp32_status open_channel(struct sgp32_es10 *session)
{
    static const uint8_t manage_channel_open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
    uint8_t channel_byte = 0;
    struct es10_buffer out = {NULL, 0, 0, 8};
    uint16_t sw = 0;
    enum sgp32_status st;

    if (session->options.flags & SGP32_ES10_BASIC_CHANNEL)
        return SGP32_OK;
    st = es10_exchange(session, manage_channel_open, sizeof(manage_channel_open), &out, &sw, "manage channel");
    if (st == SGP32_OK)
        st = check_sw(session, sw, 0x70, "manage channel");
    if (st == SGP32_OK && (out.len != 1 || out.data[0] == 0 || out.data[0] > 19))
        st = es10_fail(session, SGP32_ERR_PROTOCOL, sw, 0x70, "manage channel");
    if (st == SGP32_OK)
        channel_byte = out.data[0];
    free(out.data);
    if (st != SGP32_OK)
        return st;
    session->channel = channel_byte;
    session->channel_open = 1;
    return SGP32_OK;
}

static enum sgp32_status select_isdr(struct sgp32_es10 *session)
{
    uint8_t apdu[5 + SGP32_ISDR_AID_LENGTH + 1];
    struct es10_buffer out = {NULL, 0, 0, SELECT_RESPONSE_MAX};
    uint16_t sw = 0;
    enum sgp32_status st;

    apdu[0] = es10_cla(session, 0);
    apdu[1] = 0xA4;
    apdu[2] = 0x04; /* select by DF name */
    apdu[3] = 0x00; /* first occurrence, return FCI */
    apdu[4] = SGP32_ISDR_AID_LENGTH;
    memcpy(apdu + 5, sgp32_isdr_aid, SGP32_ISDR_AID_LENGTH);
    apdu[5 + SGP32_ISDR_AID_LENGTH] = 0x00;
    st = es10_exchange(session, apdu, sizeof(apdu), &out, &sw, "select ISD-R");
    free(out.data);
    if (st != SGP32_OK)
        return st;
    return check_sw(session, sw, 0xA4, "select ISD-R");
}

static enum sgp32_status send_terminal_capability(struct sgp32_es10 *session)
{
    uint8_t apdu[5 + 2 + sizeof(session->terminal_capability)];
    size_t len = session->terminal_capability_len;
    uint16_t sw = 0;
    enum sgp32_status st;

    if (session->options.flags & SGP32_ES10_NO_TERMINAL_CAPABILITY)
        return SGP32_OK;
    apdu[0] = es10_cla(session, 1);
    apdu[1] = 0xAA;
    apdu[2] = 0x00;
    apdu[3] = 0x00;
    apdu[4] = (uint8_t)(len + 2);
    apdu[5] = 0xA9;
    apdu[6] = (uint8_t)len;
    memcpy(apdu + 7, session->terminal_capability, len);
    st = es10_exchange(session, apdu, 7 + len, NULL, &sw, "terminal capability");
    if (st != SGP32_OK)
        return st;
    return check_sw(session, sw, 0xAA, "terminal capability");
}

static void release_channel(struct sgp32_es10 *session)
{
    const struct sgp32_apdu_transport_ops *ops = session->transport.ops;
    if (!session->channel_open)
        return;
    if (session->transport_channel) {
        ops->close_logical_channel(session->transport.user, session->channel, session->options.apdu_timeout_ms);
    } else {
        uint8_t apdu[4];
        uint16_t sw = 0;
        apdu[0] = es10_cla(session, 0);
        apdu[1] = 0x70;
        apdu[2] = 0x80; /* close */
        apdu[3] = (uint8_t)session->channel;
        (void)es10_exchange(session, apdu, sizeof(apdu), NULL, &sw, "manage channel close");
    }
    session->channel_open = 0;
}

static enum sgp32_status open_transport_channel(struct sgp32_es10 *session)
{
    const struct sgp32_apdu_transport_ops *ops = session->transport.ops;
    uint8_t fci[SGP32_APDU_MAX_RESPONSE];
    size_t fci_len = 0;
    enum sgp32_status st;

    st = ops->open_logical_channel(session->transport.user, sgp32_isdr_aid, SGP32_ISDR_AID_LENGTH, &session->channel,
                                   fci, sizeof(fci), &fci_len, session->options.apdu_timeout_ms);
    if (st != SGP32_OK)
        return es10_fail(session, st, 0, 0x70, "open logical channel");
    session->channel_open = 1;
    return SGP32_OK;
}

static int transport_usable(const struct sgp32_apdu_transport *transport)
{
    const struct sgp32_apdu_transport_ops *ops;
    if (transport == NULL || transport->ops == NULL)
        return 0;
    ops = transport->ops;
    if (ops->version < 1 || ops->size < sizeof(*ops))
        return 0;
    if (ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS)
        return ops->open_logical_channel != NULL && ops->close_logical_channel != NULL &&
               ops->transmit_on_channel != NULL;
    return ops->transmit != NULL;
}

enum sgp32_status sgp32_es10_new(const struct sgp32_apdu_transport *transport, const struct sgp32_es10_options *options,
                                 struct sgp32_es10 **session_out)
{
    struct sgp32_es10 *session;

    if (session_out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *session_out = NULL;
    if (!transport_usable(transport) || (options != NULL && options->size < sizeof(*options)))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (options != NULL && options->terminal_capability_len > sizeof(session->terminal_capability))
        return SGP32_ERR_INVALID_ARGUMENT;
    session = calloc(1, sizeof(*session));
    if (session == NULL)
        return SGP32_ERR_NO_MEMORY;
    session->transport = *transport;
    if (options != NULL)
        session->options = *options;
    session->options.size = sizeof(session->options);
    if (session->options.apdu_timeout_ms == 0)
        session->options.apdu_timeout_ms = DEFAULT_APDU_TIMEOUT_MS;
    if (session->options.max_response == 0)
        session->options.max_response = DEFAULT_MAX_RESPONSE;
    if (session->options.terminal_capability != NULL) {
        memcpy(session->terminal_capability, session->options.terminal_capability,
               session->options.terminal_capability_len);
        session->terminal_capability_len = session->options.terminal_capability_len;
    } else {
        memcpy(session->terminal_capability, default_terminal_capability, sizeof(default_terminal_capability));
        session->terminal_capability_len = sizeof(default_terminal_capability);
    }
    session->options.terminal_capability = NULL; /* the caller's buffer is not kept */
    session->transport_channel = (transport->ops->flags & SGP32_TRANSPORT_OWNS_CHANNELS) != 0;
    session->error.step = "none";
    *session_out = session;
    return SGP32_OK;
}

enum sgp32_status sgp32_es10_connect(struct sgp32_es10 *session)
{
    enum sgp32_status st;

    if (session == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    /* Reconnecting (after a reset or a REFRESH) starts from a fresh channel. */
    release_channel(session);
    session->channel = 0;
    if (session->transport_channel) {
        st = open_transport_channel(session);
    } else {
        st = open_channel(session);
        if (st == SGP32_OK)
            st = select_isdr(session);
    }
    if (st == SGP32_OK)
        st = send_terminal_capability(session);
    if (st != SGP32_OK) {
        struct sgp32_es10_error error = session->error;
        release_channel(session);
        session->error = error; /* the cause, not the clean-up, is what the caller needs */
        return st;
    }
    session->connected = 1;
    session->error.status = SGP32_OK;
    return SGP32_OK;
}

void sgp32_es10_disconnect(struct sgp32_es10 *session)
{
    if (session == NULL)
        return;
    release_channel(session);
    session->connected = 0;
}

void sgp32_es10_free(struct sgp32_es10 *session)
{
    if (session == NULL)
        return;
    release_channel(session);
    free(session);
}

enum sgp32_status sgp32_es10_transceive(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                        uint8_t **response, size_t *response_len)
{
    uint8_t apdu[SGP32_APDU_MAX_COMMAND];
    struct es10_buffer out;
    size_t offset = 0;
    uint8_t block = 0;
    enum sgp32_status st = SGP32_OK;

    if (response != NULL)
        *response = NULL;
    if (response_len != NULL)
        *response_len = 0;
    if (session == NULL || request == NULL || request_len == 0 || response == NULL || response_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (!session->connected)
        return es10_fail(session, SGP32_ERR_STATE, 0, 0xE2, "store data");
    /* P2 numbers the blocks from 0: at most 256 blocks of 255 bytes. */
    if (request_len > 256u * STORE_DATA_BLOCK)
        return es10_fail(session, SGP32_ERR_TOO_LARGE, 0, 0xE2, "store data");
    session->proactive_pending = 0;
    memset(&out, 0, sizeof(out));
    out.max = session->options.max_response;

    while (st == SGP32_OK && offset < request_len) {
        size_t chunk = request_len - offset > STORE_DATA_BLOCK ? STORE_DATA_BLOCK : request_len - offset;
        int last = offset + chunk == request_len;
        size_t len = 5 + chunk;
        uint16_t sw = 0;

        apdu[0] = es10_cla(session, 1);
        apdu[1] = 0xE2;
        apdu[2] = last ? 0x91 : 0x11; /* last block / more blocks, data in BER-TLV */
        apdu[3] = block++;
        apdu[4] = (uint8_t)chunk;
        memcpy(apdu + 5, request + offset, chunk);
        if (last)
            apdu[len++] = 0x00; /* Le: the response comes with the last block */
        st = es10_exchange(session, apdu, len, &out, &sw, "store data");
        if (st == SGP32_OK)
            st = check_sw(session, sw, 0xE2, "store data");
        offset += chunk;
    }
    if (st != SGP32_OK) {
        free(out.data);
        return st;
    }
    session->error.status = SGP32_OK;
    session->error.sw = 0x9000;
    *response = out.data;
    *response_len = out.len;
    return SGP32_OK;
}

const struct sgp32_es10_error *sgp32_es10_last_error(const struct sgp32_es10 *session)
{
    return session != NULL ? &session->error : NULL;
}

uint32_t sgp32_es10_channel(const struct sgp32_es10 *session)
{
    return session != NULL ? session->channel : 0;
}

int sgp32_es10_proactive_pending(const struct sgp32_es10 *session)
{
    return session != NULL ? session->proactive_pending : 0;
}
