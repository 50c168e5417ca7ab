/* SPDX-License-Identifier: MIT */
/* Where the modem-reset-mid-download tests (tests/at/test_at_download.c, tests/qmi/test_qmi_download.c)
 * interrupt a profile download: the modem command (AT line, UIM Send APDU) numbers, counted from the
 * download's first, of the last PrepareDownload block, the first BPP block (BF36 + BF23), blocks a
 * quarter, half and three quarters into the BPP (the 88 / 86 segments) and the very last one (the
 * last block of the last 86 segment). before_bpp and total come from a measured whole download. */
#ifndef DOWNLOAD_RESET_POINTS_H
#define DOWNLOAD_RESET_POINTS_H

#define DOWNLOAD_RESET_POINTS 6

static inline void download_reset_points(unsigned before_bpp, unsigned total, unsigned points[DOWNLOAD_RESET_POINTS])
{
    unsigned bpp = total - before_bpp;
    points[0] = before_bpp;
    points[1] = before_bpp + 1;
    points[2] = before_bpp + bpp / 4;
    points[3] = before_bpp + bpp / 2;
    points[4] = before_bpp + 3 * bpp / 4;
    points[5] = total;
}

#endif
