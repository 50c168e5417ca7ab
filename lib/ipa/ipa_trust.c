/* SPDX-License-Identifier: MIT */
/*
 * The eIM's TLS trust as its configuration on the eUICC holds it (EimConfigurationData
 * trustedPublicKeyDataTls, SGP.32 v1.2 2.11.1.1.1): the certificate the host's HTTP client should trust
 * for this eIM (with the libcurl backend: sgp32_http_curl_options.ca_blob takes it as it is). The
 * IPA does not choose the HTTP client's trust itself: the client is the host's.
 */
#include "codec/der.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"

enum sgp32_status sgp32_ipa_eim_tls_trust(struct sgp32_ipa *ipa, uint8_t **der, size_t *len, int *is_certificate)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    const uint8_t *list, *entry, *trust, *inner;
    size_t list_len, entry_len, trust_len, inner_len;
    uint32_t tag = 0;
    enum sgp32_status st;
    if (ipa == NULL || der == NULL || len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *der = NULL;
    *len = 0;
    if (ipa->exchange.active || (ipa->state != IPA_STATE_IDLE && ipa->state != IPA_STATE_START))
        return SGP32_ERR_STATE;
    if (!ipa->have_eim)
        return SGP32_ERR_NOT_FOUND;
    st = ipa_card_ready(ipa);
    if (st != SGP32_OK)
        return st;
    st = sgp32_es10_get_eim_configuration_data(ipa->es10, ipa->eim_id, &answer, &answer_len);
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "GetEimConfigurationData");
    /* BF55 { A0 { 30 { ..., A6 trustedPublicKeyDataTls { A0 trustedEimPkTls | A1 trustedCertificateTls } } } }:
     * the alternatives carry automatic tags (implicit), given back under their universal SEQUENCE. */
    st = SGP32_ERR_NOT_FOUND;
    if (sgp32_der_find_element(answer, answer_len, 0xA0, &list, &list_len) &&
        sgp32_der_find_element(list, list_len, 0x30, &entry, &entry_len) &&
        sgp32_der_find_element(entry, entry_len, 0xA6, &trust, &trust_len) &&
        sgp32_der_find_child(trust, trust_len, 0, &inner, &inner_len, &tag) && (tag == 0xA0 || tag == 0xA1)) {
        struct sgp32_der_writer w;
        sgp32_der_writer_init_dynamic(&w, 65536);
        sgp32_der_writer_bytes(&w, 0x30, inner, inner_len);
        *der = sgp32_der_writer_take(&w, len);
        if (*der == NULL) {
            st = SGP32_ERR_NO_MEMORY;
        } else {
            if (is_certificate != NULL)
                *is_certificate = tag == 0xA1;
            st = SGP32_OK;
        }
    }
    sgp32_buffer_free(answer);
    return st;
}
