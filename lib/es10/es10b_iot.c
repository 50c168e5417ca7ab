/* SPDX-License-Identifier: MIT */
/* ES10b additions of SGP.32 v1.2 (5.9): eIM configuration, certificates, immediate enable, rollback,
 * emergency profile, fallback, connectivity parameters, IPAe activation and the IoT memory reset. */
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"

#define REQUEST_MAX 320u

enum sgp32_status sgp32_es10_load_euicc_package(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                                uint8_t **answer, size_t *answer_len)
{
    return es10_forward(session, request, request_len, 0xBF51, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_eim_configuration_data(struct sgp32_es10 *session, const char *eim_id,
                                                        uint8_t **answer, size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || (eim_id != NULL && (eim_id[0] == '\0' || strlen(eim_id) > 128)))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF55);
    if (eim_id != NULL) {
        sgp32_der_writer_begin(&w, 0xA0); /* searchCriteria [0] CHOICE { eimId [0] } */
        sgp32_der_writer_bytes(&w, 0x80, (const uint8_t *)eim_id, strlen(eim_id));
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    return es10_answer_command(session, &w, ES10_RETRY, 0, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_certs(struct sgp32_es10 *session, const uint8_t *ci_pkid, size_t ci_pkid_len,
                                       uint8_t **answer, size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || (ci_pkid != NULL && (ci_pkid_len == 0 || ci_pkid_len > 64)))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF56);
    if (ci_pkid != NULL)
        sgp32_der_writer_bytes(&w, 0x80, ci_pkid, ci_pkid_len); /* euiccCiPKId [0] */
    sgp32_der_writer_end(&w);
    return es10_answer_command(session, &w, ES10_RETRY, 0x81, answer, answer_len); /* getCertsError [1] */
}

enum sgp32_status sgp32_es10_add_initial_eim(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                             uint8_t **answer, size_t *answer_len)
{
    enum sgp32_status st = es10_forward(session, request, request_len, 0xBF57, answer, answer_len);
    if (st != SGP32_OK)
        return st;
    return es10_map_error_child(session, *answer, *answer_len, 0x81); /* addInitialEimError [1] */
}

enum sgp32_status sgp32_es10_profile_rollback(struct sgp32_es10 *session, int refresh, uint8_t **answer,
                                              size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    uint8_t *received = NULL;
    size_t received_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    long code = 0;
    enum sgp32_status st;

    if (session == NULL || (answer == NULL) != (answer_len == NULL))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF58);
    sgp32_der_writer_boolean(&w, 0x80, refresh);
    sgp32_der_writer_end(&w);
    st = es10_writer_command(session, &w, ES10_NO_RETRY, &received, &received_len);
    if (st != SGP32_OK)
        return st;
    /* cmdResult is the first member (universal INTEGER: its sibling is tagged, so no automatic tags). */
    if (!sgp32_der_find_child(received, received_len, 0, &value, &value_len, NULL) ||
        !sgp32_der_integer(value, value_len, &code))
        st = es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    else
        st = es10_result(session, code);
    if (answer != NULL) {
        *answer = received;
        *answer_len = received_len;
    } else {
        sgp32_buffer_free(received);
    }
    return st;
}

enum sgp32_status sgp32_es10_configure_immediate_profile_enabling(struct sgp32_es10 *session, int immediate_enable,
                                                                  const uint8_t *smdp_oid, size_t smdp_oid_len,
                                                                  const char *smdp_address)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || (smdp_oid != NULL && (smdp_oid_len == 0 || smdp_oid_len > 32)) ||
        (smdp_address != NULL && strlen(smdp_address) > 255))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF59);
    if (immediate_enable)
        sgp32_der_writer_bytes(&w, 0x80, NULL, 0); /* immediateEnableFlag [0] NULL */
    if (smdp_oid != NULL)
        sgp32_der_writer_bytes(&w, 0x81, smdp_oid, smdp_oid_len); /* defaultSmdpOid [1] */
    if (smdp_address != NULL)
        sgp32_der_writer_bytes(&w, 0x82, (const uint8_t *)smdp_address, strlen(smdp_address)); /* [2] */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

/* `tag` { refreshFlag BOOLEAN } -> `tag` { result [0] INTEGER }: the switching commands of 5.9.15,
 * 5.9.20 - 5.9.23. */
static enum sgp32_status refresh_command(struct sgp32_es10 *session, uint32_t tag, int refresh)
{
    uint8_t buf[16];
    struct sgp32_der_writer w;
    if (session == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, tag);
    sgp32_der_writer_boolean(&w, 0x80, refresh);
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_immediate_enable(struct sgp32_es10 *session, int refresh)
{
    return refresh_command(session, 0xBF5A, refresh);
}

enum sgp32_status sgp32_es10_enable_emergency_profile(struct sgp32_es10 *session, int refresh)
{
    return refresh_command(session, 0xBF5B, refresh);
}

enum sgp32_status sgp32_es10_disable_emergency_profile(struct sgp32_es10 *session, int refresh)
{
    return refresh_command(session, 0xBF5C, refresh);
}

enum sgp32_status sgp32_es10_execute_fallback_mechanism(struct sgp32_es10 *session, int refresh)
{
    return refresh_command(session, 0xBF5D, refresh);
}

enum sgp32_status sgp32_es10_return_from_fallback(struct sgp32_es10 *session, int refresh)
{
    return refresh_command(session, 0xBF5E, refresh);
}

enum sgp32_status sgp32_es10_get_connectivity_parameters(struct sgp32_es10 *session, uint8_t **answer,
                                                         size_t *answer_len)
{
    uint8_t buf[8];
    struct sgp32_der_writer w;
    if (session == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF5F);
    sgp32_der_writer_end(&w);
    /* connectivityParametersError [1] */
    return es10_answer_command(session, &w, ES10_RETRY, 0x81, answer, answer_len);
}

enum sgp32_status sgp32_es10_ipae_activation(struct sgp32_es10 *session, int activate)
{
    uint8_t buf[16];
    struct sgp32_der_writer w;
    if (session == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF42);
    sgp32_der_writer_named_bits(&w, 0x80, activate ? 1u : 0u); /* ipaeOption [0] { activateIpae(0) } */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_euicc_memory_reset_iot(struct sgp32_es10 *session, uint32_t options, long *eim_result,
                                                    long *immediate_enable_result)
{
    uint8_t buf[16];
    struct sgp32_der_writer w;
    uint8_t *answer = NULL;
    size_t answer_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    long code = 0;
    enum sgp32_status st;

    if (eim_result != NULL)
        *eim_result = -1;
    if (immediate_enable_result != NULL)
        *immediate_enable_result = -1;
    if (session == NULL || options == 0 || options > 0x7Fu)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF64);
    sgp32_der_writer_named_bits(&w, 0x82, options); /* resetOptions [2] */
    sgp32_der_writer_end(&w);
    st = es10_writer_command(session, &w, ES10_NO_RETRY, &answer, &answer_len);
    if (st != SGP32_OK)
        return st;
    /* resetResult [0], resetEimResult [1] OPTIONAL, resetImmediateEnableConfigResult [2] OPTIONAL */
    if (eim_result != NULL && sgp32_der_find_child(answer, answer_len, 0x81, &value, &value_len, NULL))
        (void)sgp32_der_integer(value, value_len, eim_result);
    if (immediate_enable_result != NULL && sgp32_der_find_child(answer, answer_len, 0x82, &value, &value_len, NULL))
        (void)sgp32_der_integer(value, value_len, immediate_enable_result);
    if (!sgp32_der_find_child(answer, answer_len, 0x80, &value, &value_len, NULL) ||
        !sgp32_der_integer(value, value_len, &code))
        st = es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    else
        st = es10_result(session, code);
    sgp32_buffer_free(answer);
    return st;
}
