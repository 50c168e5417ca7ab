/* SPDX-License-Identifier: MIT */
/* A software eUICC: creation (on a directory or a caller's storage), power, fault knobs and the pre-load
 * (factory) API. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card_internal.h"
#include "codec/codec_internal.h"
#include "identity.h"

/* ATRs (ISO 7816-3 8.2): TA1 96 (Fi/Di), then T=1 (TD1 81, TD2 31: IFSC FE, BWI/CWI 45) or T=0 with the
 * T=15 class byte (TD1 80, TD2 1F, TA3 C7); historical bytes in compact-TLV: 80 | 31 A0 | 73 BE 21 13 |
 * 67 "SGP32SE"; TCK makes the XOR from T0 to TCK zero. */
static const uint8_t atr_t1[] = {0x3B, 0x9F, 0x96, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x31, 0xA0, 0x73, 0xBE,
                                 0x21, 0x13, 0x67, 0x53, 0x47, 0x50, 0x33, 0x32, 0x53, 0x45, 0xD8};
static const uint8_t atr_t0[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xA0, 0x73, 0xBE,
                                 0x21, 0x13, 0x67, 0x53, 0x47, 0x50, 0x33, 0x32, 0x53, 0x45, 0x8B};

static void set_options(struct sgp32_softeuicc *card, const struct sgp32_softeuicc_options *options)
{
    memset(&card->options, 0, sizeof(card->options));
    if (options != NULL) {
        size_t size = options->size < sizeof(card->options) ? options->size : sizeof(card->options);
        memcpy(&card->options, options, size);
    }
    card->options.size = sizeof(card->options);
    if (card->options.get_response_chunk == 0 || card->options.get_response_chunk > 256)
        card->options.get_response_chunk = 256;
    if (card->options.max_store_data == 0)
        card->options.max_store_data = 256u * 255u;
}

static enum sgp32_status urandom(void *user, uint8_t *out, size_t len)
{
    FILE *file = fopen("/dev/urandom", "rb");
    size_t got;
    (void)user;
    if (file == NULL)
        return SGP32_ERR_NOT_SUPPORTED;
    got = fread(out, 1, len, file);
    fclose(file);
    return got == len ? SGP32_OK : SGP32_ERR_NOT_SUPPORTED;
}

enum sgp32_status softeuicc_random(struct sgp32_softeuicc *card, uint8_t *out, size_t len)
{
    if (card->options.random != NULL)
        return card->options.random(card->options.random_user, out, len);
    return urandom(NULL, out, len);
}

void softeuicc_volatile_reset(struct sgp32_softeuicc *card)
{
    size_t i;
    for (i = 0; i < SOFTEUICC_CHANNELS; i++) {
        free(card->channels[i].block_data);
        free(card->channels[i].pending);
    }
    memset(card->channels, 0, sizeof(card->channels));
    card->channels[0].open = 1; /* the basic channel is always open */
    free(card->terminal_capability);
    card->terminal_capability = NULL;
    card->terminal_capability_len = 0;
    card->terminal_capability_received = 0;
    card->switched_since_reset = 0;
    card->refresh_pending = 0;
    softeuicc_download_end(card);                       /* a reset ends any profile download session (volatile) */
    memset(&card->kept_otk, 0, sizeof(card->kept_otk)); /* RAM: a retry after a reset binds again */
}

static char *copy_text(const char *text)
{
    char *copy = malloc(strlen(text) + 1);
    if (copy != NULL)
        strcpy(copy, text);
    return copy;
}

/* A powered card on `storage`; dir (may be NULL) is the directory a directory storage works in: the
 * card keeps its own copy and the storage points at it. */
static enum sgp32_status new_card(const struct sgp32_softeuicc_storage *storage, const char *dir,
                                  const struct sgp32_softeuicc_options *options, struct sgp32_softeuicc **out)
{
    struct sgp32_softeuicc *card = calloc(1, sizeof(*card));
    if (card == NULL)
        return SGP32_ERR_NO_MEMORY;
    set_options(card, options);
    if (card->options.mode != SGP32_SOFTEUICC_MODE_IOT && card->options.mode != SGP32_SOFTEUICC_MODE_CONSUMER) {
        free(card);
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    if (dir != NULL) {
        card->dir = copy_text(dir);
        if (card->dir == NULL) {
            free(card);
            return SGP32_ERR_NO_MEMORY;
        }
        softeuicc_directory_storage(card->dir, &card->storage);
    } else if (!softeuicc_storage_copy(storage, &card->storage)) {
        free(card);
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    softeuicc_volatile_reset(card);
    card->powered = 1;
    *out = card;
    return SGP32_OK;
}

/* The EID is 32 decimal digits whose ISO 7064 mod 97-10 check digits (the last two) make the whole
 * number = 1 (mod 97) (SGP.29 2.2); a real eUICC never carries another one. */
static int eid_is_valid(const uint8_t eid[16])
{
    unsigned remainder = 0;
    size_t i;
    for (i = 0; i < 32; i++) {
        unsigned digit = (unsigned)(i % 2 == 0 ? eid[i / 2] >> 4 : eid[i / 2] & 0x0F);
        if (digit > 9)
            return 0;
        remainder = (remainder * 10u + digit) % 97u;
    }
    return remainder == 1;
}

static int identity_is_valid(const struct sgp32_softeuicc_identity *identity)
{
    return identity->ci_pkid_count <= SOFTEUICC_MAX_CI_PKIDS &&
           (identity->ci_pkid_count == 0 || identity->ci_pkids != NULL) &&
           (identity->ci_certificate_count == 0 || identity->ci_certificate_files != NULL) &&
           (identity->rat_len == 0 || identity->rat != NULL) && eid_is_valid(identity->eid);
}

/* create() and create_with_storage(): the new card's records, then its first state, committed last so
 * that a storage holds a card only once it holds all of it. */
static enum sgp32_status create_card(const struct sgp32_softeuicc_storage *storage, const char *dir,
                                     const struct sgp32_softeuicc_identity *identity,
                                     const struct sgp32_softeuicc_options *options, struct sgp32_softeuicc **out)
{
    struct sgp32_softeuicc *card;
    struct softeuicc_state existing;
    struct softeuicc_state *state;
    enum sgp32_status status;
    size_t i;
    if (identity == NULL || out == NULL || !identity_is_valid(identity))
        return SGP32_ERR_INVALID_ARGUMENT;
    *out = NULL;
    status = new_card(storage, dir, options, &card);
    if (status != SGP32_OK)
        return status;
    status = softeuicc_state_load(&card->storage, &existing);
    if (status != SGP32_ERR_NOT_FOUND) {
        if (status == SGP32_OK)
            softeuicc_state_clear(&existing);
        sgp32_softeuicc_free(card); /* a card, or something (corrupt) is there: never overwrite it silently */
        return SGP32_ERR_STATE;
    }
    status = SGP32_OK;
    state = &card->state;
    memcpy(state->eid, identity->eid, 16);
    for (i = 0; i < identity->ci_pkid_count; i++)
        memcpy(state->ci_pkids[i], identity->ci_pkids[i], 20);
    state->ci_pkid_count = identity->ci_pkid_count;
    state->next_seq_number = 1;
    state->next_association_token = 1;
    state->root_ds_address = copy_text(identity->root_ds_address ? identity->root_ds_address : "lpa.ds.gsma.com");
    if (identity->default_dp_address != NULL)
        state->default_dp_address = copy_text(identity->default_dp_address);
    if (state->root_ds_address == NULL || (identity->default_dp_address != NULL && state->default_dp_address == NULL))
        status = SGP32_ERR_NO_MEMORY;
    if (status == SGP32_OK && identity->eum_certificate_file != NULL)
        status = softeuicc_read_certificate(identity->eum_certificate_file, &state->eum_certificate,
                                            &state->eum_certificate_len);
    if (status == SGP32_OK && identity->euicc_certificate_file != NULL)
        status = softeuicc_read_certificate(identity->euicc_certificate_file, &state->euicc_certificate,
                                            &state->euicc_certificate_len);
    if (status == SGP32_OK && identity->euicc_private_key_file != NULL)
        status = softeuicc_read_private_key(identity->euicc_private_key_file, &state->euicc_private_key,
                                            &state->euicc_private_key_len);
    for (i = 0; status == SGP32_OK && i < identity->ci_certificate_count; i++) {
        uint8_t pkid[20];
        size_t k;
        int listed = 0;
        status = softeuicc_install_ci_certificate(&card->storage, identity->ci_certificate_files[i], pkid);
        for (k = 0; status == SGP32_OK && k < state->ci_pkid_count; k++)
            listed |= memcmp(state->ci_pkids[k], pkid, 20) == 0;
        if (status == SGP32_OK && !listed) {
            if (state->ci_pkid_count == SOFTEUICC_MAX_CI_PKIDS)
                status = SGP32_ERR_INVALID_ARGUMENT;
            else
                memcpy(state->ci_pkids[state->ci_pkid_count++], pkid, 20);
        }
    }
    if (status == SGP32_OK && identity->rat_len > 0)
        status = softeuicc_rat_install(&card->storage, identity->rat, identity->rat_len);
    if (status == SGP32_OK)
        status = softeuicc_state_save(&card->storage, state);
    if (status != SGP32_OK) {
        sgp32_softeuicc_free(card);
        return status;
    }
    *out = card;
    return SGP32_OK;
}

enum sgp32_status sgp32_softeuicc_create(const char *state_dir, const struct sgp32_softeuicc_identity *identity,
                                         const struct sgp32_softeuicc_options *options, struct sgp32_softeuicc **out)
{
    if (state_dir == NULL || identity == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!identity_is_valid(identity))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        return SGP32_ERR_STORAGE;
    return create_card(NULL, state_dir, identity, options, out);
}

enum sgp32_status sgp32_softeuicc_create_with_storage(const struct sgp32_softeuicc_storage *storage,
                                                      const struct sgp32_softeuicc_identity *identity,
                                                      const struct sgp32_softeuicc_options *options,
                                                      struct sgp32_softeuicc **out)
{
    if (storage == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return create_card(storage, NULL, identity, options, out);
}

static enum sgp32_status open_card(const struct sgp32_softeuicc_storage *storage, const char *dir,
                                   const struct sgp32_softeuicc_options *options, struct sgp32_softeuicc **out)
{
    struct sgp32_softeuicc *card;
    enum sgp32_status status;
    if (out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *out = NULL;
    status = new_card(storage, dir, options, &card);
    if (status != SGP32_OK)
        return status;
    status = softeuicc_state_load(&card->storage, &card->state);
    if (status != SGP32_OK) {
        sgp32_softeuicc_free(card);
        return status;
    }
    *out = card;
    return SGP32_OK;
}

enum sgp32_status sgp32_softeuicc_open(const char *state_dir, const struct sgp32_softeuicc_options *options,
                                       struct sgp32_softeuicc **out)
{
    if (state_dir == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return open_card(NULL, state_dir, options, out);
}

enum sgp32_status sgp32_softeuicc_open_with_storage(const struct sgp32_softeuicc_storage *storage,
                                                    const struct sgp32_softeuicc_options *options,
                                                    struct sgp32_softeuicc **out)
{
    if (storage == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    return open_card(storage, NULL, options, out);
}

void sgp32_softeuicc_free(struct sgp32_softeuicc *card)
{
    if (card == NULL)
        return;
    softeuicc_volatile_reset(card);
    free(card->channels[0].block_data);
    softeuicc_state_clear(&card->state);
    free(card->dir);
    free(card);
}

enum sgp32_status sgp32_softeuicc_reset(struct sgp32_softeuicc *card, uint8_t *atr, size_t atr_cap, size_t *atr_len)
{
    struct softeuicc_state reloaded;
    const uint8_t *bytes;
    size_t len;
    enum sgp32_status status;
    if (card == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    bytes = card->options.protocol == SGP32_SOFTEUICC_T0 ? atr_t0 : atr_t1;
    len = card->options.protocol == SGP32_SOFTEUICC_T0 ? sizeof(atr_t0) : sizeof(atr_t1);
    /* A card boots from its non-volatile memory: whatever was not committed is gone. */
    status = softeuicc_state_load(&card->storage, &reloaded);
    if (status != SGP32_OK)
        return status;
    softeuicc_state_clear(&card->state);
    card->state = reloaded;
    softeuicc_volatile_reset(card);
    card->powered = 1;
    card->power_loss_countdown = 0;
    if (atr_len != NULL)
        *atr_len = len;
    if (atr != NULL) {
        if (atr_cap < len)
            return SGP32_ERR_BUFFER_TOO_SMALL;
        memcpy(atr, bytes, len);
    }
    return SGP32_OK;
}

enum sgp32_status sgp32_softeuicc_process_apdu(struct sgp32_softeuicc *card, const uint8_t *command, size_t command_len,
                                               uint8_t *response, size_t response_cap, size_t *response_len)
{
    enum sgp32_status status;
    if (card == NULL || command == NULL || response == NULL || response_len == NULL || response_cap < 2)
        return SGP32_ERR_INVALID_ARGUMENT;
    *response_len = 0;
    if (!card->powered)
        return SGP32_ERR_NO_CARD;
    status = softeuicc_apdu(card, command, command_len, response, response_cap, response_len);
    if (card->power_loss_countdown > 0 && --card->power_loss_countdown == 0) {
        card->powered = 0;
        *response_len = 0;
        return SGP32_ERR_NO_CARD;
    }
    return status;
}

int sgp32_softeuicc_proactive_pending(const struct sgp32_softeuicc *card)
{
    return card != NULL && card->refresh_pending;
}

void sgp32_softeuicc_fail_next_state_write(struct sgp32_softeuicc *card)
{
    if (card != NULL)
        card->fail_next_write = 1;
}

void sgp32_softeuicc_power_loss_after(struct sgp32_softeuicc *card, uint32_t n)
{
    if (card != NULL)
        card->power_loss_countdown = n;
}

int sgp32_softeuicc_powered(const struct sgp32_softeuicc *card)
{
    return card != NULL && card->powered;
}

enum sgp32_status sgp32_softeuicc_preload_profile(struct sgp32_softeuicc *card, const uint8_t *profile_info,
                                                  size_t profile_info_len)
{
    SGP32_ProfileInfo_t *info = NULL;
    enum sgp32_status status;
    if (card == NULL || profile_info == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    status = sgp32_decode(SGP32_TYPE(SGP32_ProfileInfo), profile_info, profile_info_len, NULL, (void **)&info, NULL);
    if (status != SGP32_OK)
        return status;
    if (info->iccid == NULL || info->iccid->size != 10 || info->isdpAid == NULL) {
        sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), info);
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    if (softeuicc_profile_by_iccid(card, info->iccid->buf) != NULL ||
        softeuicc_profile_by_aid(card, info->isdpAid->buf, info->isdpAid->size) != NULL) {
        sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), info);
        return SGP32_ERR_STATE;
    }
    if (card->state.profile_count >= SOFTEUICC_MAX_PROFILES) {
        sgp32_codec_free(SGP32_TYPE(SGP32_ProfileInfo), info);
        return SGP32_ERR_NO_MEMORY;
    }
    softeuicc_profile_set_enabled(info, 0);
    card->state.profile_extras[card->state.profile_count].preloaded = 1; /* factory: SGP.32 5.9.5 */
    card->state.profiles[card->state.profile_count++] = info;
    return softeuicc_commit(card);
}
