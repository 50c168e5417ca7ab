/* SPDX-License-Identifier: MIT */
/*
 * The software eUICC: a strict SGP.32 v1.2 IoT eUICC (or an SGP.22 v2.5 consumer eUICC) in software,
 * for tests, demos and CI. It answers C-APDUs exactly as a card would (status words, ES10 result
 * codes) and keeps its state in a directory, or in any storage the caller provides (memory, a flash
 * partition, a database: struct sgp32_softeuicc_storage), committed atomically at the points a real
 * card commits.
 *
 * Built as its own static library (sgp32_softeuicc); firmware never links it. No globals: any number
 * of cards may live in one process. A card is not thread-safe; use one thread per card.
 *
 * What is implemented and what is not: docs/software-euicc.md.
 */
#ifndef SGP32_SOFTEUICC_H
#define SGP32_SOFTEUICC_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgp32_softeuicc;

enum sgp32_softeuicc_mode {
    SGP32_SOFTEUICC_MODE_IOT = 0,     /* SGP.32 v1.2 IoT eUICC (SGP32-EUICCInfo2, eIM functions) */
    SGP32_SOFTEUICC_MODE_CONSUMER = 1 /* SGP.22 v2.5 consumer eUICC: SGP.32 commands are unknown */
};

enum sgp32_softeuicc_protocol {
    SGP32_SOFTEUICC_T1 = 0, /* case 4 answers carry their data (up to 256 bytes) with 9000 */
    SGP32_SOFTEUICC_T0 = 1  /* case 4 answers are 61xx; the data comes with GET RESPONSE */
};

/* Random bytes for challenges: return SGP32_OK after filling out[0..len). */
typedef enum sgp32_status (*sgp32_softeuicc_random_fn)(void *user, uint8_t *out, size_t len);

/* Behaviour of a card. Not stored in the card's storage: given again at every open. Zero-initialise
 * and set size = sizeof(struct sgp32_softeuicc_options); NULL options mean all defaults. */
struct sgp32_softeuicc_options {
    uint32_t size;
    enum sgp32_softeuicc_mode mode;
    enum sgp32_softeuicc_protocol protocol;
    /* GET RESPONSE returns at most this many bytes per call (0: 256), like cards with small buffers. */
    uint32_t get_response_chunk;
    /* Quirk: after a successful profile switch, answer 6985 to every ES10 command until reset. */
    int quirk_6985_after_switch;
    /* Quirk: after a profile switch with refreshFlag set, answer 91xx (a REFRESH proactive command is
     * pending) instead of 9000 until reset. */
    int quirk_refresh_91xx;
    /* Quirk: refuse ES10 (6985) until TERMINAL CAPABILITY was sent after the last reset. */
    int quirk_require_terminal_capability;
    /* Largest reassembled STORE DATA payload (0: 65280 = 256 blocks of 255 bytes). */
    uint32_t max_store_data;
    /* Randomness (NULL: /dev/urandom). */
    sgp32_softeuicc_random_fn random;
    void *random_user;
};

/* The identity given to a new card. Zero-initialise. Mirrored by python/sgp32/softeuicc.py: change both. */
struct sgp32_softeuicc_identity {
    uint8_t eid[16];
    /* CI public key identifiers (SubjectKeyIdentifier values, 20 bytes each) the eUICC trusts for
     * verification and can sign for; reported by GetEUICCInfo1/2. */
    const uint8_t (*ci_pkids)[20];
    size_t ci_pkid_count;
    /* DER or PEM files (NULL: none; GetCerts then answers undefinedError). */
    const char *eum_certificate_file;
    const char *euicc_certificate_file;
    /* SK.EUICC.ECDSA, PEM or DER (SEC1 or PKCS#8); needs the crypto layer (SGP32_WITH_WOLFSSL), else
     * create() answers SGP32_ERR_NOT_SUPPORTED. With key and both certificates the card signs its
     * notifications (RetrieveNotificationsList). */
    const char *euicc_private_key_file;
    const char *default_dp_address; /* NULL: none */
    const char *root_ds_address;    /* NULL: "lpa.ds.gsma.com" */
    /* CI certificates (DER or PEM) the card verifies SM-DP+ certificates with during a profile
     * download. Each one's SubjectKeyIdentifier joins ci_pkids if it is not there yet, and the
     * certificate is kept in the card's storage. Needs the crypto layer (SGP32_ERR_NOT_SUPPORTED
     * without it). */
    const char *const *ci_certificate_files;
    size_t ci_certificate_count;
    /* The Rules Authorisation Table (SGP.22 2.9.2.2, 5.7.22): DER of a RulesAuthorisationTable
     * (SEQUENCE OF ProfilePolicyAuthorisationRule), kept as rat.der in the card's storage and
     * returned by GetRAT. NULL / 0: the empty table. create() refuses anything that is not a strict
     * DER RulesAuthorisationTable with SGP32_ERR_INVALID_ARGUMENT. */
    const uint8_t *rat;
    size_t rat_len;
};

/* The card's non-volatile memory, as a few named records. The names are short ASCII (at most
 * SGP32_SOFTEUICC_STORAGE_NAME_MAX - 1 characters): "card.state" (everything but what follows),
 * "rat.der", "ci-<PKID>.der" and "crl-<PKID>[-pending|-delta].der" (PKID in upper-case hex).
 * The semantics are those of struct sgp32_platform's storage (sgp32/ipa.h): save() must be atomic
 * (after a power cut the old record or the new one, never a mix); save() with data == NULL deletes the
 * record (SGP32_OK also when it did not exist); load() answers SGP32_ERR_NOT_FOUND for a record that
 * does not exist and SGP32_ERR_BUFFER_TOO_SMALL with *len the size needed when cap is too small. Any
 * other error is a failed flash access (a commit then fails as with the fail_next_state_write knob).
 * Each commit point of the card is exactly one save() of "card.state". Zero-initialise, set version and
 * size; the structure is copied, user must outlive the card. The directory storage of
 * sgp32_softeuicc_create() / open() is one such storage: record <name> is the file <dir>/<name>. */
#define SGP32_SOFTEUICC_STORAGE_VERSION 1u
#define SGP32_SOFTEUICC_STORAGE_NAME_MAX 64
struct sgp32_softeuicc_storage {
    uint32_t version; /* SGP32_SOFTEUICC_STORAGE_VERSION */
    uint32_t size;    /* sizeof(struct sgp32_softeuicc_storage) as the caller compiled it */
    enum sgp32_status (*load)(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len);
    enum sgp32_status (*save)(void *user, const char *name, const uint8_t *data, size_t len);
    void *user;
};

/* Creates a new card in state_dir (created if missing; refused with SGP32_ERR_STATE if it already
 * holds a card) and opens it, powered on. SGP32_ERR_INVALID_ARGUMENT for an EID that is not 32
 * decimal digits with valid ISO 7064 mod 97-10 check digits (SGP.29). */
enum sgp32_status sgp32_softeuicc_create(const char *state_dir, const struct sgp32_softeuicc_identity *identity,
                                         const struct sgp32_softeuicc_options *options, struct sgp32_softeuicc **card);
/* Opens the card in state_dir, powered on. SGP32_ERR_STORAGE for a corrupt or truncated state. */
enum sgp32_status sgp32_softeuicc_open(const char *state_dir, const struct sgp32_softeuicc_options *options,
                                       struct sgp32_softeuicc **card);
/* The same on a caller-provided storage (see struct sgp32_softeuicc_storage). create refuses a
 * storage that already holds a "card.state" record (or cannot read it) with SGP32_ERR_STATE;
 * SGP32_ERR_INVALID_ARGUMENT for an unknown version or a missing function. */
enum sgp32_status sgp32_softeuicc_create_with_storage(const struct sgp32_softeuicc_storage *storage,
                                                      const struct sgp32_softeuicc_identity *identity,
                                                      const struct sgp32_softeuicc_options *options,
                                                      struct sgp32_softeuicc **card);
enum sgp32_status sgp32_softeuicc_open_with_storage(const struct sgp32_softeuicc_storage *storage,
                                                    const struct sgp32_softeuicc_options *options,
                                                    struct sgp32_softeuicc **card);
void sgp32_softeuicc_free(struct sgp32_softeuicc *card);

/* Power cycle / warm reset: volatile state (channels, selections, reassembly, quirk flags) is lost
 * and the persistent state is reloaded from the storage. atr (may be NULL) receives the ATR. */
enum sgp32_status sgp32_softeuicc_reset(struct sgp32_softeuicc *card, uint8_t *atr, size_t atr_cap, size_t *atr_len);

/* Processes one C-APDU; response receives data + SW1 SW2 (cap >= SGP32_APDU_MAX_RESPONSE).
 * SGP32_ERR_NO_CARD while the card is unpowered (see the fault knobs). */
enum sgp32_status sgp32_softeuicc_process_apdu(struct sgp32_softeuicc *card, const uint8_t *command, size_t command_len,
                                               uint8_t *response, size_t response_cap, size_t *response_len);

/* An APDU transport over the card (valid as long as the card). open() powers the card on. */
void sgp32_softeuicc_transport(struct sgp32_softeuicc *card, struct sgp32_apdu_transport *transport);

/* 1 if a proactive command (REFRESH) is pending, else 0. */
int sgp32_softeuicc_proactive_pending(const struct sgp32_softeuicc *card);

/* ---- Factory / test provisioning (a real card gets profiles through a download). */

/* Installs a profile as a pre-loaded one: profile_info is the DER of an SGP32-ProfileInfo with at
 * least iccid and isdpAid (profileState is ignored: the profile starts disabled). SGP32_ERR_STATE if
 * the ICCID or AID exists, SGP32_ERR_NO_MEMORY when the card is full. Committed at once. */
enum sgp32_status sgp32_softeuicc_preload_profile(struct sgp32_softeuicc *card, const uint8_t *profile_info,
                                                  size_t profile_info_len);

/* ---- Fault knobs for tests. */

/* The next state commit fails as a full flash would: the command answers its ES10 undefinedError (127)
 * and the card keeps its previous state (sgp32_softeuicc_preload_profile() returns SGP32_ERR_STORAGE). */
void sgp32_softeuicc_fail_next_state_write(struct sgp32_softeuicc *card);
/* The card loses power right after processing the n-th APDU from now (n >= 1; 0 disables): that APDU
 * takes effect as far as it committed, its response is lost, and the card stays unpowered until
 * reset. */
void sgp32_softeuicc_power_loss_after(struct sgp32_softeuicc *card, uint32_t n);
/* 1 while powered. */
int sgp32_softeuicc_powered(const struct sgp32_softeuicc *card);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_SOFTEUICC_H */
