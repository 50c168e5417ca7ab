/* SPDX-License-Identifier: MIT */
/* The CLI's --transport argument: which APDU transport reaches the eUICC.
 *   softeuicc:<state dir>                   the software eUICC in that directory
 *   pcsc[:<reader name substring or index>] a PC/SC reader (default: the first)
 *   at:<tty>[,csim|,ccho][,baud=N]          a modem's AT port (default mode: probe CCHO, else CSIM)
 *   qmi:<cdc-wdm device>[,slot=N]           a Qualcomm modem's QMI device */
#ifndef SGP32_CLI_TRANSPORT_SPEC_H
#define SGP32_CLI_TRANSPORT_SPEC_H

#include <stdint.h>

#include "sgp32/sgp32.h"

struct cli_transport {
    struct sgp32_apdu_transport transport;
    void *owner;                  /* the backend object behind the transport */
    void (*release)(void *owner); /* frees owner */
    int opened;
};

/* Parses `spec`, creates the backend and opens the transport (power on / connect) within
 * timeout_ms. On failure prints why to stderr and returns the status. */
enum sgp32_status cli_transport_open(const char *spec, uint32_t timeout_ms, struct cli_transport *out);
void cli_transport_close(struct cli_transport *t);

#endif
