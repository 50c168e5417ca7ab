/* SPDX-License-Identifier: MIT */
/*
 * The ESipa JSON binding's description of every function (esipa_json.c): per direction, the forms
 * (alternatives) its message can take and, for each, the components (members) in ASN.1 order with
 * their tags and JSON encodings. Tags as the codec encodes asn1/SGP32Definitions.asn (AUTOMATIC
 * TAGS). docs/remote.md has the same table in prose. Internal header.
 */
#ifndef SGP32_REMOTE_ESIPA_JSON_FORMS_H
#define SGP32_REMOTE_ESIPA_JSON_FORMS_H

#include "remote/esipa_asn1.h"

#define ESIPA_MAX_MEMBERS 8u
#define ESIPA_MAX_TAGS 5u

/* How a component travels in JSON. */
enum esipa_member_kind {
    ESIPA_HEX = 1,      /* primitive, its octets as hexadecimal (transactionId, eidValue) */
    ESIPA_BASE64_VALUE, /* primitive, base64 of its octets (euiccChallenge, hashCc, rPLMN) */
    ESIPA_STRING,       /* primitive UTF8String as text */
    ESIPA_TLV,          /* base64 of the whole element, tag and length included, as received */
    ESIPA_EXPLICIT,     /* explicit tag around a CHOICE: base64 of the element inside the tag */
    ESIPA_RETAG,        /* an implicitly retagged CHOICE: base64 of the element with its own tag */
    ESIPA_INTEGER,      /* INTEGER as a JSON number */
    ESIPA_NULL          /* NULL as JSON true */
};

struct esipa_member {
    const char *name;
    unsigned kind;
    unsigned mandatory;
    uint32_t tag;                  /* the component's tag (ESIPA_TLV: 0, the element is one of tags) */
    uint32_t tags[ESIPA_MAX_TAGS]; /* TLV kinds: tags of the element JSON carries (none: any) */
    size_t min_len;                /* primitive kinds: octet bounds (0: none) */
    size_t max_len;
};

struct esipa_form {
    uint32_t wrap; /* 0: the members are the message's components; else the alternative's tag */
    const struct esipa_member *members;
    size_t count;
};

struct esipa_function {
    enum sgp32_esipa_message message;
    const struct esipa_form *up; /* EsipaMessageFromIpaToEim */
    size_t up_count;
    const struct esipa_form *down; /* EsipaMessageFromEimToIpa (none: handleNotification) */
    size_t down_count;
};

/* The function of an ESipa message kind, NULL for none. */
const struct esipa_function *sgp32_esipa_json_function(enum sgp32_esipa_message message);
/* The function whose path name (sgp32_esipa_message_name()) is name, NULL for none. */
const struct esipa_function *sgp32_esipa_json_function_named(const char *name);

#endif /* SGP32_REMOTE_ESIPA_JSON_FORMS_H */
