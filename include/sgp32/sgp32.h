/* SPDX-License-Identifier: MIT */
/* libsgp32: the device side (IPAd) of GSMA SGP.32 eSIM IoT. Umbrella header. */
#ifndef SGP32_SGP32_H
#define SGP32_SGP32_H

#include "sgp32/status.h"
#include "sgp32/version.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#include "sgp32/transport.h"
#include "sgp32/es10.h"
#include "sgp32/http.h"
#include "sgp32/ipa.h"

#endif /* SGP32_SGP32_H */
