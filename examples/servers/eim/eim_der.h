/* SPDX-License-Identifier: MIT */
/*
 * DER assembly the eIM's indirect-download relay needs (eim_relay.c; also for the in-process relay
 * of tests/ipa/support): one TLV around a list of already encoded parts, with a definite length of
 * up to 4 octets (X.690 8.1.3), since a Bound Profile Package may be large.
 */
#ifndef SGP32_EXAMPLES_EIM_DER_H
#define SGP32_EXAMPLES_EIM_DER_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"

/* tag L { parts... } in a new malloc'd buffer of *out_len bytes; NULL when out of memory. A tag
 * above 0xFF is written as two octets (BF41). */
uint8_t *eim_der_wrap(uint32_t tag, const struct sgp32_bytes *parts, size_t count, size_t *out_len);

/* The first child of the element `message` with this tag: the whole child, or with value_only its
 * value; {NULL, 0} when there is none (or the element is malformed). */
struct sgp32_bytes eim_der_part(const uint8_t *message, size_t len, uint32_t tag, int value_only);

#endif
