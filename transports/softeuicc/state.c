/* SPDX-License-Identifier: MIT */
/*
 * Persistence of the card state: one record, "card.state", replaced atomically by one save() of the
 * card's storage (storage.c) at each commit point, so a power cut leaves the old or the new state,
 * never a mix.
 *
 * Format (architecture-independent, versioned): "SGP32SEU" | u32 version | records | u32 CRC-32 of
 * everything before it. A record is u8 type | u32 length | value; integers are big-endian, ASN.1
 * objects are stored as their DER (SGP32-ProfileInfo, NotificationMetadata, EimConfigurationData).
 * Unknown record types are refused: a newer card format must not be half-read by an older simulator.
 */
#include <stdlib.h>
#include <string.h>

#include "EimConfigurationData.h"
#include "NotificationMetadata.h"
#include "card_internal.h"
#include "codec/codec_internal.h"

#define STATE_MAGIC "SGP32SEU"
#define STATE_VERSION 1u
#define STATE_MAX_FILE (4u * 1024u * 1024u)

enum record_type {
    REC_EID = 1,
    REC_CI_PKID = 2,
    REC_EUM_CERTIFICATE = 3,
    REC_EUICC_CERTIFICATE = 4,
    REC_DEFAULT_DP_ADDRESS = 5,
    REC_ROOT_DS_ADDRESS = 6,
    REC_PROFILE = 7,
    REC_NOTIFICATION = 8,
    REC_NEXT_SEQ_NUMBER = 9,
    REC_EIM = 10,
    REC_NEXT_ASSOCIATION_TOKEN = 11,
    REC_IMMEDIATE_ENABLE = 12,
    REC_IMMEDIATE_ENABLE_ADDRESS = 13,
    REC_IMMEDIATE_ENABLE_OID = 14,
    REC_RETURN = 15,
    REC_ROLLBACK = 16,
    REC_EUICC_PRIVATE_KEY = 17,
    REC_PACKAGE_RESULT = 40, /* u32 seqNumber | DER EuiccPackageResult (es10_euicc_package.c) */
    REC_INSTALL_RESULT = 41, /* a pending install notification: DER ProfileInstallationResult (BF37) */
    /* After its REC_PROFILE, at most one: u8 flags (bit 0 pre-loaded, bit 1 has connectivity parameters)
     * | the ProfileHeader's connectivityParameters octets. */
    REC_PROFILE_EXTRA = 42,
    REC_ROLLBACK_PACKAGE = 43 /* the package that armed ProfileRollback: DER 80 eimId 81 counter [82 tid] */
};

enum { EXTRA_PRELOADED = 1, EXTRA_CONNECTIVITY = 2 };

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    int bit;
    crc = ~crc;
    for (i = 0; i < len; i++) {
        crc ^= data[i];
        for (bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void softeuicc_state_clear(struct softeuicc_state *state)
{
    size_t i;
    free(state->eum_certificate);
    free(state->euicc_certificate);
    if (state->euicc_private_key != NULL)
        memset(state->euicc_private_key, 0, state->euicc_private_key_len);
    free(state->euicc_private_key);
    free(state->default_dp_address);
    free(state->root_ds_address);
    for (i = 0; i < state->profile_count; i++) {
        sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), state->profiles[i]);
        softeuicc_profile_extra_free(&state->profile_extras[i]);
    }
    for (i = 0; i < state->notification_count; i++)
        softeuicc_notification_free(&state->notifications[i]);
    for (i = 0; i < state->eim_count; i++)
        free(state->eims[i]);
    free(state->immediate_enable_smdp_address);
    free(state->immediate_enable_smdp_oid);
    free(state->rollback_package);
    for (i = 0; i < state->package_result_count; i++)
        free(state->package_results[i].der);
    memset(state, 0, sizeof(*state));
}

/* ---- writing */

struct blob {
    uint8_t *data;
    size_t len, cap;
    int failed;
};

static void blob_put(struct blob *blob, const void *data, size_t len)
{
    if (blob->failed)
        return;
    if (blob->len + len > blob->cap) {
        size_t cap = blob->cap ? blob->cap * 2 : 4096;
        uint8_t *grown;
        while (cap < blob->len + len)
            cap *= 2;
        grown = realloc(blob->data, cap);
        if (grown == NULL) {
            blob->failed = 1;
            return;
        }
        blob->data = grown;
        blob->cap = cap;
    }
    if (len > 0)
        memcpy(blob->data + blob->len, data, len);
    blob->len += len;
}

static void put_u32(struct blob *blob, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    blob_put(blob, bytes, 4);
}

static void put_record(struct blob *blob, uint8_t type, const void *data, size_t len)
{
    blob_put(blob, &type, 1);
    put_u32(blob, (uint32_t)len);
    blob_put(blob, data, len);
}

static void put_record_u32(struct blob *blob, uint8_t type, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    put_record(blob, type, bytes, 4);
}

static void put_record_string(struct blob *blob, uint8_t type, const char *text)
{
    if (text != NULL)
        put_record(blob, type, text, strlen(text));
}

static void put_profile_extra(struct blob *blob, const struct softeuicc_profile_extra *extra)
{
    uint8_t type = REC_PROFILE_EXTRA;
    uint8_t flags =
        (uint8_t)((extra->preloaded ? EXTRA_PRELOADED : 0) | (extra->connectivity != NULL ? EXTRA_CONNECTIVITY : 0));
    if (flags == 0)
        return; /* a field-loaded profile without connectivity parameters: no record (format of older cards) */
    blob_put(blob, &type, 1);
    put_u32(blob, (uint32_t)(1 + extra->connectivity_len));
    blob_put(blob, &flags, 1);
    blob_put(blob, extra->connectivity, extra->connectivity_len);
}

static enum sgp32_status serialise(const struct softeuicc_state *state, struct blob *blob)
{
    size_t i;
    uint8_t flags[12];
    blob_put(blob, STATE_MAGIC, 8);
    put_u32(blob, STATE_VERSION);
    put_record(blob, REC_EID, state->eid, 16);
    for (i = 0; i < state->ci_pkid_count; i++)
        put_record(blob, REC_CI_PKID, state->ci_pkids[i], 20);
    if (state->eum_certificate != NULL)
        put_record(blob, REC_EUM_CERTIFICATE, state->eum_certificate, state->eum_certificate_len);
    if (state->euicc_certificate != NULL)
        put_record(blob, REC_EUICC_CERTIFICATE, state->euicc_certificate, state->euicc_certificate_len);
    if (state->euicc_private_key != NULL)
        put_record(blob, REC_EUICC_PRIVATE_KEY, state->euicc_private_key, state->euicc_private_key_len);
    put_record_string(blob, REC_DEFAULT_DP_ADDRESS, state->default_dp_address);
    put_record_string(blob, REC_ROOT_DS_ADDRESS, state->root_ds_address);
    for (i = 0; i < state->profile_count; i++) {
        uint8_t *der = NULL;
        size_t len = 0;
        enum sgp32_status status =
            sgp32_encode_der_alloc(SGP32_TYPE(SGP32_ProfileInfo), state->profiles[i], &der, &len);
        if (status != SGP32_OK)
            return status;
        put_record(blob, REC_PROFILE, der, len);
        sgp32_buffer_free(der);
        put_profile_extra(blob, &state->profile_extras[i]);
    }
    for (i = 0; i < state->notification_count; i++)
        if (state->notifications[i].install_result != NULL)
            put_record(blob, REC_INSTALL_RESULT, state->notifications[i].install_result,
                       state->notifications[i].install_result_len);
        else
            put_record(blob, REC_NOTIFICATION, state->notifications[i].metadata, state->notifications[i].metadata_len);
    put_record_u32(blob, REC_NEXT_SEQ_NUMBER, (uint32_t)state->next_seq_number);
    for (i = 0; i < state->eim_count; i++)
        put_record(blob, REC_EIM, state->eims[i], state->eim_lens[i]);
    put_record_u32(blob, REC_NEXT_ASSOCIATION_TOKEN, (uint32_t)state->next_association_token);
    flags[0] = (uint8_t)(state->immediate_enable != 0);
    put_record(blob, REC_IMMEDIATE_ENABLE, flags, 1);
    put_record_string(blob, REC_IMMEDIATE_ENABLE_ADDRESS, state->immediate_enable_smdp_address);
    if (state->immediate_enable_smdp_oid != NULL)
        put_record(blob, REC_IMMEDIATE_ENABLE_OID, state->immediate_enable_smdp_oid,
                   state->immediate_enable_smdp_oid_len);
    flags[0] = (uint8_t)state->return_kind;
    flags[1] = (uint8_t)(state->return_has_iccid != 0);
    memcpy(flags + 2, state->return_iccid, 10);
    put_record(blob, REC_RETURN, flags, 12);
    flags[0] = (uint8_t)(state->rollback_available != 0);
    memcpy(flags + 1, state->rollback_iccid, 10);
    put_record(blob, REC_ROLLBACK, flags, 11);
    if (state->rollback_package != NULL)
        put_record(blob, REC_ROLLBACK_PACKAGE, state->rollback_package, state->rollback_package_len);
    for (i = 0; i < state->package_result_count; i++) {
        const struct softeuicc_package_result *result = &state->package_results[i];
        uint8_t *record = malloc(4 + result->len);
        if (record == NULL)
            return SGP32_ERR_NO_MEMORY;
        record[0] = (uint8_t)((uint32_t)result->seq_number >> 24);
        record[1] = (uint8_t)((uint32_t)result->seq_number >> 16);
        record[2] = (uint8_t)((uint32_t)result->seq_number >> 8);
        record[3] = (uint8_t)result->seq_number;
        memcpy(record + 4, result->der, result->len);
        put_record(blob, REC_PACKAGE_RESULT, record, 4 + result->len);
        free(record);
    }
    put_u32(blob, crc32_update(0, blob->data, blob->len));
    return blob->failed ? SGP32_ERR_NO_MEMORY : SGP32_OK;
}

enum sgp32_status softeuicc_state_save(const struct sgp32_softeuicc_storage *storage,
                                       const struct softeuicc_state *state)
{
    struct blob blob = {0};
    enum sgp32_status status = serialise(state, &blob);
    if (status == SGP32_OK)
        status = softeuicc_storage_write(storage, SOFTEUICC_STATE_FILE, blob.data, blob.len);
    free(blob.data);
    return status;
}

/* ---- reading */

static uint32_t get_u32(const uint8_t *bytes)
{
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
}

static uint8_t *copy_bytes(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy != NULL && len > 0)
        memcpy(copy, data, len);
    return copy;
}

static char *copy_string(const uint8_t *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        if (len > 0)
            memcpy(copy, data, len);
        copy[len] = '\0';
        if (strlen(copy) != len) { /* embedded NUL: not a string we wrote */
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static int valid_der(const struct sgp32_codec_type *type, const uint8_t *data, size_t len, void **value)
{
    struct sgp32_decode_options options = {SGP32_DECODE_DER, 0, 0};
    return sgp32_decode(type, data, len, &options, value, NULL) == SGP32_OK;
}

/* One record into the state; 0 when it is malformed. */
static int parse_record(struct softeuicc_state *state, uint8_t type, const uint8_t *value, size_t len, int *have_eid)
{
    void *decoded = NULL;
    switch (type) {
    case REC_EID:
        if (len != 16)
            return 0;
        memcpy(state->eid, value, 16);
        *have_eid = 1;
        return 1;
    case REC_CI_PKID:
        if (len != 20 || state->ci_pkid_count >= SOFTEUICC_MAX_CI_PKIDS)
            return 0;
        memcpy(state->ci_pkids[state->ci_pkid_count++], value, 20);
        return 1;
    case REC_EUM_CERTIFICATE:
        if (state->eum_certificate != NULL)
            return 0;
        state->eum_certificate_len = len;
        return (state->eum_certificate = copy_bytes(value, len)) != NULL;
    case REC_EUICC_CERTIFICATE:
        if (state->euicc_certificate != NULL)
            return 0;
        state->euicc_certificate_len = len;
        return (state->euicc_certificate = copy_bytes(value, len)) != NULL;
    case REC_EUICC_PRIVATE_KEY:
        if (state->euicc_private_key != NULL || len == 0)
            return 0;
        state->euicc_private_key_len = len;
        return (state->euicc_private_key = copy_bytes(value, len)) != NULL;
    case REC_DEFAULT_DP_ADDRESS:
        return state->default_dp_address == NULL && (state->default_dp_address = copy_string(value, len)) != NULL;
    case REC_ROOT_DS_ADDRESS:
        return state->root_ds_address == NULL && (state->root_ds_address = copy_string(value, len)) != NULL;
    case REC_PROFILE:
        if (state->profile_count >= SOFTEUICC_MAX_PROFILES ||
            !valid_der(SGP32_TYPE(SGP32_ProfileInfo), value, len, &decoded))
            return 0;
        state->profiles[state->profile_count++] = decoded;
        return 1;
    case REC_PROFILE_EXTRA: {
        struct softeuicc_profile_extra *extra;
        if (state->profile_count == 0 || len < 1 || (value[0] & ~(EXTRA_PRELOADED | EXTRA_CONNECTIVITY)) != 0 ||
            value[0] == 0 || ((value[0] & EXTRA_CONNECTIVITY) == 0 && len != 1))
            return 0;
        extra = &state->profile_extras[state->profile_count - 1];
        if (extra->preloaded || extra->connectivity != NULL) /* a second record for the same profile */
            return 0;
        extra->preloaded = (value[0] & EXTRA_PRELOADED) != 0;
        if (value[0] & EXTRA_CONNECTIVITY) {
            extra->connectivity_len = len - 1;
            if ((extra->connectivity = copy_bytes(value + 1, len - 1)) == NULL)
                return 0;
        }
        return 1;
    }
    case REC_NOTIFICATION: {
        NotificationMetadata_t *metadata;
        long seq;
        struct softeuicc_notification *slot;
        if (state->notification_count >= SOFTEUICC_MAX_NOTIFICATIONS ||
            !valid_der(SGP32_TYPE(NotificationMetadata), value, len, &decoded))
            return 0;
        metadata = decoded;
        if (asn_INTEGER2long(&metadata->seqNumber, &seq) != 0) {
            sgp32_codec_free(SGP32_TYPE(NotificationMetadata), decoded);
            return 0;
        }
        sgp32_codec_free(SGP32_TYPE(NotificationMetadata), decoded);
        slot = &state->notifications[state->notification_count];
        slot->seq_number = seq;
        slot->metadata_len = len;
        if ((slot->metadata = copy_bytes(value, len)) == NULL)
            return 0;
        state->notification_count++;
        return 1;
    }
    case REC_NEXT_SEQ_NUMBER:
        if (len != 4)
            return 0;
        state->next_seq_number = (long)get_u32(value);
        return 1;
    case REC_EIM:
        if (state->eim_count >= SOFTEUICC_MAX_EIMS ||
            !valid_der(SGP32_TYPE(EimConfigurationData), value, len, &decoded))
            return 0;
        sgp32_codec_free(SGP32_TYPE(EimConfigurationData), decoded);
        state->eim_lens[state->eim_count] = len;
        if ((state->eims[state->eim_count] = copy_bytes(value, len)) == NULL)
            return 0;
        state->eim_count++;
        return 1;
    case REC_NEXT_ASSOCIATION_TOKEN:
        if (len != 4)
            return 0;
        state->next_association_token = (long)get_u32(value);
        return 1;
    case REC_IMMEDIATE_ENABLE:
        if (len != 1 || value[0] > 1)
            return 0;
        state->immediate_enable = value[0];
        return 1;
    case REC_IMMEDIATE_ENABLE_ADDRESS:
        return state->immediate_enable_smdp_address == NULL &&
               (state->immediate_enable_smdp_address = copy_string(value, len)) != NULL;
    case REC_IMMEDIATE_ENABLE_OID:
        if (state->immediate_enable_smdp_oid != NULL)
            return 0;
        state->immediate_enable_smdp_oid_len = len;
        return (state->immediate_enable_smdp_oid = copy_bytes(value, len)) != NULL;
    case REC_RETURN:
        if (len != 12 || value[0] > RETURN_EMERGENCY || value[1] > 1)
            return 0;
        state->return_kind = value[0];
        state->return_has_iccid = value[1];
        memcpy(state->return_iccid, value + 2, 10);
        return 1;
    case REC_ROLLBACK:
        if (len != 11 || value[0] > 1)
            return 0;
        state->rollback_available = value[0];
        memcpy(state->rollback_iccid, value + 1, 10);
        return 1;
    case REC_ROLLBACK_PACKAGE:
        if (state->rollback_package != NULL || len == 0)
            return 0;
        state->rollback_package_len = len;
        return (state->rollback_package = copy_bytes(value, len)) != NULL;
    case REC_PACKAGE_RESULT: {
        struct softeuicc_package_result *slot = &state->package_results[state->package_result_count];
        if (len < 5 || state->package_result_count >= SOFTEUICC_MAX_PACKAGE_RESULTS)
            return 0;
        slot->seq_number = (long)get_u32(value);
        slot->len = len - 4;
        if ((slot->der = copy_bytes(value + 4, len - 4)) == NULL)
            return 0;
        state->package_result_count++;
        return 1;
    }
    case REC_INSTALL_RESULT:
        if (state->notification_count >= SOFTEUICC_MAX_NOTIFICATIONS ||
            !softeuicc_notification_from_install_result(&state->notifications[state->notification_count], value, len))
            return 0;
        state->notification_count++;
        return 1;
    default:
        return 0;
    }
}

static enum sgp32_status parse_state(const uint8_t *data, size_t len, struct softeuicc_state *state)
{
    size_t at = 12;
    int have_eid = 0;
    if (len < 16 || memcmp(data, STATE_MAGIC, 8) != 0 || get_u32(data + 8) != STATE_VERSION)
        return SGP32_ERR_STORAGE;
    if (crc32_update(0, data, len - 4) != get_u32(data + len - 4))
        return SGP32_ERR_STORAGE;
    len -= 4;
    while (at < len) {
        uint32_t record_len;
        if (len - at < 5)
            return SGP32_ERR_STORAGE;
        record_len = get_u32(data + at + 1);
        if (record_len > len - at - 5)
            return SGP32_ERR_STORAGE;
        if (!parse_record(state, data[at], data + at + 5, record_len, &have_eid))
            return SGP32_ERR_STORAGE;
        at += 5 + record_len;
    }
    return have_eid && state->root_ds_address != NULL ? SGP32_OK : SGP32_ERR_STORAGE;
}

enum sgp32_status softeuicc_state_load(const struct sgp32_softeuicc_storage *storage, struct softeuicc_state *state)
{
    uint8_t *data = NULL;
    size_t len = 0;
    enum sgp32_status status;
    memset(state, 0, sizeof(*state));
    status = softeuicc_storage_read(storage, SOFTEUICC_STATE_FILE, STATE_MAX_FILE, &data, &len);
    if (status == SGP32_OK)
        status = parse_state(data, len, state);
    free(data);
    if (status != SGP32_OK)
        softeuicc_state_clear(state);
    return status;
}

/* Drops uncommitted in-memory changes: back to the last committed state. */
static void discard_changes(struct sgp32_softeuicc *card)
{
    struct softeuicc_state previous;
    if (softeuicc_state_load(&card->storage, &previous) == SGP32_OK) {
        softeuicc_state_clear(&card->state);
        card->state = previous;
    }
}

enum sgp32_status softeuicc_commit_after(struct sgp32_softeuicc *card, enum sgp32_status change)
{
    if (change != SGP32_OK) {
        discard_changes(card);
        return change;
    }
    return softeuicc_commit(card);
}

enum sgp32_status softeuicc_commit(struct sgp32_softeuicc *card)
{
    enum sgp32_status status;
    if (card->defer_commit) /* inside an eUICC Package: it commits once, at its end */
        return SGP32_OK;
    if (card->fail_next_write) {
        card->fail_next_write = 0;
        status = SGP32_ERR_STORAGE;
    } else {
        status = softeuicc_state_save(&card->storage, &card->state);
    }
    if (status != SGP32_OK)
        discard_changes(card); /* as a card whose flash write failed: the previous state stays */
    return status;
}
