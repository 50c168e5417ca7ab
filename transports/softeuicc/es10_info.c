/* SPDX-License-Identifier: MIT */
/* ES10 information functions: GetEuiccData (EID), GetEUICCInfo1/2, configured addresses,
 * SetDefaultDpAddress (SGP.22 BF3F and SGP.32 BF65), GetEUICCChallenge, GetRAT, GetCerts. */
#include <stdlib.h>
#include <string.h>

#include "GetCertsRequest.h"
#include "GetEuiccDataRequest.h"
#include "SGP32-SetDefaultDpAddressRequest.h"
#include "SetDefaultDpAddressRequest.h"
#include "EuiccConfiguredAddressesRequest.h"
#include "GetEuiccChallengeRequest.h"
#include "GetEuiccInfo1Request.h"
#include "GetEuiccInfo2Request.h"
#include "GetRatRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "identity.h"
#include "sgp32/tlv.h"

static const uint8_t svn_sgp22[3] = {2, 5, 0};
static const uint8_t iot_version[3] = {1, 2, 0};

/* Empty requests (GetEUICCInfo1, GetRAT ...): the right type, with nothing but extensions. */
static int decodes_as(const struct sgp32_codec_type *type, const uint8_t *data, size_t len)
{
    void *value = softeuicc_decode(type, data, len);
    sgp32_codec_free(type, value);
    return value != NULL;
}

/* SGP.22 5.7.20 GetEID: the tag list shall be '5A'. */
uint16_t es10_get_euicc_data(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    GetEuiccDataRequest_t *request = softeuicc_decode(SGP32_TYPE(GetEuiccDataRequest), data, len);
    int ok;
    if (request == NULL)
        return SW_WRONG_DATA;
    ok = request->tagList.size == 1 && request->tagList.buf[0] == 0x5A;
    sgp32_codec_free(SGP32_TYPE(GetEuiccDataRequest), request);
    if (!ok)
        return SW_WRONG_DATA;
    der_begin(out, 0xBF3E);
    der_bytes(out, 0x5A, card->state.eid, 16);
    der_end(out);
    return SW_OK;
}

static void pkid_list(struct der_writer *out, uint32_t tag, const struct softeuicc_state *state)
{
    size_t i;
    der_begin(out, tag);
    for (i = 0; i < state->ci_pkid_count; i++)
        der_bytes(out, 0x04, state->ci_pkids[i], 20);
    der_end(out);
}

uint16_t es10_get_euicc_info1(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    if (!decodes_as(SGP32_TYPE(GetEuiccInfo1Request), data, len))
        return SW_WRONG_DATA;
    der_begin(out, 0xBF20);
    der_bytes(out, 0x82, svn_sgp22, 3);
    pkid_list(out, 0xA9, &card->state);
    pkid_list(out, 0xAA, &card->state);
    der_end(out);
    return SW_OK;
}

static void put_u32(struct der_writer *out, uint32_t tag, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    der_bytes(out, tag, bytes, 4);
}

/* SGP.22 5.7.8 / SGP.32 5.9.2: EUICCInfo2 (consumer) or SGP32-EUICCInfo2 (IoT: ipaMode and
 * iotSpecificInfo added). Free memory is reported per free profile slot. */
uint16_t es10_get_euicc_info2(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    static const uint8_t profile_version[3] = {2, 3, 1}, firmware[3] = {1, 0, 0}, ts102241[3] = {9, 2, 0},
                         globalplatform[3] = {2, 3, 0}, pp_version[3] = {0, 0, 1};
    /* usimSupport, isimSupport, akaMilenage, akaTuak128, javacard, berTlvFileSupport, getIdentity,
     * profile-a-x25519, profile-b-p256, suciCalculatorApi */
    static const int uicc_bits[26] = {0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1};
    int rsp_bits[5] = {0, 0, 0, 1, 1}; /* testProfileSupport, deviceInfoExtensibilitySupport */
    size_t free_slots = SOFTEUICC_MAX_PROFILES - card->state.profile_count;
    int iot = card->options.mode == SGP32_SOFTEUICC_MODE_IOT;
    if (!decodes_as(SGP32_TYPE(GetEuiccInfo2Request), data, len))
        return SW_WRONG_DATA;
    rsp_bits[0] = free_slots > 0; /* additionalProfile */
    der_begin(out, 0xBF22);
    der_bytes(out, 0x81, profile_version, 3);
    der_bytes(out, 0x82, svn_sgp22, 3);
    der_bytes(out, 0x83, firmware, 3);
    der_begin(out, 0x84); /* ETSI TS 102 226 8.2.1.7.2: applications, free NVM, free RAM */
    {
        uint8_t installed = (uint8_t)card->state.profile_count; /* one application (ISD-P) per profile */
        der_bytes(out, 0x81, &installed, 1);
    }
    put_u32(out, 0x82, (uint32_t)(free_slots * 512u * 1024u));
    put_u32(out, 0x83, 64u * 1024u);
    der_end(out);
    der_named_bits(out, 0x85, uicc_bits, 26);
    der_bytes(out, 0x86, ts102241, 3);
    der_bytes(out, 0x87, globalplatform, 3);
    der_named_bits(out, 0x88, rsp_bits, 5);
    pkid_list(out, 0xA9, &card->state);
    pkid_list(out, 0xAA, &card->state);
    der_integer(out, 0x8B, iot ? 0 : 1); /* euiccCategory: other (IoT) / basicEuicc */
    der_bytes(out, 0x04, pp_version, 3);
    der_string(out, 0x0C, "SOFTEUICC-TEST-ONLY");
    if (iot) {
        der_integer(out, 0x90, 0); /* ipaMode: IPAd */
        der_begin(out, 0xB4);      /* iotSpecificInfo */
        der_begin(out, 0xA0);
        der_bytes(out, 0x04, iot_version, 3);
        der_end(out);
        der_null(out, 0x81); /* ecallSupported */
        der_null(out, 0x82); /* fallbackSupported */
        der_end(out);
    }
    der_end(out);
    return SW_OK;
}

uint16_t es10_get_configured_addresses(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                       struct der_writer *out)
{
    if (!decodes_as(SGP32_TYPE(EuiccConfiguredAddressesRequest), data, len))
        return SW_WRONG_DATA;
    der_begin(out, 0xBF3C);
    if (card->state.default_dp_address != NULL)
        der_string(out, 0x80, card->state.default_dp_address);
    der_string(out, 0x81, card->state.root_ds_address);
    der_end(out);
    return SW_OK;
}

/* Stores (or, when empty, removes) the default SM-DP+ address; the result code of both variants. */
static long set_default_dp(struct sgp32_softeuicc *card, const uint8_t *address, size_t len)
{
    char *copy = NULL;
    if (memchr(address, 0, len) != NULL)
        return 127;
    if (len > 0) {
        copy = malloc(len + 1);
        if (copy == NULL)
            return 127;
        memcpy(copy, address, len);
        copy[len] = '\0';
    }
    free(card->state.default_dp_address);
    card->state.default_dp_address = copy;
    return softeuicc_commit(card) == SGP32_OK ? 0 : 127;
}

uint16_t es10_set_default_dp_address(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                     struct der_writer *out)
{
    SetDefaultDpAddressRequest_t *request = softeuicc_decode(SGP32_TYPE(SetDefaultDpAddressRequest), data, len);
    long result;
    if (request == NULL)
        return SW_WRONG_DATA;
    result = set_default_dp(card, request->defaultDpAddress.buf, request->defaultDpAddress.size);
    sgp32_codec_free(SGP32_TYPE(SetDefaultDpAddressRequest), request);
    der_begin(out, 0xBF3F);
    der_integer(out, 0x80, result);
    der_end(out);
    return SW_OK;
}

uint16_t es10_set_default_dp_address_iot(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                         struct der_writer *out)
{
    SGP32_SetDefaultDpAddressRequest_t *request =
        softeuicc_decode(SGP32_TYPE(SGP32_SetDefaultDpAddressRequest), data, len);
    long result;
    if (request == NULL)
        return SW_WRONG_DATA;
    result = set_default_dp(card, request->defaultDpAddress.buf, request->defaultDpAddress.size);
    sgp32_codec_free(SGP32_TYPE(SGP32_SetDefaultDpAddressRequest), request);
    der_begin(out, 0xBF65);
    der_integer(out, 0x80, result);
    der_end(out);
    return SW_OK;
}

uint16_t es10_get_euicc_challenge(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    if (!decodes_as(SGP32_TYPE(GetEuiccChallengeRequest), data, len))
        return SW_WRONG_DATA;
    card->have_challenge = 0;
    if (softeuicc_random(card, card->euicc_challenge, 16) != SGP32_OK)
        return 0x6F00; /* no precise diagnosis: the card has no randomness */
    card->have_challenge = 1;
    der_begin(out, 0xBF2E);
    der_bytes(out, 0x80, card->euicc_challenge, 16);
    der_end(out);
    return SW_OK;
}

/* SGP.22 5.7.22: the RAT given at create() (identity.rat, kept as rat.der), else the empty table.
 * GetRatResponse ::= [67] SEQUENCE { rat [0] RulesAuthorisationTable }: the table's contents go
 * under A0. */
uint16_t es10_get_rat(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    struct sgp32_tlv_header header;
    uint8_t *rat;
    size_t rat_len = 0;
    if (!decodes_as(SGP32_TYPE(GetRatRequest), data, len))
        return SW_WRONG_DATA;
    rat = softeuicc_rat_read(&card->storage, &rat_len);
    der_begin(out, 0xBF43);
    if (rat != NULL && sgp32_tlv_parse_header(rat, rat_len, &header) == SGP32_OK &&
        header.length == rat_len - header.header_len) {
        der_bytes(out, 0xA0, rat + header.header_len, header.length);
    } else {
        der_begin(out, 0xA0); /* the empty table */
        der_end(out);
    }
    der_end(out);
    free(rat);
    return SW_OK;
}

/* A certificate under an implicit context tag: same length and content, constructed tag `tag`. */
static void implicit_certificate(struct der_writer *out, uint8_t tag, const uint8_t *der, size_t len)
{
    der_raw(out, &tag, 1);
    der_raw(out, der + 1, len - 1);
}

/* SGP.32 5.9.10 GetCerts. */
uint16_t es10_get_certs(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    GetCertsRequest_t *request = softeuicc_decode(SGP32_TYPE(GetCertsRequest), data, len);
    struct softeuicc_state *state = &card->state;
    long error = 0;
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    if (request->euiccCiPKId != NULL) {
        error = 1; /* invalidCiPKId unless one of ours */
        for (i = 0; i < state->ci_pkid_count; i++)
            if (request->euiccCiPKId->size == 20 && memcmp(request->euiccCiPKId->buf, state->ci_pkids[i], 20) == 0)
                error = 0;
    }
    sgp32_codec_free(SGP32_TYPE(GetCertsRequest), request);
    if (error == 0 && (state->eum_certificate == NULL || state->euicc_certificate == NULL))
        error = 127;
    der_begin(out, 0xBF56);
    if (error != 0) {
        der_integer(out, 0x81, error);
    } else {
        der_begin(out, 0xA0);
        implicit_certificate(out, 0xA5, state->eum_certificate, state->eum_certificate_len);
        implicit_certificate(out, 0xA6, state->euicc_certificate, state->euicc_certificate_len);
        der_end(out);
    }
    der_end(out);
    return SW_OK;
}
