/* SPDX-License-Identifier: MIT */
/* The card as an sgp32_apdu_transport: no latency, no timeouts to honour. */
#include <string.h>

#include "card_internal.h"

static enum sgp32_status transport_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return sgp32_softeuicc_reset(user, atr, atr_cap, atr_len);
}

static void transport_close(void *user)
{
    (void)user;
}

static enum sgp32_status transport_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                            size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return sgp32_softeuicc_process_apdu(user, command, command_len, response, response_cap, response_len);
}

static enum sgp32_status transport_reset(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return sgp32_softeuicc_reset(user, atr, atr_cap, atr_len);
}

static int transport_proactive_pending(void *user)
{
    return sgp32_softeuicc_proactive_pending(user);
}

static const struct sgp32_apdu_transport_ops softeuicc_ops = {SGP32_APDU_TRANSPORT_VERSION,
                                                              sizeof(struct sgp32_apdu_transport_ops),
                                                              0,
                                                              transport_open,
                                                              transport_close,
                                                              transport_transmit,
                                                              transport_reset,
                                                              NULL,
                                                              NULL,
                                                              NULL,
                                                              transport_proactive_pending};

void sgp32_softeuicc_transport(struct sgp32_softeuicc *card, struct sgp32_apdu_transport *transport)
{
    transport->ops = &softeuicc_ops;
    transport->user = card;
}
