/* SPDX-License-Identifier: MIT */
/*
 * BER-TLV helpers (ISO 7816-4 / X.690): parse one TLV header, check the structure of a whole element
 * without decoding it.
 *
 * Tags are held as the big-endian value of their encoded bytes (0x5A, 0xBF51, 0x9F7B), at most 4
 * bytes; lengths use at most 4 length octets (0x84 xx xx xx xx). Anything longer is refused.
 */
#ifndef SGP32_TLV_H
#define SGP32_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length value meaning "indefinite" (BER 0x80; ends with 00 00). */
#define SGP32_TLV_INDEFINITE ((size_t)-1)

struct sgp32_tlv_header {
    uint32_t tag;        /* encoded tag bytes, big-endian */
    size_t length;       /* value length, or SGP32_TLV_INDEFINITE */
    uint8_t tag_len;     /* bytes of the tag */
    uint8_t header_len;  /* bytes of tag + length */
    uint8_t constructed; /* 1 if the constructed bit (0x20 of the first tag byte) is set */
};

/*
 * Parses the header at data[0..len). SGP32_ERR_NEED_MORE when the header is incomplete (nothing
 * else is wrong yet), SGP32_ERR_DECODE for a tag longer than 4 bytes, a length with more than 4
 * octets, the reserved length 0xFF, or an indefinite length on a primitive element.
 */
enum sgp32_status sgp32_tlv_parse_header(const uint8_t *data, size_t len, struct sgp32_tlv_header *header);

enum sgp32_tlv_check_flags {
    SGP32_TLV_CHECK_DER = 1u << 0 /* refuse indefinite lengths and non-minimal length octets */
};

/*
 * Walks the element at the start of data[0..len) and every element nested in it (iteratively: no
 * recursion), without decoding values. *element_len receives the element's total size. Errors:
 * SGP32_ERR_TRUNCATED (the element does not fit in len), SGP32_ERR_DECODE (bad header, children
 * overrunning their parent), SGP32_ERR_TOO_DEEP (more than max_depth levels), SGP32_ERR_NOT_DER.
 */
enum sgp32_status sgp32_tlv_check(const uint8_t *data, size_t len, unsigned max_depth, unsigned flags,
                                  size_t *element_len);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_TLV_H */
