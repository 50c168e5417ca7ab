/* SPDX-License-Identifier: MIT */
/*
 * The operations of an emulated eUICC Package (SGP.32 v1.2 2.11.1.1.2-3, results 2.11.2.1), for
 * ipa_emulation.c. PSMOs go to the SGP.22 eUICC through ES10c: enable / disable / delete with the
 * ICCID (refreshFlag false: the host re-attaches on the PROFILE_CHANGED event), listProfileInfo ->
 * GetProfilesInfo (the answer is the listProfileInfoResult as is: both are [45] CHOICE {A0 ok, 81
 * error}), getRAT -> GetRAT, setDefaultDpAddress -> SGP.22 SetDefaultDpAddress (BF3F). What SGP.22 has
 * no command for answers the result code the ASN.1 gives: an enable with rollbackFlag
 * rollbackNotAvailable (20, nothing enabled: SGP.22 has no ProfileRollback), configureImmediateEnable
 * and setFallbackAttribute undefinedError (127), unsetFallbackAttribute noFallbackAttribute (2).
 * eCOs work on the emulation record as an SGP.32 eUICC works on its eIM list.
 */
#include <stdlib.h>
#include <string.h>

#include "EimConfigurationData.h"
#include "EuiccPackage.h"
#include "codec/codec_internal.h"
#include "codec/der.h"
#include "es10/eim_update.h"
#include "ipa/ipa_emulation.h"
#include "sgp32/codec.h"

enum { UNDEFINED = 127, ROLLBACK_NOT_AVAILABLE = 20, NO_FALLBACK_ATTRIBUTE = 2 };
/* processingTerminated (untagged INTEGER): unknownOrDamagedCommand, interruption. */
enum { UNKNOWN_OR_DAMAGED = 2, INTERRUPTION = 3 };

/* The ES10 outcome as a result code; *stop when the card failed (the package stops there). */
static long card_code(struct sgp32_ipa *ipa, enum sgp32_status st, const char *what, int *stop)
{
    long code;
    if (st == SGP32_OK)
        return 0;
    if (st == SGP32_ERR_EUICC_RESULT) {
        code = sgp32_es10_last_error(ipa->es10)->es10_result;
        /* SGP.22 codes the SGP.32 result types do not have (wrongProfileReenabling 4) */
        return code == 1 || code == 2 || code == 3 || code == 5 ? code : UNDEFINED;
    }
    ipa_card_fail(ipa, st, what);
    *stop = 1;
    return -1;
}

static long profile_operation(struct sgp32_ipa *ipa, int psmo, const OCTET_STRING_t *iccid, int *stop)
{
    enum sgp32_status st;
    if (psmo == Psmo_PR_enable)
        st = sgp32_es10_enable_profile(ipa->es10, SGP32_ES10_PROFILE_ICCID, iccid->buf, (size_t)iccid->size, 0);
    else if (psmo == Psmo_PR_disable)
        st = sgp32_es10_disable_profile(ipa->es10, SGP32_ES10_PROFILE_ICCID, iccid->buf, (size_t)iccid->size, 0);
    else
        st = sgp32_es10_delete_profile(ipa->es10, SGP32_ES10_PROFILE_ICCID, iccid->buf, (size_t)iccid->size);
    return card_code(ipa, st,
                     psmo == Psmo_PR_enable    ? "EnableProfile (IoT emulation)"
                     : psmo == Psmo_PR_disable ? "DisableProfile (IoT emulation)"
                                               : "DeleteProfile (IoT emulation)",
                     stop);
}

/* listProfileInfo: the PSMO encoded is the GetProfilesInfo request (BF2D); the answer is the result. */
static void list_profiles(struct sgp32_ipa *ipa, const Psmo_t *psmo, struct sgp32_der_writer *items, int *stop)
{
    uint8_t *request = NULL, *answer = NULL;
    size_t len = 0, answer_len = 0;
    enum sgp32_status st = sgp32_encode_der_alloc(SGP32_TYPE(Psmo), psmo, &request, &len);
    if (st == SGP32_OK)
        st = sgp32_es10_get_profiles_info(ipa->es10, request, len, &answer, &answer_len);
    sgp32_buffer_free(request);
    if (st == SGP32_OK)
        sgp32_der_writer_raw(items, answer, answer_len);
    else if (st == SGP32_ERR_ENCODE || st == SGP32_ERR_NO_MEMORY)
        sgp32_der_writer_integer(items, 0x02, UNKNOWN_OR_DAMAGED);
    else
        card_code(ipa, st, "GetProfilesInfo (IoT emulation)", stop);
    sgp32_buffer_free(answer);
}

/* getRATResult [6] RulesAuthorisationTable: the content of GetRAT's A0 under A6. */
static void get_rat(struct sgp32_ipa *ipa, struct sgp32_der_writer *items, int *stop)
{
    uint8_t *answer = NULL;
    size_t len = 0, rat_len = 0;
    const uint8_t *rat = NULL;
    enum sgp32_status st = sgp32_es10_get_rat(ipa->es10, &answer, &len);
    if (st == SGP32_OK && sgp32_der_find_child(answer, len, 0xA0, &rat, &rat_len, NULL))
        sgp32_der_writer_bytes(items, 0xA6, rat, rat_len);
    else if (st == SGP32_OK)
        sgp32_der_writer_integer(items, 0x02, UNKNOWN_OR_DAMAGED);
    else
        card_code(ipa, st, "GetRAT (IoT emulation)", stop);
    sgp32_buffer_free(answer);
}

/* setDefaultDpAddressResult [101] SEQUENCE { [0] ok(0) | undefinedError(127) }. */
static void set_default_dp(struct sgp32_ipa *ipa, const UTF8String_t *address, struct sgp32_der_writer *items,
                           int *stop)
{
    char text[256];
    long code = UNDEFINED;
    if ((size_t)address->size < sizeof(text) && memchr(address->buf, 0, (size_t)address->size) == NULL) {
        memcpy(text, address->buf, (size_t)address->size);
        text[address->size] = '\0';
        code = card_code(ipa, sgp32_es10_set_default_dp_address(ipa->es10, text), "SetDefaultDpAddress (IoT emulation)",
                         stop);
        if (code > 0)
            code = UNDEFINED;
    }
    if (*stop)
        return;
    sgp32_der_writer_begin(items, 0xBF65);
    sgp32_der_writer_integer(items, 0x80, code);
    sgp32_der_writer_end(items);
}

static void run_psmo(struct sgp32_ipa *ipa, const Psmo_t *psmo, struct sgp32_der_writer *items, int *stop)
{
    long code;
    switch (psmo->present) {
    case Psmo_PR_enable:
        code = psmo->choice.enable.rollbackFlag != NULL
                   ? ROLLBACK_NOT_AVAILABLE
                   : profile_operation(ipa, Psmo_PR_enable, &psmo->choice.enable.iccid, stop);
        if (!*stop)
            sgp32_der_writer_integer(items, 0x83, code);
        break;
    case Psmo_PR_disable:
        code = profile_operation(ipa, Psmo_PR_disable, &psmo->choice.disable.iccid, stop);
        if (!*stop)
            sgp32_der_writer_integer(items, 0x84, code);
        break;
    case Psmo_PR_delete:
        code = profile_operation(ipa, Psmo_PR_delete, &psmo->choice.delete.iccid, stop);
        if (!*stop)
            sgp32_der_writer_integer(items, 0x85, code);
        break;
    case Psmo_PR_listProfileInfo:
        list_profiles(ipa, psmo, items, stop);
        break;
    case Psmo_PR_getRAT:
        get_rat(ipa, items, stop);
        break;
    case Psmo_PR_setDefaultDpAddress:
        set_default_dp(ipa, &psmo->choice.setDefaultDpAddress.defaultDpAddress, items, stop);
        break;
    case Psmo_PR_configureImmediateEnable:
        sgp32_der_writer_integer(items, 0x87, UNDEFINED);
        break;
    case Psmo_PR_setFallbackAttribute:
        sgp32_der_writer_integer(items, 0x8D, UNDEFINED);
        break;
    case Psmo_PR_unsetFallbackAttribute:
        sgp32_der_writer_integer(items, 0x8E, NO_FALLBACK_ATTRIBUTE);
        break;
    default:
        sgp32_der_writer_integer(items, 0x02, UNKNOWN_OR_DAMAGED);
    }
}

/* ---- eCOs on the emulation record ---- */

static int counter_in_range(const INTEGER_t *counter)
{
    long value;
    return counter == NULL ||
           (asn_INTEGER2long(counter, &value) == 0 && value >= 0 && value <= IPA_EMULATION_COUNTER_MAX);
}

static enum sgp32_status store(struct ipa_blob *slot, const EimConfigurationData_t *eim)
{
    uint8_t *der = NULL;
    size_t len = 0;
    enum sgp32_status st = sgp32_encode_der_alloc(SGP32_TYPE(EimConfigurationData), eim, &der, &len);
    if (st == SGP32_OK)
        st = ipa_blob_set(slot, der, len);
    sgp32_buffer_free(der);
    return st;
}

/* addEimResult [8] AddEimResult: A8 { 84 associationToken } or A8 { 02 addEimResultCode }. */
static void eco_add(struct ipa_emulation *e, EimConfigurationData_t *eim, struct sgp32_der_writer *items)
{
    long code = 0, token = -1;
    if (ipa_emulation_find(e, eim->eimId.buf, (size_t)eim->eimId.size) >= 0)
        code = 2; /* associatedEimAlreadyExists */
    else if (e->eim_count >= IPA_EMULATION_MAX_EIMS)
        code = 1; /* insufficientMemory */
    else if (!counter_in_range(eim->counterValue))
        code = 6;                                     /* counterValueOutOfRange */
    if (code == 0 && eim->associationToken != NULL) { /* the eUICC (here the IPA) assigns the token */
        token = e->next_token;
        if (asn_long2INTEGER(eim->associationToken, token) != 0)
            code = UNDEFINED;
    }
    if (code == 0 && store(&e->eims[e->eim_count], eim) != SGP32_OK)
        code = UNDEFINED;
    if (code == 0) {
        e->eim_count++;
        if (token >= 0)
            e->next_token++;
    }
    sgp32_der_writer_begin(items, 0xA8);
    if (code == 0 && token >= 0)
        sgp32_der_writer_integer(items, 0x84, token);
    else
        sgp32_der_writer_integer(items, 0x02, code);
    sgp32_der_writer_end(items);
}

/* deleteEimResult: ok, eimNotFound (1), lastEimDeleted (2: no eIM left). */
static long eco_delete(struct ipa_emulation *e, const UTF8String_t *eim_id)
{
    int index = ipa_emulation_find(e, eim_id->buf, (size_t)eim_id->size);
    size_t i;
    if (index < 0)
        return 1;
    ipa_blob_free(&e->eims[index]);
    for (i = (size_t)index; i + 1 < e->eim_count; i++)
        e->eims[i] = e->eims[i + 1];
    e->eims[e->eim_count - 1].data = NULL;
    e->eims[e->eim_count - 1].len = 0;
    e->eim_count--;
    return e->eim_count == 0 ? 2 : 0;
}

/* updateEimResult: the fields given replace the stored ones; the associationToken stays, the
 * counterValue too unless one is given. */
static long eco_update(struct ipa_emulation *e, EimConfigurationData_t *update)
{
    int index = ipa_emulation_find(e, update->eimId.buf, (size_t)update->eimId.size);
    EimConfigurationData_t *old = NULL;
    long code = 0;
    if (index < 0)
        return 1; /* eimNotFound */
    if (!counter_in_range(update->counterValue))
        return 6;
    if (sgp32_decode(SGP32_TYPE(EimConfigurationData), e->eims[index].data, e->eims[index].len, NULL, (void **)&old,
                     NULL) != SGP32_OK)
        return UNDEFINED;
    es10_eim_update_merge(update, old);
    if (store(&e->eims[index], update) != SGP32_OK)
        code = UNDEFINED;
    sgp32_codec_free(SGP32_TYPE(EimConfigurationData), old);
    return code;
}

/* listEimResult [11] ListEimResult: AB { A0 eimIdList { 30 { 80 eimId, 82 eimIdType } ... } }. */
static void eco_list(const struct ipa_emulation *e, struct sgp32_der_writer *items)
{
    size_t i;
    sgp32_der_writer_begin(items, 0xAB);
    sgp32_der_writer_begin(items, 0xA0);
    for (i = 0; i < e->eim_count; i++) {
        const uint8_t *v;
        size_t v_len;
        long type;
        if (!sgp32_der_find_child(e->eims[i].data, e->eims[i].len, 0x80, &v, &v_len, NULL))
            continue;
        sgp32_der_writer_begin(items, 0x30);
        sgp32_der_writer_bytes(items, 0x80, v, v_len);
        if (sgp32_der_find_child(e->eims[i].data, e->eims[i].len, 0x82, &v, &v_len, NULL) &&
            sgp32_der_integer(v, v_len, &type))
            sgp32_der_writer_integer(items, 0x82, type);
        sgp32_der_writer_end(items);
    }
    sgp32_der_writer_end(items);
    sgp32_der_writer_end(items);
}

static void run_eco(struct ipa_emulation *e, Eco_t *eco, struct sgp32_der_writer *items)
{
    switch (eco->present) {
    case Eco_PR_addEim:
        eco_add(e, &eco->choice.addEim, items);
        break;
    case Eco_PR_deleteEim:
        sgp32_der_writer_integer(items, 0x89, eco_delete(e, &eco->choice.deleteEim.eimId));
        break;
    case Eco_PR_updateEim:
        sgp32_der_writer_integer(items, 0x8A, eco_update(e, &eco->choice.updateEim));
        break;
    case Eco_PR_listEim:
        eco_list(e, items);
        break;
    default:
        sgp32_der_writer_integer(items, 0x02, UNKNOWN_OR_DAMAGED);
    }
}

enum sgp32_status ipa_emulation_run(struct sgp32_ipa *ipa, struct EuiccPackage *package,
                                    struct ipa_emulation *emulation, struct sgp32_der_writer *items)
{
    int i, stop = 0;
    if (package->present == EuiccPackage_PR_psmoList) {
        for (i = 0; i < package->choice.psmoList.list.count && !stop; i++) {
            if (ipa->es10 == NULL && ipa_card_ready(ipa) != SGP32_OK)
                stop = 1;
            else
                run_psmo(ipa, package->choice.psmoList.list.array[i], items, &stop);
        }
    } else {
        for (i = 0; i < package->choice.ecoList.list.count; i++)
            run_eco(emulation, package->choice.ecoList.list.array[i], items);
    }
    if (stop) /* the card failed: what ran has its result, the rest does not run */
        sgp32_der_writer_integer(items, 0x02, INTERRUPTION);
    return SGP32_OK;
}
