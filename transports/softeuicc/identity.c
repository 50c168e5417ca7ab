/* SPDX-License-Identifier: MIT */
/* The card's identity files: certificates given as DER or PEM (RFC 7468) are stored as DER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "Certificate.h"
#include "RulesAuthorisationTable.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "codec/pem.h"
#include "identity.h"

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/x509.h"
#endif

enum sgp32_status softeuicc_read_certificate(const char *path, uint8_t **der, size_t *der_len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data;
    size_t len;
    void *certificate = NULL;
    if (file == NULL)
        return SGP32_ERR_NOT_FOUND;
    data = malloc(65536 + 1);
    if (data == NULL) {
        fclose(file);
        return SGP32_ERR_NO_MEMORY;
    }
    len = fread(data, 1, 65536, file);
    fclose(file);
    if (len > 0 && data[0] != 0x30 &&
        sgp32_pem_decode((const char *)data, len, "CERTIFICATE", data, 65536 + 1, &len) != SGP32_OK)
        len = 0;
    if (len == 0 || sgp32_decode(SGP32_TYPE(Certificate), data, len, NULL, &certificate, NULL) != SGP32_OK) {
        free(data);
        return SGP32_ERR_DECODE;
    }
    sgp32_codec_free(SGP32_TYPE(Certificate), certificate);
    *der = data;
    *der_len = len;
    return SGP32_OK;
}

enum sgp32_status softeuicc_read_private_key(const char *path, uint8_t **key, size_t *key_len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data;
    size_t len;
    enum sgp32_status status;
    if (file == NULL)
        return SGP32_ERR_NOT_FOUND;
    data = malloc(16384);
    if (data == NULL) {
        fclose(file);
        return SGP32_ERR_NO_MEMORY;
    }
    len = fread(data, 1, 16384, file);
    fclose(file);
    status = len > 0 && len < 16384 ? softeuicc_check_private_key(data, len) : SGP32_ERR_DECODE;
    if (status != SGP32_OK) {
        memset(data, 0, 16384);
        free(data);
        return status;
    }
    *key = data;
    *key_len = len;
    return SGP32_OK;
}

int softeuicc_ci_certificate_path(const char *dir, const uint8_t pkid[20], char *path, size_t cap)
{
    size_t at, i;
    int n = snprintf(path, cap, "%s/ci-", dir);
    if (n < 0 || (size_t)n + 2u * 20u + sizeof(".der") > cap)
        return -1;
    at = (size_t)n;
    for (i = 0; i < 20; i++)
        at += (size_t)snprintf(path + at, cap - at, "%02X", pkid[i]);
    snprintf(path + at, cap - at, ".der");
    return 0;
}

enum sgp32_status softeuicc_install_ci_certificate(const char *dir, const char *file, uint8_t pkid[20])
{
#ifdef SGP32_HAVE_CRYPTO
    struct sgp32_x509_cert cert;
    char path[4096], temp[4096 + 8];
    uint8_t *der = NULL;
    size_t der_len = 0;
    FILE *out;
    enum sgp32_status status = softeuicc_read_certificate(file, &der, &der_len);
    if (status != SGP32_OK)
        return status;
    status = sgp32_x509_parse(&cert, der, der_len);
    if (status == SGP32_OK && cert.subject_key_id.len != 20)
        status = SGP32_ERR_DECODE;
    if (status == SGP32_OK) {
        memcpy(pkid, cert.subject_key_id.data, 20);
        if (softeuicc_ci_certificate_path(dir, pkid, path, sizeof(path)) != 0)
            status = SGP32_ERR_STORAGE;
    }
    if (status == SGP32_OK) {
        snprintf(temp, sizeof(temp), "%s.tmp", path);
        out = fopen(temp, "wb");
        if (out == NULL || fwrite(der, 1, der_len, out) != der_len)
            status = SGP32_ERR_STORAGE;
        if (out != NULL && fclose(out) != 0)
            status = SGP32_ERR_STORAGE;
        if (status == SGP32_OK && rename(temp, path) != 0)
            status = SGP32_ERR_STORAGE;
        if (status != SGP32_OK)
            remove(temp);
    }
    free(der);
    return status;
#else
    (void)dir;
    (void)file;
    (void)pkid;
    return SGP32_ERR_NOT_SUPPORTED;
#endif
}

/* The Rules Authorisation Table file (SGP.22 2.9.2.2): <dir>/rat.der. */
static void rat_path(const char *dir, char *path, size_t cap)
{
    snprintf(path, cap, "%s/rat.der", dir);
}

enum sgp32_status softeuicc_rat_install(const char *dir, const uint8_t *der, size_t len)
{
    char path[4096], temp[4096 + 8];
    void *table = softeuicc_decode(SGP32_TYPE(RulesAuthorisationTable), der, len);
    FILE *out;
    int ok;
    if (table == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_codec_free(SGP32_TYPE(RulesAuthorisationTable), table);
    rat_path(dir, path, sizeof(path));
    snprintf(temp, sizeof(temp), "%s.tmp", path);
    out = fopen(temp, "wb");
    if (out == NULL)
        return SGP32_ERR_STORAGE;
    ok = fwrite(der, 1, len, out) == len;
    ok = fclose(out) == 0 && ok;
    ok = ok && rename(temp, path) == 0;
    if (!ok)
        remove(temp);
    return ok ? SGP32_OK : SGP32_ERR_STORAGE;
}

uint8_t *softeuicc_rat_read(const char *dir, size_t *len)
{
    char path[4096];
    uint8_t *der;
    long size;
    FILE *file;
    rat_path(dir, path, sizeof(path));
    file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    der = NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) > 0 && fseek(file, 0, SEEK_SET) == 0 &&
        (der = malloc((size_t)size)) != NULL && fread(der, 1, (size_t)size, file) != (size_t)size) {
        free(der);
        der = NULL;
    }
    fclose(file);
    if (der != NULL)
        *len = (size_t)size;
    return der;
}
