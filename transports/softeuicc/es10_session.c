/* SPDX-License-Identifier: MIT */
/*
 * Hooks for the functions that need the eUICC's keys (profile download). Until the
 * crypto-based implementations replace them, each answers the error a card without a usable session
 * or key answers, in the function's own ASN.1:
 *   AuthenticateServer      -> authenticateResponseError undefinedError(127)
 *   PrepareDownload         -> downloadResponseError noSessionContext(4) (no AuthenticateServer passed)
 *   LoadBoundProfilePackage -> SW 6985 (no session: nothing to load into)
 *   CancelSession           -> cancelSessionResponseError invalidTransactionId(5) (no session)
 *   LoadCRL                 -> loadCRLResponseError undefinedError(127)
 */
#include "AuthenticateServerRequest.h"
#include "PrepareDownloadRequest.h"
#include "CancelSessionRequest.h"
#include "LoadCRLRequest.h"
#include "card_internal.h"
#include "codec/codec_internal.h"

uint16_t es10_authenticate_server(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    AuthenticateServerRequest_t *request = softeuicc_decode(SGP32_TYPE(AuthenticateServerRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    der_begin(out, 0xBF38);
    der_begin(out, 0xA1);
    der_bytes(out, 0x80, request->serverSigned1.transactionId.buf, (size_t)request->serverSigned1.transactionId.size);
    der_integer(out, 0x02, 127);
    der_end(out);
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(AuthenticateServerRequest), request);
    return SW_OK;
}

uint16_t es10_prepare_download(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    PrepareDownloadRequest_t *request = softeuicc_decode(SGP32_TYPE(PrepareDownloadRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    der_begin(out, 0xBF21);
    der_begin(out, 0xA1);
    der_bytes(out, 0x80, request->smdpSigned2.transactionId.buf, (size_t)request->smdpSigned2.transactionId.size);
    der_integer(out, 0x02, 4);
    der_end(out);
    der_end(out);
    sgp32_codec_free(SGP32_TYPE(PrepareDownloadRequest), request);
    return SW_OK;
}

uint16_t es10_load_bound_profile_package(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                         struct der_writer *out)
{
    (void)card;
    (void)data;
    (void)len;
    (void)out;
    return SW_CONDITIONS_NOT_SATISFIED;
}

uint16_t es10_cancel_session(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, struct der_writer *out)
{
    void *request = softeuicc_decode(SGP32_TYPE(CancelSessionRequest), data, len);
    (void)card;
    if (request == NULL)
        return SW_WRONG_DATA;
    sgp32_codec_free(SGP32_TYPE(CancelSessionRequest), request);
    der_begin(out, 0xBF41);
    der_integer(out, 0x81, 5);
    der_end(out);
    return SW_OK;
}

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
