/* SPDX-License-Identifier: MIT */
/* SGP.32 eIM configuration on the card: AddInitialEim (5.9.4) and GetEimConfigurationData (5.9.18). */
#include <stdlib.h>
#include <string.h>

#include "AddInitialEimRequest.h"
#include "EimConfigurationData.h"
#include "GetEimConfigurationDataRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"

enum {
    ADD_INSUFFICIENT_MEMORY = 1,
    ADD_ALREADY_EXISTS = 2,
    ADD_CI_PK_UNKNOWN = 3,
    ADD_COUNTER_OUT_OF_RANGE = 6,
    ADD_COMMAND_ERROR = 7,
    ADD_UNDEFINED = 127
};

/* counterValue: a non-negative INTEGER that fits the card's 32-bit counter. */
int softeuicc_eim_counter_in_range(const INTEGER_t *counter)
{
    long value;
    return counter == NULL || (asn_INTEGER2long(counter, &value) == 0 && value >= 0 && value <= 0x7FFFFFFFL);
}

int softeuicc_eim_known_ci(const struct softeuicc_state *state, const OCTET_STRING_t *pkid)
{
    size_t i;
    if (pkid == NULL)
        return 1;
    for (i = 0; i < state->ci_pkid_count; i++)
        if (pkid->size == 20 && memcmp(pkid->buf, state->ci_pkids[i], 20) == 0)
            return 1;
    return 0;
}

static long check_request(const struct softeuicc_state *state, const AddInitialEimRequest_t *request)
{
    int i, j, count = request->eimConfigurationDataList.list.count;
    if (state->eim_count > 0)
        return ADD_ALREADY_EXISTS;
    if (count == 0)
        return ADD_COMMAND_ERROR;
    if (count > SOFTEUICC_MAX_EIMS)
        return ADD_INSUFFICIENT_MEMORY;
    for (i = 0; i < count; i++) {
        const EimConfigurationData_t *eim = request->eimConfigurationDataList.list.array[i];
        for (j = 0; j < i; j++) {
            const EimConfigurationData_t *other = request->eimConfigurationDataList.list.array[j];
            if (other->eimId.size == eim->eimId.size &&
                memcmp(other->eimId.buf, eim->eimId.buf, (size_t)eim->eimId.size) == 0)
                return ADD_COMMAND_ERROR; /* the same eIM twice */
        }
        if (!softeuicc_eim_counter_in_range(eim->counterValue))
            return ADD_COUNTER_OUT_OF_RANGE;
        if (!softeuicc_eim_known_ci(state, eim->euiccCiPKId))
            return ADD_CI_PK_UNKNOWN;
    }
    return 0;
}

/*
 * Installs the first eIM(s). When an entry carries an associationToken the card generates the token
 * (the request's value is a placeholder, -1 in practice) and returns it; otherwise addOk.
 */
uint16_t es10_add_initial_eim(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    AddInitialEimRequest_t *request = softeuicc_decode(SGP32_TYPE(AddInitialEimRequest), data, len);
    struct softeuicc_state *state = &card->state;
    long error, tokens[SOFTEUICC_MAX_EIMS];
    int i, count;
    size_t before = state->eim_count;
    if (request == NULL)
        return SW_WRONG_DATA;
    error = check_request(state, request);
    count = request->eimConfigurationDataList.list.count;
    for (i = 0; error == 0 && i < count; i++) {
        EimConfigurationData_t *eim = request->eimConfigurationDataList.list.array[i];
        tokens[i] = -1;
        if (eim->associationToken != NULL) {
            tokens[i] = state->next_association_token++;
            if (asn_long2INTEGER(eim->associationToken, tokens[i]) != 0)
                error = ADD_UNDEFINED;
        }
        if (error == 0 && sgp32_encode_der_alloc(SGP32_TYPE(EimConfigurationData), eim, &state->eims[state->eim_count],
                                                 &state->eim_lens[state->eim_count]) != SGP32_OK)
            error = ADD_UNDEFINED;
        if (error == 0)
            state->eim_count++;
    }
    sgp32_codec_free(SGP32_TYPE(AddInitialEimRequest), request);
    if (error != 0) { /* undo a partial addition */
        while (state->eim_count > before)
            free(state->eims[--state->eim_count]);
    } else if (softeuicc_commit(card) != SGP32_OK) {
        error = ADD_UNDEFINED;
    }
    der_begin(out, 0xBF57);
    if (error != 0) {
        der_integer(out, 0x81, error);
    } else {
        der_begin(out, 0xA0);
        for (i = 0; i < count; i++) {
            if (tokens[i] >= 0)
                der_integer(out, 0x84, tokens[i]);
            else
                der_null(out, 0x05);
        }
        der_end(out);
    }
    der_end(out);
    return SW_OK;
}

uint16_t es10_get_eim_configuration(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                    struct der_writer *out)
{
    GetEimConfigurationDataRequest_t *request = softeuicc_decode(SGP32_TYPE(GetEimConfigurationDataRequest), data, len);
    const UTF8String_t *wanted = NULL;
    size_t i;
    if (request == NULL)
        return SW_WRONG_DATA;
    if (request->searchCriteria != NULL) {
        if (request->searchCriteria->present != GetEimConfigurationDataRequest__searchCriteria_PR_eimId) {
            sgp32_codec_free(SGP32_TYPE(GetEimConfigurationDataRequest), request);
            return SW_WRONG_DATA;
        }
        wanted = &request->searchCriteria->choice.eimId;
    }
    der_begin(out, 0xBF55);
    der_begin(out, 0xA0);
    for (i = 0; i < card->state.eim_count; i++) {
        int include = 1;
        if (wanted != NULL) {
            EimConfigurationData_t *eim =
                softeuicc_decode(SGP32_TYPE(EimConfigurationData), card->state.eims[i], card->state.eim_lens[i]);
            include = eim != NULL && eim->eimId.size == wanted->size &&
                      memcmp(eim->eimId.buf, wanted->buf, (size_t)wanted->size) == 0;
            sgp32_codec_free(SGP32_TYPE(EimConfigurationData), eim);
        }
        if (include)
            der_raw(out, card->state.eims[i], card->state.eim_lens[i]);
    }
    der_end(out);
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(GetEimConfigurationDataRequest), request);
    return SW_OK;
}
