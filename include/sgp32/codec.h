/* SPDX-License-Identifier: MIT */
/*
 * ASN.1 codecs for every type of the GSMA modules compiled into libsgp32 (SGP.32 v1.2
 * SGP32Definitions, SGP.22 RSPDefinitions, the SAIP PEDefinitions and PKIX): decode (BER, or strict
 * DER where a signature covers the bytes), encode (DER), free, print and constraint checks, by type.
 *
 * A decoded value is the asn1c structure of its type (headers in the build tree, e.g.
 * "EuiccPackageRequest.h"); callers that only move bytes around never need those headers.
 * Decoding is bounded: input size and nesting depth are limited (defaults below), and malformed input
 * returns an error, never a crash or a hang.
 */
#ifndef SGP32_CODEC_H
#define SGP32_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One ASN.1 type. Opaque; obtained by name or, inside the library, directly. */
struct sgp32_codec_type;

/* Default limits of sgp32_decode(). A Bound Profile Package is never decoded whole: stream it with
 * the TLV reader of sgp32/tlv.h. The stack limit is what asn1c's recursive decoder may use before it
 * fails; nesting is bounded separately (48 levels). Unoptimised sanitizer builds need about 64 KiB
 * for a certificate; a firmware thread with a smaller stack must pass its own, smaller, max_stack. */
#define SGP32_CODEC_DEFAULT_MAX_INPUT (256u * 1024u)
#define SGP32_CODEC_DEFAULT_MAX_STACK (128u * 1024u)

/* Look a type up by its ASN.1 name as written in its module ("EuiccPackageRequest",
 * "SGP32-ProfileInfo", "Certificate"). NULL when no module defines it. */
const struct sgp32_codec_type *sgp32_codec_type_find(const char *name);
/* Enumerate every type: index 0 .. sgp32_codec_type_count() - 1; NULL past the end. */
size_t sgp32_codec_type_count(void);
const struct sgp32_codec_type *sgp32_codec_type_at(size_t index);
/* The ASN.1 name of a type, and the module that defines it ("SGP32Definitions", "RSPDefinitions",
 * "PEDefinitions", "PKIX1Explicit88", "PKIX1Implicit88"). */
const char *sgp32_codec_type_name(const struct sgp32_codec_type *type);
const char *sgp32_codec_type_module(const struct sgp32_codec_type *type);

enum sgp32_decode_flags {
    SGP32_DECODE_DER = 1u << 0,            /* refuse anything that is not the DER encoding */
    SGP32_DECODE_ALLOW_TRAILING = 1u << 1, /* stop after the first element (see consumed) */
    SGP32_DECODE_CONSTRAINTS = 1u << 2     /* also check the type's constraints (sizes, ranges) */
};

struct sgp32_decode_options {
    unsigned flags;   /* enum sgp32_decode_flags */
    size_t max_input; /* 0: SGP32_CODEC_DEFAULT_MAX_INPUT */
    size_t max_stack; /* bytes of C stack the decoder may use; 0: SGP32_CODEC_DEFAULT_MAX_STACK */
};

/*
 * Decodes `len` bytes as `type` into a new value (*value, free with sgp32_codec_free()).
 * options may be NULL (BER, whole input, default limits). consumed (may be NULL) receives the number
 * of bytes of the element. On error *value is NULL and nothing is leaked. Errors:
 * SGP32_ERR_TRUNCATED, SGP32_ERR_DECODE, SGP32_ERR_TRAILING, SGP32_ERR_NOT_DER, SGP32_ERR_TOO_LARGE,
 * SGP32_ERR_TOO_DEEP, SGP32_ERR_CONSTRAINT, SGP32_ERR_INVALID_ARGUMENT.
 */
enum sgp32_status sgp32_decode(const struct sgp32_codec_type *type, const uint8_t *data, size_t len,
                               const struct sgp32_decode_options *options, void **value, size_t *consumed);

/* Frees a value returned by sgp32_decode() (NULL is fine). */
void sgp32_codec_free(const struct sgp32_codec_type *type, void *value);

/*
 * DER-encodes a value into buf (capacity cap); *len receives the encoded size. With buf == NULL only
 * the size is computed. SGP32_ERR_BUFFER_TOO_SMALL sets *len to the size needed.
 */
enum sgp32_status sgp32_encode_der(const struct sgp32_codec_type *type, const void *value, uint8_t *buf, size_t cap,
                                   size_t *len);
/* The same into a new buffer (*out, free with sgp32_buffer_free()). */
enum sgp32_status sgp32_encode_der_alloc(const struct sgp32_codec_type *type, const void *value, uint8_t **out,
                                         size_t *len);
void sgp32_buffer_free(void *buffer);

/* Checks the constraints of the type (SIZE, value ranges). message (may be NULL) receives why not. */
enum sgp32_status sgp32_check_constraints(const struct sgp32_codec_type *type, const void *value, char *message,
                                          size_t message_cap);

/*
 * Prints a value in asn1c's human-readable form to a callback (called any number of times with
 * pieces of text; returning non-zero stops printing with SGP32_ERR_CANCELLED).
 */
typedef int (*sgp32_text_sink)(const char *text, size_t len, void *user);
enum sgp32_status sgp32_print(const struct sgp32_codec_type *type, const void *value, sgp32_text_sink sink, void *user);

/*
 * Prints a value as one line of JSON to a callback. The mapping, the same for every type:
 *   SEQUENCE, SET      -> object of the members present, named as in the module
 *   CHOICE             -> {"<alternative>": value} (null for an alternative this version lacks)
 *   SEQUENCE OF, SET OF-> array
 *   INTEGER, ENUMERATED-> number; an ENUMERATED value as its name (asn1c 0.9.28 keeps no names for
 *                         named INTEGER values, so result codes come out as numbers);
 *                         an INTEGER beyond 64 bits -> its two's complement bytes as a hex string
 *   BOOLEAN, NULL      -> true / false, null
 *   OCTET STRING, ANY  -> upper-case hex string ("8901..."); character strings -> JSON string
 *   BIT STRING         -> {"hex": "<bytes>", "bits": <number of bits>}
 *   OBJECT IDENTIFIER  -> "1.2.840.10045.2.1"; UTCTime, GeneralizedTime -> their text
 * SGP32_ERR_CANCELLED when the sink returned non-zero.
 */
enum sgp32_status sgp32_print_json(const struct sgp32_codec_type *type, const void *value, sgp32_text_sink sink,
                                   void *user);

/* Largest JSON text sgp32_parse_json() reads: room for the hex of a SGP32_CODEC_DEFAULT_MAX_INPUT
 * value and its member names. */
#define SGP32_CODEC_JSON_MAX_INPUT (4u * SGP32_CODEC_DEFAULT_MAX_INPUT)

/*
 * Parses JSON in the mapping of sgp32_print_json() back into a new value of `type` (*value, free with
 * sgp32_codec_free()); sgp32_encode_der() then gives its DER. For every value v that meets its
 * constraints, parse_json(print_json(v)) encodes to the same DER as v (a CHOICE printed as null, an
 * alternative this version lacks, cannot come back). The reverse direction accepts:
 *   - members in any order, insignificant whitespace; OPTIONAL members may be left out;
 *   - hex in either case; BIT STRING "bits" may be left out (every bit of "hex" counts);
 *   - INTEGER / ENUMERATED as a number (no fraction or exponent) or, where the type names it, the
 *     name; INTEGER_t also two's complement hex (values beyond 64 bits);
 *   - OBJECT IDENTIFIER as dotted arcs, or the hex of its contents;
 *   - in 8-bit character strings (IA5String, PrintableString ...) the JSON escapes of U+0000 to
 *     U+00FF stand for one byte each (the printer's escape for bytes that are not UTF-8); in
 *     UTF8String, and above U+00FF, an escape is its code point in UTF-8. Raw text is taken as it
 *     is (it must be valid UTF-8).
 * ANY (an open type) must hold exactly one DER element. The value's constraints are checked.
 * len is the text's size (no terminating NUL needed; a NUL inside is an error). Nesting is bounded
 * (64 levels) and len by SGP32_CODEC_JSON_MAX_INPUT. On error *value is NULL and nothing leaks:
 * SGP32_ERR_DECODE (not JSON, a JSON type that does not fit, an unknown, repeated or missing
 * mandatory member, bad hex, a fraction), SGP32_ERR_TRUNCATED (the text ends inside the value),
 * SGP32_ERR_TRAILING (text after the value), SGP32_ERR_CONSTRAINT (a number beyond its C type, a value
 * outside the type's constraints), SGP32_ERR_TOO_DEEP, SGP32_ERR_TOO_LARGE, SGP32_ERR_NO_MEMORY,
 * SGP32_ERR_INVALID_ARGUMENT. Needs no JSON library: present in every build.
 */
enum sgp32_status sgp32_parse_json(const struct sgp32_codec_type *type, const char *json, size_t len, void **value);

/* Convenience: decode `data` as `type` and check it is DER (no value kept). */
enum sgp32_status sgp32_der_validate(const struct sgp32_codec_type *type, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_CODEC_H */
