/* SPDX-License-Identifier: MIT */
/* libsgp32 version. This header is the single source of the version number (CMake reads it). */
#ifndef SGP32_VERSION_H
#define SGP32_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define SGP32_VERSION_MAJOR 0
#define SGP32_VERSION_MINOR 1
#define SGP32_VERSION_PATCH 0
#define SGP32_VERSION_STRING "0.1.0"
/* One number that compares: 0xMMmmpp. */
#define SGP32_VERSION_NUMBER ((SGP32_VERSION_MAJOR << 16) | (SGP32_VERSION_MINOR << 8) | SGP32_VERSION_PATCH)

/* The version of the library actually linked ("0.1.0"), which may differ from the header's. */
const char *sgp32_version(void);
/* The same as a number (SGP32_VERSION_NUMBER of the library). */
unsigned sgp32_version_number(void);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_VERSION_H */
