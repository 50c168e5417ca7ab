/* SPDX-License-Identifier: MIT */
/* The iterative TLV structure check: never reads out of bounds, and an accepted element fits. */
#include <stdint.h>
#include <stdlib.h>

#include "sgp32/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t element_len = 0;
    struct sgp32_tlv_header header;
    if (sgp32_tlv_check(data, size, 0, 0, &element_len) == SGP32_OK && (element_len == 0 || element_len > size))
        abort();
    if (sgp32_tlv_check(data, size, 8, SGP32_TLV_CHECK_DER, &element_len) == SGP32_OK && element_len > size)
        abort();
    if (sgp32_tlv_parse_header(data, size, &header) == SGP32_OK && header.header_len > size)
        abort();
    return 0;
}
