/* SPDX-License-Identifier: MIT */
/*
 * The Rules Authorisation Table check of a profile download (SGP.22 v2.5 2.9.2.2, 3.1.3 StoreMetadata):
 * a profile may carry a Profile Policy Rule only when the card's RAT (identity.rat, rat.der) has a rule
 * naming that PPR in its pprIds and the Profile Owner in its allowedOperators. Each PPR set in the
 * metadata needs such a rule (the first matching one applies; different PPRs may be allowed by
 * different rules). The empty RAT allows none.
 *
 * Matching an OperatorId of allowedOperators against the metadata's profileOwner: the mccMnc digits
 * (TS 24.008 nibbles) are equal, a nibble 'E' in the rule matching any digit (SGP.22 2.9.2.2 wildcard);
 * gid1 / gid2 of the rule, when present, must be present and equal in the profileOwner; absent, they
 * match anything.
 *
 * pprFlags consentRequired: end user consent is collected by the LPA (SGP.22 3.1.3.1, the LPAd shows
 * the rule before the download) or, for an IoT eUICC, has no user to ask; the eUICC does not take part
 * in it, so the flag does not change this check (docs/software-euicc.md).
 */
#include <stdlib.h>
#include <string.h>

#include "RulesAuthorisationTable.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "identity.h"

static int bit_set(const BIT_STRING_t *bits, size_t bit)
{
    return bits != NULL && (size_t)bits->size > bit / 8 && (bits->buf[bit / 8] & (0x80u >> (bit % 8))) != 0;
}

static int nibbles_match(const OCTET_STRING_t *rule, const OCTET_STRING_t *owner)
{
    int i;
    if (rule->size != 3 || owner->size != 3)
        return 0;
    for (i = 0; i < 6; i++) {
        unsigned want = (rule->buf[i / 2] >> (i % 2 ? 4 : 0)) & 0x0Fu;
        unsigned have = (owner->buf[i / 2] >> (i % 2 ? 4 : 0)) & 0x0Fu;
        if (want != 0x0E && want != have)
            return 0;
    }
    return 1;
}

static int optional_matches(const OCTET_STRING_t *rule, const OCTET_STRING_t *owner)
{
    if (rule == NULL)
        return 1;
    return owner != NULL && owner->size == rule->size && memcmp(owner->buf, rule->buf, (size_t)rule->size) == 0;
}

static int operator_matches(const OperatorId_t *rule, const OperatorId_t *owner)
{
    return nibbles_match(&rule->mccMnc, &owner->mccMnc) && optional_matches(rule->gid1, owner->gid1) &&
           optional_matches(rule->gid2, owner->gid2);
}

static int rule_allows(const ProfilePolicyAuthorisationRule_t *rule, size_t ppr, const OperatorId_t *owner)
{
    int i;
    if (!bit_set(&rule->pprIds, ppr))
        return 0;
    for (i = 0; i < rule->allowedOperators.list.count; i++)
        if (operator_matches(rule->allowedOperators.list.array[i], owner))
            return 1;
    return 0;
}

int softeuicc_rat_allows(const struct sgp32_softeuicc *card, const BIT_STRING_t *pprs, const OperatorId_t *owner)
{
    RulesAuthorisationTable_t *rat = NULL;
    uint8_t *der;
    size_t der_len = 0, bit;
    int allowed = 1, any = 0;
    for (bit = 0; pprs != NULL && bit < (size_t)pprs->size * 8; bit++)
        any |= bit_set(pprs, bit);
    if (!any)
        return 1; /* no PPR: nothing to authorise */
    if (owner == NULL)
        return 0; /* a PPR without a Profile Owner cannot match any rule */
    der = softeuicc_rat_read(&card->storage, &der_len);
    if (der != NULL)
        rat = softeuicc_decode(SGP32_TYPE(RulesAuthorisationTable), der, der_len);
    free(der);
    if (rat == NULL)
        return 0; /* the empty table (or an unreadable one) allows no PPR */
    for (bit = 0; allowed && bit < (size_t)pprs->size * 8; bit++) {
        int i, found = 0;
        if (!bit_set(pprs, bit))
            continue;
        for (i = 0; !found && i < rat->list.count; i++)
            found = rule_allows(rat->list.array[i], bit, owner);
        allowed = found;
    }
    sgp32_codec_free(SGP32_TYPE(RulesAuthorisationTable), rat);
    return allowed;
}
