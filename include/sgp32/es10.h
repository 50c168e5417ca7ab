/* SPDX-License-Identifier: MIT */
/*
 * ES10 (IPA - eUICC) session: a logical channel to the ISD-R over an APDU transport, and the raw
 * exchange of one ES10 command (a BER-TLV request, e.g. BF3E...) for its response, carried in STORE
 * DATA blocks as SGP.22 5.7 / SGP.32 5.9 prescribe.
 *
 * The session never sleeps and never retries on its own; every APDU has a deadline. When a command
 * fails, sgp32_es10_last_error() tells which step failed and the card's status word.
 */
#ifndef SGP32_ES10_H
#define SGP32_ES10_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The AID of the ISD-R (SGP.22 2.2.3). */
#define SGP32_ISDR_AID_LENGTH 16u
extern const uint8_t sgp32_isdr_aid[SGP32_ISDR_AID_LENGTH];

enum sgp32_es10_flags {
    /* Use the basic channel (0) instead of opening a logical channel. */
    SGP32_ES10_BASIC_CHANNEL = 1u << 0,
    /* Do not send TERMINAL CAPABILITY when the session opens. */
    SGP32_ES10_NO_TERMINAL_CAPABILITY = 1u << 1,
    /* Recovery after 6985 / REFRESH (typed functions, docs/es10.md) only reconnects: no card reset
     * through the transport. */
    SGP32_ES10_RECOVER_WITHOUT_RESET = 1u << 2
};

struct sgp32_es10_options {
    uint32_t size;                      /* sizeof(struct sgp32_es10_options) */
    uint32_t flags;                     /* enum sgp32_es10_flags */
    uint32_t apdu_timeout_ms;           /* per APDU; 0: 10000 */
    uint32_t max_response;              /* largest ES10 response accepted; 0: 65536 */
    const uint8_t *terminal_capability; /* value of the A9 template; NULL: 83 01 07 (eUICC related) */
    size_t terminal_capability_len;
};

/* Why the last call failed. */
struct sgp32_es10_error {
    enum sgp32_status status; /* SGP32_OK when the last call succeeded */
    uint16_t sw;              /* the status word that ended the exchange (0 if none was received) */
    uint8_t ins;              /* the INS byte of the failing APDU (0x70 MANAGE CHANNEL, 0xA4 SELECT ...) */
    const char *step;         /* "manage channel", "select ISD-R", "terminal capability", "store data",
                               * "get response", "transport" ... never NULL */
    long es10_result;         /* with SGP32_ERR_EUICC_RESULT: the ES10 result code of the eUICC
                               * (e.g. iccidOrAidNotFound 1); else 0 */
};

struct sgp32_es10;

/* Creates a session over an open transport; no I/O yet. options may be NULL. */
enum sgp32_status sgp32_es10_new(const struct sgp32_apdu_transport *transport, const struct sgp32_es10_options *options,
                                 struct sgp32_es10 **session);
/* Opens the logical channel (MANAGE CHANNEL, or the transport's own when it owns channels), selects
 * the ISD-R and sends TERMINAL CAPABILITY. Call again to re-establish the session after a card reset,
 * a REFRESH or a 6985 answer. On failure sgp32_es10_last_error() names the step and the status word. */
enum sgp32_status sgp32_es10_connect(struct sgp32_es10 *session);
/* Closes the logical channel (if any); the session can connect again. */
void sgp32_es10_disconnect(struct sgp32_es10 *session);
/* Disconnects and frees the session. NULL is fine. */
void sgp32_es10_free(struct sgp32_es10 *session);

/*
 * Sends one ES10 command (request: a complete BER-TLV) and returns its response in a new buffer
 * (*response, free with sgp32_buffer_free()). The command is split into STORE DATA blocks of up to
 * 255 bytes; 61xx is followed by GET RESPONSE and 6Cxx by a repeat with the right Le.
 * An empty response (9000 without data) returns *response == NULL and *response_len == 0.
 */
enum sgp32_status sgp32_es10_transceive(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                        uint8_t **response, size_t *response_len);

/* The name of ES10 result code `code` of the command whose request has tag `command_tag` (0xBF31
 * EnableProfile ...) as its ASN.1 names it ("iccidOrAidNotFound"), or of the codes most commands
 * share ("ok", "catBusy", "undefinedError" ...); NULL for a code without a name. */
const char *sgp32_es10_result_name(uint32_t command_tag, long code);

/* The last error of the session (never NULL for a valid session). */
const struct sgp32_es10_error *sgp32_es10_last_error(const struct sgp32_es10 *session);

/* The logical channel in use (0 for the basic channel). */
uint32_t sgp32_es10_channel(const struct sgp32_es10 *session);

/* 1 if the card signalled a pending proactive command (SW 91xx) since the last call, else 0. */
int sgp32_es10_proactive_pending(const struct sgp32_es10 *session);

/* ---- Typed ES10 functions (docs/es10.md) -----------------------------------------------------------
 *
 * One function per ES10a/b/c command of SGP.22 v2.5 and per SGP.32 v1.2 addition, over a connected
 * session. Common rules:
 * - Objects signed by an eIM or SM-DP+ (AuthenticateServer, PrepareDownload, LoadEuiccPackage ...) are
 *   forwarded byte for byte: the function takes the complete request TLV as received and returns the
 *   eUICC's complete answer (*answer, free with sgp32_buffer_free()).
 * - Functions answering a result code return SGP32_OK for ok(0) and SGP32_ERR_EUICC_RESULT for any
 *   other code, which sgp32_es10_last_error()->es10_result holds (e.g. iccidOrAidNotFound 1).
 * - A 6985 answer or a REFRESH (91xx) makes the next typed call re-establish the session first (card
 *   reset through the transport unless SGP32_ES10_RECOVER_WITHOUT_RESET, then sgp32_es10_connect()).
 *   Read-only commands are retried once after 6985; the others report SGP32_ERR_CARD_STATUS with sw
 *   6985 so that the caller decides (the command may have taken effect).
 */

/* Profile identifiers of Enable/Disable/DeleteProfile: the tag of the identifier. */
enum sgp32_es10_profile_id {
    SGP32_ES10_PROFILE_ICCID = 0x5A, /* 10 bytes, BCD as stored on the card */
    SGP32_ES10_PROFILE_AID = 0x4F    /* ISD-P AID, 5..16 bytes */
};

/* Bits of eUICCMemoryReset resetOptions (SGP.22 5.7.19; SGP.32 5.9.5 adds 3..6 for BF64). */
enum sgp32_es10_reset_option {
    SGP32_ES10_RESET_OPERATIONAL_PROFILES = 1u << 0,
    SGP32_ES10_RESET_FIELD_LOADED_TEST_PROFILES = 1u << 1,
    SGP32_ES10_RESET_DEFAULT_SMDP_ADDRESS = 1u << 2,
    SGP32_ES10_RESET_PRELOADED_TEST_PROFILES = 1u << 3,
    SGP32_ES10_RESET_PROVISIONING_PROFILES = 1u << 4,
    SGP32_ES10_RESET_EIM_CONFIG_DATA = 1u << 5,
    SGP32_ES10_RESET_IMMEDIATE_ENABLE_CONFIG = 1u << 6
};

/* Search criteria of RetrieveNotificationsList (SGP.22 5.7.10, SGP.32 5.9.11). */
enum sgp32_es10_notification_search {
    SGP32_ES10_NOTIFICATIONS_ALL = 0,
    SGP32_ES10_NOTIFICATIONS_BY_SEQ_NUMBER = 1,
    SGP32_ES10_NOTIFICATIONS_BY_OPERATION = 2, /* value: NotificationEvent bit (0 install .. 3 delete) */
    SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS = 3
};

/* ES10a */
/* GetEuiccConfiguredAddresses (BF3C): the addresses as NUL-terminated strings ("" when absent).
 * SGP32_ERR_BUFFER_TOO_SMALL if one does not fit. Either buffer may be NULL (cap 0). */
enum sgp32_status sgp32_es10_get_euicc_configured_addresses(struct sgp32_es10 *session, char *default_dp_address,
                                                            size_t default_dp_address_cap, char *root_ds_address,
                                                            size_t root_ds_address_cap);
/* SetDefaultDpAddress of SGP.22 (BF3F); "" removes the address. */
enum sgp32_status sgp32_es10_set_default_dp_address(struct sgp32_es10 *session, const char *address);

/* ES10b (SGP.22) */
enum sgp32_status sgp32_es10_get_euicc_challenge(struct sgp32_es10 *session, uint8_t challenge[16]);
/* GetEUICCInfo1 (BF20) / GetEUICCInfo2 (BF22): the eUICC's answer, for the servers as received. */
enum sgp32_status sgp32_es10_get_euicc_info1(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len);
enum sgp32_status sgp32_es10_get_euicc_info2(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len);
/* ListNotification (BF28): operation < 0 lists all, else the NotificationEvent bit to filter on. */
enum sgp32_status sgp32_es10_list_notification(struct sgp32_es10 *session, int operation, uint8_t **answer,
                                               size_t *answer_len);
/* RetrieveNotificationsList (BF2B): search is enum sgp32_es10_notification_search, value its argument. */
enum sgp32_status sgp32_es10_retrieve_notifications_list(struct sgp32_es10 *session, int search, long value,
                                                         uint8_t **answer, size_t *answer_len);
/* RemoveNotificationFromList (BF30): nothingToDelete (1) maps to SGP32_ERR_EUICC_RESULT. */
enum sgp32_status sgp32_es10_remove_notification_from_list(struct sgp32_es10 *session, long seq_number);
/* LoadCRL (BF35): crl is the DER CertificateList, wrapped as the request. */
enum sgp32_status sgp32_es10_load_crl(struct sgp32_es10 *session, const uint8_t *crl, size_t crl_len, uint8_t **answer,
                                      size_t *answer_len);
/* AuthenticateServer (BF38), PrepareDownload (BF21): complete requests, forwarded. */
enum sgp32_status sgp32_es10_authenticate_server(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                                 uint8_t **answer, size_t *answer_len);
enum sgp32_status sgp32_es10_prepare_download(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                              uint8_t **answer, size_t *answer_len);
/* CancelSession (BF41): reason is a CancelSessionReason (0 endUserRejection .. 127 undefinedReason). */
enum sgp32_status sgp32_es10_cancel_session(struct sgp32_es10 *session, const uint8_t *transaction_id,
                                            size_t transaction_id_len, long reason, uint8_t **answer,
                                            size_t *answer_len);
/* GetRAT (BF43). */
enum sgp32_status sgp32_es10_get_rat(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len);
/*
 * Decoded view of the signed answers of AuthenticateServer, PrepareDownload and CancelSession
 * (`tag` { A0 ok | A1 { transactionId, errorCode } } or `tag` { 02 errorCode }): *code = 0 for the ok
 * alternative, else the error code. SGP32_ERR_DECODE if the answer has neither form.
 */
enum sgp32_status sgp32_es10_answer_error_code(const uint8_t *answer, size_t answer_len, long *code);

/* ES10c */
/* GetProfilesInfo (BF2D): request NULL asks for every profile with every tag. */
enum sgp32_status sgp32_es10_get_profiles_info(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                               uint8_t **answer, size_t *answer_len);
/* Enable/DisableProfile (BF31/BF32), DeleteProfile (BF33): id_type is enum sgp32_es10_profile_id. */
enum sgp32_status sgp32_es10_enable_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len,
                                            int refresh);
enum sgp32_status sgp32_es10_disable_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len,
                                             int refresh);
enum sgp32_status sgp32_es10_delete_profile(struct sgp32_es10 *session, int id_type, const uint8_t *id, size_t id_len);
/* eUICCMemoryReset of SGP.22 (BF34): options are enum sgp32_es10_reset_option bits 0..2. */
enum sgp32_status sgp32_es10_euicc_memory_reset(struct sgp32_es10 *session, uint32_t options);
/* GetEID: GetEuiccData (BF3E) with tag list 5A. */
enum sgp32_status sgp32_es10_get_eid(struct sgp32_es10 *session, uint8_t eid[16]);
/* GetEuiccData (BF3E) with another tag list: the answer as received. */
enum sgp32_status sgp32_es10_get_euicc_data(struct sgp32_es10 *session, const uint8_t *tag_list, size_t tag_list_len,
                                            uint8_t **answer, size_t *answer_len);
/* SetNickname (BF29): iccid 10 bytes; nickname UTF-8 (at most 64 bytes). */
enum sgp32_status sgp32_es10_set_nickname(struct sgp32_es10 *session, const uint8_t iccid[10], const char *nickname);

/* SGP.32 v1.2 additions */
/* LoadEuiccPackage (BF51): the eIM-signed EuiccPackageRequest as received; the answer is the
 * eUICC-signed EuiccPackageResult. */
enum sgp32_status sgp32_es10_load_euicc_package(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                                uint8_t **answer, size_t *answer_len);
/* GetEimConfigurationData (BF55): eim_id NULL for every eIM. */
enum sgp32_status sgp32_es10_get_eim_configuration_data(struct sgp32_es10 *session, const char *eim_id,
                                                        uint8_t **answer, size_t *answer_len);
/* GetCerts (BF56): ci_pkid (20 bytes) may be NULL; getCertsError maps to SGP32_ERR_EUICC_RESULT. */
enum sgp32_status sgp32_es10_get_certs(struct sgp32_es10 *session, const uint8_t *ci_pkid, size_t ci_pkid_len,
                                       uint8_t **answer, size_t *answer_len);
/* AddInitialEim (BF57): the complete AddInitialEimRequest; addInitialEimError maps to
 * SGP32_ERR_EUICC_RESULT (the answer is returned either way). */
enum sgp32_status sgp32_es10_add_initial_eim(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                             uint8_t **answer, size_t *answer_len);
/* ProfileRollback (BF58): cmdResult mapped; answer (may be NULL) receives the whole answer with its
 * eUICC-signed EuiccPackageResult. */
enum sgp32_status sgp32_es10_profile_rollback(struct sgp32_es10 *session, int refresh, uint8_t **answer,
                                              size_t *answer_len);
/* ConfigureImmediateProfileEnabling (BF59): smdp_oid is the OBJECT IDENTIFIER's content octets (or
 * NULL), smdp_address NULL when absent. */
enum sgp32_status sgp32_es10_configure_immediate_profile_enabling(struct sgp32_es10 *session, int immediate_enable,
                                                                  const uint8_t *smdp_oid, size_t smdp_oid_len,
                                                                  const char *smdp_address);
/* ImmediateEnable (BF5A), Enable/DisableEmergencyProfile (BF5B/BF5C), ExecuteFallbackMechanism
 * (BF5D), ReturnFromFallback (BF5E): result code mapped. */
enum sgp32_status sgp32_es10_immediate_enable(struct sgp32_es10 *session, int refresh);
enum sgp32_status sgp32_es10_enable_emergency_profile(struct sgp32_es10 *session, int refresh);
enum sgp32_status sgp32_es10_disable_emergency_profile(struct sgp32_es10 *session, int refresh);
enum sgp32_status sgp32_es10_execute_fallback_mechanism(struct sgp32_es10 *session, int refresh);
enum sgp32_status sgp32_es10_return_from_fallback(struct sgp32_es10 *session, int refresh);
/* GetConnectivityParameters (BF5F): connectivityParametersError maps to SGP32_ERR_EUICC_RESULT. */
enum sgp32_status sgp32_es10_get_connectivity_parameters(struct sgp32_es10 *session, uint8_t **answer,
                                                         size_t *answer_len);
/* IpaeActivation (BF42): notSupported (1) maps to SGP32_ERR_EUICC_RESULT. */
enum sgp32_status sgp32_es10_ipae_activation(struct sgp32_es10 *session, int activate);
/* SetDefaultDpAddress of SGP.32 (BF65). */
enum sgp32_status sgp32_es10_set_default_dp_address_iot(struct sgp32_es10 *session, const char *address);
/* EuiccMemoryReset of SGP.32 (BF64): resetResult mapped; the optional results (-1 when absent) in
 * *eim_result / *immediate_enable_result (either may be NULL). */
enum sgp32_status sgp32_es10_euicc_memory_reset_iot(struct sgp32_es10 *session, uint32_t options, long *eim_result,
                                                    long *immediate_enable_result);

/* ---- Loading a Bound Profile Package (SGP.22 2.5.5) ------------------------------------------------
 *
 * Fed with a BoundProfilePackage in chunks of any size (an HTTP body as it arrives), the loader sends
 * it segment by segment, each segment its own STORE DATA sequence: BF36 header + BF23, A0 whole, A1
 * header, each 88, A2 whole, A3 header, each 86. Memory: one buffer of max_segment bytes. The eUICC
 * may answer a ProfileInstallationResult (BF37) after any segment (an error) or after the last one.
 */
struct sgp32_es10_bpp_loader;

/* max_segment: the largest segment accepted (0: 16384). */
enum sgp32_status sgp32_es10_bpp_loader_new(struct sgp32_es10 *session, size_t max_segment,
                                            struct sgp32_es10_bpp_loader **loader);
/* Sends every segment completed by data. Once the eUICC answered (sgp32_es10_bpp_loader_done() is 1)
 * further data are ignored. Errors are sticky. */
enum sgp32_status sgp32_es10_bpp_loader_feed(struct sgp32_es10_bpp_loader *loader, const uint8_t *data, size_t len);
/* 1 once the ProfileInstallationResult has come back. */
int sgp32_es10_bpp_loader_done(const struct sgp32_es10_bpp_loader *loader);
/* Hands the ProfileInstallationResult over (*result, free with sgp32_buffer_free()). SGP32_ERR_TRUNCATED
 * if the package is incomplete and no result came, SGP32_ERR_PROTOCOL if the whole package was sent
 * without a result, or the loader's sticky error. */
enum sgp32_status sgp32_es10_bpp_loader_finish(struct sgp32_es10_bpp_loader *loader, uint8_t **result,
                                               size_t *result_len);
void sgp32_es10_bpp_loader_free(struct sgp32_es10_bpp_loader *loader);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_ES10_H */
