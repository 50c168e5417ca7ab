/* SPDX-License-Identifier: MIT */
/* The software eUICC's internals, shared by its files: card (volatile) and persistent state. */
#ifndef SOFTEUICC_CARD_INTERNAL_H
#define SOFTEUICC_CARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "OperatorId.h"
#include "SGP32-ProfileInfo.h"
#include "sgp32/codec.h"
#include "crypto/bsp.h" /* no wolfSSL types: usable without the crypto layer */
#include "der_writer.h"
#include "sgp32/softeuicc.h"

#define SOFTEUICC_MAX_PROFILES 8
#define SOFTEUICC_MAX_NOTIFICATIONS 32
#define SOFTEUICC_MAX_EIMS 4
#define SOFTEUICC_MAX_CI_PKIDS 4
#define SOFTEUICC_MAX_PACKAGE_RESULTS 8
#define SOFTEUICC_CHANNELS 20 /* basic 0, logical 1-3 and extended 4-19 (ISO 7816-4 5.4.1) */

/* Status words (ISO 7816-4 5.6). */
enum {
    SW_OK = 0x9000,
    SW_MEMORY_FAILURE = 0x6581,
    SW_WRONG_LENGTH = 0x6700,
    SW_CHANNEL_NOT_SUPPORTED = 0x6881,
    SW_SM_NOT_SUPPORTED = 0x6882,
    SW_CHAINING_NOT_SUPPORTED = 0x6884,
    SW_CONDITIONS_NOT_SATISFIED = 0x6985,
    SW_WRONG_DATA = 0x6A80,
    SW_FILE_NOT_FOUND = 0x6A82,
    SW_WRONG_P1P2 = 0x6A86,
    SW_DATA_NOT_FOUND = 0x6A88,
    SW_INS_NOT_SUPPORTED = 0x6D00,
    SW_CLA_NOT_SUPPORTED = 0x6E00
};

enum return_kind { RETURN_NONE = 0, RETURN_FALLBACK = 1, RETURN_EMERGENCY = 2 };

struct softeuicc_notification {
    long seq_number;
    uint8_t *metadata; /* DER NotificationMetadata (BF2F) */
    size_t metadata_len;
    /* An install notification is the signed ProfileInstallationResult itself (DER BF37, SGP.22 5.7.10
     * PendingNotification); NULL for the other notifications (sent as OtherSignedNotification). */
    uint8_t *install_result;
    size_t install_result_len;
};

/* A signed EuiccPackageResult (DER BF51) waiting for RemoveNotificationFromList. */
struct softeuicc_package_result {
    long seq_number;
    uint8_t *der;
    size_t len;
};

/* What the card keeps per profile beside its SGP32-ProfileInfo (same index as `profiles`). */
struct softeuicc_profile_extra {
    /* 1: installed at manufacturing (create / sgp32_softeuicc_preload_profile), 0: downloaded in the
     * field. Memory reset tells pre-loaded and field-loaded test profiles apart (SGP.32 5.9.5). */
    int preloaded;
    /* The ProfileHeader's connectivityParameters (SAIP, PEDefinitions) as received; NULL: none. */
    uint8_t *connectivity;
    size_t connectivity_len;
};

/* Everything that survives a power cut (state.c writes it; docs/software-euicc.md lists it). */
struct softeuicc_state {
    uint8_t eid[16];
    uint8_t ci_pkids[SOFTEUICC_MAX_CI_PKIDS][20];
    size_t ci_pkid_count;
    uint8_t *eum_certificate, *euicc_certificate; /* DER, may be NULL */
    size_t eum_certificate_len, euicc_certificate_len;
    uint8_t *euicc_private_key; /* the key file as given (PEM or DER, SEC1 or PKCS#8), may be NULL */
    size_t euicc_private_key_len;
    char *default_dp_address; /* NULL: none */
    char *root_ds_address;
    SGP32_ProfileInfo_t *profiles[SOFTEUICC_MAX_PROFILES];
    struct softeuicc_profile_extra profile_extras[SOFTEUICC_MAX_PROFILES];
    size_t profile_count;
    struct softeuicc_notification notifications[SOFTEUICC_MAX_NOTIFICATIONS];
    size_t notification_count;
    long next_seq_number;
    uint8_t *eims[SOFTEUICC_MAX_EIMS]; /* DER EimConfigurationData */
    size_t eim_lens[SOFTEUICC_MAX_EIMS];
    size_t eim_count;
    long next_association_token;
    int immediate_enable;
    char *immediate_enable_smdp_address;
    uint8_t *immediate_enable_smdp_oid; /* DER content octets of the OID */
    size_t immediate_enable_smdp_oid_len;
    /* The profile to return to after ExecuteFallbackMechanism / EnableEmergencyProfile. */
    int return_kind;
    uint8_t return_iccid[10];
    int return_has_iccid;
    /* Set by an enable PSMO with rollbackFlag (LoadEuiccPackage). */
    int rollback_available;
    uint8_t rollback_iccid[10];
    /* The enabling package's eimId [0], counterValue [1] and eimTransactionId [2] as DER (the first
     * members of its EuiccPackageResultDataSigned): the rollback's own result echoes them (SGP.32 5.9.16). */
    uint8_t *rollback_package;
    size_t rollback_package_len;
    /* ---- eUICC Packages (es10_euicc_package.c): signed EuiccPackageResults kept until
     * RemoveNotificationFromList (seqNumber from next_seq_number, shared with notifications). The eIM
     * counters live in each eIM's EimConfigurationData (counterValue [3]). */
    struct softeuicc_package_result package_results[SOFTEUICC_MAX_PACKAGE_RESULTS];
    size_t package_result_count;
};

struct softeuicc_channel {
    int open;
    int isdr_selected;
    /* STORE DATA reassembly */
    uint8_t *block_data;
    size_t block_len;
    unsigned next_block;
    int in_sequence;
    /* Answer waiting for GET RESPONSE */
    uint8_t *pending;
    size_t pending_len, pending_offset;
    uint16_t pending_final_sw;
};

/* ---- Profile download session (es10_download.c, es10_download_bpp.c; SGP.22 3.1.3, 5.7.13-14, 5.7.23):
 * volatile, ended by the ProfileInstallationResult, CancelSession or a new AuthenticateServer. */
#define SOFTEUICC_DOWNLOAD_SMALL 256     /* ConfigureISDP, OIDs */
#define SOFTEUICC_DOWNLOAD_METADATA 2048 /* StoreMetadataRequest (icon up to 1024 bytes) */
#define SOFTEUICC_DOWNLOAD_HEADER 1024   /* the first profile bytes: the ProfileHeader */
struct softeuicc_download {
    int stage; /* enum download_stage in es10_download.c; 0: no session */
    uint8_t transaction_id[16];
    size_t transaction_id_len;
    char server_address[256];
    uint8_t ci_pkid[20];
    uint8_t auth_oid[32], pb_oid[32]; /* SM-DP+ OIDs (content octets) of CERT.DPauth / CERT.DPpb */
    size_t auth_oid_len, pb_oid_len;
    int curve;                     /* enum sgp32_curve of the session */
    int server_is_ds;              /* authenticated with CERT.DSauth: an SM-DS, no download follows */
    uint8_t euicc_signature1[67];  /* 5F37 40 .. as sent */
    uint8_t pb_point[65];          /* PK.DPpb.ECDSA */
    uint8_t otsk[32], otpk[65];    /* otSK/otPK.EUICC.ECKA */
    struct sgp32_bsp bsp, ppk_bsp; /* session keys, then the PPKs of ReplaceSessionKeys */
    int have_ppk;
    size_t a1_left, a3_left; /* bytes still announced by the A1 / A3 headers */
    uint8_t isdp[SOFTEUICC_DOWNLOAD_SMALL];
    size_t isdp_len;
    uint8_t metadata[SOFTEUICC_DOWNLOAD_METADATA];
    size_t metadata_len;
    uint8_t header[SOFTEUICC_DOWNLOAD_HEADER];
    size_t header_len, profile_len;
};
/* The one-time key pair of the last PrepareDownload whose profile is not installed yet (SGP.22 3.1.3.2:
 * a retry whose smdpSigned2 carries bppEuiccOtpk reuses it). Kept across sessions until a profile is
 * installed, a newer PrepareDownload replaces it or the card resets (volatile). */
struct softeuicc_kept_otk {
    int valid;
    int curve;
    uint8_t otpk[65], otsk[32];
};

/* 1 if an ES10 payload with this tag is a LoadBoundProfilePackage segment (SGP.22 2.5.5), which is
 * not a complete TLV and goes to es10_load_bound_profile_package() as it is. */
int softeuicc_bpp_segment(const struct sgp32_softeuicc *card, uint32_t tag);
/* Ends the download session, wiping its keys (for a reset: the session is volatile). */
void softeuicc_download_end(struct sgp32_softeuicc *card);

struct sgp32_softeuicc {
    char *dir;                              /* the directory of a directory storage (owned), else NULL */
    struct sgp32_softeuicc_storage storage; /* storage.c: where every record lives */
    struct sgp32_softeuicc_options options;
    struct softeuicc_state state;
    struct softeuicc_channel channels[SOFTEUICC_CHANNELS];
    int powered;
    int terminal_capability_received;
    uint8_t *terminal_capability;
    size_t terminal_capability_len;
    int switched_since_reset; /* quirk_6985_after_switch */
    int refresh_pending;      /* quirk_refresh_91xx */
    int fail_next_write;
    uint32_t power_loss_countdown;
    uint8_t euicc_challenge[16]; /* the last GetEUICCChallenge answer, for AuthenticateServer */
    int have_challenge;
    struct softeuicc_download download; /* es10_download.c */
    struct softeuicc_kept_otk kept_otk; /* es10_download.c */
    int defer_commit;                   /* es10_euicc_package.c: one commit for a whole eUICC Package (see state.c) */
    int rollback_armed;                 /* es10_euicc_package_ops.c: this package's enable PSMO had rollbackFlag */
};

/* storage.c: the card's records go through struct sgp32_softeuicc_storage only. */
/* Copies a caller's storage (older, shorter layouts accepted); 0 when it is not usable. */
int softeuicc_storage_copy(const struct sgp32_softeuicc_storage *given, struct sgp32_softeuicc_storage *out);
/* The directory storage over dir (not copied: the card owns it). */
void softeuicc_directory_storage(char *dir, struct sgp32_softeuicc_storage *storage);
/* prefix | PKID in upper-case hex | suffix, e.g. "ci-F54172...C3.der". */
void softeuicc_record_name(const char *prefix, const uint8_t pkid[20], const char *suffix,
                           char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX]);
/* A whole record (malloc'd, *len bytes, at most max_len): SGP32_ERR_NOT_FOUND when absent,
 * SGP32_ERR_STORAGE when the storage fails or the record is larger than max_len. */
enum sgp32_status softeuicc_storage_read(const struct sgp32_softeuicc_storage *storage, const char *name,
                                         size_t max_len, uint8_t **data, size_t *len);
/* Replaces a record atomically (data NULL: deletes it); SGP32_ERR_STORAGE on any failure. */
enum sgp32_status softeuicc_storage_write(const struct sgp32_softeuicc_storage *storage, const char *name,
                                          const uint8_t *data, size_t len);

/* state.c */
void softeuicc_state_clear(struct softeuicc_state *state);
enum sgp32_status softeuicc_state_load(const struct sgp32_softeuicc_storage *storage, struct softeuicc_state *state);
enum sgp32_status softeuicc_state_save(const struct sgp32_softeuicc_storage *storage,
                                       const struct softeuicc_state *state);
/* Commits the in-memory state; on failure restores the last committed one and returns the error. */
enum sgp32_status softeuicc_commit(struct sgp32_softeuicc *card);
/* Commits when `change` (the status of the in-memory change) is SGP32_OK; otherwise drops the partial
 * change (back to the last committed state) and returns it. */
enum sgp32_status softeuicc_commit_after(struct sgp32_softeuicc *card, enum sgp32_status change);
/* Serialisation (exposed for tests of corrupt files through the state file). */
#define SOFTEUICC_STATE_FILE "card.state"

/* signing.c: SK.EUICC.ECDSA through lib/crypto (when built with it). */
enum sgp32_status softeuicc_check_private_key(const uint8_t *key_data, size_t len);
enum sgp32_status softeuicc_sign(struct sgp32_softeuicc *card, const uint8_t *message, size_t len,
                                 uint8_t signature[64]);
/* 1 when the card has a private key and both certificates (and the crypto layer is built). */
int softeuicc_can_sign(const struct sgp32_softeuicc *card);

/* card.c */
void softeuicc_volatile_reset(struct sgp32_softeuicc *card);
enum sgp32_status softeuicc_random(struct sgp32_softeuicc *card, uint8_t *out, size_t len);

/* apdu.c */
enum sgp32_status softeuicc_apdu(struct sgp32_softeuicc *card, const uint8_t *command, size_t command_len,
                                 uint8_t *response, size_t response_cap, size_t *response_len);

/* es10_dispatch.c: runs one reassembled ES10 command. Returns the SW; on 9000 *answer holds the
 * response (malloc'd). */
uint16_t softeuicc_es10_dispatch(struct sgp32_softeuicc *card, const uint8_t *data, size_t len, uint8_t **answer,
                                 size_t *answer_len);

/* ES10 handlers: write the answer into `out` and return the SW (9000 unless the command is refused at
 * the APDU level). */
typedef uint16_t (*softeuicc_es10_handler)(struct sgp32_softeuicc *card, const uint8_t *data, size_t len,
                                           struct der_writer *out);

uint16_t es10_get_euicc_data(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_euicc_info1(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_euicc_info2(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_configured_addresses(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_set_default_dp_address(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_set_default_dp_address_iot(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_euicc_challenge(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_rat(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_profiles_info(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_enable_profile(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_disable_profile(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_delete_profile(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_set_nickname(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_memory_reset(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_memory_reset_iot(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_list_notification(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_retrieve_notifications(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_remove_notification(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_add_initial_eim(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_eim_configuration(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_certs(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_profile_rollback(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_configure_immediate_enable(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_immediate_enable(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_enable_emergency(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_disable_emergency(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_execute_fallback(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_return_from_fallback(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_get_connectivity_parameters(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_ipae_activation(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
/* Profile download (es10_download.c), LoadEuiccPackage (es10_euicc_package.c), LoadCRL (es10_crl.c). */
uint16_t es10_authenticate_server(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_prepare_download(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_load_bound_profile_package(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_cancel_session(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
uint16_t es10_load_crl(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);
/* rat.c: 1 when the RAT allows every PPR set in pprs for the Profile Owner (SGP.22 2.9.2.2); pprs may
 * be NULL (none set), owner NULL (absent). */
int softeuicc_rat_allows(const struct sgp32_softeuicc *card, const BIT_STRING_t *pprs, const OperatorId_t *owner);
/* es10_crl.c: 1 when the CRL loaded for the CI `pkid` lists the certificate serial (INTEGER contents). */
int softeuicc_crl_revoked(const struct sgp32_softeuicc *card, const uint8_t pkid[20], const uint8_t *serial,
                          size_t serial_len);
uint16_t es10_load_euicc_package(struct sgp32_softeuicc *, const uint8_t *, size_t, struct der_writer *);

/* ---- eUICC Packages (es10_euicc_package.c) and the internals it shares */
/* es10_euicc_package.c: the package results for RetrieveNotificationsList / RemoveNotificationFromList. */
void softeuicc_write_package_results(const struct sgp32_softeuicc *card, struct der_writer *out);
int softeuicc_remove_package_result(struct sgp32_softeuicc *card, long seq_number); /* 1 if removed */
/* ProfileRollback's result (SGP.32 5.9.16): an eUICC-signed EuiccPackageResult (BF51) with rollbackResult
 * [12] `result`, echoing the enabling package (state.rollback_package), with the next seqNumber, kept
 * like the packages' results; not committed. SGP32_ERR_NOT_FOUND when there is nothing to answer for
 * (no enabling package, its eIM gone, or a card that cannot sign). *der: malloc'd. */
enum sgp32_status softeuicc_rollback_result(struct sgp32_softeuicc *card, long result, uint8_t **der, size_t *len);
/* es10_notifications.c: install notifications (the ProfileInstallationResult, SGP.22 5.7.10). */
/* Fills `slot` (seqNumber, copies of the PIR and its NotificationMetadata) from a signed DER BF37;
 * 0 if it is not a valid ProfileInstallationResult or memory runs out. */
int softeuicc_notification_from_install_result(struct softeuicc_notification *slot, const uint8_t *pir, size_t len);
/* Keeps a ProfileInstallationResult as pending notification (the oldest dropped when full); not committed. */
enum sgp32_status softeuicc_add_install_result(struct sgp32_softeuicc *card, const uint8_t *pir, size_t len);
void softeuicc_notification_free(struct softeuicc_notification *notification);
/* es10_eim.c: checks shared by AddInitialEim and the addEim / updateEim eCOs. */
int softeuicc_eim_counter_in_range(const INTEGER_t *counter);
int softeuicc_eim_known_ci(const struct softeuicc_state *state, const OCTET_STRING_t *pkid);
/* es10_iot.c: ConfigureImmediateProfileEnabling's effect (also the configureImmediateEnable PSMO):
 * oid (content octets) and address NULL when absent; 0 ok, 1 insufficientMemory; not committed. */
long softeuicc_configure_immediate_enable(struct sgp32_softeuicc *card, int flag, const uint8_t *oid, size_t oid_len,
                                          const uint8_t *address, size_t address_len);

/* profile_store.c: the profile list, shared by the ES10 profile functions. */
SGP32_ProfileInfo_t *softeuicc_profile_by_iccid(struct sgp32_softeuicc *card, const uint8_t *iccid);
SGP32_ProfileInfo_t *softeuicc_profile_by_aid(struct sgp32_softeuicc *card, const uint8_t *aid, size_t aid_len);
SGP32_ProfileInfo_t *softeuicc_enabled_profile(struct sgp32_softeuicc *card);
int softeuicc_profile_enabled(const SGP32_ProfileInfo_t *profile);
void softeuicc_profile_set_enabled(SGP32_ProfileInfo_t *profile, int enabled);
long softeuicc_profile_class(const SGP32_ProfileInfo_t *profile); /* operational (2) when absent */
int softeuicc_profile_has_ppr(const SGP32_ProfileInfo_t *profile, unsigned ppr);
int softeuicc_profile_bool(const BOOLEAN_t *value);
/* Adds a notification for `event` (NotificationEvent bit) if the profile's metadata asks for it. */
enum sgp32_status softeuicc_notify(struct sgp32_softeuicc *card, const SGP32_ProfileInfo_t *profile, unsigned event);
void softeuicc_profile_remove(struct sgp32_softeuicc *card, SGP32_ProfileInfo_t *profile);
/* The extra data of a profile of the list (never NULL for a listed profile). */
struct softeuicc_profile_extra *softeuicc_profile_extra(struct sgp32_softeuicc *card,
                                                        const SGP32_ProfileInfo_t *profile);
void softeuicc_profile_extra_free(struct softeuicc_profile_extra *extra);
/* Switches the enabled profile to `target` (NULL: none), with notifications; not committed. */
enum sgp32_status softeuicc_switch_profile(struct sgp32_softeuicc *card, SGP32_ProfileInfo_t *target);
/* Profile switch bookkeeping for the quirk knobs. */
void softeuicc_after_switch(struct sgp32_softeuicc *card, int refresh_flag);

/* decode helper for handlers: BER decode with constraints; NULL on failure. */
void *softeuicc_decode(const struct sgp32_codec_type *type, const uint8_t *data, size_t len);

#endif
