/* SPDX-License-Identifier: MIT */
/* lib/ipa: reading an EuiccPackageRequest and an EuiccPackageResult (ipa_package.c). Internal. */
#ifndef SGP32_LIB_IPA_PACKAGE_H
#define SGP32_LIB_IPA_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

struct ipa_package_info {
    char eim_id[129];
    long counter;
    int psmo;          /* a PSMO list (else eCOs) */
    int enables;       /* has an enable PSMO */
    int rollback_flag; /* ... with rollbackFlag */
    int disables;
    uint8_t enable_iccid[10];
};

enum ipa_result_kind { IPA_RESULT_SIGNED = 1, IPA_RESULT_ERROR_SIGNED = 2, IPA_RESULT_ERROR_UNSIGNED = 3 };

struct ipa_result_info {
    int kind; /* enum ipa_result_kind */
    char eim_id[129];
    long counter;    /* -1 for an unsigned error */
    long seq_number; /* signed result only, else -1 */
    long code;       /* the first enable/disable/delete/termination result, or the error code; -1: none */
    int enable_ok;
    int disable_ok;
};

enum sgp32_status ipa_package_inspect(const uint8_t *request, size_t len, struct ipa_package_info *info);
enum sgp32_status ipa_result_inspect(const uint8_t *result, size_t len, struct ipa_result_info *info);

#endif /* SGP32_LIB_IPA_PACKAGE_H */
