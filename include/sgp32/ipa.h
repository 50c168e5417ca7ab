/* SPDX-License-Identifier: MIT */
/*
 * The IPA core: the device side of SGP.32 v1.2 (IPAd) as an explicit, resumable state machine that
 * the host drives. The host gives a struct sgp32_platform (APDU transport, non-blocking HTTP client,
 * storage, clock, log, allocator, random, events) and calls sgp32_ipa_poll() from its own loop:
 * each call does the work that is due without ever sleeping and says when to call again.
 *
 *     sgp32_ipa_new(&config, &platform, &ipa);          no I/O
 *     for (;;) {
 *         struct sgp32_ipa_poll_result r;
 *         sgp32_ipa_poll(ipa, &r);                       eIM polling, packages, downloads, ...
 *         wait for r.wait_ms or for an event of the host (network up, a pushed eIM package)
 *     }
 *     sgp32_ipa_free(ipa);
 *
 * APDUs run inside a poll, each with its deadline; HTTP requests are started by one poll and picked
 * up by later ones, so a slow network never holds the host's loop. State that must survive a power
 * cut (a package executed whose result is not delivered, a download in progress, acknowledgements
 * not yet applied) is written through platform.save at the moment it becomes true; after a restart
 * the first polls finish or cleanly abort what was in flight. docs/ipa.md explains it all.
 *
 * Threading: one IPA context is used by one thread at a time; any number of contexts may run side
 * by side (no global state).
 */
#ifndef SGP32_IPA_H
#define SGP32_IPA_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/http.h"
#include "sgp32/status.h"
#include "sgp32/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SGP32_PLATFORM_VERSION 1u

enum sgp32_log_level { SGP32_LOG_ERROR = 0, SGP32_LOG_WARNING = 1, SGP32_LOG_INFO = 2, SGP32_LOG_DEBUG = 3 };

/* What the IPA tells the host (platform.event). Pointers in the event live until the callback returns. */
enum sgp32_ipa_event_type {
    /* An eUICC package (PSMOs or eCOs from the eIM) was executed; status is the outcome, code the
     * EuiccPackageResult's first result code when there is one. */
    SGP32_IPA_EVENT_PACKAGE_EXECUTED = 1,
    /* The enabled profile changed (enable, disable, rollback, fallback, emergency, download with
     * immediate enable): iccid is the newly enabled profile (has_iccid 0 when none is enabled). The
     * host re-attaches to the network and re-establishes its WAN/VPN. */
    SGP32_IPA_EVENT_PROFILE_CHANGED = 2,
    /* The eIM could not be reached after an enable with rollbackFlag: the IPA rolled back. */
    SGP32_IPA_EVENT_ROLLBACK = 3,
    /* A profile download progressed: code is the number of Bound Profile Package bytes loaded, total
     * the package's size (from its outer TLV header; 0 until known). */
    SGP32_IPA_EVENT_DOWNLOAD_PROGRESS = 4,
    /* A profile download ended: status SGP32_OK and iccid on success, else the reason (detail). */
    SGP32_IPA_EVENT_DOWNLOAD_DONE = 5,
    /* A notification (code: its sequence number) was delivered and removed from the eUICC. */
    SGP32_IPA_EVENT_NOTIFICATION_DELIVERED = 6,
    /* The answer to a package injected with sgp32_ipa_inject_eim_package(): data/len hold the
     * TransferEimPackageResponse (BF4E) to return to the eIM over the host's push channel. */
    SGP32_IPA_EVENT_TRANSFER_RESPONSE = 7,
    /* The eIM answered an IpaEuiccDataRequest or the IPA delivered its answer (status). */
    SGP32_IPA_EVENT_EUICC_DATA_SENT = 8,
    /* Something failed and will be retried (status, detail); code is the attempt number. */
    SGP32_IPA_EVENT_RETRY = 9,
    /* After the enabled profile changed: the profile's connectivity parameters (GetConnectivityParameters,
     * SGP.32 5.9.24) for the host's HTTP / CoAP stack: data/len hold httpParams (status SGP32_OK), or
     * status SGP32_ERR_NOT_FOUND when the eUICC has none for it (parametersNotAvailable). */
    SGP32_IPA_EVENT_CONNECTIVITY_PARAMETERS = 10
};

struct sgp32_ipa_event {
    uint32_t type; /* enum sgp32_ipa_event_type */
    enum sgp32_status status;
    long code;
    int has_iccid;
    uint8_t iccid[10];
    const char *detail; /* never NULL */
    const uint8_t *data;
    size_t len;
    long total; /* SGP32_IPA_EVENT_DOWNLOAD_PROGRESS: the whole size, else 0 */
};

/*
 * The host's services. Every function pointer except `event`, `log`, `alloc`/`free` and `random` is
 * required. Storage holds a few small named records (the names are short ASCII: "ipa.pkg" ...);
 * save() must be atomic (the old record or the new one after a power cut, never a mix); save() with
 * data == NULL deletes the record. load() answers SGP32_ERR_NOT_FOUND for a record that does not exist
 * and SGP32_ERR_BUFFER_TOO_SMALL (with *len the size needed) when cap is too small.
 */
struct sgp32_platform {
    uint32_t version;                 /* SGP32_PLATFORM_VERSION */
    uint32_t size;                    /* sizeof(struct sgp32_platform) as the host compiled it */
    struct sgp32_apdu_transport apdu; /* an opened-or-openable transport: the IPA calls open() */
    struct sgp32_http_client http;
    enum sgp32_status (*load)(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len);
    enum sgp32_status (*save)(void *user, const char *name, const uint8_t *data, size_t len);
    uint64_t (*now_ms)(void *user); /* a monotonic clock in milliseconds */
    void (*log)(void *user, int level, const char *message);
    void *(*alloc)(void *user, size_t size); /* NULL: malloc/free (the ASN.1 runtime always uses malloc) */
    void (*free)(void *user, void *ptr);
    enum sgp32_status (*random)(void *user, uint8_t *out, size_t len); /* NULL: the library's DRBG */
    void (*event)(void *user, const struct sgp32_ipa_event *event);
    void *user;
};

/* The ESipa binding (SGP.32 6.1 ASN.1, 6.2 JSON). */
enum sgp32_ipa_binding { SGP32_IPA_BINDING_ASN1 = 0, SGP32_IPA_BINDING_JSON = 1 };

/* IpaCapabilities.ipaFeatures bits (SGP.32 2.11.2.x; named BIT STRING, bit n = 1 << n). */
enum sgp32_ipa_feature {
    SGP32_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION = 1u << 0,
    SGP32_IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION = 1u << 1,
    SGP32_IPA_FEATURE_EIM_DOWNLOAD_DATA_HANDLING = 1u << 2,
    SGP32_IPA_FEATURE_EIM_CTX_PARAMS1_GENERATION = 1u << 3,
    SGP32_IPA_FEATURE_EIM_PROFILE_METADATA_VERIFICATION = 1u << 4,
    SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES = 1u << 5
};

/* IpaCapabilities.ipaSupportedProtocols bits. */
enum sgp32_ipa_protocol {
    SGP32_IPA_PROTOCOL_RETRIEVE_HTTPS = 1u << 0,
    SGP32_IPA_PROTOCOL_RETRIEVE_COAPS = 1u << 1,
    SGP32_IPA_PROTOCOL_INJECT_HTTPS = 1u << 2,
    SGP32_IPA_PROTOCOL_INJECT_COAPS = 1u << 3,
    SGP32_IPA_PROTOCOL_PROPRIETARY = 1u << 4
};

/* Zero means "the default" for every numeric field. */
struct sgp32_ipa_config {
    uint32_t size; /* sizeof(struct sgp32_ipa_config) */
    /* The eIM to work with: its eimId (NULL: the first eIM of GetEimConfigurationData). */
    const char *eim_id;
    /* Where to reach it, overriding the eimFqdn of its configuration on the eUICC (NULL: the eimFqdn):
     * "eim.example.com:443" or a base URL "https://127.0.0.1:8443". */
    const char *eim_address;
    enum sgp32_ipa_binding binding;
    const char *user_agent;       /* NULL: "libsgp32/<version>" */
    uint32_t poll_interval_ms;    /* GetEimPackage period when idle; default 3600000 (1 h) */
    uint32_t retry_initial_ms;    /* first backoff after a failure; default 2000 */
    uint32_t retry_max_ms;        /* backoff ceiling; default 600000 */
    uint32_t retry_limit;         /* attempts of one exchange before the procedure gives up; default 8 */
    uint32_t http_timeout_ms;     /* one HTTP exchange; default 60000 */
    uint32_t apdu_timeout_ms;     /* one APDU; default 30000 */
    uint32_t rollback_timeout_ms; /* after an enable with rollbackFlag, reach the eIM within this or roll back; default
                                     300000 */
    uint32_t ipa_features;        /* enum sgp32_ipa_feature; 0: direct | indirect | minimize off */
    uint32_t ipa_protocols;       /* enum sgp32_ipa_protocol; 0: retrieve HTTPS (| inject HTTPS) */
    const uint8_t *device_info;   /* DeviceInfo (DER, SGP.22 tag 'A1'-less SEQUENCE) or NULL */
    size_t device_info_len;
};

struct sgp32_ipa;

/* What sgp32_ipa_poll() did. */
enum sgp32_ipa_activity {
    SGP32_IPA_IDLE = 0,    /* nothing in flight, nothing due before wait_ms (the modem may sleep) */
    SGP32_IPA_WORKING = 1, /* an exchange is in flight or more work is due: call again after wait_ms */
    SGP32_IPA_BACKOFF = 2, /* the last exchange failed; it will be retried after wait_ms */
    SGP32_IPA_FAILED = 3   /* a procedure ended in failure (status / detail say why) */
};

struct sgp32_ipa_poll_result {
    uint32_t activity;        /* enum sgp32_ipa_activity */
    uint32_t wait_ms;         /* call sgp32_ipa_poll() again after at most this */
    const char *state;        /* the state machine's state after the poll ("idle", "download", ...) */
    enum sgp32_status status; /* the last failure's status (SGP32_OK if none) */
    char detail[192];         /* and its explanation (status word, ES10 / ESipa / ES9+ code) */
};

/* Creates an IPA. Makes no I/O: the first poll opens the transport and reads the persisted state.
 * config may be NULL (every default; the eIM must then be configured on the eUICC). The platform
 * structure is copied; its user pointer and the strings of config must outlive the IPA. */
enum sgp32_status sgp32_ipa_new(const struct sgp32_ipa_config *config, const struct sgp32_platform *platform,
                                struct sgp32_ipa **ipa);
/* Cancels what is in flight (persisted state stays: the next IPA on the same storage resumes it),
 * closes the transport and frees the IPA. NULL is fine. */
void sgp32_ipa_free(struct sgp32_ipa *ipa);

/* Does the work that is due and returns at once (APDUs excepted). result may be NULL. Returns the
 * status of this poll's work (SGP32_OK also when nothing was due). */
enum sgp32_status sgp32_ipa_poll(struct sgp32_ipa *ipa, struct sgp32_ipa_poll_result *result);

/* 1 once the IPA knows an eIM to work with (configured on the eUICC, or by AddInitialEim), else 0. */
int sgp32_ipa_has_eim(const struct sgp32_ipa *ipa);

/* 1 when no procedure is in flight and nothing is pending before the next periodic eIM poll. */
int sgp32_ipa_is_idle(const struct sgp32_ipa *ipa);

/* ---- Host operations. Each is queued and carried out by the following polls, in order, unless it
 * says otherwise. SGP32_ERR_STATE when the queue is full (a few operations). ---- */

/* Polls the eIM (GetEimPackage) at the next sgp32_ipa_poll() instead of waiting for the period. */
enum sgp32_status sgp32_ipa_poll_eim_now(struct sgp32_ipa *ipa);
/* The network came up (up = 1) or went down (0); rplmn (3 bytes, TS 24.008 MCC/MNC) may be NULL.
 * Coming up triggers a GetEimPackage with notifyStateChange when a state change is to be reported. */
enum sgp32_status sgp32_ipa_network_changed(struct sgp32_ipa *ipa, int up, const uint8_t *rplmn);
/* Direct download from an SM-DP+ over ES9+: an activation code "1$smdp.example.com$MATCHING-ID"
 * (optional "LPA:" prefix), or NULL for the default SM-DP+ of the eUICC; confirmation_code may be NULL. */
enum sgp32_status sgp32_ipa_download(struct sgp32_ipa *ipa, const char *activation_code, const char *confirmation_code);
/* A TransferEimPackageRequest (BF4E) that the eIM pushed to the host. The answer comes back as an
 * SGP32_IPA_EVENT_TRANSFER_RESPONSE event. */
enum sgp32_status sgp32_ipa_inject_eim_package(struct sgp32_ipa *ipa, const uint8_t *request, size_t len);

/* ---- Immediate operations on the eUICC (run at once through the APDU transport; SGP32_ERR_STATE
 * while a procedure is in flight). The change is reported to the eIM (notifyStateChange with its
 * stateChangeCause) at the next GetEimPackage. ---- */

/* AddInitialEim (BF57) with the complete request; answer (may be NULL) gets the eUICC's answer. */
enum sgp32_status sgp32_ipa_add_initial_eim(struct sgp32_ipa *ipa, const uint8_t *request, size_t len, uint8_t **answer,
                                            size_t *answer_len);
enum sgp32_status sgp32_ipa_execute_fallback(struct sgp32_ipa *ipa);
enum sgp32_status sgp32_ipa_return_from_fallback(struct sgp32_ipa *ipa);
enum sgp32_status sgp32_ipa_enable_emergency_profile(struct sgp32_ipa *ipa);
enum sgp32_status sgp32_ipa_disable_emergency_profile(struct sgp32_ipa *ipa);
/* ImmediateEnable (BF5A) of the profile just downloaded with immediate enabling configured. */
enum sgp32_status sgp32_ipa_immediate_enable(struct sgp32_ipa *ipa);
/* EuiccMemoryReset of SGP.32 (BF64): options are enum sgp32_es10_reset_option bits. */
enum sgp32_status sgp32_ipa_memory_reset(struct sgp32_ipa *ipa, uint32_t options);

/* The eIM's TLS trust from its configuration on the eUICC (EimConfigurationData
 * trustedPublicKeyDataTls): *der (free with sgp32_buffer_free()) is a DER Certificate (*is_certificate
 * 1; may be NULL) or SubjectPublicKeyInfo (0), for the host's HTTP client (the libcurl backend's
 * ca_blob takes a certificate as it is). SGP32_ERR_NOT_FOUND without one, SGP32_ERR_STATE while a
 * procedure is in flight. Runs at once on the eUICC. */
enum sgp32_status sgp32_ipa_eim_tls_trust(struct sgp32_ipa *ipa, uint8_t **der, size_t *len, int *is_certificate);

/* The last failure in detail (status word, ES10 result, ESipa / ES9+ codes). Never NULL. */
const char *sgp32_ipa_last_error(const struct sgp32_ipa *ipa);
/* The EID (after the first successful poll), else SGP32_ERR_STATE. */
enum sgp32_status sgp32_ipa_eid(const struct sgp32_ipa *ipa, uint8_t eid[16]);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_IPA_H */
