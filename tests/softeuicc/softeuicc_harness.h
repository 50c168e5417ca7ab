/* SPDX-License-Identifier: MIT */
/* Test harness for the software eUICC: a fresh card in a temporary state directory, raw APDUs and
 * ES10 commands through the card's sgp32_apdu_transport, requests checked and answers decoded with
 * the library's codec. */
#ifndef SOFTEUICC_HARNESS_H
#define SOFTEUICC_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/codec.h"
#include "sgp32/softeuicc.h"

struct harness {
    char dir[64];                                  /* "" for a card on a caller's storage */
    const struct sgp32_softeuicc_storage *storage; /* NULL: the directory */
    struct sgp32_softeuicc *card;
    struct sgp32_apdu_transport transport;
    struct sgp32_softeuicc_options options;
    uint8_t channel_cla; /* CLA of the ES10 channel (0x80 | channel), 0 before es10_open() */
    uint8_t response[SGP32_APDU_MAX_RESPONSE];
    size_t response_len;
};

extern const uint8_t harness_eid[16];
extern const uint8_t harness_ci_pkid[20];

/* A new card (options may be NULL) in a new directory; asserts on failure. */
void harness_start(struct harness *h, const struct sgp32_softeuicc_options *options);
/* The same card on a caller's storage (sgp32_softeuicc_create_with_storage); storage must outlive h. */
void harness_start_storage(struct harness *h, const struct sgp32_softeuicc_options *options,
                           const struct sgp32_softeuicc_storage *storage);
/* Frees the card and removes the directory. */
void harness_stop(struct harness *h);
/* Frees and reopens the card from its directory or storage (with the same options). */
void harness_reopen(struct harness *h);

/* Hex to bytes (spaces ignored); returns the length. Asserts on bad hex or overflow. */
size_t hex_bytes(const char *hex, uint8_t *out, size_t cap);

/* Sends a C-APDU given in hex; returns SW1SW2; the data is in h->response[0..h->response_len - 2). */
uint16_t apdu_hex(struct harness *h, const char *hex);
uint16_t apdu(struct harness *h, const uint8_t *command, size_t len);

/* Opens a logical channel with MANAGE CHANNEL and SELECTs the ISD-R on it. */
void es10_open(struct harness *h);
/* Sends an ES10 command (STORE DATA blocks of up to 255 bytes, then GET RESPONSE while 61xx);
 * returns the final SW and the reassembled answer (malloc'd, *answer_len). */
uint16_t es10_raw(struct harness *h, const uint8_t *request, size_t len, uint8_t **answer, size_t *answer_len);
/* Checks `hex` is the DER of ASN.1 type `type_name`, sends it, asserts SW 9000 and decodes the answer
 * strictly (DER) as `answer_type`. Free with sgp32_codec_free(). */
void *es10_call(struct harness *h, const char *type_name, const char *hex, const char *answer_type);
/* The same with a binary request. */
void *es10_call_bytes(struct harness *h, const char *type_name, const uint8_t *request, size_t len,
                      const char *answer_type);
/* Reads an INTEGER_t field as long. */
long integer_value(const void *integer);

/* The profileState (0 disabled, 1 enabled) of the profile with ICCID 89 00 .. 0n (n 0-9), read with
 * ProfileInfoListRequest. */
long numbered_profile_state(struct harness *h, int n);

/* Pre-loads a profile from an SGP32-ProfileInfo in hex. */
void preload_hex(struct harness *h, const char *profile_info_hex);

#endif
