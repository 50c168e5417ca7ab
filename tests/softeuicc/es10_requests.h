/* SPDX-License-Identifier: MIT */
/* Test profiles (SGP32-ProfileInfo DER) and ES10 request helpers shared by the software eUICC tests. */
#ifndef SOFTEUICC_ES10_REQUESTS_H
#define SOFTEUICC_ES10_REQUESTS_H

#include "softeuicc_harness.h"

/* Operational, notifications for enable/disable/delete to notify.example.com. */
#define PROFILE_ONE                                                                                                    \
    "E3545A0A890000000000000000014F10A0000005591010FFFFFFFF890000110091084F70657261746F72920B50726F66696C65204F6E6595" \
    "0102B61A30188002047081126E6F746966792E6578616D706C652E636F6D"
/* Operational with PPR1 (disabling not allowed), every notification to all.example.com. */
#define PROFILE_PPR1                                                                                                   \
    "E3465A0A890000000000000000024F10A0000005591010FFFFFFFF890000120092064C6F636B6564950102B6173015800204F0810F616C6C" \
    "2E6578616D706C652E636F6D99020640"
/* Test class with PPR2 (deletion not allowed). */
#define PROFILE_TEST_PPR2 "E32B5A0A890000000000000000034F10A0000005591010FFFFFFFF890000130092045465737495010099020520"
/* Fallback attribute set. */
#define PROFILE_FALLBACK                                                                                               \
    "E3335A0A890000000000000000044F10A0000005591010FFFFFFFF8900001400920846616C6C6261636B9501029F2601FF9F6701FF"
/* Emergency (eCall) profile. */
#define PROFILE_EMERGENCY "E32C5A0A890000000000000000054F10A0000005591010FFFFFFFF890000150092056543616C6C9501029F7B01FF"
/* Provisioning class. */
#define PROFILE_PROVISIONING                                                                                           \
    "E32C5A0A890000000000000000064F10A0000005591010FFFFFFFF89000016009209426F6F747374726170950101"

#define ICCID(n) "8900000000000000000" #n

/* The INTEGER result of an answer that is SEQUENCE { INTEGER ... } (Enable/Disable/Delete, ...). */
long es10_result(struct harness *h, const char *type_name, const char *hex, const char *answer_type);

#endif
