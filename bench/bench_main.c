/* SPDX-License-Identifier: MIT */
/*
 * sgp32-bench [download|eim|codec|all] [--check] [--quick]
 *   download  direct profile download of every TS.48 profile through the IPA core (and synthetic
 *             profiles 2x / 4x / 8x the smallest): APDUs, STORE DATA, HTTP bytes, the IPA's heap
 *   eim       the eIM package round trip over the ESipa ASN.1 and JSON bindings
 *   codec     decode + re-encode of the known vectors: allocations and bytes
 * --check applies the budgets (exit 1 if one is exceeded); --quick runs the smoke subset.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_alloc.h"

int bench_budget(const struct bench_options *options, const char *what, double value, double limit)
{
    int exceeded = value > limit;
    if (!options->check)
        return 0;
    printf("budget %-52s %12.3f <= %12.3f  %s\n", what, value, limit, exceeded ? "EXCEEDED" : "ok");
    return exceeded;
}

void bench_shared_path(const char *relative, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", SGP32_SHARED_DIR, relative);
}

static int usage(void)
{
    fprintf(stderr, "usage: sgp32-bench [download|eim|codec|all] [--check] [--quick]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct bench_options options = {0, 0};
    const char *which = "all";
    int i, failures = 0, r;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            options.check = 1;
        else if (strcmp(argv[i], "--quick") == 0)
            options.quick = 1;
        else if (argv[i][0] != '-')
            which = argv[i];
        else
            return usage();
    }
    if (strcmp(which, "all") != 0 && strcmp(which, "download") != 0 && strcmp(which, "eim") != 0 &&
        strcmp(which, "codec") != 0)
        return usage();
    if (!bench_alloc_enabled())
        printf("note: sanitizer build, heap figures not measured (0)\n");
    if (strcmp(which, "all") == 0 || strcmp(which, "download") == 0) {
        r = bench_download(&options);
        if (r < 0)
            return 1;
        failures += r;
    }
    if (strcmp(which, "all") == 0 || strcmp(which, "eim") == 0) {
        r = bench_eim(&options);
        if (r < 0)
            return 1;
        failures += r;
    }
    if (strcmp(which, "all") == 0 || strcmp(which, "codec") == 0) {
        r = bench_codec(&options);
        if (r < 0)
            return 1;
        failures += r;
    }
    if (options.check)
        printf("%d budget(s) exceeded\n", failures);
    return failures == 0 ? 0 : 1;
}
