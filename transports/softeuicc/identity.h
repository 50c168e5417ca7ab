/* SPDX-License-Identifier: MIT */
#ifndef SOFTEUICC_IDENTITY_H
#define SOFTEUICC_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/softeuicc.h"
#include "sgp32/status.h"

/* Reads a certificate file (DER or PEM) and checks that it decodes as an X.509 Certificate. */
enum sgp32_status softeuicc_read_certificate(const char *path, uint8_t **der, size_t *der_len);

/* Reads the eUICC private key file (PEM or DER) and checks the crypto layer can use it
 * (SGP32_ERR_NOT_SUPPORTED without the crypto layer). The bytes are kept as given. */
enum sgp32_status softeuicc_read_private_key(const char *path, uint8_t **key, size_t *key_len);

/* The certificate of the CI `pkid` the card keeps as record ci-<PKID in upper-case hex>.der (malloc'd
 * DER), NULL when the card has none. */
uint8_t *softeuicc_ci_certificate_read(const struct sgp32_softeuicc_storage *storage, const uint8_t pkid[20],
                                       size_t *len);

/* Reads a CI certificate file (DER or PEM), takes its 20-byte SubjectKeyIdentifier as *pkid and stores
 * the DER as the record ci-<PKID>.der (one atomic save). SGP32_ERR_NOT_SUPPORTED without the crypto
 * layer, SGP32_ERR_DECODE for a certificate without a 20-byte SKI, SGP32_ERR_STORAGE when it cannot be
 * written. */
enum sgp32_status softeuicc_install_ci_certificate(const struct sgp32_softeuicc_storage *storage, const char *file,
                                                   uint8_t pkid[20]);

/* Checks that der is a strict DER RulesAuthorisationTable (else SGP32_ERR_INVALID_ARGUMENT) and
 * stores it as the record rat.der (SGP32_ERR_STORAGE when it cannot be written). */
enum sgp32_status softeuicc_rat_install(const struct sgp32_softeuicc_storage *storage, const uint8_t *der, size_t len);
/* The stored RAT (malloc'd DER), NULL when the card has the empty table. */
uint8_t *softeuicc_rat_read(const struct sgp32_softeuicc_storage *storage, size_t *len);

#endif
