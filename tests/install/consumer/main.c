/* SPDX-License-Identifier: MIT */
/* An application built against an installed libsgp32 (tests/install/check.sh builds it with CMake and
 * with pkg-config): public API plus one generated asn1c header for reading a decoded field. */
/* First, to check that a generated header compiles on its own under -std=c99 -Werror. */
#include <sgp32/asn1/AddInitialEimRequest.h>

#include <stdio.h>

#include <sgp32/sgp32.h>

int main(void)
{
    /* AddInitialEimRequest { eimConfigurationDataList { { eimId "eim1" } } } (SGP.32 5.9.4) */
    static const uint8_t message[] = {0xBF, 0x57, 0x0A, 0xA0, 0x08, 0x30, 0x06, 0x80, 0x04, 'e', 'i', 'm', '1'};
    const struct sgp32_codec_type *type = sgp32_codec_type_find("AddInitialEimRequest");
    void *value = NULL;
    enum sgp32_status status = sgp32_decode(type, message, sizeof(message), NULL, &value, NULL);
    const AddInitialEimRequest_t *request = value;
    if (status != SGP32_OK) {
        fprintf(stderr, "decode: %s\n", sgp32_strerror(status));
        return 1;
    }
    printf("libsgp32 %s, %s from %s, eimId %.*s\n", sgp32_version(), sgp32_codec_type_name(type),
           sgp32_codec_type_module(type), (int)request->eimConfigurationDataList.list.array[0]->eimId.size,
           (const char *)request->eimConfigurationDataList.list.array[0]->eimId.buf);
    sgp32_codec_free(type, value);
    return 0;
}
