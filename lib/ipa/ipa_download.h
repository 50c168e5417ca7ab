/* SPDX-License-Identifier: MIT */
/*
 * Profile download internals (docs/ipa.md "Profile download"), shared by
 *   proc_download.c           the DOWNLOAD state: starting, the steps up to the BPP, failures
 *   proc_download_end.c       delivery of the result, cancellation, events and report, resumption
 *   proc_download_session.c   activation codes, triggers, ES10 request building, the record
 *   proc_download_direct.c    ES9+ to the SM-DP+ (JSON binding, SGP32_HAVE_JSON)
 *   proc_download_smds.c      ES11 event retrieval from an SM-DS (JSON binding, SGP32_HAVE_JSON)
 *   proc_download_indirect.c  the same steps over ESipa (ASN.1 binding) through the eIM
 * A transport is a table of exchanges: each `start` builds and starts one HTTP exchange from the
 * session, each `answer` reads the completed exchange into the session (copies: the exchange is
 * released after the answer step).
 */
#ifndef SGP32_LIB_IPA_DOWNLOAD_H
#define SGP32_LIB_IPA_DOWNLOAD_H

#include "ipa/ipa_internal.h"
#include "sgp32/tlv.h"

enum ipa_download_mode {
    IPA_DOWNLOAD_DIRECT = 1,   /* ES9+ to the SM-DP+ */
    IPA_DOWNLOAD_INDIRECT = 2, /* ESipa to the eIM, which relays to the SM-DP+ */
    IPA_DOWNLOAD_SMDS = 3      /* ES11 event retrieval, then DIRECT */
};

enum ipa_download_step {
    IPA_DL_BEGIN = 1,    /* run: addresses, GetEUICCChallenge, GetEUICCInfo1, initiateAuthentication */
    IPA_DL_INITIATE,     /* answer of initiateAuthentication */
    IPA_DL_AUTHENTICATE, /* run: AuthenticateServer, authenticateClient; answer: metadata, smdpSigned2 */
    IPA_DL_PREPARE,      /* run: checks, PrepareDownload, getBoundProfilePackage (streamed to the eUICC) */
    IPA_DL_LOAD,         /* answer of getBoundProfilePackage: the ProfileInstallationResult */
    IPA_DL_NOTIFY,       /* run/answer: the ProfileInstallationResult to its receiver */
    IPA_DL_REMOVE,       /* run: RemoveNotificationFromList once delivered */
    IPA_DL_CANCEL,       /* run: ES10b CancelSession, then the server's cancelSession */
    IPA_DL_FINISH        /* run: events, the trigger's report, the record removed */
};

/* Durable stages of the "ipa.download" record. */
enum ipa_download_stage {
    IPA_DL_STAGE_SESSION = 1,   /* a transactionId exists: the server (and maybe the eUICC) has a session */
    IPA_DL_STAGE_LOADING = 2,   /* PrepareDownload done: the BPP may be (partly) on the eUICC */
    IPA_DL_STAGE_INSTALLED = 3, /* the ProfileInstallationResult is known (kept in the record) */
    IPA_DL_STAGE_CANCELLED = 4  /* the eUICC session was cancelled: the server cancel / report remain */
};

/* CancelSessionReason (SGP.22 v2.5 5.7.14). */
enum ipa_cancel_reason {
    IPA_CANCEL_END_USER_REJECTION = 0,
    IPA_CANCEL_POSTPONED = 1,
    IPA_CANCEL_TIMEOUT = 2,
    IPA_CANCEL_PPR_NOT_ALLOWED = 3,
    IPA_CANCEL_METADATA_MISMATCH = 4,
    IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5,
    IPA_CANCEL_UNDEFINED = 127
};

#define IPA_DL_TEXT_MAX 256u
#define IPA_DL_CAPTURE 1024u

struct ipa_download;

struct ipa_download_transport {
    const char *name;
    enum sgp32_status (*initiate)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*initiate_answer)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*authenticate)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*authenticate_answer)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*load)(struct sgp32_ipa *ipa, struct ipa_download *dl); /* streams into dl->loader */
    enum sgp32_status (*load_answer)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*notify)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*notify_answer)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*cancel)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    enum sgp32_status (*cancel_answer)(struct sgp32_ipa *ipa, struct ipa_download *dl);
    void (*release)(struct ipa_download *dl); /* frees dl->transport_state */
};

struct ipa_download {
    struct sgp32_ipa *ipa; /* back pointer for the HTTP sink */
    int mode;              /* enum ipa_download_mode */
    int step;              /* enum ipa_download_step */
    int from_trigger;      /* a ProfileDownloadTriggerRequest of the eIM (the job): report to it */
    const struct ipa_download_transport *transport;
    void *transport_state;

    /* what to download */
    char smdp_address[IPA_DL_TEXT_MAX]; /* "" : the default SM-DP+ (direct) / left to the eIM (indirect) */
    char matching_id[IPA_DL_TEXT_MAX];
    int has_matching_id;
    char smds_address[IPA_DL_TEXT_MAX];
    int default_smdp; /* contact the eUICC's default SM-DP+ */
    int cc_flag;      /* the activation code says a confirmation code is needed */
    struct ipa_blob confirmation_code;
    uint8_t eim_transaction_id[16];
    size_t eim_transaction_id_len;

    /* the RSP session */
    uint8_t challenge[16];
    uint8_t transaction_id[16];
    size_t transaction_id_len;
    int session_open; /* AuthenticateServer succeeded on the eUICC, no result or cancel yet */
    int stage;        /* enum ipa_download_stage last saved (0: nothing saved) */
    struct ipa_blob info1;
    struct ipa_blob server_signed1, server_signature1, ci_pkid, server_certificate, ctx_params1;
    struct ipa_blob authenticate_response; /* BF38 of the eUICC */
    struct ipa_blob profile_metadata, smdp_signed2, smdp_signature2, smdp_certificate;
    uint8_t hash_cc[32];
    int have_hash_cc;                 /* given by the eIM */
    struct ipa_blob prepare_response; /* BF21 of the eUICC */
    struct ipa_blob cancel_response;  /* BF41 of the eUICC */
    struct ipa_blob result;           /* the ProfileInstallationResult (BF37) */
    struct sgp32_es10_bpp_loader *loader;
    size_t loaded;   /* BPP bytes fed to the eUICC */
    size_t total;    /* the BPP's size from its outer header (0: not known yet) */
    uint8_t head[8]; /* the first bytes, until the outer header can be read */
    size_t head_len;
    size_t reported; /* progress last reported */
    int notify_attempts;

    /* outcome */
    int failed;
    enum sgp32_status status;
    long cancel_reason;
    long server_code;               /* an ESipa error code (-1 none) */
    struct ipa_blob error_response; /* the eIM's error answer, for profileDownloadError.errorResponse */
    char detail[192];
    int installed; /* the result says success */
    int have_iccid;
    uint8_t iccid[10];
    long seq_number; /* of the result notification (-1 unknown) */
};

/* The transports (proc_download_direct.c / _smds.c need SGP32_HAVE_JSON). */
extern const struct ipa_download_transport ipa_download_es9plus, ipa_download_es11, ipa_download_esipa;

/* ---- proc_download_session.c ---- */
/* Parses "1$addr$matchingId[$oid[$ccFlag]]" (optional "LPA:" prefix) into dl. */
enum sgp32_status ipa_download_parse_activation_code(struct ipa_download *dl, const char *code);
/* Reads a ProfileDownloadTriggerRequest (BF54) into dl. */
enum sgp32_status ipa_download_parse_trigger(struct ipa_download *dl, const uint8_t *request, size_t len);
/* The AuthenticateServerRequest (BF38) from the initiateAuthentication answer and ctxParams1. */
enum sgp32_status ipa_download_authenticate_request(const struct sgp32_ipa *ipa, const struct ipa_download *dl,
                                                    struct ipa_blob *request);
/* The PrepareDownloadRequest (BF21); hash_cc may be NULL. */
enum sgp32_status ipa_download_prepare_request(const struct ipa_download *dl, const uint8_t *hash_cc,
                                               struct ipa_blob *request);
/* SHA-256(SHA-256(code) || transactionId) (SGP.22 v2.5 3.1.3.3). SGP32_ERR_NOT_SUPPORTED without crypto. */
enum sgp32_status ipa_download_hash_cc(const struct ipa_download *dl, uint8_t hash_cc[32]);
/* Reads the result's outcome, ICCID and sequence number into dl. */
void ipa_download_read_result(struct ipa_download *dl);
/* Saves / reads the "ipa.download" record. */
enum sgp32_status ipa_download_save(struct sgp32_ipa *ipa, struct ipa_download *dl, int stage);
enum sgp32_status ipa_download_load(struct sgp32_ipa *ipa, struct ipa_download *dl);
/* Copies text[0..len) into out[cap] as a C string (0 if it does not fit or holds a NUL). */
int ipa_download_text(const uint8_t *text, size_t len, char *out, size_t cap);

/* ---- proc_download_direct.c (SGP32_HAVE_JSON), shared with proc_download_smds.c ---- */
struct sgp32_es9plus_initiate_authentication_response;
struct sgp32_remote_endpoint;
/* Records a server's answer as the failure: "Failed 8.2.6/3.8 message" for a refusal
 * (SGP32_ERR_SERVER_STATUS), the local reason otherwise. Returns st. */
enum sgp32_status ipa_download_server_failure(struct sgp32_ipa *ipa, const char *what,
                                              const struct sgp32_remote_result *result, enum sgp32_status st);
/* Ends the previous exchange and fills endpoint for a call to address (the IPA's User-Agent and HTTP
 * timeout), ES9+ and ES11 alike. */
void ipa_download_endpoint(struct sgp32_ipa *ipa, const char *address, struct sgp32_remote_endpoint *endpoint);
/* Starts the exchange of the request just built into ipa->exchange.request (built: the builder's
 * status); a failed build releases the request and is recorded as the failure of `name`. */
enum sgp32_status ipa_download_send(struct sgp32_ipa *ipa, enum sgp32_status built, enum ipa_exchange_kind kind,
                                    int function, const char *name, sgp32_http_body_sink sink, void *sink_user);
/* Copies the initiateAuthentication answer (ES9+ and ES11 alike) into dl. */
enum sgp32_status ipa_download_take_initiate(struct ipa_download *dl,
                                             const struct sgp32_es9plus_initiate_authentication_response *r);

/* ---- proc_download.c ---- */
/* The transport of a mode (NULL: not in this build). */
const struct ipa_download_transport *ipa_download_transport_of(int mode);
/* Makes dl the session in flight (any previous one is freed) and enters the DOWNLOAD state. */
enum sgp32_status ipa_download_start(struct sgp32_ipa *ipa, struct ipa_download *dl);
struct ipa_download *ipa_download_new(struct sgp32_ipa *ipa, int mode);
/* Records a failure (the first one wins) and moves on: to CANCEL while the eUICC has a session or
 * the server may have one, else to FINISH. Returns SGP32_OK: FINISH reports the failure. */
enum sgp32_status ipa_download_fail(struct sgp32_ipa *ipa, struct ipa_download *dl, enum sgp32_status status,
                                    long cancel_reason, const char *what, const char *detail);
/* The BPP bytes of the answer, in order: to the eUICC (progress events). */
enum sgp32_status ipa_download_feed(struct ipa_download *dl, const uint8_t *data, size_t len);

/* ---- proc_download_end.c: the run / answer steps from NOTIFY on ---- */
enum sgp32_status ipa_download_step_notify(struct sgp32_ipa *ipa, struct ipa_download *dl);
enum sgp32_status ipa_download_answer_notify(struct sgp32_ipa *ipa, struct ipa_download *dl);
enum sgp32_status ipa_download_step_remove(struct sgp32_ipa *ipa, struct ipa_download *dl);
enum sgp32_status ipa_download_step_cancel(struct sgp32_ipa *ipa, struct ipa_download *dl);
enum sgp32_status ipa_download_answer_cancel(struct sgp32_ipa *ipa, struct ipa_download *dl);
enum sgp32_status ipa_download_step_finish(struct sgp32_ipa *ipa, struct ipa_download *dl);

#endif /* SGP32_LIB_IPA_DOWNLOAD_H */
