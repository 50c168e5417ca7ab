/* SPDX-License-Identifier: MIT */
/*
 * The QMI APDU transport: an sgp32_apdu_transport over raw QMUX on a Qualcomm modem's control device
 * (/dev/cdc-wdmN), without libqmi. Part of libsgp32 when it is built with SGP32_WITH_QMI (CMake option,
 * default ON, no external dependency; POSIX only). See docs/transport-qmi.md.
 *
 * The modem owns the logical channels (SGP32_TRANSPORT_OWNS_CHANNELS): open_logical_channel() is UIM
 * Open Logical Channel (0x0042, slot + AID), transmit_on_channel() is UIM Send APDU (0x003B, slot +
 * APDU + channel id) and close_logical_channel() is UIM Logical Channel (0x003F). The transport sets
 * the channel bits of the CLA byte itself. transmit() (basic channel) is Send APDU without a channel.
 *
 * open() allocates a UIM client id with QMI CTL (0x0022), close() releases it (0x0023). Every wait
 * has a deadline (poll(), never a sleep); answers are matched by service, client id and transaction
 * id, and indications or messages for other clients are skipped. Not thread-safe: one thread per
 * handle; any number of handles per process.
 */
#ifndef SGP32_TRANSPORT_QMI_H
#define SGP32_TRANSPORT_QMI_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A few QMI protocol error codes (the QMI_ERR_* values of the result TLV) callers may test for. */
#define SGP32_QMI_ERR_NONE 0x0000u
#define SGP32_QMI_ERR_MALFORMED_MESSAGE 0x0001u
#define SGP32_QMI_ERR_INTERNAL 0x0003u
#define SGP32_QMI_ERR_CLIENT_IDS_EXHAUSTED 0x0005u
#define SGP32_QMI_ERR_INVALID_CLIENT_ID 0x0007u
#define SGP32_QMI_ERR_INVALID_ARGUMENT 0x0030u
#define SGP32_QMI_ERR_DEVICE_NOT_READY 0x0034u
#define SGP32_QMI_ERR_INSUFFICIENT_RESOURCES 0x0044u
#define SGP32_QMI_ERR_INVALID_QMI_COMMAND 0x0047u

/* Zero-initialise and set size = sizeof(struct sgp32_qmi_options). NULL options mean all defaults. */
struct sgp32_qmi_options {
    uint32_t size;
    uint8_t slot;              /* UIM slot, 1-based (1: the first slot); 0: 1 */
    uint32_t close_timeout_ms; /* deadline of the client id release in close() and free; 0: 2000 */
};

/* Why the last call failed. */
struct sgp32_qmi_error {
    enum sgp32_status status; /* SGP32_OK after a success */
    uint16_t message;         /* the QMI message that failed (0x0022, 0x0042, 0x003B ...), 0 if none */
    uint16_t qmi_error;       /* QMI_ERR_* code of the result TLV (0: none / not a QMI error) */
    uint16_t sw;              /* card status word the modem reported with a failed channel open (0: none) */
    const char *reason;       /* short English text ("timeout", "device closed", "garbage frame" ...) */
};

struct sgp32_qmi;

/* Opens the control device (e.g. "/dev/cdc-wdm0"); no QMI traffic yet. SGP32_ERR_NOT_FOUND if the
 * path does not exist, SGP32_ERR_TRANSPORT if it cannot be opened. The fd is closed by free. */
enum sgp32_status sgp32_qmi_new_device(const char *path, const struct sgp32_qmi_options *options,
                                       struct sgp32_qmi **qmi);
/* Uses an already open QMUX file descriptor (a cdc-wdm fd, a socket in tests). The fd stays the
 * caller's: free does not close it. */
enum sgp32_status sgp32_qmi_new_fd(int fd, const struct sgp32_qmi_options *options, struct sgp32_qmi **qmi);
/* Closes (releases the client id, bounded by close_timeout_ms) and frees. NULL is fine. */
void sgp32_qmi_free(struct sgp32_qmi *qmi);

/* The transport operations over qmi (valid as long as qmi). reset() is not offered (NULL). */
void sgp32_qmi_transport(struct sgp32_qmi *qmi, struct sgp32_apdu_transport *transport);

/* The detail of the last call (never NULL for a valid handle). */
const struct sgp32_qmi_error *sgp32_qmi_last_error(const struct sgp32_qmi *qmi);

/* The UIM client id allocated by open(), 0 when none is held. */
uint8_t sgp32_qmi_client_id(const struct sgp32_qmi *qmi);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TRANSPORT_QMI_H */
