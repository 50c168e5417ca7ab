/* SPDX-License-Identifier: MIT */
/*
 * ES10 dispatch: the tag of the reassembled STORE DATA payload selects the function (SGP.22 5.7,
 * SGP.32 5.9). The table says which functions each kind of card knows: a consumer (SGP.22) card does
 * not know the SGP.32 additions and answers them as any unknown command.
 *
 * Unknown command -> SW 6A88 (referenced data not found); malformed data -> SW 6A80.
 */
#include <stdlib.h>

#include "card_internal.h"
#include "codec/codec_internal.h"
#include "sgp32/tlv.h"

enum card_kinds { KIND_IOT = 1, KIND_CONSUMER = 2, KIND_BOTH = 3 };

struct es10_function {
    uint32_t tag;
    unsigned kinds;
    softeuicc_es10_handler handler;
};

static const struct es10_function functions[] = {
    /* SGP.22 v2.5 ES10a/b/c */
    {0xBF20, KIND_BOTH, es10_get_euicc_info1},
    {0xBF21, KIND_BOTH, es10_prepare_download},
    {0xBF22, KIND_BOTH, es10_get_euicc_info2},
    {0xBF28, KIND_BOTH, es10_list_notification},
    {0xBF29, KIND_BOTH, es10_set_nickname},
    {0xBF2B, KIND_BOTH, es10_retrieve_notifications},
    {0xBF2D, KIND_BOTH, es10_get_profiles_info},
    {0xBF2E, KIND_BOTH, es10_get_euicc_challenge},
    {0xBF30, KIND_BOTH, es10_remove_notification},
    {0xBF31, KIND_BOTH, es10_enable_profile},
    {0xBF32, KIND_BOTH, es10_disable_profile},
    {0xBF33, KIND_BOTH, es10_delete_profile},
    {0xBF34, KIND_BOTH, es10_memory_reset},
    {0xBF35, KIND_BOTH, es10_load_crl},
    {0xBF36, KIND_BOTH, es10_load_bound_profile_package},
    {0xBF38, KIND_BOTH, es10_authenticate_server},
    {0xBF3C, KIND_BOTH, es10_get_configured_addresses},
    {0xBF3E, KIND_BOTH, es10_get_euicc_data},
    {0xBF3F, KIND_BOTH, es10_set_default_dp_address},
    {0xBF41, KIND_BOTH, es10_cancel_session},
    {0xBF42, KIND_BOTH, es10_ipae_activation},
    {0xBF43, KIND_BOTH, es10_get_rat},
    /* SGP.32 v1.2 ES10b additions */
    {0xBF51, KIND_IOT, es10_load_euicc_package},
    {0xBF55, KIND_IOT, es10_get_eim_configuration},
    {0xBF56, KIND_IOT, es10_get_certs},
    {0xBF57, KIND_IOT, es10_add_initial_eim},
    {0xBF58, KIND_IOT, es10_profile_rollback},
    {0xBF59, KIND_IOT, es10_configure_immediate_enable},
    {0xBF5A, KIND_IOT, es10_immediate_enable},
    {0xBF5B, KIND_IOT, es10_enable_emergency},
    {0xBF5C, KIND_IOT, es10_disable_emergency},
    {0xBF5D, KIND_IOT, es10_execute_fallback},
    {0xBF5E, KIND_IOT, es10_return_from_fallback},
    {0xBF5F, KIND_IOT, es10_get_connectivity_parameters},
    {0xBF64, KIND_IOT, es10_memory_reset_iot},
    {0xBF65, KIND_IOT, es10_set_default_dp_address_iot},
};

void *softeuicc_decode(const struct sgp32_codec_type *type, const uint8_t *data, size_t len)
{
    struct sgp32_decode_options options = {SGP32_DECODE_CONSTRAINTS, 0, 0};
    void *value = NULL;
    if (sgp32_decode(type, data, len, &options, &value, NULL) != SGP32_OK)
        return NULL;
    return value;
}

uint16_t softeuicc_es10_dispatch(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, uint8_t **answer,
                                 size_t *answer_len)
{
    struct sgp32_tlv_header header;
    struct der_writer out;
    unsigned kind = card->options.mode == SGP32_SOFTEUICC_MODE_IOT ? KIND_IOT : KIND_CONSUMER;
    softeuicc_es10_handler handler;
    size_t i;
    uint16_t sw;
    *answer = NULL;
    *answer_len = 0;
    /* LoadBoundProfilePackage comes in segments (SGP.22 2.5.5) that are not complete TLVs. */
    if (sgp32_tlv_parse_header(data, len, &header) == SGP32_OK && softeuicc_bpp_segment(card, header.tag)) {
        handler = es10_load_bound_profile_package;
    } else {
        /* One complete, definite-length TLV: the whole command and nothing after it. */
        if (sgp32_tlv_parse_header(data, len, &header) != SGP32_OK || header.length == SGP32_TLV_INDEFINITE ||
            header.length != len - header.header_len)
            return SW_WRONG_DATA;
        for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
            if (functions[i].tag == header.tag && (functions[i].kinds & kind) != 0)
                break;
        if (i == sizeof(functions) / sizeof(functions[0]))
            return SW_DATA_NOT_FOUND;
        handler = functions[i].handler;
    }
    der_writer_init(&out);
    sw = handler(card, data, len, &out);
    if (sw != SW_OK) {
        der_writer_reset(&out);
        return sw;
    }
    *answer = der_writer_take(&out, answer_len);
    return *answer != NULL ? SW_OK : SW_MEMORY_FAILURE;
}
