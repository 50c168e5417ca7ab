/* SPDX-License-Identifier: MIT */
/* ES10c of SGP.22 v2.5 (5.7.15 - 5.7.21): profiles, memory reset, EID, nickname. */
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"

#define REQUEST_MAX 128u

static int valid_id(int id_type, const uint8_t *id, size_t id_len)
{
    if (id == NULL)
        return 0;
    if (id_type == SGP32_ES10_PROFILE_ICCID)
        return id_len == 10;
    return id_type == SGP32_ES10_PROFILE_AID && id_len >= 5 && id_len <= 16;
}

enum sgp32_status sgp32_es10_get_profiles_info(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                               uint8_t **answer, size_t *answer_len)
{
    static const uint8_t all[] = {0xBF, 0x2D, 0x00};
    enum sgp32_status st;
    if (session == NULL || answer == NULL || answer_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (request == NULL)
        return es10_command(session, all, sizeof(all), 0xBF2D, ES10_RETRY, answer, answer_len);
    st = es10_forward(session, request, request_len, 0xBF2D, answer, answer_len);
    return st;
}

/* Enable/DisableProfile: `tag` { profileIdentifier [0] CHOICE { 4F | 5A }, refreshFlag [1] }. */
static enum sgp32_status switch_profile(struct sgp32_es10 *session, uint32_t tag, int id_type, const uint8_t *id,
                                        size_t id_len, int refresh)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || !valid_id(id_type, id, id_len))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, tag);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_bytes(&w, (uint32_t)id_type, id, id_len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_boolean(&w, 0x81, refresh);
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_enable_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len,
                                            int refresh)
{
    return switch_profile(session, 0xBF31, id_type, id, id_len, refresh);
}

enum sgp32_status sgp32_es10_disable_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len,
                                             int refresh)
{
    return switch_profile(session, 0xBF32, id_type, id, id_len, refresh);
}

enum sgp32_status sgp32_es10_delete_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || !valid_id(id_type, id, id_len))
        return SGP32_ERR_INVALID_ARGUMENT;
    /* DeleteProfileRequest is itself the CHOICE: BF33 { 4F | 5A }. */
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF33);
    sgp32_der_writer_bytes(&w, (uint32_t)id_type, id, id_len);
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_euicc_memory_reset(struct sgp32_es10 *session, uint32_t options)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || options == 0 || options > 0x7u)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF34);
    sgp32_der_writer_named_bits(&w, 0x82, options); /* resetOptions [2] */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_get_euicc_data(struct sgp32_es10 *session, const uint8_t *tag_list, size_t tag_list_len,
                                            uint8_t **answer, size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || tag_list == NULL || tag_list_len == 0 || tag_list_len > 64 || answer == NULL ||
        answer_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF3E);
    sgp32_der_writer_bytes(&w, 0x5C, tag_list, tag_list_len); /* tagList [APPLICATION 28] */
    sgp32_der_writer_end(&w);
    return es10_writer_command(session, &w, ES10_RETRY, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_eid(struct sgp32_es10 *session, uint8_t eid[16])
{
    static const uint8_t eid_tag = 0x5A;
    uint8_t *answer = NULL;
    size_t answer_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    enum sgp32_status st;
    if (session == NULL || eid == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = sgp32_es10_get_euicc_data(session, &eid_tag, 1, &answer, &answer_len);
    if (st != SGP32_OK)
        return st;
    /* GetEuiccDataResponse: eidValue [APPLICATION 26] Octet16. */
    if (sgp32_der_find_child(answer, answer_len, 0x5A, &value, &value_len, NULL) && value_len == 16)
        memcpy(eid, value, 16);
    else
        st = es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    sgp32_buffer_free(answer);
    return st;
}

enum sgp32_status sgp32_es10_set_nickname(struct sgp32_es10 *session, const uint8_t iccid[10], const char *nickname)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || iccid == NULL || nickname == NULL || strlen(nickname) > 64)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF29);
    sgp32_der_writer_bytes(&w, 0x5A, iccid, 10);
    sgp32_der_writer_bytes(&w, 0x90, (const uint8_t *)nickname, strlen(nickname)); /* profileNickname [16] */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}
