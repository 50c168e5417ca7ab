/* SPDX-License-Identifier: MIT */
/* Shared by es10_euicc_package.c (LoadEuiccPackage) and es10_euicc_package_ops.c (PSMOs, eCOs). */
#ifndef SOFTEUICC_EUICC_PACKAGE_INTERNAL_H
#define SOFTEUICC_EUICC_PACKAGE_INTERNAL_H

#include "Eco.h"
#include "EimConfigurationData.h"
#include "Psmo.h"
#include "card_internal.h"

/* The eIM list: entry `index` decoded (free with sgp32_codec_free), the index of an eimId (-1: none),
 * entry `index` replaced by `eim` re-encoded (index == eim_count appends the DER; the caller counts). */
EimConfigurationData_t *softeuicc_eim_decode(const struct softeuicc_state *state, size_t index);
int softeuicc_eim_find(const struct softeuicc_state *state, const uint8_t *eim_id, size_t eim_id_len);
enum sgp32_status softeuicc_eim_store(struct softeuicc_state *state, size_t index, const EimConfigurationData_t *eim);
long softeuicc_optional_integer(const INTEGER_t *value, long absent);
enum sgp32_status softeuicc_set_integer(INTEGER_t **field, long value);

/* One PSMO / eCO: its EuiccResultData into `items`; 0 when the package must stop (the card dropped its
 * in-memory changes after a failed change). */
int softeuicc_run_psmo(struct sgp32_softeuicc *card, const Psmo_t *psmo, struct der_writer *items);
int softeuicc_run_eco(struct sgp32_softeuicc *card, Eco_t *eco, struct der_writer *items);

#endif
