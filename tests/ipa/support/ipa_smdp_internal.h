/* SPDX-License-Identifier: MIT */
/* Between ipa_smdp.c and ipa_relay.c. */
#ifndef SGP32_TESTS_IPA_SMDP_INTERNAL_H
#define SGP32_TESTS_IPA_SMDP_INTERNAL_H

#include "ipa_smdp.h"

void ipa_smdp_count_relayed(struct ipa_smdp *smdp);
/* serverAddress of this SM-DP+ (the address an ESipa InitiateAuthentication without one gets). */
const char *ipa_smdp_address(const struct ipa_smdp *smdp);

#endif
