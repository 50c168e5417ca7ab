/* SPDX-License-Identifier: MIT */
#include "codec/type_kind.h"

#include "ANY.h"
#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "GeneralizedTime.h"
#include "INTEGER.h"
#include "NULL.h"
#include "NativeInteger.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTCTime.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SEQUENCE_OF.h"
#include "constr_SET.h"
#include "constr_SET_OF.h"

/* Aliases of aliases resolve one level per call; no module nests them this deep. */
#define ALIAS_LEVELS_MAX 8

static enum codec_kind kind_of_resolved(const asn_TYPE_descriptor_t *td)
{
    if (td->der_encoder == SEQUENCE_encode_der)
        return CODEC_KIND_SEQUENCE;
    if (td->der_encoder == SET_encode_der)
        return CODEC_KIND_SET;
    if (td->der_encoder == CHOICE_encode_der)
        return CODEC_KIND_CHOICE;
    if (td->der_encoder == SEQUENCE_OF_encode_der)
        return CODEC_KIND_SEQUENCE_OF;
    if (td->der_encoder == SET_OF_encode_der)
        return CODEC_KIND_SET_OF;
    if (td->der_encoder == GeneralizedTime_encode_der)
        return CODEC_KIND_GENERALIZED_TIME;
    if (td->der_encoder == OCTET_STRING_encode_der) {
        if (td->print_struct == BIT_STRING_print)
            return CODEC_KIND_BIT_STRING;
        if (td->print_struct == UTCTime_print)
            return CODEC_KIND_UTC_TIME;
        if (td->xer_encoder == ANY_encode_xer)
            return CODEC_KIND_ANY;
        return CODEC_KIND_OCTET_STRING;
    }
    if (td->der_encoder == INTEGER_encode_der)
        return CODEC_KIND_INTEGER;
    if (td->der_encoder == NativeInteger_encode_der)
        return CODEC_KIND_NATIVE_INTEGER;
    if (td->der_encoder == BOOLEAN_encode_der)
        return CODEC_KIND_BOOLEAN;
    if (td->der_encoder == NULL_encode_der)
        return CODEC_KIND_NULL;
    if (td->print_struct == OBJECT_IDENTIFIER_print)
        return CODEC_KIND_OID;
    return CODEC_KIND_UNKNOWN;
}

enum codec_kind codec_kind_of(asn_TYPE_descriptor_t *td)
{
    int level;
    enum codec_kind kind = kind_of_resolved(td);
    for (level = 0; kind == CODEC_KIND_UNKNOWN && level < ALIAS_LEVELS_MAX; level++) {
        td->free_struct(td, NULL, 0);
        kind = kind_of_resolved(td);
    }
    return kind;
}

const char *codec_kind_name(enum codec_kind kind)
{
    static const char *const names[] = {
        "?",       "SEQUENCE",        "SET", "CHOICE",  "SEQUENCE OF", "SET OF",  "OCTET STRING", "BIT STRING",
        "UTCTime", "GeneralizedTime", "ANY", "INTEGER", "INTEGER",     "BOOLEAN", "NULL",         "OBJECT IDENTIFIER"};
    return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

size_t codec_struct_size(asn_TYPE_descriptor_t *td)
{
    switch (codec_kind_of(td)) {
    case CODEC_KIND_SEQUENCE:
        return (size_t)((const asn_SEQUENCE_specifics_t *)td->specifics)->struct_size;
    case CODEC_KIND_SET:
        return (size_t)((const asn_SET_specifics_t *)td->specifics)->struct_size;
    case CODEC_KIND_CHOICE:
        return (size_t)((const asn_CHOICE_specifics_t *)td->specifics)->struct_size;
    case CODEC_KIND_SEQUENCE_OF:
    case CODEC_KIND_SET_OF:
        return (size_t)((const asn_SET_OF_specifics_t *)td->specifics)->struct_size;
    case CODEC_KIND_OCTET_STRING:
    case CODEC_KIND_BIT_STRING:
    case CODEC_KIND_UTC_TIME:
    case CODEC_KIND_GENERALIZED_TIME:
    case CODEC_KIND_ANY:
        return td->specifics != NULL ? (size_t)((const asn_OCTET_STRING_specifics_t *)td->specifics)->struct_size
                                     : sizeof(OCTET_STRING_t);
    case CODEC_KIND_INTEGER:
        return sizeof(INTEGER_t);
    case CODEC_KIND_NATIVE_INTEGER:
        return sizeof(long);
    case CODEC_KIND_BOOLEAN:
        return sizeof(BOOLEAN_t);
    case CODEC_KIND_NULL:
        return sizeof(NULL_t);
    case CODEC_KIND_OID:
        return sizeof(OBJECT_IDENTIFIER_t);
    case CODEC_KIND_UNKNOWN:
    default:
        return 0;
    }
}
