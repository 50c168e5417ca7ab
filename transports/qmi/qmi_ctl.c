/* SPDX-License-Identifier: MIT */
/* QMI CTL: a client id for the UIM service. Allocate Client ID (0x0022) takes TLV 0x01 = service and
 * answers TLV 0x01 = service | client id; Release Client ID (0x0023) takes TLV 0x01 = service | client
 * id. CTL frames use client id 0 in the QMUX header and an 8-bit transaction id. */
#include <string.h>

#include "qmi_internal.h"

#define CTL_TLV_CLIENT 0x01u

enum sgp32_status qmi_ctl_allocate(struct sgp32_qmi *qmi, uint32_t timeout_ms)
{
    struct qmi_answer answer;
    struct qmux_tlv_writer writer;
    uint8_t tlvs[8];
    const uint8_t *value = NULL;
    size_t len = 0;
    enum sgp32_status st;

    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add_u8(&writer, CTL_TLV_CLIENT, QMI_SERVICE_UIM);
    st = qmi_request(qmi, QMI_SERVICE_CTL, 0, QMI_CTL_ALLOCATE_CLIENT_ID, tlvs, writer.len, &answer, timeout_ms);
    if (st != SGP32_OK)
        return st;
    if (answer.result != 0)
        return qmi_fail(qmi,
                        qmi_map_error(answer.error) == SGP32_OK ? SGP32_ERR_TRANSPORT : qmi_map_error(answer.error),
                        QMI_CTL_ALLOCATE_CLIENT_ID, answer.error, "client id allocation refused");
    if (qmux_tlv_find(answer.tlvs, answer.tlvs_len, CTL_TLV_CLIENT, &value, &len) != SGP32_OK || len != 2 ||
        value[0] != QMI_SERVICE_UIM || value[1] == 0 || value[1] == 0xFF)
        return qmi_fail(qmi, SGP32_ERR_PROTOCOL, QMI_CTL_ALLOCATE_CLIENT_ID, 0, "no UIM client id in the answer");
    qmi->client = value[1];
    qmi->have_client = 1;
    return SGP32_OK;
}

enum sgp32_status qmi_ctl_release(struct sgp32_qmi *qmi, uint32_t timeout_ms)
{
    struct qmi_answer answer;
    struct qmux_tlv_writer writer;
    uint8_t tlvs[8];
    uint8_t client[2];
    enum sgp32_status st;

    if (!qmi->have_client)
        return SGP32_OK;
    client[0] = QMI_SERVICE_UIM;
    client[1] = qmi->client;
    /* The id is gone for us whatever the answer: a modem that does not answer keeps it until reset. */
    qmi->have_client = 0;
    qmi->client = 0;
    qmux_tlv_writer_init(&writer, tlvs, sizeof(tlvs));
    qmux_tlv_add(&writer, CTL_TLV_CLIENT, client, sizeof(client));
    st = qmi_request(qmi, QMI_SERVICE_CTL, 0, QMI_CTL_RELEASE_CLIENT_ID, tlvs, writer.len, &answer, timeout_ms);
    if (st != SGP32_OK)
        return st;
    if (answer.result != 0)
        return qmi_fail(qmi, SGP32_ERR_TRANSPORT, QMI_CTL_RELEASE_CLIENT_ID, answer.error, "client id release refused");
    return SGP32_OK;
}
