/* SPDX-License-Identifier: MIT */
/*
 * The card's APDU layer (ISO/IEC 7816-4, GlobalPlatform 2.3 11.11 STORE DATA, ETSI TS 102 221):
 * class byte and logical channels, SELECT of the ISD-R, MANAGE CHANNEL, TERMINAL CAPABILITY,
 * STORE DATA block reassembly, GET RESPONSE. Short APDUs only, as eUICCs over ISO 7816-3.
 */
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"

static const uint8_t isdr_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};

enum {
    INS_SELECT = 0xA4,
    INS_MANAGE_CHANNEL = 0x70,
    INS_GET_RESPONSE = 0xC0,
    INS_STORE_DATA = 0xE2,
    INS_TERMINAL_CAPABILITY = 0xAA,
    INS_FETCH = 0x12,
    INS_TERMINAL_RESPONSE = 0x14
};

/* ETSI TS 102 223 6.6.13: REFRESH, command number 1, qualifier 04 (UICC reset), UICC -> terminal. */
static const uint8_t refresh_command[11] = {0xD0, 0x09, 0x81, 0x03, 0x01, 0x01, 0x04, 0x82, 0x02, 0x81, 0x82};

struct apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    int has_le;
    size_t le; /* 1..256 when has_le */
    unsigned channel;
    int proprietary; /* CLA 8x/Cx/Ex (GlobalPlatform, ETSI) rather than 0x/4x/6x (ISO) */
};

struct reply {
    uint8_t *out;
    size_t cap, len;
};

static uint16_t reply_data(struct reply *reply, const uint8_t *data, size_t len, uint16_t sw)
{
    size_t room = reply->cap - 2; /* the caller guarantees cap >= 2 */
    if (len > room)
        len = room;
    if (len > 0 && data != NULL)
        memcpy(reply->out, data, len);
    reply->len = len;
    return sw;
}

/* ISO 7816-4 5.4.1: first interindustry (0x0X, 0x8X) and further interindustry (0x4X-0x7X,
 * 0xCX-0xFX) classes; 0x2X/0x3X, 0xAX/0xBX are RFU and 0xFF is invalid. */
static uint16_t parse_class(struct apdu *apdu)
{
    uint8_t cla = apdu->cla;
    if (cla == 0xFF || (cla & 0x60) == 0x20)
        return SW_CLA_NOT_SUPPORTED;
    apdu->proprietary = (cla & 0x80) != 0;
    if ((cla & 0x40) == 0) {
        apdu->channel = cla & 0x03u;
        if (cla & 0x10)
            return SW_CHAINING_NOT_SUPPORTED;
        if (cla & 0x0C)
            return SW_SM_NOT_SUPPORTED;
    } else {
        apdu->channel = 4u + (cla & 0x0Fu);
        if (cla & 0x10)
            return SW_CHAINING_NOT_SUPPORTED;
        if (cla & 0x20)
            return SW_SM_NOT_SUPPORTED;
    }
    return SW_OK;
}

/* Short APDU cases 1-4 (ISO 7816-3 12.1); extended lengths are refused with 6700. */
static uint16_t parse_lengths(struct apdu *apdu, const uint8_t *command, size_t len)
{
    if (len < 4)
        return SW_WRONG_LENGTH;
    apdu->cla = command[0];
    apdu->ins = command[1];
    apdu->p1 = command[2];
    apdu->p2 = command[3];
    if (len == 4)
        return SW_OK;
    if (len == 5) {
        apdu->has_le = 1;
        apdu->le = command[4] ? command[4] : 256;
        return SW_OK;
    }
    if (command[4] == 0)
        return SW_WRONG_LENGTH; /* extended length or Lc = 0 */
    apdu->lc = command[4];
    apdu->data = command + 5;
    if (len == 5 + apdu->lc)
        return SW_OK;
    if (len == 6 + apdu->lc) {
        apdu->has_le = 1;
        apdu->le = command[len - 1] ? command[len - 1] : 256;
        return SW_OK;
    }
    return SW_WRONG_LENGTH;
}

static void drop_pending(struct softeuicc_channel *channel)
{
    free(channel->pending);
    channel->pending = NULL;
    channel->pending_len = channel->pending_offset = 0;
}

static void drop_blocks(struct softeuicc_channel *channel)
{
    free(channel->block_data);
    channel->block_data = NULL;
    channel->block_len = 0;
    channel->next_block = 0;
    channel->in_sequence = 0;
}

static void close_channel(struct softeuicc_channel *channel)
{
    drop_pending(channel);
    drop_blocks(channel);
    memset(channel, 0, sizeof(*channel));
}

/* Hands an answer to the terminal: in T=1 up to 256 bytes directly (61xx announces the rest); in T=0
 * a case 4 command only announces its data with 61xx (ISO 7816-3 12.2.2). `owned` is taken. */
static uint16_t deliver(struct sgp32_softeuicc *card, struct softeuicc_channel *channel, uint8_t *owned, size_t len,
                        uint16_t final_sw, struct reply *reply)
{
    size_t first;
    drop_pending(channel);
    if (len == 0) {
        free(owned);
        return reply_data(reply, NULL, 0, final_sw);
    }
    channel->pending = owned;
    channel->pending_len = len;
    channel->pending_final_sw = final_sw;
    if (card->options.protocol == SGP32_SOFTEUICC_T0) {
        return (uint16_t)(0x6100 | (len >= 256 ? 0 : len));
    }
    first = len > 256 ? 256 : len;
    reply_data(reply, owned, first, SW_OK);
    channel->pending_offset = first;
    if (first == len) {
        drop_pending(channel);
        return final_sw;
    }
    return (uint16_t)(0x6100 | (len - first >= 256 ? 0 : len - first));
}

static uint16_t get_response(struct sgp32_softeuicc *card, struct softeuicc_channel *channel, const struct apdu *apdu,
                             struct reply *reply)
{
    size_t remaining, chunk;
    if (apdu->p1 != 0 || apdu->p2 != 0)
        return SW_WRONG_P1P2;
    if (apdu->lc != 0)
        return SW_WRONG_LENGTH;
    if (channel->pending == NULL)
        return SW_CONDITIONS_NOT_SATISFIED;
    remaining = channel->pending_len - channel->pending_offset;
    chunk = apdu->has_le ? apdu->le : 256;
    /* ISO 7816-4 5.3.4: asked for more than there is (and not "up to 256") -> 6Cxx with the count. */
    if (apdu->has_le && apdu->le != 256 && apdu->le > remaining)
        return (uint16_t)(0x6C00 | remaining);
    if (chunk > card->options.get_response_chunk)
        chunk = card->options.get_response_chunk;
    if (chunk > remaining)
        chunk = remaining;
    reply_data(reply, channel->pending + channel->pending_offset, chunk, SW_OK);
    channel->pending_offset += chunk;
    remaining -= chunk;
    if (remaining == 0) {
        uint16_t sw = channel->pending_final_sw;
        drop_pending(channel);
        return sw;
    }
    return (uint16_t)(0x6100 | (remaining >= 256 ? 0 : remaining));
}

/* The FCI of the ISD-R: AID and proprietary data with the ISD-R template, E0 (SGP.22
 * ISDRProprietaryApplicationTemplate) or E1 (SGP.32 3.8.4 ISDRProprietaryApplicationTemplateIoT). */
static uint8_t *build_fci(struct sgp32_softeuicc *card, size_t *len)
{
    struct der_writer out;
    static const uint8_t svn[3] = {2, 5, 0};
    static const int iot_configuration_none[1] = {0};
    der_writer_init(&out);
    der_begin(&out, 0x6F);
    der_bytes(&out, 0x84, isdr_aid, sizeof(isdr_aid));
    der_begin(&out, 0xA5);
    der_bytes(&out, 0x9F65, (const uint8_t *)"\xFF", 1); /* maximum length of data field in command */
    if (card->options.mode == SGP32_SOFTEUICC_MODE_IOT) {
        int bits[2] = {0, softeuicc_enabled_profile(card) != NULL};
        der_begin(&out, 0xE1);
        der_named_bits(&out, 0x03, bits[1] ? bits : iot_configuration_none, bits[1] ? 2 : 1);
        der_end(&out);
    } else {
        der_begin(&out, 0xE0);
        der_bytes(&out, 0x82, svn, sizeof(svn));
        der_end(&out);
    }
    der_end(&out);
    der_end(&out);
    return der_writer_take(&out, len);
}

static uint16_t select_isdr(struct sgp32_softeuicc *card, struct softeuicc_channel *channel, const struct apdu *apdu,
                            struct reply *reply)
{
    uint8_t *fci;
    size_t len;
    if (apdu->p1 != 0x04)
        return SW_WRONG_P1P2; /* only selection by DF name (AID) */
    if (apdu->p2 != 0x00 && apdu->p2 != 0x04 && apdu->p2 != 0x0C)
        return SW_WRONG_P1P2;
    if (apdu->lc == 0)
        return SW_WRONG_LENGTH;
    if (apdu->lc != sizeof(isdr_aid) || memcmp(apdu->data, isdr_aid, sizeof(isdr_aid)) != 0) {
        channel->isdr_selected = 0;
        return SW_FILE_NOT_FOUND;
    }
    channel->isdr_selected = 1;
    if (apdu->p2 == 0x0C)
        return SW_OK;
    fci = build_fci(card, &len);
    if (fci == NULL)
        return SW_MEMORY_FAILURE;
    return deliver(card, channel, fci, len, SW_OK, reply);
}

/* ISO 7816-4 11.1.2: P1 00 opens (P2 00: the card chooses; else channel P2), P1 80 closes P2 (or
 * the channel of the CLA when P2 is 00). Opening from channel 0 selects nothing; from another channel
 * the new one inherits its selection. */
static uint16_t manage_channel(struct sgp32_softeuicc *card, const struct apdu *apdu, struct reply *reply)
{
    unsigned target;
    if (apdu->p1 == 0x00) {
        uint8_t number;
        if (apdu->lc != 0)
            return SW_WRONG_LENGTH;
        if (apdu->p2 == 0) {
            if (!apdu->has_le)
                return SW_WRONG_LENGTH;
            if (apdu->le != 1)
                return 0x6C01; /* wrong Le: exactly one byte (the channel number) is available */
            for (target = 1; target < SOFTEUICC_CHANNELS && card->channels[target].open; target++)
                ;
            if (target == SOFTEUICC_CHANNELS)
                return 0x6A81; /* function not supported: no channel left */
        } else {
            target = apdu->p2;
            if (target >= SOFTEUICC_CHANNELS)
                return SW_WRONG_P1P2;
            if (card->channels[target].open)
                return SW_CONDITIONS_NOT_SATISFIED;
        }
        card->channels[target].open = 1;
        card->channels[target].isdr_selected = apdu->channel != 0 && card->channels[apdu->channel].isdr_selected;
        if (apdu->p2 != 0)
            return SW_OK;
        number = (uint8_t)target;
        return reply_data(reply, &number, 1, SW_OK);
    }
    if (apdu->p1 == 0x80) {
        if (apdu->lc != 0 || apdu->has_le)
            return SW_WRONG_LENGTH;
        target = apdu->p2 ? apdu->p2 : apdu->channel;
        if (target == 0 || target >= SOFTEUICC_CHANNELS)
            return SW_WRONG_P1P2; /* the basic channel cannot be closed */
        if (!card->channels[target].open)
            return SW_CHANNEL_NOT_SUPPORTED;
        close_channel(&card->channels[target]);
        return SW_OK;
    }
    return SW_WRONG_P1P2;
}

/* ETSI TS 102 221 11.1.19: TERMINAL CAPABILITY, data = A9 template. */
static uint16_t terminal_capability(struct sgp32_softeuicc *card, const struct apdu *apdu)
{
    uint8_t *copy;
    if (apdu->p1 != 0 || apdu->p2 != 0)
        return SW_WRONG_P1P2;
    if (apdu->lc < 2 || apdu->has_le)
        return SW_WRONG_LENGTH;
    if (apdu->data[0] != 0xA9 || apdu->data[1] != apdu->lc - 2)
        return SW_WRONG_DATA;
    copy = malloc(apdu->lc);
    if (copy == NULL)
        return SW_MEMORY_FAILURE;
    memcpy(copy, apdu->data, apdu->lc);
    free(card->terminal_capability);
    card->terminal_capability = copy;
    card->terminal_capability_len = apdu->lc;
    card->terminal_capability_received = 1;
    return SW_OK;
}

/* GlobalPlatform 11.11: P1 11 = more blocks, 91 = last block (BER-TLV data, no encryption); P2 = block
 * number from 00. A block out of sequence resets the reassembly (6A86). */
static uint16_t store_data(struct sgp32_softeuicc *card, struct softeuicc_channel *channel, const struct apdu *apdu,
                           struct reply *reply)
{
    uint8_t *grown, *answer = NULL;
    size_t answer_len = 0;
    uint16_t sw, final_sw;
    if (apdu->p1 != 0x11 && apdu->p1 != 0x91) {
        drop_blocks(channel);
        return SW_WRONG_P1P2;
    }
    if (apdu->p2 != (channel->in_sequence ? channel->next_block : 0u)) {
        drop_blocks(channel);
        return SW_WRONG_P1P2;
    }
    if (apdu->lc == 0) {
        drop_blocks(channel);
        return SW_WRONG_LENGTH;
    }
    if (channel->block_len + apdu->lc > card->options.max_store_data) {
        drop_blocks(channel);
        return SW_WRONG_DATA;
    }
    grown = realloc(channel->block_data, channel->block_len + apdu->lc);
    if (grown == NULL) {
        drop_blocks(channel);
        return SW_MEMORY_FAILURE;
    }
    channel->block_data = grown;
    memcpy(grown + channel->block_len, apdu->data, apdu->lc);
    channel->block_len += apdu->lc;
    channel->in_sequence = 1;
    channel->next_block = apdu->p2 + 1u;
    if (apdu->p1 == 0x11) {
        if (channel->next_block > 0xFF) {
            drop_blocks(channel);
            return SW_WRONG_P1P2;
        }
        return SW_OK;
    }
    sw = softeuicc_es10_dispatch(card, channel->block_data, channel->block_len, &answer, &answer_len);
    drop_blocks(channel);
    if (sw != SW_OK) {
        free(answer);
        return sw;
    }
    final_sw = card->refresh_pending ? 0x910B : SW_OK; /* 0B: length of a REFRESH proactive command */
    return deliver(card, channel, answer, answer_len, final_sw, reply);
}

static uint16_t dispatch(struct sgp32_softeuicc *card, const uint8_t *command, size_t command_len, struct reply *reply)
{
    struct apdu apdu;
    struct softeuicc_channel *channel;
    uint16_t sw;
    memset(&apdu, 0, sizeof(apdu));
    sw = parse_lengths(&apdu, command, command_len);
    if (sw != SW_OK)
        return sw;
    sw = parse_class(&apdu);
    if (sw != SW_OK)
        return sw;
    if (apdu.channel >= SOFTEUICC_CHANNELS || !card->channels[apdu.channel].open)
        return SW_CHANNEL_NOT_SUPPORTED;
    channel = &card->channels[apdu.channel];
    /* A response not fetched at once is lost (ISO 7816-4 5.3.4); a STORE DATA sequence ends when
     * another command comes in between. */
    if (apdu.ins != INS_GET_RESPONSE)
        drop_pending(channel);
    if (apdu.ins != INS_STORE_DATA)
        drop_blocks(channel);
    switch (apdu.ins) {
    case INS_SELECT:
        return apdu.proprietary ? SW_CLA_NOT_SUPPORTED : select_isdr(card, channel, &apdu, reply);
    case INS_MANAGE_CHANNEL:
        return apdu.proprietary ? SW_CLA_NOT_SUPPORTED : manage_channel(card, &apdu, reply);
    case INS_GET_RESPONSE:
        return get_response(card, channel, &apdu, reply);
    case INS_TERMINAL_CAPABILITY:
        return apdu.proprietary ? terminal_capability(card, &apdu) : SW_CLA_NOT_SUPPORTED;
    case INS_STORE_DATA:
        if (!apdu.proprietary)
            return SW_CLA_NOT_SUPPORTED;
        if (!channel->isdr_selected)
            return SW_CONDITIONS_NOT_SATISFIED;
        if ((card->options.quirk_require_terminal_capability && !card->terminal_capability_received) ||
            (card->options.quirk_6985_after_switch && card->switched_since_reset)) {
            drop_blocks(channel);
            return SW_CONDITIONS_NOT_SATISFIED;
        }
        return store_data(card, channel, &apdu, reply);
    case INS_FETCH: /* ETSI TS 102 221 10.1.1: the pending proactive command, once */
        if (!apdu.proprietary)
            return SW_CLA_NOT_SUPPORTED;
        if (apdu.p1 != 0 || apdu.p2 != 0)
            return SW_WRONG_P1P2;
        if (!card->refresh_pending)
            return SW_CONDITIONS_NOT_SATISFIED;
        if (!apdu.has_le || apdu.lc != 0)
            return SW_WRONG_LENGTH;
        if (apdu.le != sizeof(refresh_command))
            return (uint16_t)(0x6C00 | sizeof(refresh_command));
        card->refresh_pending = 0; /* fetched: the terminal now performs the reset */
        return reply_data(reply, refresh_command, sizeof(refresh_command), SW_OK);
    case INS_TERMINAL_RESPONSE:
        if (!apdu.proprietary)
            return SW_CLA_NOT_SUPPORTED;
        return apdu.lc > 0 && apdu.p1 == 0 && apdu.p2 == 0 ? SW_OK : SW_WRONG_P1P2;
    default:
        return SW_INS_NOT_SUPPORTED;
    }
}

enum sgp32_status softeuicc_apdu(struct sgp32_softeuicc *card, const uint8_t *command, size_t command_len,
                                 uint8_t *response, size_t response_cap, size_t *response_len)
{
    struct reply reply = {response, response_cap, 0};
    uint16_t sw = dispatch(card, command, command_len, &reply);
    response[reply.len] = (uint8_t)(sw >> 8);
    response[reply.len + 1] = (uint8_t)sw;
    *response_len = reply.len + 2;
    return SGP32_OK;
}
