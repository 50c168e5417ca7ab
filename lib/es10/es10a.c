/* SPDX-License-Identifier: MIT */
/* ES10a (SGP.22 5.7.3, 5.7.4): the configured addresses and the default SM-DP+ address, plus the SGP.32
 * variant of SetDefaultDpAddress (SGP.32 5.9.25, BF65). */
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"

#define REQUEST_MAX 300u

static enum sgp32_status copy_string(const uint8_t *value, size_t len, char *out, size_t cap)
{
    if (out == NULL)
        return SGP32_OK;
    if (len >= cap)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    if (len > 0)
        memcpy(out, value, len);
    out[len] = '\0';
    return SGP32_OK;
}

enum sgp32_status sgp32_es10_get_euicc_configured_addresses(struct sgp32_es10 *session, char *default_dp_address,
                                                            size_t default_dp_address_cap, char *root_ds_address,
                                                            size_t root_ds_address_cap)
{
    static const uint8_t request[] = {0xBF, 0x3C, 0x00};
    uint8_t *answer = NULL;
    size_t answer_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    enum sgp32_status st;

    if (session == NULL || (default_dp_address != NULL && default_dp_address_cap == 0) ||
        (root_ds_address != NULL && root_ds_address_cap == 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (default_dp_address != NULL)
        default_dp_address[0] = '\0';
    if (root_ds_address != NULL)
        root_ds_address[0] = '\0';
    st = es10_command(session, request, sizeof(request), 0xBF3C, ES10_RETRY, &answer, &answer_len);
    if (st != SGP32_OK)
        return st;
    /* EuiccConfiguredAddressesResponse: defaultDpAddress [0] OPTIONAL, rootDsAddress [1]. */
    if (sgp32_der_find_child(answer, answer_len, 0x80, &value, &value_len, NULL))
        st = copy_string(value, value_len, default_dp_address, default_dp_address_cap);
    if (st == SGP32_OK && sgp32_der_find_child(answer, answer_len, 0x81, &value, &value_len, NULL))
        st = copy_string(value, value_len, root_ds_address, root_ds_address_cap);
    sgp32_buffer_free(answer);
    return st == SGP32_OK ? st : es10_fail(session, st, 0x9000u, 0xE2, "es10 response");
}

static enum sgp32_status set_address(struct sgp32_es10 *session, uint32_t tag, const char *address)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || address == NULL || strlen(address) > 255)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, tag);
    sgp32_der_writer_bytes(&w, 0x80, (const uint8_t *)address, strlen(address)); /* defaultDpAddress [0] */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_set_default_dp_address(struct sgp32_es10 *session, const char *address)
{
    return set_address(session, 0xBF3F, address);
}

enum sgp32_status sgp32_es10_set_default_dp_address_iot(struct sgp32_es10 *session, const char *address)
{
    return set_address(session, 0xBF65, address);
}
