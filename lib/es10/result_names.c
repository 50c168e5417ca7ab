/* SPDX-License-Identifier: MIT */
/*
 * The names of the ES10 result codes, per command, as the ASN.1 of SGP.22 v2.5 and SGP.32 v1.2
 * defines them (RSPDefinitions.asn, SGP32Definitions.asn): one table for the library's error
 * details, the CLI and the Python package.
 */
#include <stddef.h>

#include "sgp32/es10.h"

struct result_name {
    long code;
    const char *name;
};

struct command_names {
    uint32_t tag; /* the request's tag */
    const struct result_name *names;
};

/* Codes shared by most commands (catBusy and friends). */
static const struct result_name common[] = {
    {0, "ok"}, {5, "catBusy"}, {7, "commandError"}, {104, "ecallActive"}, {127, "undefinedError"}, {0, NULL}};

static const struct result_name enable_profile[] = {{1, "iccidOrAidNotFound"},    {2, "profileNotInDisabledState"},
                                                    {3, "disallowedByPolicy"},    {4, "wrongProfileReenabling"},
                                                    {20, "rollbackNotAvailable"}, {0, NULL}};
static const struct result_name disable_profile[] = {
    {1, "iccidOrAidNotFound"}, {2, "profileNotInEnabledState"}, {3, "disallowedByPolicy"}, {0, NULL}};
static const struct result_name delete_profile[] = {{1, "iccidOrAidNotFound"},     {2, "profileNotInDisabledState"},
                                                    {3, "disallowedByPolicy"},     {20, "rollbackNotAvailable"},
                                                    {21, "returnFallbackProfile"}, {0, NULL}};
static const struct result_name set_nickname[] = {{1, "iccidNotFound"}, {0, NULL}};
static const struct result_name profiles_info[] = {{1, "incorrectInputValues"}, {0, NULL}};
static const struct result_name nothing_to_delete[] = {{1, "nothingToDelete"}, {0, NULL}};
static const struct result_name memory_reset_iot[] = {{1, "nothingToDelete"}, {2, "eimResetNotSupported"}, {0, NULL}};
static const struct result_name add_initial_eim[] = {
    {1, "insufficientMemory"},      {2, "associatedEimAlreadyExists"}, {3, "ciPKUnknown"},
    {5, "invalidAssociationToken"}, {6, "counterValueOutOfRange"},     {0, NULL}};
static const struct result_name connectivity[] = {{1, "parametersNotAvailable"}, {0, NULL}};
static const struct result_name get_certs[] = {{1, "invalidCiPKId"}, {0, NULL}};
static const struct result_name immediate_config[] = {
    {1, "insufficientMemory"}, {2, "associatedEimAlreadyExists"}, {0, NULL}};
static const struct result_name rollback[] = {{1, "rollbackNotAllowed"}, {0, NULL}};
static const struct result_name immediate_enable[] = {
    {1, "immediateEnableNotAvailable"}, {4, "noSessionContext"}, {0, NULL}};
static const struct result_name enable_emergency[] = {
    {2, "profileNotInDisabledState"}, {8, "ecallNotAvailable"}, {0, NULL}};
static const struct result_name disable_emergency[] = {{2, "profileNotInEnabledState"}, {0, NULL}};
static const struct result_name execute_fallback[] = {
    {2, "profileNotInDisabledState"}, {6, "fallbackNotAvailable"}, {0, NULL}};
static const struct result_name return_fallback[] = {{6, "fallbackNotAvailable"}, {0, NULL}};
static const struct result_name ipae_activation[] = {{1, "notSupported"}, {0, NULL}};
static const struct result_name load_crl[] = {{1, "invalidSignature"},
                                              {2, "invalidCRLFormat"},
                                              {3, "notEnoughMemorySpace"},
                                              {4, "verificationKeyNotFound"},
                                              {5, "fresherCrlAlreadyLoaded"},
                                              {6, "baseCrlMissing"},
                                              {0, NULL}};

static const struct command_names commands[] = {
    {0xBF31, enable_profile},   {0xBF32, disable_profile},   {0xBF33, delete_profile},    {0xBF29, set_nickname},
    {0xBF2D, profiles_info},    {0xBF30, nothing_to_delete}, {0xBF34, nothing_to_delete}, {0xBF64, memory_reset_iot},
    {0xBF57, add_initial_eim},  {0xBF5F, connectivity},      {0xBF56, get_certs},         {0xBF59, immediate_config},
    {0xBF58, rollback},         {0xBF5A, immediate_enable},  {0xBF5B, enable_emergency},  {0xBF5C, disable_emergency},
    {0xBF5D, execute_fallback}, {0xBF5E, return_fallback},   {0xBF42, ipae_activation},   {0xBF35, load_crl},
};

static const char *find(const struct result_name *names, long code)
{
    for (; names->name != NULL; names++)
        if (names->code == code)
            return names->name;
    return NULL;
}

const char *sgp32_es10_result_name(uint32_t command_tag, long code)
{
    size_t i;
    const char *name = NULL;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]) && name == NULL; i++)
        if (commands[i].tag == command_tag)
            name = find(commands[i].names, code);
    if (name == NULL)
        name = find(common, code);
    return name;
}
