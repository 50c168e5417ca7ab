/* SPDX-License-Identifier: MIT */
/*
 * IPA core internals shared by the files of lib/ipa (docs/ipa.md):
 *   ipa.c            context, host operations, the poll loop and the state table
 *   ipa_exchange.c   one HTTP exchange at a time over the host's non-blocking client
 *   ipa_record.c     the persisted records (versioned DER through the storage callback)
 *   ipa_card.c       the ES10 session, EID and eIM configuration
 *   proc_*.c         one file per procedure
 * Every state has a `run` step (no exchange in flight: APDUs, maybe start an exchange) and an
 * `answer` step (the exchange completed). Failures go through ipa_retry(): backoff and retry limits
 * are data, the library never sleeps.
 */
#ifndef SGP32_LIB_IPA_INTERNAL_H
#define SGP32_LIB_IPA_INTERNAL_H

#include "remote/esipa_asn1.h"
#include "remote/remote.h"
#include "sgp32/es10.h"
#include "sgp32/ipa.h"

enum ipa_state {
    IPA_STATE_START = 0,   /* transport, ES10 session, EID, eIM configuration */
    IPA_STATE_RESUME,      /* act on the persisted records after a (re)start */
    IPA_STATE_IDLE,        /* pick the next due work */
    IPA_STATE_GET_PACKAGE, /* ESipa GetEimPackage */
    IPA_STATE_EXECUTE,     /* ES10 LoadEuiccPackage and the report it gives */
    IPA_STATE_REPORT,      /* ESipa ProvideEimPackageResult */
    IPA_STATE_ACKNOWLEDGE, /* ES10 RemoveNotificationFromList for what the eIM acknowledged */
    IPA_STATE_ROLLBACK,    /* ES10 ProfileRollback when the eIM stays unreachable after an enable */
    IPA_STATE_EUICC_DATA,  /* an IpaEuiccDataRequest answered from the eUICC */
    IPA_STATE_DOWNLOAD,    /* a profile download (direct ES9+ or indirect via the eIM, SM-DS) */
    IPA_STATE_NOTIFY,      /* pending notifications to their receivers */
    IPA_STATE_INJECT,      /* a TransferEimPackageRequest given by the host */
    IPA_STATE_COUNT
};

struct sgp32_ipa;

struct ipa_state_def {
    const char *name;
    enum sgp32_status (*run)(struct sgp32_ipa *ipa);
    enum sgp32_status (*answer)(struct sgp32_ipa *ipa); /* NULL: the state starts no exchange */
};

/* The state table entry of each procedure file (one per state). */
extern const struct ipa_state_def ipa_state_start, ipa_state_resume, ipa_state_idle, ipa_state_get_package,
    ipa_state_execute, ipa_state_report, ipa_state_acknowledge, ipa_state_rollback, ipa_state_euicc_data,
    ipa_state_download, ipa_state_notify, ipa_state_inject;

/* ---- Owned byte strings ---- */
struct ipa_blob {
    uint8_t *data;
    size_t len;
};
void ipa_blob_free(struct ipa_blob *blob);
/* Copies (data may be NULL when len is 0). */
enum sgp32_status ipa_blob_set(struct ipa_blob *blob, const uint8_t *data, size_t len);

/* ---- HTTP exchange (ipa_exchange.c) ---- */
enum ipa_exchange_kind { IPA_EXCHANGE_ESIPA = 1, IPA_EXCHANGE_ES9PLUS = 2, IPA_EXCHANGE_ES11 = 3 };

struct ipa_exchange {
    int active; /* started, not yet completed */
    int done;   /* completed: result (and body) valid until ipa_exchange_end() */
    enum ipa_exchange_kind kind;
    int function; /* ES9+ / ES11 function */
    uint32_t request_id;
    struct sgp32_remote_request request;
    struct sgp32_remote_body body;
    struct sgp32_http_result result;
    sgp32_http_body_sink sink; /* a streamed answer (the BPP); NULL: collected into body */
    void *sink_user;
    uint8_t *message; /* JSON binding: the answer converted to ESipa bytes */
};

#define IPA_BODY_MAX (256u * 1024u)

/* Starts the POST of one ESipa message (the inner message's bytes, e.g. BF4F ...) to the eIM. */
enum sgp32_status ipa_exchange_start_esipa(struct sgp32_ipa *ipa, const uint8_t *message, size_t len);
/* Starts an already built request (ES9+ / ES11, lib/remote) to `sink` (NULL: collected). The request
 * is taken over (released by ipa_exchange_end()). */
enum sgp32_status ipa_exchange_start_request(struct sgp32_ipa *ipa, enum ipa_exchange_kind kind, int function,
                                             sgp32_http_body_sink sink, void *sink_user);
/* Drives the HTTP client once: *done = 1 when the exchange completed (successfully or not). */
enum sgp32_status ipa_exchange_poll(struct sgp32_ipa *ipa, int *done);
/* The completed answer (for lib/remote's parsers). */
struct sgp32_remote_answer ipa_exchange_answer(const struct sgp32_ipa *ipa);
/* The eIM's answer as ESipa message bytes (EsipaMessageFromEimToIpa) whatever the binding: *kind
 * SGP32_ESIPA_NONE for "nothing to say" (204). The bytes live until ipa_exchange_end(). Errors as
 * sgp32_esipa_asn1_parse_response() / sgp32_esipa_json_parse_response(). */
enum sgp32_status ipa_exchange_esipa_message(struct sgp32_ipa *ipa, enum sgp32_esipa_message *kind,
                                             const uint8_t **message, size_t *len, struct sgp32_remote_result *result);
/* Releases the exchange (cancels it if still active). */
void ipa_exchange_end(struct sgp32_ipa *ipa);
/* The remote endpoint of the eIM (its address from the configuration or the eUICC). */
void ipa_eim_endpoint(const struct sgp32_ipa *ipa, struct sgp32_remote_endpoint *endpoint);

/* ---- Persisted records (ipa_record.c): DER SEQUENCE { [0] version, fields }, saved atomically. ---- */
#define IPA_RECORD_JOB "ipa.job"
#define IPA_RECORD_ACKS "ipa.acks"
#define IPA_RECORD_DOWNLOAD "ipa.download"
#define IPA_RECORD_CHANGE "ipa.change"

enum ipa_job_kind {
    IPA_JOB_EUICC_PACKAGE = 1, /* an EuiccPackageRequest (BF51) */
    IPA_JOB_EUICC_DATA = 2,    /* an IpaEuiccDataRequest (BF52) */
    IPA_JOB_DOWNLOAD = 3       /* a ProfileDownloadTriggerRequest (BF54) */
};
enum ipa_job_stage {
    IPA_JOB_RECEIVED = 1, /* the request is known; not executed as far as the IPA knows */
    IPA_JOB_EXECUTED = 2  /* the report (ProvideEimPackageResult or TransferEimPackageResponse) is built */
};

/* The eIM job in flight: from the package received to its result acknowledged. */
struct ipa_job {
    int present;
    int kind;           /* enum ipa_job_kind */
    int stage;          /* enum ipa_job_stage */
    int injected;       /* came through sgp32_ipa_inject_eim_package(): the report is an event */
    int rollback_armed; /* an enable with rollbackFlag succeeded: roll back if the eIM stays silent */
    int uncertain;      /* LoadEuiccPackage may have run (failure or restart): look for its result first */
    long seq_before;    /* the highest notification sequence number before execution (-1: none) */
    struct ipa_blob request;
    struct ipa_blob report;
};

enum sgp32_status ipa_job_save(struct sgp32_ipa *ipa);
enum sgp32_status ipa_job_load(struct sgp32_ipa *ipa);
/* Forgets the job (memory and storage). */
enum sgp32_status ipa_job_clear(struct sgp32_ipa *ipa);

#define IPA_MAX_ACKS 64u
enum sgp32_status ipa_acks_save(struct sgp32_ipa *ipa);
enum sgp32_status ipa_acks_load(struct sgp32_ipa *ipa);

/* A state change to report with the next GetEimPackage (notifyStateChange, stateChangeCause). */
enum sgp32_status ipa_change_set(struct sgp32_ipa *ipa, long cause);
enum sgp32_status ipa_change_clear(struct sgp32_ipa *ipa);
enum sgp32_status ipa_change_load(struct sgp32_ipa *ipa);

/* Generic record I/O: the DER record `name` into a new buffer (SGP32_ERR_NOT_FOUND when absent). */
enum sgp32_status ipa_record_read(struct sgp32_ipa *ipa, const char *name, struct ipa_blob *out);
enum sgp32_status ipa_record_write(struct sgp32_ipa *ipa, const char *name, const uint8_t *data, size_t len);

/* ---- Host operations queued for the poll loop ---- */
enum ipa_op_kind { IPA_OP_DOWNLOAD = 1, IPA_OP_INJECT = 2 };
struct ipa_op {
    int kind;
    struct ipa_blob data;  /* activation code (NUL-terminated) / TransferEimPackageRequest */
    struct ipa_blob extra; /* confirmation code (NUL-terminated) or empty */
};
#define IPA_MAX_OPS 4u
/* Pops the next queued host operation into *op (0 when none); the caller releases op's blobs. */
int ipa_take_op(struct sgp32_ipa *ipa, struct ipa_op *op);

/* ---- Download procedure context (proc_download*.c) ---- */
struct ipa_download;

/* ---- The context ---- */
struct sgp32_ipa {
    struct sgp32_ipa_config config;
    struct sgp32_platform platform;
    enum ipa_state state;
    uint64_t wake_at_ms; /* run the state's step not before this */
    uint32_t attempt;    /* failed attempts in the current state */
    int activity;        /* enum sgp32_ipa_activity of the current poll */
    struct ipa_exchange exchange;

    /* card */
    struct sgp32_es10 *es10;
    int transport_open;
    int have_eid;
    uint8_t eid[16];
    int have_eim;
    int emulated; /* an SGP.22 eUICC: the IPA emulates the eIM functions (ipa_emulation.c) */
    char eim_id[129];
    char eim_fqdn[256];
    char user_agent[64];

    /* schedule */
    uint64_t next_eim_poll_ms;
    int eim_poll_requested;
    int network_up;
    int have_rplmn;
    uint8_t rplmn[3];
    long change_cause; /* -1: no state change to report */
    uint64_t rollback_deadline_ms;
    int connectivity_due;           /* the enabled profile changed: read its connectivity parameters */
    int notify_due;                 /* pending notifications may need delivery */
    long notify_seq;                /* delivered, to remove from the eUICC (-1: none) */
    long notify_after;              /* this round skips sequence numbers up to this one */
    struct ipa_blob notify_element; /* the notification being delivered */
    char notify_address[256];

    /* work */
    struct ipa_job job;
    long acks[IPA_MAX_ACKS];
    size_t ack_count;
    struct ipa_op ops[IPA_MAX_OPS];
    size_t op_count;
    struct ipa_blob inject; /* the TransferEimPackageRequest being handled */
    struct ipa_download *download;

    /* last failure */
    enum sgp32_status last_status;
    char last_error[192];
};

/* ---- The state machine (ipa.c) ---- */
void ipa_goto(struct sgp32_ipa *ipa, enum ipa_state state);
uint64_t ipa_now(const struct sgp32_ipa *ipa);
/* Records a failure (status + printf-free detail pieces joined) and logs it. Returns status. */
enum sgp32_status ipa_fail(struct sgp32_ipa *ipa, enum sgp32_status status, const char *what, const char *detail);
/* After a failure in the current state: 1 if another attempt is allowed (scheduled after the backoff),
 * 0 if the retry budget is spent. */
int ipa_retry(struct sgp32_ipa *ipa);
/* Wait at least ms before the current state's next step. */
void ipa_sleep(struct sgp32_ipa *ipa, uint32_t ms);
void ipa_log(const struct sgp32_ipa *ipa, int level, const char *a, const char *b);
void ipa_emit(struct sgp32_ipa *ipa, uint32_t type, enum sgp32_status status, long code, const uint8_t *iccid,
              const char *detail, const uint8_t *data, size_t len);
/* SGP32_IPA_EVENT_DOWNLOAD_PROGRESS with the bytes loaded and the package size (0: unknown). */
void ipa_emit_progress(struct sgp32_ipa *ipa, long loaded, long total, const char *detail);
void *ipa_alloc(const struct sgp32_ipa *ipa, size_t size);
void ipa_free(const struct sgp32_ipa *ipa, void *ptr);

/* ---- Card (ipa_card.c) ---- */
/* Opens the transport and the ES10 session if needed, re-establishing it after a failure. */
enum sgp32_status ipa_card_ready(struct sgp32_ipa *ipa);
/* After a transport failure: the next ipa_card_ready() reconnects. */
void ipa_card_lost(struct sgp32_ipa *ipa);
/* Reads eimId / eimFqdn of the configured eIM (config.eim_id or the first one). */
enum sgp32_status ipa_card_read_eim(struct sgp32_ipa *ipa);
/* Records an ES10 failure (step, status word, ES10 result) as the last error. */
enum sgp32_status ipa_card_fail(struct sgp32_ipa *ipa, enum sgp32_status status, const char *step);
/* The highest sequence number of the pending notifications (-1 when none). */
enum sgp32_status ipa_card_highest_notification(struct sgp32_ipa *ipa, long *seq);
/* The pending notifications with a sequence number above `above`, as the content of a
 * PendingNotificationList (concatenated elements, no outer tag) in a new blob. */
enum sgp32_status ipa_card_notifications_after(struct sgp32_ipa *ipa, long above, struct ipa_blob *list);

/* The sequence number and notificationAddress (may be NULL) of one pending notification element (BF37
 * ProfileInstallationResult or 30 OtherSignedNotification): 1, or 0 if it has neither form. */
int ipa_notification_info(const uint8_t *element, size_t len, long *seq, const uint8_t **address, size_t *address_len);

/* ---- Reports (proc_report.c) ---- */
/* Puts `result_part` (one EimPackageResult alternative, complete TLV) into a ProvideEimPackageResult
 * (BF50 { 5A eid, part }) as job.report, stage EXECUTED, saved, then REPORT. */
enum sgp32_status ipa_report_prepare(struct sgp32_ipa *ipa, const uint8_t *result_part, size_t len);

/* Reports an EuiccPackageResult with the notifications numbered above seq_before (< -1: none looked
 * for) as ePRAndNotifications, or alone when there are none. */
enum sgp32_status ipa_report_package_result(struct sgp32_ipa *ipa, const uint8_t *result, size_t len, long seq_before);

/* ---- Download (proc_download.c) ---- */
/* Starts a direct download (ES9+) from an activation code (NULL: the default SM-DP+). */
enum sgp32_status ipa_download_begin_direct(struct sgp32_ipa *ipa, const char *activation_code,
                                            const char *confirmation_code);
/* Starts the download a ProfileDownloadTriggerRequest (job.request) asks for. */
enum sgp32_status ipa_download_begin_trigger(struct sgp32_ipa *ipa);
/* After a restart with a download record: cancels it cleanly and reports the failure. */
enum sgp32_status ipa_download_resume(struct sgp32_ipa *ipa);
void ipa_download_free(struct sgp32_ipa *ipa);

/* ---- Connectivity parameters (proc_connectivity.c) ---- */
/* Reads GetConnectivityParameters and gives them to the host (SGP32_IPA_EVENT_CONNECTIVITY_PARAMETERS). */
enum sgp32_status ipa_connectivity_refresh(struct sgp32_ipa *ipa);

/* ---- IpaEuiccDataRequest (proc_euicc_data.c) ---- */
/* Builds the IpaEuiccDataResponse (BF52) answering `request` (BF52) into a new blob. */
enum sgp32_status ipa_euicc_data_response(struct sgp32_ipa *ipa, const uint8_t *request, size_t len,
                                          struct ipa_blob *response);

#endif /* SGP32_LIB_IPA_INTERNAL_H */
