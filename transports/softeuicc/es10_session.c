/* SPDX-License-Identifier: MIT */
/*
 * Hooks for the functions that need the eUICC's keys and are not implemented yet (the profile download
 * is in es10_download.c). Until the crypto-based implementations replace them, each answers the error a
 * card without a usable session or key answers, in the function's own ASN.1:
 *   LoadCRL                 -> loadCRLResponseError undefinedError(127)
 */
#include "LoadCRLRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"

uint16_t es10_load_crl(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    void *request = softeuicc_decode(SGP32_TYPE(LoadCRLRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(LoadCRLRequest), request);
    der_begin(out, 0xBF35);
    der_integer(out, 0x81, 127);
    der_end(out);
    return SW_OK;
}
