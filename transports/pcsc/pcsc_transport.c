/* SPDX-License-Identifier: MIT */
/* The PC/SC APDU transport over pcsc-lite (include/sgp32/transport_pcsc.h). Waits use
 * SCardGetStatusChange with the caller's deadline; transmit uses the caller's buffer. */
#define _POSIX_C_SOURCE 200809L

#include "sgp32/transport_pcsc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h> /* pkg-config libpcsclite: -I/usr/include/PCSC */

#include "../common/deadline.h"

/* pcsc-lite's name of the pseudo reader that signals reader arrival and removal. */
#define PNP_NOTIFICATION_READER "\\\\?PnP?\\Notification"
#define READER_NAME_CAP 256u

struct sgp32_pcsc {
    SCARDCONTEXT context;
    int have_context;
    SCARDHANDLE card;
    int connected;
    DWORD active_protocol; /* SCARD_PROTOCOL_T0 or _T1 while connected */
    char *reader_filter;   /* NULL: use reader_index */
    uint32_t reader_index;
    enum sgp32_pcsc_protocol protocol;
    int exclusive;
    LONG last_error;
    char reader_name[READER_NAME_CAP];
};

/* PC/SC code -> status (the code itself stays in last_error for the detail). */
static enum sgp32_status map_error(LONG rc)
{
    switch (rc) {
    case SCARD_S_SUCCESS:
        return SGP32_OK;
    case SCARD_E_TIMEOUT:
        return SGP32_ERR_TIMEOUT;
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
    case SCARD_W_RESET_CARD: /* the card is there, but its logical channels are gone */
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
        return SGP32_ERR_NO_CARD;
    case SCARD_E_INSUFFICIENT_BUFFER:
        return SGP32_ERR_BUFFER_TOO_SMALL;
    case SCARD_E_CANCELLED:
        return SGP32_ERR_CANCELLED;
    case SCARD_E_NO_MEMORY:
        return SGP32_ERR_NO_MEMORY;
    default:
        return SGP32_ERR_TRANSPORT;
    }
}

static int context_is_dead(LONG rc)
{
    return rc == SCARD_E_NO_SERVICE || rc == SCARD_E_SERVICE_STOPPED || rc == SCARD_E_INVALID_HANDLE;
}

static enum sgp32_status fail(struct sgp32_pcsc *pcsc, LONG rc)
{
    pcsc->last_error = rc;
    /* pcscd went away (or restarted): the context is dead; the next open() establishes a new one. */
    if (context_is_dead(rc)) {
        if (pcsc->have_context)
            (void)SCardReleaseContext(pcsc->context);
        pcsc->have_context = 0;
        pcsc->connected = 0;
    }
    return map_error(rc);
}

static DWORD preferred_protocols(const struct sgp32_pcsc *pcsc)
{
    switch (pcsc->protocol) {
    case SGP32_PCSC_PROTOCOL_T0:
        return SCARD_PROTOCOL_T0;
    case SGP32_PCSC_PROTOCOL_T1:
        return SCARD_PROTOCOL_T1;
    default:
        return SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
    }
}

static DWORD share_mode(const struct sgp32_pcsc *pcsc)
{
    return pcsc->exclusive ? SCARD_SHARE_EXCLUSIVE : SCARD_SHARE_SHARED;
}

static LONG ensure_context(struct sgp32_pcsc *pcsc)
{
    LONG rc;
    if (pcsc->have_context && SCardIsValidContext(pcsc->context) == SCARD_S_SUCCESS)
        return SCARD_S_SUCCESS;
    if (pcsc->have_context)
        (void)SCardReleaseContext(pcsc->context);
    pcsc->have_context = 0;
    pcsc->connected = 0;
    rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &pcsc->context);
    if (rc == SCARD_S_SUCCESS)
        pcsc->have_context = 1;
    return rc;
}

/* The reader list as a pcsc-lite multi-string (NUL-separated, ending with an empty string) in a new
 * buffer; *count readers. SCARD_E_NO_READERS_AVAILABLE is a success with no reader. */
static LONG list_readers(SCARDCONTEXT context, char **readers, uint32_t *count)
{
    DWORD len = 0;
    LONG rc;
    char *p;

    *readers = NULL;
    *count = 0;
    rc = SCardListReaders(context, NULL, NULL, &len);
    if (rc == SCARD_E_NO_READERS_AVAILABLE)
        return SCARD_S_SUCCESS;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    *readers = calloc(1, len + 2u);
    if (*readers == NULL)
        return SCARD_E_NO_MEMORY;
    rc = SCardListReaders(context, NULL, *readers, &len);
    if (rc == SCARD_E_NO_READERS_AVAILABLE) { /* the last reader went away meanwhile */
        (*readers)[0] = '\0';
        return SCARD_S_SUCCESS;
    }
    if (rc != SCARD_S_SUCCESS) {
        free(*readers);
        *readers = NULL;
        return rc;
    }
    for (p = *readers; *p != '\0'; p += strlen(p) + 1)
        (*count)++;
    return SCARD_S_SUCCESS;
}

/* Finds the configured reader: 1 found (name in pcsc->reader_name), 0 not there; *count readers. */
static LONG find_reader(struct sgp32_pcsc *pcsc, int *found, uint32_t *count)
{
    char *readers, *p;
    uint32_t index = 0;
    LONG rc = list_readers(pcsc->context, &readers, count);

    *found = 0;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    for (p = readers; p != NULL && *p != '\0'; p += strlen(p) + 1, index++) {
        int match = pcsc->reader_filter != NULL ? strstr(p, pcsc->reader_filter) != NULL : index == pcsc->reader_index;
        if (match && strlen(p) < sizeof(pcsc->reader_name)) {
            memcpy(pcsc->reader_name, p, strlen(p) + 1);
            *found = 1;
            break;
        }
    }
    free(readers);
    return SCARD_S_SUCCESS;
}

/* Waits until the reader list changes (reader_count readers seen last) or the deadline passes. */
static LONG wait_reader_change(struct sgp32_pcsc *pcsc, uint32_t reader_count, uint64_t deadline)
{
    SCARD_READERSTATE state;
    memset(&state, 0, sizeof(state));
    state.szReader = PNP_NOTIFICATION_READER;
    /* pcsc-lite keeps the reader count in the upper 16 bits of the PnP pseudo reader's state. */
    state.dwCurrentState = (DWORD)reader_count << 16;
    return SCardGetStatusChange(pcsc->context, (DWORD)transport_remaining_ms(deadline), &state, 1);
}

/* Waits until the found reader holds a responsive card or is gone (success), or the deadline. */
static LONG wait_card(struct sgp32_pcsc *pcsc, uint64_t deadline)
{
    SCARD_READERSTATE state;
    LONG rc;

    memset(&state, 0, sizeof(state));
    state.szReader = pcsc->reader_name;
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    for (;;) {
        rc = SCardGetStatusChange(
            pcsc->context, state.dwCurrentState == SCARD_STATE_UNAWARE ? 0 : (DWORD)transport_remaining_ms(deadline),
            &state, 1);
        if (rc != SCARD_S_SUCCESS)
            return rc;
        if ((state.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0)
            return SCARD_S_SUCCESS; /* the reader went away: look for it again */
        if ((state.dwEventState & SCARD_STATE_PRESENT) != 0 && (state.dwEventState & SCARD_STATE_MUTE) == 0)
            return SCARD_S_SUCCESS;
        if ((DWORD)transport_remaining_ms(deadline) == 0)
            return SCARD_E_TIMEOUT;
        state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    }
}

static enum sgp32_status copy_atr(struct sgp32_pcsc *pcsc, uint8_t *atr, size_t atr_cap, size_t *atr_len)
{
    BYTE buffer[MAX_ATR_SIZE];
    DWORD len = sizeof(buffer), state = 0, protocol = 0;
    LONG rc;

    if (atr_len != NULL)
        *atr_len = 0;
    if (atr == NULL && atr_len == NULL)
        return SGP32_OK;
    rc = SCardStatus(pcsc->card, NULL, NULL, &state, &protocol, buffer, &len);
    if (rc != SCARD_S_SUCCESS)
        return fail(pcsc, rc);
    if (atr_len != NULL)
        *atr_len = len;
    if (atr != NULL) {
        if (atr_cap < len)
            return SGP32_ERR_BUFFER_TOO_SMALL;
        memcpy(atr, buffer, len);
    }
    return SGP32_OK;
}

static void disconnect(struct sgp32_pcsc *pcsc)
{
    if (pcsc->connected)
        (void)SCardDisconnect(pcsc->card, SCARD_LEAVE_CARD);
    pcsc->connected = 0;
    pcsc->active_protocol = 0;
}

static enum sgp32_status pcsc_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct sgp32_pcsc *pcsc = user;
    uint64_t deadline = transport_now_ms() + timeout_ms;
    int fresh_context = !pcsc->have_context;
    LONG rc;

    disconnect(pcsc);
    pcsc->reader_name[0] = '\0';
    rc = ensure_context(pcsc);
    if (rc != SCARD_S_SUCCESS)
        return fail(pcsc, rc);
    for (;;) {
        uint32_t count = 0;
        int found = 0;

        rc = find_reader(pcsc, &found, &count);
        if (context_is_dead(rc) && !fresh_context) {
            /* pcscd restarted since our context was made (pcsc-lite only notices on use): once more
             * with a new context. */
            (void)SCardReleaseContext(pcsc->context);
            pcsc->have_context = 0;
            fresh_context = 1;
            rc = ensure_context(pcsc);
            if (rc != SCARD_S_SUCCESS)
                return fail(pcsc, rc);
            continue;
        }
        if (rc != SCARD_S_SUCCESS)
            return fail(pcsc, rc);
        if (!found) {
            if ((DWORD)transport_remaining_ms(deadline) == 0)
                return fail(pcsc, timeout_ms == 0 ? SCARD_E_UNKNOWN_READER : SCARD_E_TIMEOUT);
            rc = wait_reader_change(pcsc, count, deadline);
            if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT)
                return fail(pcsc, rc);
            continue;
        }
        rc = SCardConnect(pcsc->context, pcsc->reader_name, share_mode(pcsc), preferred_protocols(pcsc), &pcsc->card,
                          &pcsc->active_protocol);
        if (rc == SCARD_S_SUCCESS) {
            enum sgp32_status st;
            pcsc->connected = 1;
            pcsc->last_error = SCARD_S_SUCCESS;
            st = copy_atr(pcsc, atr, atr_cap, atr_len);
            if (st != SGP32_OK)
                disconnect(pcsc);
            return st;
        }
        if (rc != SCARD_E_NO_SMARTCARD && rc != SCARD_W_REMOVED_CARD && rc != SCARD_W_UNRESPONSIVE_CARD &&
            rc != SCARD_E_UNKNOWN_READER && rc != SCARD_E_READER_UNAVAILABLE)
            return fail(pcsc, rc); /* sharing violation, protocol mismatch, ...: waiting will not help */
        if ((DWORD)transport_remaining_ms(deadline) == 0)
            return fail(pcsc, timeout_ms == 0 ? rc : SCARD_E_TIMEOUT);
        rc = wait_card(pcsc, deadline);
        if (rc != SCARD_S_SUCCESS)
            return fail(pcsc, rc);
    }
}

static void pcsc_close(void *user)
{
    disconnect(user);
}

static enum sgp32_status pcsc_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                       size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct sgp32_pcsc *pcsc = user;
    DWORD received = (DWORD)response_cap;
    DWORD protocol = 0;
    LONG rc;

    (void)timeout_ms; /* PC/SC has no per-APDU timeout: the reader driver bounds the exchange */
    if (command == NULL || response == NULL || response_len == NULL || command_len < 4)
        return SGP32_ERR_INVALID_ARGUMENT;
    *response_len = 0;
    if (!pcsc->connected) {
        pcsc->last_error = SCARD_E_NO_SMARTCARD;
        return SGP32_ERR_NO_CARD;
    }
    rc = SCardTransmit(pcsc->card, pcsc->active_protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1, command,
                       (DWORD)command_len, NULL, response, &received);
    if (rc == SCARD_S_SUCCESS) {
        if (received < 2) {
            pcsc->last_error = SCARD_F_COMM_ERROR;
            return SGP32_ERR_PROTOCOL;
        }
        pcsc->last_error = SCARD_S_SUCCESS;
        *response_len = received;
        return SGP32_OK;
    }
    if (rc == SCARD_W_RESET_CARD) {
        /* Another application reset the card: acknowledge it so the handle works again. The APDU was
         * not sent and the card's channels are gone, so the caller still gets an error. */
        if (SCardReconnect(pcsc->card, share_mode(pcsc), preferred_protocols(pcsc), SCARD_LEAVE_CARD, &protocol) ==
            SCARD_S_SUCCESS)
            pcsc->active_protocol = protocol;
        else
            disconnect(pcsc);
    } else if (rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD || rc == SCARD_W_UNPOWERED_CARD) {
        disconnect(pcsc); /* open() waits for the card to come back */
    }
    return fail(pcsc, rc);
}

static enum sgp32_status reconnect(struct sgp32_pcsc *pcsc, DWORD initialization, uint8_t *atr, size_t atr_cap,
                                   size_t *atr_len)
{
    DWORD protocol = 0;
    LONG rc;

    if (!pcsc->connected) {
        pcsc->last_error = SCARD_E_NO_SMARTCARD;
        return SGP32_ERR_NO_CARD;
    }
    rc = SCardReconnect(pcsc->card, share_mode(pcsc), preferred_protocols(pcsc), initialization, &protocol);
    if (rc == SCARD_W_RESET_CARD) /* a reset by someone else came first: ours still has to happen */
        rc = SCardReconnect(pcsc->card, share_mode(pcsc), preferred_protocols(pcsc), initialization, &protocol);
    if (rc != SCARD_S_SUCCESS) {
        if (rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD)
            disconnect(pcsc);
        return fail(pcsc, rc);
    }
    pcsc->active_protocol = protocol;
    pcsc->last_error = SCARD_S_SUCCESS;
    return copy_atr(pcsc, atr, atr_cap, atr_len);
}

static enum sgp32_status pcsc_reset(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return reconnect(user, SCARD_RESET_CARD, atr, atr_cap, atr_len);
}

enum sgp32_status sgp32_pcsc_cold_reset(struct sgp32_pcsc *pcsc, uint8_t *atr, size_t atr_cap, size_t *atr_len)
{
    if (pcsc == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return reconnect(pcsc, SCARD_UNPOWER_CARD, atr, atr_cap, atr_len);
}

static const struct sgp32_apdu_transport_ops pcsc_ops = {
    SGP32_APDU_TRANSPORT_VERSION,
    sizeof(struct sgp32_apdu_transport_ops),
    0,
    pcsc_open,
    pcsc_close,
    pcsc_transmit,
    pcsc_reset,
    NULL,
    NULL,
    NULL,
    NULL,
};

enum sgp32_status sgp32_pcsc_new(const struct sgp32_pcsc_options *options, struct sgp32_pcsc **pcsc_out)
{
    struct sgp32_pcsc *pcsc;

    if (pcsc_out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *pcsc_out = NULL;
    if (options != NULL && (options->size < sizeof(*options) || options->protocol > SGP32_PCSC_PROTOCOL_T1))
        return SGP32_ERR_INVALID_ARGUMENT;
    pcsc = calloc(1, sizeof(*pcsc));
    if (pcsc == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (options != NULL) {
        if (options->reader != NULL) {
            size_t len = strlen(options->reader) + 1;
            pcsc->reader_filter = malloc(len);
            if (pcsc->reader_filter == NULL) {
                free(pcsc);
                return SGP32_ERR_NO_MEMORY;
            }
            memcpy(pcsc->reader_filter, options->reader, len);
        }
        pcsc->reader_index = options->reader_index;
        pcsc->protocol = options->protocol;
        pcsc->exclusive = options->exclusive != 0;
    }
    *pcsc_out = pcsc;
    return SGP32_OK;
}

void sgp32_pcsc_free(struct sgp32_pcsc *pcsc)
{
    if (pcsc == NULL)
        return;
    disconnect(pcsc);
    if (pcsc->have_context)
        (void)SCardReleaseContext(pcsc->context);
    free(pcsc->reader_filter);
    free(pcsc);
}

void sgp32_pcsc_transport(struct sgp32_pcsc *pcsc, struct sgp32_apdu_transport *transport)
{
    if (transport == NULL)
        return;
    transport->ops = &pcsc_ops;
    transport->user = pcsc;
}

uint32_t sgp32_pcsc_last_error(const struct sgp32_pcsc *pcsc)
{
    return pcsc == NULL ? 0u : (uint32_t)(unsigned long)pcsc->last_error;
}

const char *sgp32_pcsc_error_text(uint32_t pcsc_error)
{
    return pcsc_stringify_error((LONG)pcsc_error);
}

const char *sgp32_pcsc_reader_name(const struct sgp32_pcsc *pcsc)
{
    return pcsc == NULL ? "" : pcsc->reader_name;
}

enum sgp32_pcsc_protocol sgp32_pcsc_active_protocol(const struct sgp32_pcsc *pcsc)
{
    if (pcsc == NULL || !pcsc->connected)
        return SGP32_PCSC_PROTOCOL_ANY;
    return pcsc->active_protocol == SCARD_PROTOCOL_T0 ? SGP32_PCSC_PROTOCOL_T0 : SGP32_PCSC_PROTOCOL_T1;
}

enum sgp32_status sgp32_pcsc_list_readers(void (*each)(void *user, uint32_t index, const char *name), void *user)
{
    SCARDCONTEXT context;
    char *readers = NULL, *p;
    uint32_t count = 0, index = 0;
    LONG rc;

    if (each == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
    if (rc != SCARD_S_SUCCESS)
        return map_error(rc);
    rc = list_readers(context, &readers, &count);
    (void)SCardReleaseContext(context);
    if (rc != SCARD_S_SUCCESS)
        return map_error(rc);
    for (p = readers; p != NULL && *p != '\0'; p += strlen(p) + 1)
        each(user, index++, p);
    free(readers);
    return count == 0 ? SGP32_ERR_NOT_FOUND : SGP32_OK;
}
