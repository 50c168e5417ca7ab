/* SPDX-License-Identifier: MIT */
/* The messages an IPA receives, decoded the way the library decodes them: the whole input as each of
 * the main ESipa / ES10 / ES9+ message types, BER and strict DER (with constraints), no selector
 * bytes (a mutation of a real message stays a candidate for every type). Whatever decodes is
 * re-encoded, printed and constraint-checked; a strict-DER decode must re-encode to the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgp32/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const message_types[] = {"EsipaMessageFromEimToIpa",
                                            "EsipaMessageFromIpaToEim",
                                            "GetEimPackageResponse",
                                            "EuiccPackageRequest",
                                            "EuiccPackageResult",
                                            "AddInitialEimRequest",
                                            "AddInitialEimResponse",
                                            "ProfileInfoListResponse",
                                            "SGP32-ProfileInfoListResponse",
                                            "AuthenticateServerRequest",
                                            "AuthenticateServerResponse",
                                            "PrepareDownloadRequest",
                                            "BoundProfilePackage",
                                            "Certificate",
                                            "EUICCInfo2",
                                            "SGP32-EUICCInfo2",
                                            "IpaEuiccDataRequest",
                                            "ProfileDownloadTriggerRequest",
                                            "SGP32-RetrieveNotificationsListResponse"};

static int discard_text(const char *text, size_t len, void *user)
{
    (void)text;
    (void)len;
    (void)user;
    return 0;
}

static void decode_as(const struct sgp32_codec_type *type, const uint8_t *data, size_t size)
{
    const struct sgp32_decode_options der = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    void *value = NULL;
    uint8_t *out = NULL;
    size_t out_len = 0;

    if (sgp32_decode(type, data, size, NULL, &value, NULL) == SGP32_OK) {
        if (sgp32_encode_der_alloc(type, value, &out, &out_len) == SGP32_OK)
            sgp32_buffer_free(out);
        (void)sgp32_print(type, value, discard_text, NULL);
        sgp32_codec_free(type, value);
    }
    if (sgp32_decode(type, data, size, &der, &value, NULL) == SGP32_OK) {
        if (sgp32_encode_der_alloc(type, value, &out, &out_len) != SGP32_OK || out_len != size ||
            memcmp(out, data, size) != 0)
            abort(); /* DER accepted but does not re-encode to itself */
        sgp32_buffer_free(out);
        sgp32_codec_free(type, value);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;
    for (i = 0; i < sizeof(message_types) / sizeof(message_types[0]); i++) {
        const struct sgp32_codec_type *type = sgp32_codec_type_find(message_types[i]);
        if (type == NULL)
            abort(); /* a name above is wrong */
        decode_as(type, data, size);
    }
    return 0;
}
