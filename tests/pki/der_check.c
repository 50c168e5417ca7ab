/* SPDX-License-Identifier: MIT */
/*
 * pki_der_check <type> <file>...: decodes every file as the named ASN.1 type with the libsgp32 codec
 * in strict DER mode (SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS) and fails on the first that does
 * not decode. test_pki.sh runs it on each generated certificate: the eUICC and the IPA check
 * signatures over certificate bytes, so the generator must emit exactly the DER encoding.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sgp32/sgp32.h"

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;
    if (f == NULL)
        return -1;
    buf = malloc(SGP32_CODEC_DEFAULT_MAX_INPUT);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, SGP32_CODEC_DEFAULT_MAX_INPUT, f);
    if (ferror(f) || !feof(f) || n == 0) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

int main(int argc, char **argv)
{
    const struct sgp32_codec_type *type;
    /* A sanitizer build at -O0 needs several times asn1c's default 32 KiB recursion budget for a
     * Certificate (as in tests/codec/test_roundtrip.c); the input is tiny, so be generous. */
    struct sgp32_decode_options options = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 1024u * 1024u};
    int i, failed = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: pki_der_check <type> <file>...\n");
        return 2;
    }
    type = sgp32_codec_type_find(argv[1]);
    if (type == NULL) {
        fprintf(stderr, "pki_der_check: unknown type '%s'\n", argv[1]);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        void *value = NULL;
        enum sgp32_status st;
        if (read_file(argv[i], &data, &len) != 0) {
            fprintf(stderr, "pki_der_check: cannot read '%s' (missing, empty or too large)\n", argv[i]);
            failed = 1;
            continue;
        }
        st = sgp32_decode(type, data, len, &options, &value, NULL);
        free(data);
        sgp32_codec_free(type, value);
        if (st != SGP32_OK) {
            fprintf(stderr, "pki_der_check: %s: not a DER %s: %s\n", argv[i], argv[1], sgp32_status_name(st));
            failed = 1;
        }
    }
    return failed;
}
