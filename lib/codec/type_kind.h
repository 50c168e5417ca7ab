/* SPDX-License-Identifier: MIT */
/* What kind of ASN.1 type an asn1c 0.9.28 descriptor implements (SEQUENCE, CHOICE, OCTET STRING ...),
 * for code that walks values generically: the JSON printer, test value generators. */
#ifndef SGP32_LIB_CODEC_TYPE_KIND_H
#define SGP32_LIB_CODEC_TYPE_KIND_H

#include <stddef.h>

#include "asn_application.h"

enum codec_kind {
    CODEC_KIND_UNKNOWN,
    CODEC_KIND_SEQUENCE,
    CODEC_KIND_SET,
    CODEC_KIND_CHOICE,
    CODEC_KIND_SEQUENCE_OF,
    CODEC_KIND_SET_OF,
    CODEC_KIND_OCTET_STRING, /* and every character string type */
    CODEC_KIND_BIT_STRING,
    CODEC_KIND_UTC_TIME,
    CODEC_KIND_GENERALIZED_TIME,
    CODEC_KIND_ANY,
    CODEC_KIND_INTEGER,        /* INTEGER_t (arbitrary size) */
    CODEC_KIND_NATIVE_INTEGER, /* long, also ENUMERATED */
    CODEC_KIND_BOOLEAN,
    CODEC_KIND_NULL,
    CODEC_KIND_OID
};

/* The kind of td. Alias types (Iccid ::= OCTET STRING) carry wrapper functions until first used;
 * this resolves them first (by freeing NULL through them, which is harmless). */
enum codec_kind codec_kind_of(asn_TYPE_descriptor_t *td);

/* Size of the C structure asn1c allocates for a value of td (0 for CODEC_KIND_UNKNOWN). */
size_t codec_struct_size(asn_TYPE_descriptor_t *td);

/* "SEQUENCE", "OCTET STRING" ... */
const char *codec_kind_name(enum codec_kind kind);

#endif
