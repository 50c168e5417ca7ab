/* SPDX-License-Identifier: MIT */
/* lib/es10: the Rules Authorisation Table check of a profile's Policy Rules (rat_check.c). Internal:
 * used by the IPA before PrepareDownload and by the software eUICC at installation. */
#ifndef SGP32_LIB_ES10_RAT_CHECK_H
#define SGP32_LIB_ES10_RAT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "BIT_STRING.h"
#include "OperatorId.h"
#include "RulesAuthorisationTable.h"

/* 1 when every PPR set in pprs is authorised for the Profile Owner by a rule of rat (rat NULL: the
 * empty table, which allows none), else 0. No PPR set: 1. */
int es10_rat_allows(const RulesAuthorisationTable_t *rat, const BIT_STRING_t *pprs, const OperatorId_t *owner);

/* The same from DER: a RulesAuthorisationTable (rat, NULL or empty: the empty table) and the profile
 * metadata (StoreMetadataRequest BF25, SGP.22 or SGP.32 form). -1 if the metadata cannot be read. */
int es10_rat_allows_metadata(const uint8_t *rat, size_t rat_len, const uint8_t *metadata, size_t metadata_len);

#endif /* SGP32_LIB_ES10_RAT_CHECK_H */
