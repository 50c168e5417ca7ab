/* SPDX-License-Identifier: MIT */
#ifndef SOFTEUICC_IDENTITY_H
#define SOFTEUICC_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

/* Reads a certificate file (DER or PEM) and checks that it decodes as an X.509 Certificate. */
enum sgp32_status softeuicc_read_certificate(const char *path, uint8_t **der, size_t *der_len);

/* Reads the eUICC private key file (PEM or DER) and checks the crypto layer can use it
 * (SGP32_ERR_NOT_SUPPORTED without the crypto layer). The bytes are kept as given. */
enum sgp32_status softeuicc_read_private_key(const char *path, uint8_t **key, size_t *key_len);

#endif
