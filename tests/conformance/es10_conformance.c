/* SPDX-License-Identifier: MIT */
/* The shared ES10 conformance suite (see es10_conformance.h and docs/conformance.md). */
#include "es10_conformance.h"
#include "es10_conformance_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "EUICCInfo1.h"
#include "GetCertsResponse.h"
#include "GetEimConfigurationDataResponse.h"
#include "GetEuiccDataResponse.h"
#include "ListNotificationResponse.h"
#include "SGP32-EUICCInfo2.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "sgp32/sgp32.h"

/* Logical channels 1..19 exist on a card (ISO 7816-4 5.4.1: 1-3 basic CLA, 4-19 further CLA). */
#define ALL_CHANNELS 19u

/* ES10 requests (SGP.22 5.7, SGP.32 5.9), each the DER of its request type. */
static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}; /* GetEuiccDataRequest { tagList 5A } */
static const uint8_t get_info1[] = {0xBF, 0x20, 0x00};                 /* GetEuiccInfo1Request */
static const uint8_t get_info2[] = {0xBF, 0x22, 0x00};                 /* GetEuiccInfo2Request */
static const uint8_t get_profiles[] = {0xBF, 0x2D, 0x00};              /* ProfileInfoListRequest */
static const uint8_t get_certs[] = {0xBF, 0x56, 0x00};                 /* GetCertsRequest */
static const uint8_t list_notification[] = {0xBF, 0x28, 0x00};         /* ListNotificationRequest */
static const uint8_t get_eim_config[] = {0xBF, 0x55, 0x00};            /* GetEimConfigurationDataRequest */
static const uint8_t unknown_tag[] = {0xBF, 0x7F, 0x00};               /* no ES10 command has tag BF7F */

static void observe(struct observed_transport *t, const uint8_t *command, size_t command_len)
{
    if (command_len >= 2 && command[1] == 0xE2) {
        t->store_data_blocks++;
        t->last_store_data_cla = command[0];
    }
}

static enum sgp32_status observed_open(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    return t->inner.ops->open(t->inner.user, atr, atr_cap, atr_len, timeout_ms);
}

static void observed_close(void *user)
{
    struct observed_transport *t = user;
    t->inner.ops->close(t->inner.user);
}

static enum sgp32_status observed_transmit(void *user, const uint8_t *command, size_t command_len, uint8_t *response,
                                           size_t response_cap, size_t *response_len, uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    observe(t, command, command_len);
    return t->inner.ops->transmit(t->inner.user, command, command_len, response, response_cap, response_len,
                                  timeout_ms);
}

static enum sgp32_status observed_reset(void *user, uint8_t *atr, size_t atr_cap, size_t *atr_len, uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    return t->inner.ops->reset(t->inner.user, atr, atr_cap, atr_len, timeout_ms);
}

static enum sgp32_status observed_open_channel(void *user, const uint8_t *aid, size_t aid_len, uint32_t *channel,
                                               uint8_t *select_response, size_t select_cap, size_t *select_len,
                                               uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    return t->inner.ops->open_logical_channel(t->inner.user, aid, aid_len, channel, select_response, select_cap,
                                              select_len, timeout_ms);
}

static enum sgp32_status observed_close_channel(void *user, uint32_t channel, uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    return t->inner.ops->close_logical_channel(t->inner.user, channel, timeout_ms);
}

static enum sgp32_status observed_transmit_on_channel(void *user, uint32_t channel, const uint8_t *command,
                                                      size_t command_len, uint8_t *response, size_t response_cap,
                                                      size_t *response_len, uint32_t timeout_ms)
{
    struct observed_transport *t = user;
    observe(t, command, command_len);
    return t->inner.ops->transmit_on_channel(t->inner.user, channel, command, command_len, response, response_cap,
                                             response_len, timeout_ms);
}

static int observed_proactive_pending(void *user)
{
    struct observed_transport *t = user;
    return t->inner.ops->proactive_pending(t->inner.user);
}

static void observed_init(struct observed_transport *t, const struct sgp32_apdu_transport *inner)
{
    const struct sgp32_apdu_transport_ops *in = inner->ops;
    memset(t, 0, sizeof(*t));
    t->inner = *inner;
    t->ops.version = in->version;
    t->ops.size = in->size;
    t->ops.flags = in->flags;
    /* Only what the transport implements is offered, so lib/es10 sees the same capabilities. */
    t->ops.open = in->open != NULL ? observed_open : NULL;
    t->ops.close = in->close != NULL ? observed_close : NULL;
    t->ops.transmit = in->transmit != NULL ? observed_transmit : NULL;
    t->ops.reset = in->reset != NULL ? observed_reset : NULL;
    if (in->size >= sizeof(*in)) {
        t->ops.open_logical_channel = in->open_logical_channel != NULL ? observed_open_channel : NULL;
        t->ops.close_logical_channel = in->close_logical_channel != NULL ? observed_close_channel : NULL;
        t->ops.transmit_on_channel = in->transmit_on_channel != NULL ? observed_transmit_on_channel : NULL;
        t->ops.proactive_pending = in->proactive_pending != NULL ? observed_proactive_pending : NULL;
    }
    t->outer.ops = &t->ops;
    t->outer.user = t;
}

/* ---- Recording */

struct es10_conformance_check *conformance_begin(struct run *run, const char *name)
{
    struct es10_conformance_check *check = &run->report->checks[run->report->count++];
    check->name = name;
    check->status = ES10_CONFORMANCE_FAIL;
    check->sw = 0;
    snprintf(check->outcome, sizeof(check->outcome), "not run");
    return check;
}

void conformance_finish(struct es10_conformance_check *check, int passed, uint16_t sw, const char *format, ...)
{
    va_list args;
    check->status = passed ? ES10_CONFORMANCE_PASS : ES10_CONFORMANCE_FAIL;
    check->sw = sw;
    va_start(args, format);
    vsnprintf(check->outcome, sizeof(check->outcome), format, args);
    va_end(args);
}

/* The status word that ended the last exchange of a session: 9000 after a success (every APDU of a
 * successful command or connection ends 9000), else the one kept in the error detail. */
uint16_t conformance_session_sw(const struct sgp32_es10 *session, enum sgp32_status st)
{
    return st == SGP32_OK ? 0x9000u : sgp32_es10_last_error(session)->sw;
}

void conformance_finish_failure(struct es10_conformance_check *check, const struct sgp32_es10 *session,
                                enum sgp32_status st, const char *what)
{
    const struct sgp32_es10_error *error = sgp32_es10_last_error(session);
    conformance_finish(check, 0, conformance_session_sw(session, st), "%s failed: %s at step %s", what,
                       sgp32_status_name(st), error != NULL ? error->step : "none");
}

/* One ES10 command whose answer must decode strictly (DER) as `type_name`; *value is the decoded
 * answer (free with sgp32_codec_free) or NULL with the check finished as failed. */
static void *command(struct es10_conformance_check *check, struct sgp32_es10 *session, const uint8_t *request,
                     size_t request_len, const char *type_name, size_t *answer_len)
{
    struct sgp32_decode_options options;
    const struct sgp32_codec_type *type = sgp32_codec_type_find(type_name);
    uint8_t *answer = NULL;
    size_t len = 0;
    void *value = NULL;
    enum sgp32_status st;

    if (session == NULL) {
        conformance_finish(check, 0, 0, "no ES10 session (connect failed)");
        return NULL;
    }
    st = sgp32_es10_transceive(session, request, request_len, &answer, &len);
    if (st != SGP32_OK) {
        conformance_finish_failure(check, session, st, "the command");
        return NULL;
    }
    memset(&options, 0, sizeof(options));
    options.flags = SGP32_DECODE_DER;
    st = type != NULL ? sgp32_decode(type, answer, len, &options, &value, NULL) : SGP32_ERR_NOT_FOUND;
    sgp32_buffer_free(answer);
    if (st != SGP32_OK) {
        conformance_finish(check, 0, 0x9000u, "the answer does not decode as %s (%s)", type_name,
                           sgp32_status_name(st));
        return NULL;
    }
    if (answer_len != NULL)
        *answer_len = len;
    return value;
}

/* GetEID on a session: 1 when it answers the expected EID. */
static int reads_eid(struct run *run, struct sgp32_es10 *session, struct es10_conformance_check *check)
{
    GetEuiccDataResponse_t *value = command(check, session, get_eid, sizeof(get_eid), "GetEuiccDataResponse", NULL);
    int equal;
    if (value == NULL)
        return 0;
    equal = value->eidValue.size == 16 && memcmp(value->eidValue.buf, run->expected_eid, 16) == 0;
    sgp32_codec_free(sgp32_codec_type_find("GetEuiccDataResponse"), value);
    if (!equal)
        conformance_finish(check, 0, 0x9000u, "GetEuiccDataResponse decodes, but eidValue is not the expected EID");
    return equal;
}

int es10_conformance_eid_matches(struct sgp32_es10 *session, const uint8_t eid[16])
{
    struct es10_conformance_check scratch;
    struct run run;
    memset(&run, 0, sizeof(run));
    run.expected_eid = eid;
    return reads_eid(&run, session, &scratch);
}

/* ---- The checks, in report order */

static void check_connect(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "connect");
    enum sgp32_status st = sgp32_es10_new(&run->observed.outer, NULL, &run->session);
    if (st != SGP32_OK) {
        conformance_finish(check, 0, 0, "sgp32_es10_new failed: %s", sgp32_status_name(st));
        run->session = NULL;
        return;
    }
    st = sgp32_es10_connect(run->session);
    if (st != SGP32_OK) {
        conformance_finish_failure(check, run->session, st, "connect");
        sgp32_es10_free(run->session);
        run->session = NULL;
        return;
    }
    conformance_finish(check, 1, 0x9000u, "logical channel opened, ISD-R selected, TERMINAL CAPABILITY accepted");
}

static void check_get_eid(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "get_eid");
    if (reads_eid(run, run->session, check))
        conformance_finish(check, 1, 0x9000u, "GetEuiccDataResponse decodes, eidValue is the expected EID");
}

static void check_euicc_info1(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "get_euicc_info1");
    EUICCInfo1_t *info = command(check, run->session, get_info1, sizeof(get_info1), "EUICCInfo1", NULL);
    int verification, signing;
    if (info == NULL)
        return;
    verification = info->euiccCiPKIdListForVerification.list.count;
    signing = info->euiccCiPKIdListForSigning.list.count;
    conformance_finish(check, verification >= 1, 0x9000u,
                       "EUICCInfo1 decodes: %d CI PKID(s) for verification, %d for signing", verification, signing);
    sgp32_codec_free(sgp32_codec_type_find("EUICCInfo1"), info);
}

static void check_euicc_info2(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "get_euicc_info2");
    SGP32_EUICCInfo2_t *info = command(check, run->session, get_info2, sizeof(get_info2), "SGP32-EUICCInfo2", NULL);
    if (info == NULL)
        return;
    conformance_finish(check, 1, 0x9000u, "SGP32-EUICCInfo2 decodes: %d CI PKID(s) for verification, %d for signing",
                       info->euiccCiPKIdListForVerification.list.count, info->euiccCiPKIdListForSigning.list.count);
    sgp32_codec_free(sgp32_codec_type_find("SGP32-EUICCInfo2"), info);
}

/* Both GetProfilesInfo checks judge a SGP32-ProfileInfoListResponse. */
static void judge_profile_list(struct es10_conformance_check *check, SGP32_ProfileInfoListResponse_t *list,
                               const char *what)
{
    if (list->present == SGP32_ProfileInfoListResponse_PR_profileInfoListOk)
        conformance_finish(check, 1, 0x9000u,
                           "%s: SGP32-ProfileInfoListResponse decodes: profileInfoListOk, %d profile(s)", what,
                           list->choice.profileInfoListOk.list.count);
    else
        conformance_finish(check, 0, 0x9000u, "%s: SGP32-ProfileInfoListResponse decodes, but not as profileInfoListOk",
                           what);
    sgp32_codec_free(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), list);
}

static void check_profiles_info(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "get_profiles_info");
    SGP32_ProfileInfoListResponse_t *list =
        command(check, run->session, get_profiles, sizeof(get_profiles), "SGP32-ProfileInfoListResponse", NULL);
    if (list != NULL)
        judge_profile_list(check, list, "GetProfilesInfo");
}

/* GetProfilesInfo with a 600-byte tag list: BF2D 82 025C | 5C 82 0258 <600 x 5A>, 609 bytes in
 * STORE DATA blocks of 255 + 255 + 99 (SGP.22 5.7.2). */
static void check_long_request(struct run *run)
{
    static const uint8_t head[] = {0xBF, 0x2D, 0x82, 0x02, 0x5C, 0x5C, 0x82, 0x02, 0x58};
    struct es10_conformance_check *check = conformance_begin(run, "long_request");
    uint8_t request[sizeof(head) + 600];
    SGP32_ProfileInfoListResponse_t *list;
    unsigned blocks = run->observed.store_data_blocks;

    memcpy(request, head, sizeof(head));
    memset(request + sizeof(head), 0x5A, 600);
    list = command(check, run->session, request, sizeof(request), "SGP32-ProfileInfoListResponse", NULL);
    if (list == NULL)
        return;
    blocks = run->observed.store_data_blocks - blocks;
    if (blocks != 3) {
        conformance_finish(check, 0, 0x9000u, "the 609-byte request went out in %u STORE DATA block(s), not 3", blocks);
        sgp32_codec_free(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), list);
        return;
    }
    judge_profile_list(check, list, "609 bytes in 3 STORE DATA blocks");
}

/* GetCerts: both certificates, well over 256 bytes, hence several R-APDUs (61xx / GET RESPONSE on
 * T=0, chained answers elsewhere) that lib/es10 joins. */
static void check_long_answer(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "long_answer");
    size_t len = 0;
    GetCertsResponse_t *certs = command(check, run->session, get_certs, sizeof(get_certs), "GetCertsResponse", &len);
    if (certs == NULL)
        return;
    if (certs->present == GetCertsResponse_PR_certs && len > 256)
        conformance_finish(check, 1, 0x9000u,
                           "GetCertsResponse of more than 256 bytes decodes: EUM and eUICC certificates");
    else
        conformance_finish(check, 0, 0x9000u, "GetCertsResponse decodes, but %s",
                           certs->present == GetCertsResponse_PR_certs ? "has no more than 256 bytes"
                                                                       : "holds no certificates");
    sgp32_codec_free(sgp32_codec_type_find("GetCertsResponse"), certs);
}

static void check_unknown_tag(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "unknown_tag");
    const struct sgp32_es10_error *error;
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    uint16_t sw;
    int had_answer;

    if (run->session == NULL) {
        conformance_finish(check, 0, 0, "no ES10 session (connect failed)");
        return;
    }
    st = sgp32_es10_transceive(run->session, unknown_tag, sizeof(unknown_tag), &answer, &len);
    error = sgp32_es10_last_error(run->session);
    had_answer = answer != NULL || len != 0;
    sgp32_buffer_free(answer);
    sw = error->sw;
    if (st != SGP32_ERR_CARD_STATUS || error->status != st || sw != 0x6A88 || error->ins != 0xE2 ||
        strcmp(error->step, "store data") != 0 || had_answer) {
        conformance_finish(check, 0, sw,
                           "BF7F: %s at step %s, INS %02X (expected SGP32_ERR_CARD_STATUS, SW 6A88, store data)",
                           sgp32_status_name(st), error->step, error->ins);
        return;
    }
    if (reads_eid(run, run->session, check))
        conformance_finish(check, 1, sw,
                           "BF7F: SGP32_ERR_CARD_STATUS at step store data, INS E2; the session still reads the EID");
}

static void check_list_notification(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "list_notification");
    ListNotificationResponse_t *list =
        command(check, run->session, list_notification, sizeof(list_notification), "ListNotificationResponse", NULL);
    if (list == NULL)
        return;
    if (list->present == ListNotificationResponse_PR_notificationMetadataList)
        conformance_finish(check, 1, 0x9000u,
                           "ListNotificationResponse decodes: notificationMetadataList, %d notification(s)",
                           list->choice.notificationMetadataList.list.count);
    else
        conformance_finish(check, 0, 0x9000u, "ListNotificationResponse decodes, but as listNotificationsResultError");
    sgp32_codec_free(sgp32_codec_type_find("ListNotificationResponse"), list);
}

static void check_eim_configuration(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "get_eim_configuration_data");
    GetEimConfigurationDataResponse_t *data =
        command(check, run->session, get_eim_config, sizeof(get_eim_config), "GetEimConfigurationDataResponse", NULL);
    if (data == NULL)
        return;
    conformance_finish(check, 1, 0x9000u, "GetEimConfigurationDataResponse decodes: %d eIM(s)",
                       data->eimConfigurationDataList.list.count);
    sgp32_codec_free(sgp32_codec_type_find("GetEimConfigurationDataResponse"), data);
}

/* Where lib/es10 codes the channel into the CLA itself, channels 4..19 need the further interindustry
 * coding (ISO 7816-4 5.4.1): proprietary class, b7 set, channel - 4 in b4..b1. */
static int cla_fits(const struct run *run, uint32_t channel)
{
    uint8_t cla = run->observed.last_store_data_cla;
    if (run->observed.ops.flags & SGP32_TRANSPORT_OWNS_CHANNELS)
        return (cla & 0x4Fu) == 0; /* the transport sets the channel bits */
    if (channel <= 3)
        return cla == (uint8_t)(0x80u | channel);
    return cla == (uint8_t)(0xC0u | (channel - 4u));
}

static void check_concurrent_sessions(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "concurrent_sessions");
    uint32_t channels[FURTHER_SESSIONS + 1];
    unsigned i, j;
    enum sgp32_status st;

    if (run->session == NULL) {
        conformance_finish(check, 0, 0, "no ES10 session (connect failed)");
        return;
    }
    channels[0] = sgp32_es10_channel(run->session);
    for (i = 0; i < FURTHER_SESSIONS; i++) {
        st = sgp32_es10_new(&run->observed.outer, NULL, &run->further[i]);
        if (st == SGP32_OK)
            st = sgp32_es10_connect(run->further[i]);
        if (st != SGP32_OK) {
            conformance_finish(check, 0, conformance_session_sw(run->further[i], st),
                               "session %u of %u: connect failed: %s at step %s", i + 2, FURTHER_SESSIONS + 1,
                               sgp32_status_name(st),
                               run->further[i] != NULL ? sgp32_es10_last_error(run->further[i])->step : "new");
            return;
        }
        channels[i + 1] = sgp32_es10_channel(run->further[i]);
        for (j = 0; j <= i; j++)
            if (channels[j] == channels[i + 1]) {
                conformance_finish(check, 0, 0x9000u, "session %u got the channel of session %u", i + 2, j + 1);
                return;
            }
    }
    for (i = 0; i < FURTHER_SESSIONS; i++) {
        if (!reads_eid(run, run->further[i], check))
            return;
        if (!cla_fits(run, channels[i + 1])) {
            conformance_finish(check, 0, 0x9000u, "session %u: CLA %02X does not code its channel", i + 2,
                               run->observed.last_store_data_cla);
            return;
        }
    }
    conformance_finish(check, 1, 0x9000u,
                       "%u further sessions connected (5 at once, distinct channels), each reads the EID",
                       FURTHER_SESSIONS);
}

static void check_reconnect(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "reconnect");
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;

    if (run->session == NULL) {
        conformance_finish(check, 0, 0, "no ES10 session (connect failed)");
        return;
    }
    sgp32_es10_disconnect(run->session);
    st = sgp32_es10_transceive(run->session, get_eid, sizeof(get_eid), &answer, &len);
    sgp32_buffer_free(answer);
    if (st != SGP32_ERR_STATE) {
        conformance_finish(check, 0, conformance_session_sw(run->session, st),
                           "after disconnect GetEID answered %s (expected SGP32_ERR_STATE)", sgp32_status_name(st));
        return;
    }
    st = sgp32_es10_connect(run->session);
    if (st != SGP32_OK) {
        conformance_finish_failure(check, run->session, st, "connect after disconnect");
        return;
    }
    if (reads_eid(run, run->session, check))
        conformance_finish(check, 1, 0x9000u,
                           "after disconnect ES10 is refused (SGP32_ERR_STATE); connected again, reads the EID");
}

/* Freeing sessions releases their channels: with the main session still open, sessions 2..19 (every
 * remaining logical channel) open at once afterwards, which fails if any freed channel leaked. */
static void check_channels_released(struct run *run)
{
    struct es10_conformance_check *check = conformance_begin(run, "channels_released");
    struct sgp32_es10 *sessions[ALL_CHANNELS - 1];
    unsigned i, opened = 0, wanted = ALL_CHANNELS - 1;
    enum sgp32_status st = SGP32_OK;
    uint16_t sw = 0x9000u;
    const char *step = "none";

    for (i = 0; i < FURTHER_SESSIONS; i++) {
        sgp32_es10_free(run->further[i]);
        run->further[i] = NULL;
    }
    if (run->session == NULL) {
        conformance_finish(check, 0, 0, "no ES10 session (connect failed)");
        return;
    }
    memset(sessions, 0, sizeof(sessions));
    while (opened < wanted) {
        st = sgp32_es10_new(&run->observed.outer, NULL, &sessions[opened]);
        if (st == SGP32_OK)
            st = sgp32_es10_connect(sessions[opened]);
        if (st != SGP32_OK) {
            sw = conformance_session_sw(sessions[opened], st);
            step = sessions[opened] != NULL ? sgp32_es10_last_error(sessions[opened])->step : "new";
            sgp32_es10_free(sessions[opened]);
            sessions[opened] = NULL;
            break;
        }
        opened++;
    }
    if (opened < wanted)
        conformance_finish(check, 0, sw, "after free only %u of %u further sessions opened (%s at step %s)", opened,
                           wanted, sgp32_status_name(st), step);
    else if (reads_eid(run, sessions[wanted - 1], check) && reads_eid(run, run->session, check))
        conformance_finish(check, 1, 0x9000u,
                           "after free %u further sessions open at once (%u channels), the last reads the EID", wanted,
                           ALL_CHANNELS);
    for (i = 0; i < opened; i++)
        sgp32_es10_free(sessions[i]);
}

unsigned es10_conformance_run(const struct sgp32_apdu_transport *transport, const uint8_t expected_eid[16],
                              const char *pki_dir, struct es10_conformance_report *report)
{
    static void (*const checks[])(struct run *) = {
        check_connect,
        check_get_eid,
        check_euicc_info1,
        check_euicc_info2,
        check_profiles_info,
        check_long_request,
        check_long_answer,
        check_unknown_tag,
        check_list_notification,
        check_eim_configuration,
        check_concurrent_sessions,
        check_reconnect,
        check_channels_released,
        es10_conformance_typed_checks,
    };
    struct run *run = calloc(1, sizeof(*run));
    unsigned failed = 0;
    size_t i;

    memset(report, 0, sizeof(*report));
    if (run == NULL)
        return 1;
    observed_init(&run->observed, transport);
    run->expected_eid = expected_eid;
    run->pki_dir = pki_dir;
    run->report = report;
    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        checks[i](run);
    for (i = 0; i < FURTHER_SESSIONS; i++)
        sgp32_es10_free(run->further[i]);
    sgp32_es10_free(run->session);
    free(run);
    for (i = 0; i < report->count; i++)
        failed += report->checks[i].status != ES10_CONFORMANCE_PASS;
    return failed;
}
