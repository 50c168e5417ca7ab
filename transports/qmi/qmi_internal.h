/* SPDX-License-Identifier: MIT */
/* Internals of the QMI transport: the handle, the request/response exchange over the QMUX fd. */
#ifndef SGP32_QMI_INTERNAL_H
#define SGP32_QMI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "qmux.h"
#include "sgp32/transport_qmi.h"

/* A response larger than this is not one of ours (UIM answers carry at most one R-APDU); frames of
 * other clients may be larger and are read whole, then skipped. */
#define QMI_TX_CAP 1024u

struct sgp32_qmi {
    int fd;
    int owns_fd;
    uint8_t slot;
    uint32_t close_timeout_ms;
    uint8_t client; /* UIM client id, valid while have_client */
    int have_client;
    uint8_t ctl_tid;  /* last CTL transaction id (8 bit, 0 is skipped) */
    uint16_t uim_tid; /* last UIM transaction id (0 is skipped) */
    struct sgp32_qmi_error error;
    /* Receive buffer: bytes read but not consumed yet (a stream may split or join frames). */
    uint8_t *rx;
    size_t rx_len;
};

/* An answer to one request: its TLV area, copied out of the receive buffer. */
struct qmi_answer {
    uint16_t result; /* 0: success */
    uint16_t error;  /* QMI_ERR_* */
    uint8_t tlvs[QMI_TX_CAP + 512u];
    size_t tlvs_len;
};

/* Sends a request (service, client, message, TLVs) and waits until timeout_ms for the response with
 * the same service, client, transaction id and message. Other frames (indications, other clients,
 * stale answers) are skipped. Sets qmi->error on failure (status, message, reason). A QMI error in the
 * result TLV is not a failure here: the caller reads answer->result/error. */
enum sgp32_status qmi_request(struct sgp32_qmi *qmi, uint8_t service, uint8_t client, uint16_t message,
                              const uint8_t *tlvs, size_t tlvs_len, struct qmi_answer *answer, uint32_t timeout_ms);

/* Records an error in qmi->error and returns status. */
enum sgp32_status qmi_fail(struct sgp32_qmi *qmi, enum sgp32_status status, uint16_t message, uint16_t qmi_error,
                           const char *reason);
/* Maps a QMI_ERR_* code to a status (the code itself stays in qmi->error). */
enum sgp32_status qmi_map_error(uint16_t qmi_error);

/* CTL: allocate / release the UIM client id. */
enum sgp32_status qmi_ctl_allocate(struct sgp32_qmi *qmi, uint32_t timeout_ms);
enum sgp32_status qmi_ctl_release(struct sgp32_qmi *qmi, uint32_t timeout_ms);

/* UIM messages. */
enum sgp32_status qmi_uim_open_channel(struct sgp32_qmi *qmi, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                       uint8_t *select_response, size_t select_cap, size_t *select_len,
                                       uint32_t timeout_ms);
enum sgp32_status qmi_uim_close_channel(struct sgp32_qmi *qmi, uint32_t channel, uint32_t timeout_ms);
/* channel < 0: the basic channel (no Channel ID TLV). */
enum sgp32_status qmi_uim_send_apdu(struct sgp32_qmi *qmi, int channel, const uint8_t *command, size_t command_len,
                                    uint8_t *response, size_t response_cap, size_t *response_len, uint32_t timeout_ms);

/* The CLA byte of command with the logical channel coded in (ISO 7816-4 5.4.1): channels 1-3 in b2b1,
 * 4-19 in the further interindustry form (b7 set, channel - 4 in b4..b1). */
uint8_t qmi_channel_cla(uint8_t cla, uint32_t channel);

#endif /* SGP32_QMI_INTERNAL_H */
