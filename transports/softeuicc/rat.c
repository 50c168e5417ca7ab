/* SPDX-License-Identifier: MIT */
/*
 * The Rules Authorisation Table check of a profile download (SGP.22 v2.5 2.9.2.2, 3.1.3 StoreMetadata)
 * on the card: the card's RAT (identity.rat, the rat.der record) against the metadata's Profile Policy
 * Rules and Profile Owner. The matching rules themselves are the library's (lib/es10/rat_check.c),
 * the same the IPA applies before PrepareDownload.
 */
#include <stdlib.h>

#include "RulesAuthorisationTable.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "es10/rat_check.h"
#include "identity.h"

int softeuicc_rat_allows(const struct sgp32_softeuicc *card, const BIT_STRING_t *pprs, const OperatorId_t *owner)
{
    RulesAuthorisationTable_t *rat = NULL;
    uint8_t *der;
    size_t der_len = 0;
    int allowed;
    der = softeuicc_rat_read(&card->storage, &der_len);
    if (der != NULL)
        rat = softeuicc_decode(SGP32_TYPE(RulesAuthorisationTable), der, der_len);
    free(der);
    allowed = es10_rat_allows(rat, pprs, owner); /* no table (or an unreadable one): the empty one */
    sgp32_codec_free(SGP32_TYPE(RulesAuthorisationTable), rat);
    return allowed;
}
