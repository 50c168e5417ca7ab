/* SPDX-License-Identifier: MIT */
/* updateEim, an eIM Configuration Operation: the fields given replace the stored ones; see eim_update.h. */
#include "es10/eim_update.h"

#include <stddef.h>

void es10_eim_update_merge(EimConfigurationData_t *update, EimConfigurationData_t *stored)
{
    INTEGER_t *given;
#define KEEP(field)                                                                                                    \
    do {                                                                                                               \
        if (update->field == NULL) {                                                                                   \
            update->field = stored->field;                                                                             \
            stored->field = NULL;                                                                                      \
        }                                                                                                              \
    } while (0)
    KEEP(eimFqdn);
    KEEP(eimIdType);
    KEEP(counterValue);
    KEEP(eimPublicKeyData);
    KEEP(trustedPublicKeyDataTls);
    KEEP(eimSupportedProtocol);
    KEEP(euiccCiPKId);
    KEEP(indirectProfileDownload);
#undef KEEP
    given = update->associationToken;
    update->associationToken = stored->associationToken;
    stored->associationToken = given;
}
