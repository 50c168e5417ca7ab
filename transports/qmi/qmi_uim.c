/* SPDX-License-Identifier: MIT */
/* QMI UIM messages for APDU access (all with TLV 0x01 = slot, 1-based):
 *   Open Logical Channel 0x0042: in 0x10 AID (u8 length + bytes); out 0x10 channel id, 0x11 card
 *     result (SW1 SW2), 0x12 select response (u8 length + bytes). The modem sends MANAGE CHANNEL and
 *     SELECT itself.
 *   Send APDU 0x003B: in 0x02 APDU (u16le length + bytes), 0x10 channel id; out 0x10 response APDU
 *     (u16le length + bytes, data followed by SW1 SW2).
 *   Logical Channel 0x003F (close): in 0x11 channel id; out only the result. */
#include <string.h>

#include "qmi_internal.h"

#define UIM_TLV_SLOT 0x01u
#define UIM_TLV_APDU 0x02u
#define UIM_TLV_AID 0x10u
#define UIM_TLV_CHANNEL 0x10u     /* Send APDU input, Open Logical Channel output */
#define UIM_TLV_CARD_RESULT 0x11u /* Open Logical Channel output */
#define UIM_TLV_SELECT_RESPONSE 0x12u
#define UIM_TLV_APDU_RESPONSE 0x10u
#define UIM_TLV_CLOSE_CHANNEL 0x11u /* Logical Channel input */

/* Logical channels 1..19 exist (ISO 7816-4); 0 is the basic channel. */
#define MAX_CHANNEL 19u

uint8_t qmi_channel_cla(uint8_t cla, uint32_t channel)
{
    uint8_t proprietary = (uint8_t)(cla & 0x80u);
    if (channel <= 3u)
        return (uint8_t)(proprietary | (cla & 0x1Cu) | channel); /* keep chaining b5, SM b4b3 of 1st form */
    return (uint8_t)(proprietary | 0x40u | (cla & 0x10u) | ((channel - 4u) & 0x0Fu));
}

static enum sgp32_status uim_request(struct sgp32_qmi *qmi, uint16_t message, const uint8_t *tlvs, size_t tlvs_len,
                                     struct qmi_answer *answer, uint32_t timeout_ms)
{
    enum sgp32_status st;
    if (!qmi->have_client)
        return qmi_fail(qmi, SGP32_ERR_STATE, message, 0, "transport not open (no UIM client id)");
    st = qmi_request(qmi, QMI_SERVICE_UIM, qmi->client, message, tlvs, tlvs_len, answer, timeout_ms);
    /* The modem no longer knows our client id: it restarted (or another program sent CTL Sync). The
     * next channel open allocates a new one. */
    if (st == SGP32_OK && answer->result != 0 && answer->error == SGP32_QMI_ERR_INVALID_CLIENT_ID) {
        qmi->have_client = 0;
        qmi->client = 0;
    }
    return st;
}

enum sgp32_status qmi_uim_open_channel(struct sgp32_qmi *qmi, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                       uint8_t *select_response, size_t select_cap, size_t *select_len,
                                       uint32_t timeout_ms)
{
    struct qmi_answer answer;
    struct qmux_tlv_writer writer;
    uint8_t tlvs[64];
    uint8_t aid_value[1 + 16];
    const uint8_t *value = NULL;
    size_t len = 0;
    uint16_t sw = 0;
    enum sgp32_status st;

    if (aid_len == 0 || aid_len > 16)
        return qmi_fail(qmi, SGP32_ERR_INVALID_ARGUMENT, QMI_UIM_OPEN_LOGICAL_CHANNEL, 0, "AID length");
    aid_value[0] = (uint8_t)aid_len;
    memcpy(aid_value + 1, aid, aid_len);
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, UIM_TLV_SLOT, qmi->slot);
    qmux_tlv_add(&writer, UIM_TLV_AID, aid_value, 1 + aid_len);
    st = uim_request(qmi, QMI_UIM_OPEN_LOGICAL_CHANNEL, tlvs, writer.len, &answer, timeout_ms);
    if (st != SGP32_OK)
        return st;
    if (qmux_tlv_find(answer.tlvs, answer.tlvs_len, UIM_TLV_CARD_RESULT, &value, &len) == SGP32_OK && len == 2)
        sw = (uint16_t)((value[0] << 8) | value[1]);
    if (answer.result != 0) {
        /* With a card result the card refused the SELECT (e.g. 6A82): a status word, not a link error. */
        st = sw != 0 && sw != 0x9000u ? SGP32_ERR_CARD_STATUS : qmi_map_error(answer.error);
        if (st == SGP32_OK)
            st = SGP32_ERR_TRANSPORT;
        qmi_fail(qmi, st, QMI_UIM_OPEN_LOGICAL_CHANNEL, answer.error, "open logical channel refused");
        qmi->error.sw = sw;
        return st;
    }
    if (qmux_tlv_find(answer.tlvs, answer.tlvs_len, UIM_TLV_CHANNEL, &value, &len) != SGP32_OK || len != 1 ||
        value[0] == 0 || value[0] > MAX_CHANNEL)
        return qmi_fail(qmi, SGP32_ERR_PROTOCOL, QMI_UIM_OPEN_LOGICAL_CHANNEL, 0, "no valid channel id in the answer");
    *channel = value[0];
    if (select_len != NULL)
        *select_len = 0;
    if (select_response != NULL && select_len != NULL) {
        size_t fci_len = 0;
        const uint8_t *fci = NULL;
        if (qmux_tlv_find(answer.tlvs, answer.tlvs_len, UIM_TLV_SELECT_RESPONSE, &value, &len) == SGP32_OK) {
            if (len < 1 || (size_t)value[0] != len - 1)
                return qmi_fail(qmi, SGP32_ERR_PROTOCOL, QMI_UIM_OPEN_LOGICAL_CHANNEL, 0, "malformed select response");
            fci = value + 1;
            fci_len = value[0];
        }
        if (fci_len + 2 > select_cap)
            return qmi_fail(qmi, SGP32_ERR_BUFFER_TOO_SMALL, QMI_UIM_OPEN_LOGICAL_CHANNEL, 0, "select response");
        if (fci_len > 0)
            memcpy(select_response, fci, fci_len);
        if (sw == 0)
            sw = 0x9000u;
        select_response[fci_len] = (uint8_t)(sw >> 8);
        select_response[fci_len + 1] = (uint8_t)(sw & 0xFFu);
        *select_len = fci_len + 2;
    }
    return SGP32_OK;
}

enum sgp32_status qmi_uim_close_channel(struct sgp32_qmi *qmi, uint32_t channel, uint32_t timeout_ms)
{
    struct qmi_answer answer;
    struct qmux_tlv_writer writer;
    uint8_t tlvs[16];
    enum sgp32_status st;

    if (channel == 0 || channel > MAX_CHANNEL)
        return qmi_fail(qmi, SGP32_ERR_INVALID_ARGUMENT, QMI_UIM_LOGICAL_CHANNEL, 0, "channel id");
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, UIM_TLV_SLOT, qmi->slot);
    qmux_tlv_add_u8(&writer, UIM_TLV_CLOSE_CHANNEL, (uint8_t)channel);
    st = uim_request(qmi, QMI_UIM_LOGICAL_CHANNEL, tlvs, writer.len, &answer, timeout_ms);
    if (st != SGP32_OK)
        return st;
    if (answer.result != 0) {
        st = qmi_map_error(answer.error);
        return qmi_fail(qmi, st == SGP32_OK ? SGP32_ERR_TRANSPORT : st, QMI_UIM_LOGICAL_CHANNEL, answer.error,
                        "close logical channel refused");
    }
    return SGP32_OK;
}

enum sgp32_status qmi_uim_send_apdu(struct sgp32_qmi *qmi, int channel, const uint8_t *command, size_t command_len,
                                    uint8_t *response, size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct qmi_answer answer;
    struct qmux_tlv_writer writer;
    uint8_t tlvs[16 + 2 + SGP32_APDU_MAX_COMMAND];
    uint8_t apdu[2 + SGP32_APDU_MAX_COMMAND];
    const uint8_t *value = NULL;
    size_t len = 0;
    enum sgp32_status st;

    if (command_len < 4 || command_len > SGP32_APDU_MAX_COMMAND)
        return qmi_fail(qmi, SGP32_ERR_INVALID_ARGUMENT, QMI_UIM_SEND_APDU, 0, "APDU length");
    if (channel > (int)MAX_CHANNEL)
        return qmi_fail(qmi, SGP32_ERR_INVALID_ARGUMENT, QMI_UIM_SEND_APDU, 0, "channel id");
    apdu[0] = (uint8_t)(command_len & 0xFFu);
    apdu[1] = (uint8_t)(command_len >> 8);
    memcpy(apdu + 2, command, command_len);
    if (channel >= 0)
        apdu[2] = qmi_channel_cla(command[0], (uint32_t)channel);
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, UIM_TLV_SLOT, qmi->slot);
    qmux_tlv_add(&writer, UIM_TLV_APDU, apdu, 2 + command_len);
    if (channel >= 0)
        qmux_tlv_add_u8(&writer, UIM_TLV_CHANNEL, (uint8_t)channel);
    st = uim_request(qmi, QMI_UIM_SEND_APDU, tlvs, writer.len, &answer, timeout_ms);
    if (st != SGP32_OK)
        return st;
    if (answer.result != 0) {
        st = qmi_map_error(answer.error);
        return qmi_fail(qmi, st == SGP32_OK ? SGP32_ERR_TRANSPORT : st, QMI_UIM_SEND_APDU, answer.error,
                        "send APDU refused");
    }
    if (qmux_tlv_find(answer.tlvs, answer.tlvs_len, UIM_TLV_APDU_RESPONSE, &value, &len) != SGP32_OK || len < 2 ||
        (size_t)(value[0] | (value[1] << 8)) != len - 2)
        return qmi_fail(qmi, SGP32_ERR_PROTOCOL, QMI_UIM_SEND_APDU, 0, "no valid response APDU in the answer");
    len -= 2;
    if (len < 2)
        return qmi_fail(qmi, SGP32_ERR_PROTOCOL, QMI_UIM_SEND_APDU, 0, "response APDU without status word");
    if (len > response_cap)
        return qmi_fail(qmi, SGP32_ERR_BUFFER_TOO_SMALL, QMI_UIM_SEND_APDU, 0, "response APDU");
    memcpy(response, value + 2, len);
    *response_len = len;
    return SGP32_OK;
}
