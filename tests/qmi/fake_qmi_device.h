/* SPDX-License-Identifier: MIT */
/*
 * A fake Qualcomm QMI device for tests: the modem side of a QMUX link over a socketpair
 * (AF_UNIX, SOCK_SEQPACKET: one message per read and write, like cdc-wdm), served by a thread in front
 * of a software eUICC (a fresh card in a temporary directory).
 *
 * It answers CTL Allocate/Release Client ID (0x0022/0x0023) for the UIM service and the UIM messages
 * Open Logical Channel (0x0042: MANAGE CHANNEL + SELECT [+ GET RESPONSE] to the card), Send APDU
 * (0x003B: the APDU as is; the CLA must already carry the channel) and Logical Channel (0x003F: MANAGE
 * CHANNEL close). Faults can be switched on and off at any time.
 */
#ifndef FAKE_QMI_DEVICE_H
#define FAKE_QMI_DEVICE_H

#include <stddef.h>
#include <stdint.h>

enum fake_qmi_fault {
    FAKE_QMI_FAULT_NONE = 0,
    FAKE_QMI_FAULT_SILENT,            /* requests are read, never answered */
    FAKE_QMI_FAULT_WRONG_TID,         /* answers carry another transaction id */
    FAKE_QMI_FAULT_TRUNCATED,         /* answers lose their last bytes (the QMUX length claims more) */
    FAKE_QMI_FAULT_GARBAGE,           /* bytes that are no QMUX frame instead of the answer */
    FAKE_QMI_FAULT_BAD_TLV,           /* an answer whose TLV runs past the end of the SDU */
    FAKE_QMI_FAULT_OPEN_ERROR,        /* Open Logical Channel fails with open_error (QMI_ERR_*) */
    FAKE_QMI_FAULT_CLOSE_MID_COMMAND, /* on a Send APDU the device disappears without an answer */
    FAKE_QMI_FAULT_INDICATIONS,       /* indications and other clients' frames before every answer */
    FAKE_QMI_FAULT_SPLIT              /* every answer arrives in three pieces (a stream, not messages) */
};

struct sgp32_softeuicc_identity;

struct fake_qmi_config {
    uint8_t slot;       /* the slot holding the card (1-based); 0: 1 */
    const uint8_t *eid; /* 16 bytes */
    /* The card's whole identity (CI PKIDs, certificates), or NULL: a card with just `eid`. */
    const struct sgp32_softeuicc_identity *identity;
};

struct fake_qmi_device;

/* Creates the card and the socketpair and starts the thread; *host_fd is the modem's fd for the
 * transport (owned by the device: closed by fake_qmi_device_stop). 0 on success. */
int fake_qmi_device_start(const struct fake_qmi_config *config, struct fake_qmi_device **device, int *host_fd);
/* Stops the thread, closes both ends, frees the card and removes its directory. */
void fake_qmi_device_stop(struct fake_qmi_device *device);

/* Switches a fault on (FAKE_QMI_FAULT_NONE switches it off). open_error: the QMI error for
 * FAKE_QMI_FAULT_OPEN_ERROR. */
void fake_qmi_device_set_fault(struct fake_qmi_device *device, enum fake_qmi_fault fault, uint16_t open_error);

/* What the device saw: client ids currently allocated, logical channels currently open on the card,
 * requests received, and requests whose CLA did not carry the channel of the Channel ID TLV. */
struct fake_qmi_counters {
    unsigned clients;
    unsigned channels;
    unsigned requests;
    unsigned cla_mismatches;
    unsigned indications_sent;
    unsigned reboots; /* modem restarts (fake_qmi_device_reboot_after) */
};
void fake_qmi_device_counters(struct fake_qmi_device *device, struct fake_qmi_counters *counters);

/* The modem restarts on the send_apdus-th UIM Send APDU from now (0: never): that request is never
 * answered, the card is reset, every client id is forgotten (later requests with an old one answer
 * QMI_ERR_INVALID_CLIENT_ID) and, with announce, a CTL Sync indication goes to all clients. */
void fake_qmi_device_reboot_after(struct fake_qmi_device *device, unsigned send_apdus, int announce);

#endif /* FAKE_QMI_DEVICE_H */
