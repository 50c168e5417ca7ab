/* SPDX-License-Identifier: MIT */
/* APDU exchange with the ISD-R: CLA coding for logical channels, 61xx / 6Cxx handling (ISO 7816-4
 * 5.1.3 and 5.4.1, ETSI TS 102 221 7.3). */
#include <stdlib.h>
#include <string.h>

#include "es10/es10_internal.h"

#define SW_OK 0x9000u
/* GET RESPONSE rounds that bring no data before the card counts as broken. Rounds that bring data
 * are bounded by max_response (append() refuses more), whatever piece size the card hands out. */
#define GET_RESPONSE_EMPTY_ROUNDS 4u

uint8_t es10_cla(const struct sgp32_es10 *session, int proprietary)
{
    uint32_t channel = session->transport_channel ? 0 : session->channel;
    if (channel <= 3)
        return (uint8_t)((proprietary ? 0x80u : 0x00u) | channel);
    /* Further logical channels 4..19: b7 set, channel - 4 in b4..b1. */
    return (uint8_t)((proprietary ? 0xC0u : 0x40u) | ((channel - 4u) & 0x0Fu));
}

enum sgp32_status es10_fail(struct sgp32_es10 *session, enum sgp32_status status, uint16_t sw, uint8_t ins,
                            const char *step)
{
    session->error.status = status;
    session->error.sw = sw;
    session->error.ins = ins;
    session->error.step = step;
    session->error.es10_result = 0;
    return status;
}

static enum sgp32_status transmit(struct sgp32_es10 *session, const uint8_t *command, size_t command_len,
                                  uint8_t *response, size_t *response_len, const char *step)
{
    const struct sgp32_apdu_transport_ops *ops = session->transport.ops;
    uint32_t timeout = session->options.apdu_timeout_ms;
    enum sgp32_status st;

    if (session->transport_channel)
        st = ops->transmit_on_channel(session->transport.user, session->channel, command, command_len, response,
                                      SGP32_APDU_MAX_RESPONSE, response_len, timeout);
    else
        st = ops->transmit(session->transport.user, command, command_len, response, SGP32_APDU_MAX_RESPONSE,
                           response_len, timeout);
    if (st != SGP32_OK)
        return es10_fail(session, st, 0, command[1], step);
    if (*response_len < 2 || *response_len > SGP32_APDU_MAX_RESPONSE)
        return es10_fail(session, SGP32_ERR_TRANSPORT, 0, command[1], step);
    return SGP32_OK;
}

static enum sgp32_status append(struct sgp32_es10 *session, struct es10_buffer *out, const uint8_t *data, size_t len,
                                uint8_t ins, const char *step)
{
    if (len == 0)
        return SGP32_OK;
    if (out == NULL || len > out->max - out->len)
        return es10_fail(session, SGP32_ERR_TOO_LARGE, 0, ins, step);
    if (out->len + len > out->cap) {
        size_t cap = out->cap ? out->cap : 512;
        uint8_t *grown;
        while (cap < out->len + len)
            cap *= 2;
        if (cap > out->max)
            cap = out->max;
        grown = realloc(out->data, cap);
        if (grown == NULL)
            return es10_fail(session, SGP32_ERR_NO_MEMORY, 0, ins, step);
        out->data = grown;
        out->cap = cap;
    }
    memcpy(out->data + out->len, data, len);
    out->len += len;
    return SGP32_OK;
}

enum sgp32_status es10_exchange(struct sgp32_es10 *session, const uint8_t *command, size_t command_len,
                                struct es10_buffer *out, uint16_t *sw, const char *step)
{
    uint8_t apdu[SGP32_APDU_MAX_COMMAND];
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t response_len = 0;
    unsigned empty_rounds = GET_RESPONSE_EMPTY_ROUNDS;
    int repeated_le = 0;
    enum sgp32_status st;

    if (command_len < 4 || command_len > sizeof(apdu))
        return es10_fail(session, SGP32_ERR_INVALID_ARGUMENT, 0, 0, step);
    memcpy(apdu, command, command_len);

    for (;;) {
        uint8_t sw1, sw2;
        st = transmit(session, apdu, command_len, response, &response_len, step);
        if (st != SGP32_OK)
            return st;
        sw1 = response[response_len - 2];
        sw2 = response[response_len - 1];
        st = append(session, out, response, response_len - 2, apdu[1], step);
        if (st != SGP32_OK)
            return st;

        if (sw1 == 0x6C && !repeated_le && apdu[1] != 0xC0) {
            /* Wrong Le: repeat the same command with Le = SW2 (case 2/4 command). */
            size_t lc_end = command_len == 4 ? 4 : (command_len == 5 ? 4 : 5u + command[4]);
            apdu[lc_end] = sw2;
            command_len = lc_end + 1;
            repeated_le = 1;
            continue;
        }
        if (sw1 == 0x61 || (sw1 == 0x6C && apdu[1] == 0xC0)) {
            /* More data available: GET RESPONSE with Le = SW2 (00 = 256). */
            if (response_len == 2 && empty_rounds-- == 0)
                return es10_fail(session, SGP32_ERR_PROTOCOL, (uint16_t)(sw1 << 8 | sw2), 0xC0, "get response");
            apdu[0] = es10_cla(session, 0);
            apdu[1] = 0xC0;
            apdu[2] = 0x00;
            apdu[3] = 0x00;
            apdu[4] = sw2;
            command_len = 5;
            step = "get response";
            continue;
        }
        if (sw1 == 0x91) {
            /* Normal ending with a proactive command pending (ETSI TS 102 221 10.2.1.1). */
            session->proactive_pending = 1;
            *sw = SW_OK;
            return SGP32_OK;
        }
        *sw = (uint16_t)(sw1 << 8 | sw2);
        return SGP32_OK;
    }
}
