/* SPDX-License-Identifier: MIT */
/* Library-internal access to the codec: the asn1c descriptor behind a public type handle. */
#ifndef SGP32_LIB_CODEC_INTERNAL_H
#define SGP32_LIB_CODEC_INTERNAL_H

#include "asn_application.h"
#include "sgp32/codec.h"

/* The handle of an asn1c type, by its C name: SGP32_TYPE(EuiccPackageRequest),
 * SGP32_TYPE(SGP32_ProfileInfo). The handle is the descriptor itself, behind an opaque type. */
#define SGP32_TYPE(c_name) ((const struct sgp32_codec_type *)(const void *)&asn_DEF_##c_name)

static inline asn_TYPE_descriptor_t *sgp32_codec_descriptor(const struct sgp32_codec_type *type)
{
    return (asn_TYPE_descriptor_t *)(void *)(uintptr_t)(const void *)type;
}

static inline const struct sgp32_codec_type *sgp32_codec_handle(const asn_TYPE_descriptor_t *descriptor)
{
    return (const struct sgp32_codec_type *)(const void *)descriptor;
}

#endif
