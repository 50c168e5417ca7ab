/* SPDX-License-Identifier: MIT */
/*
 * GetConnectivityParameters feeding the host's HTTP layer (SGP.32 v1.2 5.9.24): after the enabled
 * profile changed, the IPA reads the profile's connectivity parameters (httpParams, also used for
 * CoAP) and hands them to the host, which configures its bearer and HTTP stack with them before the
 * next exchange. parametersNotAvailable is told as SGP32_ERR_NOT_FOUND: the host keeps its defaults.
 */
#include "codec/der.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"

enum sgp32_status ipa_connectivity_refresh(struct sgp32_ipa *ipa)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    const uint8_t *params = NULL, *http = NULL;
    size_t params_len = 0, http_len = 0;
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st != SGP32_OK)
        return st; /* stays due: tried again at the next idle step */
    ipa->connectivity_due = 0;
    st = sgp32_es10_get_connectivity_parameters(ipa->es10, &answer, &len);
    if (st == SGP32_ERR_EUICC_RESULT) {
        ipa_emit(ipa, SGP32_IPA_EVENT_CONNECTIVITY_PARAMETERS, SGP32_ERR_NOT_FOUND, 0, NULL, "parametersNotAvailable",
                 NULL, 0);
        st = SGP32_OK;
    } else if (st != SGP32_OK) {
        /* An SGP.22 card does not know the command: nothing to give. */
        ipa_log(ipa, SGP32_LOG_INFO, "GetConnectivityParameters", sgp32_status_name(st));
        st = SGP32_OK;
    } else {
        /* BF5F { 30 connectivityParameters { 81 httpParams } } */
        if (sgp32_der_find_element(answer, len, 0x30, &params, &params_len))
            sgp32_der_find_child(params, params_len, 0x81, &http, &http_len, NULL);
        ipa_emit(ipa, SGP32_IPA_EVENT_CONNECTIVITY_PARAMETERS, http != NULL ? SGP32_OK : SGP32_ERR_NOT_FOUND, 0, NULL,
                 http != NULL ? "httpParams" : "no httpParams", http, http_len);
    }
    sgp32_buffer_free(answer);
    return st;
}
