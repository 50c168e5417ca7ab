/* SPDX-License-Identifier: MIT */
/*
 * LoadCRL (SGP.22 5.7.6) is not implemented: the card checks the request and answers
 * loadCRLResponseError undefinedError(127), as a card that cannot process the CRL would.
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
