/* SPDX-License-Identifier: MIT */
/* Internals shared by es10_download.c and es10_download_bpp.c (needs SGP32_HAVE_CRYPTO). */
#ifndef SOFTEUICC_DOWNLOAD_INTERNAL_H
#define SOFTEUICC_DOWNLOAD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "card_internal.h"

enum download_stage {
    DOWNLOAD_NONE = 0,
    DOWNLOAD_AUTHENTICATED = 1, /* AuthenticateServer passed */
    DOWNLOAD_PREPARED = 2,      /* PrepareDownload passed: otPK/otSK generated */
    DOWNLOAD_EXPECT_A0 = 3,     /* BF36 + BF23 accepted: session keys derived */
    DOWNLOAD_EXPECT_A1 = 4,
    DOWNLOAD_IN_A1 = 5, /* 88 segments until a1_left is 0 */
    DOWNLOAD_EXPECT_A2_A3 = 6,
    DOWNLOAD_EXPECT_A3 = 7, /* after A2 */
    DOWNLOAD_IN_A3 = 8      /* 86 segments until a3_left is 0 */
};

/* One TLV of a buffer. */
struct dl_tlv {
    uint32_t tag;
    const uint8_t *all;
    size_t all_len;
    const uint8_t *value;
    size_t len;
};

int dl_next(const uint8_t **p, size_t *left, struct dl_tlv *t);
int dl_one(const uint8_t *data, size_t len, struct dl_tlv *t);
int dl_child(const struct dl_tlv *parent, uint32_t tag, struct dl_tlv *out);

#endif
