/* SPDX-License-Identifier: MIT */
/* Type lookup by name over the generated registry. Kept in its own file so that a static link that
 * never looks types up by name does not pull in every type of every module. */
#include <string.h>

#include "codec/codec_internal.h"
#include "codec/registry.h"

const struct sgp32_codec_type *sgp32_codec_type_find(const char *name)
{
    size_t i;
    if (name == NULL)
        return NULL;
    for (i = 0; i < sgp32_codec_registry_count; i++) {
        if (strcmp(sgp32_codec_registry[i].name, name) == 0)
            return sgp32_codec_handle(sgp32_codec_registry[i].descriptor);
    }
    return NULL;
}

size_t sgp32_codec_type_count(void)
{
    return sgp32_codec_registry_count;
}

const struct sgp32_codec_type *sgp32_codec_type_at(size_t index)
{
    if (index >= sgp32_codec_registry_count)
        return NULL;
    return sgp32_codec_handle(sgp32_codec_registry[index].descriptor);
}

const char *sgp32_codec_type_module(const struct sgp32_codec_type *type)
{
    size_t i;
    for (i = 0; type != NULL && i < sgp32_codec_registry_count; i++) {
        if (sgp32_codec_handle(sgp32_codec_registry[i].descriptor) == type)
            return sgp32_codec_registry[i].module;
    }
    return NULL;
}
