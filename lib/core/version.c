/* SPDX-License-Identifier: MIT */
#include "sgp32/version.h"

const char *sgp32_version(void)
{
    return SGP32_VERSION_STRING;
}

unsigned sgp32_version_number(void)
{
    return SGP32_VERSION_NUMBER;
}
