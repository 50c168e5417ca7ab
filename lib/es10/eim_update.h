/* SPDX-License-Identifier: MIT */
/* lib/es10: the updateEim rule of an eIM Configuration Operation (the eCO updateEim of an eUICC Package, SGP.32
 * v1.2 2.11.1.1), eim_update.c. Internal: used by the IPA's eUICC emulation (lib/ipa/ipa_emulation_ops.c) and by the
 * software eUICC (transports/softeuicc/es10_euicc_package_ops.c), so both keep the same semantics. */
#ifndef SGP32_LIB_ES10_EIM_UPDATE_H
#define SGP32_LIB_ES10_EIM_UPDATE_H

#include "EimConfigurationData.h"

/* Completes update (a decoded updateEim entry) from stored (the decoded configuration on the eUICC):
 * every optional field update does not give is moved over from stored, and the associationToken is
 * always the stored one (the eUICC assigned it at addEim; a given one is not taken). The fields moved
 * out of stored, and the given token moved into it, are freed with stored. */
void es10_eim_update_merge(EimConfigurationData_t *update, EimConfigurationData_t *stored);

#endif
