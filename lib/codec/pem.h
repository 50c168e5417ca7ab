/* SPDX-License-Identifier: MIT */
/* PEM (RFC 7468) to DER: the first "-----BEGIN <label>-----" ... "-----END <label>-----" block, its
 * base64 body decoded strictly (lib/codec/base64.h) with line breaks allowed. Internal. */
#ifndef SGP32_CODEC_PEM_H
#define SGP32_CODEC_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

/* 1 if text[0..len) contains a PEM BEGIN line. */
int sgp32_pem_present(const char *text, size_t len);

/*
 * Decodes the first PEM block whose label is `label` ("CERTIFICATE"; NULL: any label) into
 * der[0..cap). SGP32_ERR_NOT_FOUND when there is no such block, SGP32_ERR_DECODE for a block without
 * its END line or with bad base64, SGP32_ERR_BUFFER_TOO_SMALL when cap is short (the DER is never
 * longer than the text, so cap = len always suffices).
 */
enum sgp32_status sgp32_pem_decode(const char *text, size_t len, const char *label, uint8_t *der, size_t cap,
                                   size_t *der_len);

#endif
