/* SPDX-License-Identifier: MIT */
/*
 * QMUX framing and QMI TLVs (no I/O): what goes over a Qualcomm modem's control device.
 *
 *   frame:   01 | length16le | qmux flags | service | client id | SDU
 *            (length counts everything after the 01 marker, itself included)
 *   SDU:     flags | tid (CTL: 8 bit, services: 16 bit le) | message id16le | tlv length16le | TLVs
 *   TLV:     type | length16le | value
 *
 * Every decode checks its bounds; malformed input is SGP32_ERR_PROTOCOL, never a read past the end.
 */
#ifndef SGP32_QMI_QMUX_H
#define SGP32_QMI_QMUX_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#define QMUX_MARKER 0x01u
#define QMUX_HEADER_LENGTH 6u         /* marker + length + flags + service + client */
#define QMUX_MAX_FRAME (1u + 0xFFFFu) /* the 16-bit length plus the marker */

#define QMI_SERVICE_CTL 0x00u
#define QMI_SERVICE_UIM 0x0Bu

/* QMUX header flags: set by the modem on what it sends. */
#define QMUX_FLAG_FROM_SERVICE 0x80u

/* SDU flags (the message type). CTL and the other services number them differently. */
#define QMI_CTL_FLAG_REQUEST 0x00u
#define QMI_CTL_FLAG_RESPONSE 0x01u
#define QMI_CTL_FLAG_INDICATION 0x02u
#define QMI_SERVICE_FLAG_REQUEST 0x00u
#define QMI_SERVICE_FLAG_RESPONSE 0x02u
#define QMI_SERVICE_FLAG_INDICATION 0x04u

/* Messages used here. */
#define QMI_CTL_ALLOCATE_CLIENT_ID 0x0022u
#define QMI_CTL_RELEASE_CLIENT_ID 0x0023u
#define QMI_CTL_SYNC 0x0027u /* as an indication: the modem (re)started, every client id is gone */
#define QMI_UIM_SEND_APDU 0x003Bu
#define QMI_UIM_LOGICAL_CHANNEL 0x003Fu
#define QMI_UIM_OPEN_LOGICAL_CHANNEL 0x0042u

/* The result TLV of every response: result16le (0 success, 1 failure) | error16le (QMI_ERR_*). */
#define QMI_TLV_RESULT 0x02u

/* One decoded frame; the pointers point into the frame that was decoded. */
struct qmux_message {
    uint8_t qmux_flags;
    uint8_t service;
    uint8_t client;
    uint8_t flags; /* SDU flags */
    uint16_t tid;  /* 8 bit for CTL */
    uint16_t message;
    const uint8_t *tlvs;
    size_t tlvs_len;
};

/* Builds TLVs into a caller buffer; an overflow is remembered and reported by qmux_encode. */
struct qmux_tlv_writer {
    uint8_t *data;
    size_t cap;
    size_t len;
    int overflow;
};

void qmux_tlv_writer_init(struct qmux_tlv_writer *writer, uint8_t *data, size_t cap);
void qmux_tlv_add(struct qmux_tlv_writer *writer, uint8_t type, const uint8_t *value, size_t len);
void qmux_tlv_add_u8(struct qmux_tlv_writer *writer, uint8_t type, uint8_t value);

/* Encodes a frame from msg (qmux_flags, service, client, flags, tid, message, tlvs). SGP32_ERR_TOO_LARGE
 * if it cannot fit the 16-bit lengths, SGP32_ERR_BUFFER_TOO_SMALL if not in out_cap. */
enum sgp32_status qmux_encode(const struct qmux_message *msg, uint8_t *out, size_t out_cap, size_t *out_len);

/* Looks at the start of a receive buffer: SGP32_OK with *frame_len when a whole frame is there,
 * SGP32_ERR_NEED_MORE when more bytes are needed, SGP32_ERR_PROTOCOL when it cannot be a frame. */
enum sgp32_status qmux_frame_length(const uint8_t *data, size_t len, size_t *frame_len);

/* Decodes exactly one frame of frame_len bytes (its QMUX length must match): header, SDU header and
 * the TLV area (each TLV inside it). */
enum sgp32_status qmux_decode(const uint8_t *frame, size_t frame_len, struct qmux_message *msg);

/* Finds a TLV in a TLV area: SGP32_OK, SGP32_ERR_NOT_FOUND, or SGP32_ERR_PROTOCOL if the area is
 * malformed. */
enum sgp32_status qmux_tlv_find(const uint8_t *tlvs, size_t tlvs_len, uint8_t type, const uint8_t **value,
                                size_t *value_len);

/* Checks that a TLV area is a clean sequence of TLVs. */
enum sgp32_status qmux_tlv_check(const uint8_t *tlvs, size_t tlvs_len);

/* Reads the result TLV: SGP32_OK with *result (0 success) and *error, or SGP32_ERR_PROTOCOL when it is
 * missing or malformed. */
enum sgp32_status qmux_result(const uint8_t *tlvs, size_t tlvs_len, uint16_t *result, uint16_t *error);

/* The SDU flags values of a request / response / indication for a service (CTL differs). */
uint8_t qmux_request_flags(uint8_t service);
uint8_t qmux_response_flags(uint8_t service);
uint8_t qmux_indication_flags(uint8_t service);

#endif /* SGP32_QMI_QMUX_H */
