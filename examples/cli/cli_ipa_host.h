/* SPDX-License-Identifier: MIT */
/* The CLI's IPA host (docs/ipa.md "The platform"): the card of --transport, the libcurl HTTP backend
 * with --ca, one file per record in a state directory (temporary file + rename), CLOCK_MONOTONIC, log
 * lines on stderr by --log-level, and the events narrated on stdout (a text line, or a JSON line with
 * --json). cmd_ipa.c drives sgp32_ipa_poll() around it. */
#ifndef SGP32_CLI_IPA_HOST_H
#define SGP32_CLI_IPA_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cli_http_trace.h"
#include "sgp32/http_curl.h"
#include "sgp32/ipa.h"

struct cli_ipa_host_options {
    const char *state_dir; /* NULL: $SGP32_IPA_STATE, else $XDG_STATE_HOME/sgp32, else ~/.local/state/sgp32 */
    const char *ca_file;   /* PEM trusted for the eIM's and SM-DP+'s TLS; NULL: the system's */
    int log_level;         /* enum sgp32_log_level: lines up to this level go to stderr; -1 none */
};

/* What the events said, for the command's stop condition and its final result. */
struct cli_ipa_outcome {
    unsigned events;
    int download_done;
    enum sgp32_status download_status;
    long download_code;
    int download_has_iccid;
    uint8_t download_iccid[10];
    char download_detail[192];
    unsigned transfer_responses;
    unsigned notifications_delivered;
    uint8_t *transfer_response; /* the last TransferEimPackageResponse (malloc) */
    size_t transfer_response_len;
    /* The failure that counts for the exit code: set by a failed procedure (a failure event, a poll
     * that failed), cleared when a later one ends well or a retry goes through. */
    int failure;
    unsigned failures; /* failures noted so far */
    int final_failure; /* the procedure gave up (not waiting for a retry) */
    enum sgp32_status failure_status;
    char failure_detail[192];
};

/* Records a failure in o (final: the procedure gave up). */
void cli_ipa_note_failure(struct cli_ipa_outcome *o, enum sgp32_status status, const char *detail, int final);

struct cli_ipa_host {
    struct cli_call *call;
    struct cli_transport card;
    struct cli_trace trace;
    struct cli_http_trace http_trace; /* -v: HTTP exchanges on stderr */
    struct sgp32_http_curl *curl;
    struct sgp32_platform platform;
    struct sgp32_ipa *ipa;
    char state_dir[512];
    int log_level;
    struct cli_ipa_outcome outcome;
    int progress_bar;  /* text output on a terminal: the download progress is one bar redrawn in place */
    int progress_open; /* the bar is drawn and its line not ended yet */
};

/* The commands of cmd_ipa.c: sgp32 ipa run|poll|inject, sgp32 download; and (with their help) the
 * subcommands sgp32 profile download (= sgp32 download) and sgp32 notification process. */
extern const struct cli_family cli_family_ipa, cli_family_download;
extern const char cli_ipa_download_synopsis[], cli_ipa_download_help[], cli_ipa_notification_help[];
int cli_ipa_profile_download(struct cli_call *call, int argc, char **argv);
int cli_ipa_notification_process(struct cli_call *call, int argc, char **argv);

/* Creates the state directory, the card's transport (given to the IPA closed: the caller has reached
 * the card through cli_connect() already), the HTTP client, and the IPA with config. Prints why not
 * and returns the exit code. */
int cli_ipa_host_open(struct cli_ipa_host *host, struct cli_call *call, const struct cli_ipa_host_options *options,
                      const struct sgp32_ipa_config *config);
void cli_ipa_host_close(struct cli_ipa_host *host);

/* --log-level: error, warning, info, debug or none; -2 if none of them. */
int cli_ipa_log_level(const char *name);

/* ICCID bytes as stored on the card (20 hex digits, as `profile list` prints them). */
void cli_ipa_iccid_text(const uint8_t iccid[10], char out[21]);

#endif
