/* SPDX-License-Identifier: MIT */
/* sgp32 ipa run|poll|inject and sgp32 download: the IPA core (include/sgp32/ipa.h, docs/ipa.md) driven
 * from the command line. The host loop polls, narrates every event (a text line, or a JSON line with
 * --json), sleeps as long as the IPA says (capped), and stops on SIGINT/SIGTERM, when the command's
 * work is done, or after --max-seconds. docs/cli.md "The IPA" describes output and exit codes. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_ipa_host.h"

/* The longest sleep between two polls: --max-seconds and the stop conditions are looked at this often
 * even when the IPA has nothing to do for an hour (a signal ends the sleep at once). */
#define MAX_SLEEP_MS 60000u
/* --max-seconds of the commands that end by themselves (poll, inject, download). */
#define DEFAULT_ONE_SHOT_SECONDS 300ul

enum ipa_mode { MODE_RUN, MODE_POLL, MODE_INJECT, MODE_DOWNLOAD, MODE_NOTIFY };

struct ipa_args {
    const char *state, *ca, *eim_address, *eim_id, *poll_interval, *max_seconds, *log_level, *download,
        *confirmation_code, *smds_address;
    int until_idle, use_default, use_smds; /* download --default / --smds: no activation code */
};

/* Why the loop ended, and the failure that counts for the exit code. */
struct ipa_run {
    enum ipa_mode mode;
    int until_idle, have_eim;
    uint64_t max_ms;
    char state[32];
    int signalled, timed_out;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: the sleep ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static uint64_t clock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec t;
    t.tv_sec = (time_t)(ms / 1000u);
    t.tv_nsec = (long)(ms % 1000u) * 1000000L;
    nanosleep(&t, NULL);
}

static const char *activity_name(uint32_t activity)
{
    static const char *const names[] = {"idle", "working", "backoff", "failed"};
    return activity < 4 ? names[activity] : "?";
}

/* ---- Before the IPA: arguments, the eIM configuration on the card */

static int parse_seconds(const struct cli_call *call, const char *option, const char *text, unsigned long max,
                         unsigned long *out)
{
    if (cli_parse_ulong(text, max, out) != 0) {
        char message[64];
        snprintf(message, sizeof(message), "%s takes seconds (0 .. %lu)", option, max);
        return cli_usage_error(call, message, text);
    }
    return 0;
}

/* Is an eIM (eim_id, or any) configured on the eUICC? *have_eim 1 or 0; the status of the query. */
static enum sgp32_status check_eim(struct cli_call *call, const char *eim_id, int *have_eim)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    const uint8_t *outer, *list;
    size_t outer_len, list_len;
    enum sgp32_status st = sgp32_es10_get_eim_configuration_data(call->es10, eim_id, &answer, &len);
    /* BF55 { A0 { EimConfigurationData ... } }: an empty list, or none, is no eIM */
    *have_eim = st == SGP32_OK && cli_tlv_value(answer, len, 0xBF55, &outer, &outer_len) == 0 &&
                cli_tlv_child(outer, outer_len, 0xA0, &list, &list_len) == 0 && list_len > 0;
    sgp32_buffer_free(answer);
    return st;
}

static int report_no_eim(const struct cli_call *call, const char *eim_id)
{
    char message[192];
    snprintf(message, sizeof(message), "no eIM%s%s configured on the eUICC (sgp32 eim add-initial)",
             eim_id != NULL ? " " : "", eim_id != NULL ? eim_id : "");
    if (call->json) {
        printf("{\"type\":\"result\",\"code\":%d,\"status\":\"%s\",\"message\":", (int)SGP32_ERR_NOT_FOUND,
               sgp32_status_name(SGP32_ERR_NOT_FOUND));
        cli_json_string(message, strlen(message));
        printf(",\"step\":\"eim configuration\",\"exit\":%d}\n", CLI_EXIT_FAILURE);
    } else {
        fprintf(stderr, "sgp32 %s: %s\n", call->name, message);
    }
    return CLI_EXIT_FAILURE;
}

/* ---- The host loop */

/* failures_before: host->outcome.failures before the poll (its events may have told the failure). */
static void note_poll(struct ipa_run *run, struct cli_ipa_host *host, const struct sgp32_ipa_poll_result *r,
                      unsigned failures_before)
{
    const struct cli_call *call = host->call;
    struct cli_ipa_outcome *o = &host->outcome;
    if (strcmp(run->state, r->state) != 0) {
        snprintf(run->state, sizeof(run->state), "%s", r->state);
        if (call->json)
            printf("{\"type\":\"state\",\"state\":\"%s\",\"activity\":\"%s\"}\n", r->state, activity_name(r->activity));
        else
            printf("state: %s\n", r->state);
    }
    /* An event of this poll told what failed: the poll's status may be a later, lesser complaint (the
     * idle state looking for an eIM that is not configured). */
    if (r->activity == SGP32_IPA_FAILED && r->status != SGP32_OK &&
        !(o->failures != failures_before && o->failure && o->final_failure)) {
        cli_ipa_note_failure(o, r->status, r->detail, 1);
        if (call->json) {
            printf("{\"type\":\"event\",\"event\":\"failed\",\"status\":\"%s\",\"code\":%d,\"detail\":",
                   sgp32_status_name(r->status), (int)r->status);
            cli_json_string(o->failure_detail, strlen(o->failure_detail));
            printf("}\n");
        } else {
            printf("failed: %s (%s)\n", o->failure_detail, sgp32_status_name(r->status));
        }
    } else if (r->activity == SGP32_IPA_IDLE && strcmp(r->state, "idle") == 0 && o->failure && !o->final_failure) {
        o->failure = 0; /* the retry went through and the IPA is back to idle (not waiting to retry) */
    }
    fflush(stdout);
}

/* Nothing left to do: the IPA's own idea, or (no eIM on the card: it keeps asking for one) its state. */
static int ended_idle(const struct ipa_run *run, const struct cli_ipa_host *host, const struct sgp32_ipa_poll_result *r)
{
    if (sgp32_ipa_is_idle(host->ipa))
        return 1;
    return !run->have_eim && r->activity == SGP32_IPA_IDLE && strcmp(r->state, "idle") == 0;
}

static int work_done(const struct ipa_run *run, const struct cli_ipa_host *host, const struct sgp32_ipa_poll_result *r)
{
    int idle = ended_idle(run, host, r);
    /* A one-shot command stops when a procedure gave up and the IPA went back to idle. */
    if (run->mode != MODE_RUN && r->activity == SGP32_IPA_FAILED && strcmp(r->state, "idle") == 0)
        return 1;
    switch (run->mode) {
    case MODE_DOWNLOAD:
        return host->outcome.download_done;
    case MODE_INJECT:
        if (run->until_idle)
            return host->outcome.transfer_responses > 0 && idle;
        /* answered, and no job of the package left (a download trigger runs on, then reports) */
        return host->outcome.transfer_responses > 0 &&
               (strcmp(r->state, "idle") == 0 || strcmp(r->state, "get-package") == 0 ||
                strcmp(r->state, "notify") == 0);
    case MODE_POLL:
        return idle;
    case MODE_NOTIFY: /* the IPA's own idea only: notify_due keeps it from idle until the round ran */
        return sgp32_ipa_is_idle(host->ipa);
    default:
        return run->until_idle && idle;
    }
}

static void loop(struct ipa_run *run, struct cli_ipa_host *host)
{
    uint64_t start = clock_ms();
    for (;;) {
        struct sgp32_ipa_poll_result r;
        uint64_t elapsed;
        uint32_t wait;
        unsigned failures_before = host->outcome.failures;
        sgp32_ipa_poll(host->ipa, &r);
        note_poll(run, host, &r, failures_before);
        if (stop_signal) {
            run->signalled = 1;
            return;
        }
        if (work_done(run, host, &r))
            return;
        elapsed = clock_ms() - start;
        if (run->max_ms > 0 && elapsed >= run->max_ms) {
            run->timed_out = 1;
            return;
        }
        wait = r.wait_ms < MAX_SLEEP_MS ? r.wait_ms : MAX_SLEEP_MS;
        if (run->max_ms > 0 && run->max_ms - elapsed < wait)
            wait = (uint32_t)(run->max_ms - elapsed);
        if (wait > 0)
            sleep_ms(wait);
    }
}

/* ---- The final result line */

static int exit_of_status(enum sgp32_status status)
{
    if (status == SGP32_ERR_TRANSPORT || status == SGP32_ERR_NO_CARD || status == SGP32_ERR_TIMEOUT)
        return CLI_EXIT_TRANSPORT;
    return status == SGP32_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE; /* a bad activation code */
}

static int print_failure(const struct cli_call *call, enum sgp32_status status, const char *message, const char *state,
                         int rc, const struct cli_ipa_outcome *o)
{
    if (call->json) {
        printf("{\"type\":\"result\",\"code\":%d,\"status\":\"%s\",\"message\":", (int)status,
               sgp32_status_name(status));
        cli_json_string(message, strlen(message));
        printf(",\"step\":\"ipa\",\"state\":\"%s\"", state);
        if (o != NULL) {
            printf(",\"reason\":");
            cli_json_string(o->download_detail, strlen(o->download_detail));
            printf(",\"serverCode\":%ld", o->download_code);
        }
        printf(",\"exit\":%d}\n", rc);
    } else {
        fprintf(stderr, "sgp32 %s: %s [%s, state '%s']\n", call->name, message, sgp32_status_name(status), state);
    }
    fflush(stdout);
    return rc;
}

static void print_eid(const struct cli_ipa_host *host)
{
    uint8_t eid[16];
    if (sgp32_ipa_eid(host->ipa, eid) == SGP32_OK) {
        printf(",\"eid\":\"");
        cli_print_hex(stdout, eid, sizeof(eid));
        printf("\"");
    }
}

static int finish(const struct ipa_run *run, const struct cli_ipa_host *host)
{
    const struct cli_call *call = host->call;
    const struct cli_ipa_outcome *o = &host->outcome;
    char message[256], iccid[21];
    if (run->mode == MODE_DOWNLOAD && o->download_done && o->download_status != SGP32_OK) {
        snprintf(message, sizeof(message), "download failed: %s", o->download_detail);
        return print_failure(call, o->download_status, message, run->state, exit_of_status(o->download_status), o);
    }
    if (o->failure) {
        snprintf(message, sizeof(message), "%s%s", o->failure_detail,
                 run->timed_out ? " (still failing at --max-seconds)" : "");
        return print_failure(call, o->failure_status, message, run->state, exit_of_status(o->failure_status), NULL);
    }
    if (run->timed_out || (run->mode == MODE_DOWNLOAD && !o->download_done && !run->signalled) ||
        (run->mode == MODE_INJECT && o->transfer_responses == 0 && !run->signalled)) {
        snprintf(message, sizeof(message), "not done after --max-seconds (%lu s)",
                 (unsigned long)(run->max_ms / 1000u));
        return print_failure(call, SGP32_ERR_TIMEOUT, message, run->state, CLI_EXIT_TRANSPORT, NULL);
    }
    if (run->mode == MODE_DOWNLOAD && !o->download_done)
        return print_failure(call, SGP32_ERR_STATE, "interrupted before the download ended", run->state,
                             CLI_EXIT_FAILURE, NULL);
    if (o->download_has_iccid)
        cli_ipa_iccid_text(o->download_iccid, iccid);
    cli_result_begin(call);
    if (call->json) {
        printf("{\"state\":\"%s\",\"idle\":%s,\"events\":%u", run->state,
               sgp32_ipa_is_idle(host->ipa) ? "true" : "false", o->events);
        print_eid(host);
        if (run->signalled)
            printf(",\"signal\":%d", (int)stop_signal);
        if (o->download_done && o->download_status == SGP32_OK)
            printf(",\"iccid\":\"%s\"", o->download_has_iccid ? iccid : "");
        if (run->mode == MODE_NOTIFY)
            printf(",\"notificationsDelivered\":%u", o->notifications_delivered);
        if (o->transfer_responses > 0) {
            printf(",\"response\":\"");
            cli_print_hex(stdout, o->transfer_response, o->transfer_response_len);
            printf("\",\"responseDecoded\":");
            (void)cli_print_value(call, "TransferEimPackageResponse", NULL, o->transfer_response,
                                  o->transfer_response_len);
        }
        printf("}");
    } else if (run->mode == MODE_DOWNLOAD) {
        printf("profile %s installed\n", o->download_has_iccid ? iccid : "(ICCID unknown)");
    } else if (run->mode == MODE_INJECT) {
        cli_print_hex(stdout, o->transfer_response, o->transfer_response_len);
        printf("\n");
    } else if (run->mode == MODE_NOTIFY) {
        printf("%u notification%s delivered\n", o->notifications_delivered, o->notifications_delivered == 1 ? "" : "s");
    } else {
        printf("%s: %s, %u event%s\n", run->signalled ? "stopped" : "done",
               sgp32_ipa_is_idle(host->ipa) ? "idle" : run->state, o->events, o->events == 1 ? "" : "s");
    }
    return cli_result_end(call);
}

/* ---- The commands */

/* download --default / --smds: sgp32_ipa_download(ipa, NULL, ...) asks the eUICC's default SM-DP+, or
 * without one its root SM-DS (docs/ipa.md "Download"); the host API reaches no other SM-DS (an eIM's
 * ProfileDownloadTrigger with contactSmds does). The eUICC's configured addresses (SGP.22 5.7.20) must
 * lead where the option says; 0 if they do, else the exit code. */
static int check_addresses(struct cli_call *call, const struct ipa_args *a)
{
    char dp[256], ds[256], message[640];
    enum sgp32_status st = sgp32_es10_get_euicc_configured_addresses(call->es10, dp, sizeof(dp), ds, sizeof(ds));
    if (st != SGP32_OK)
        return cli_fail(call, "GetEuiccConfiguredAddresses", st, 0);
    message[0] = '\0';
    if (a->use_default && dp[0] == '\0')
        snprintf(message, sizeof(message), "no default SM-DP+ address on the eUICC");
    else if (a->use_smds && dp[0] != '\0')
        snprintf(message, sizeof(message),
                 "the eUICC has a default SM-DP+ (%s), which the IPA asks instead of an SM-DS; an SM-DS is "
                 "reached through an eIM download trigger with contactSmds",
                 dp);
    else if (a->use_smds && ds[0] == '\0')
        snprintf(message, sizeof(message), "no root SM-DS address on the eUICC");
    else if (a->use_smds && a->smds_address != NULL && strcmp(a->smds_address, ds) != 0)
        snprintf(message, sizeof(message),
                 "the IPA reaches only the eUICC's root SM-DS (%s), not %s; another SM-DS is reached through "
                 "an eIM download trigger with contactSmds",
                 ds, a->smds_address);
    if (message[0] == '\0')
        return 0;
    return print_failure(call, SGP32_ERR_NOT_SUPPORTED, message, "start", CLI_EXIT_FAILURE, NULL);
}

static int run_ipa(struct cli_call *call, enum ipa_mode mode, int argc, char **argv)
{
    struct ipa_args a;
    const struct cli_option options[] = {
        {"--state", &a.state, NULL},
        {"--ca", &a.ca, NULL},
        {"--eim-address", &a.eim_address, NULL},
        {"--eim-id", &a.eim_id, NULL},
        {"--poll-interval", &a.poll_interval, NULL},
        {"--max-seconds", &a.max_seconds, NULL},
        {"--log-level", &a.log_level, NULL},
        {"--until-idle", NULL, &a.until_idle},
        {"--download", &a.download, NULL},
        {"--confirmation-code", &a.confirmation_code, NULL},
    };
    /* run takes every option; poll and inject all but the download */
    size_t option_count = mode == MODE_RUN ? 10 : 8;
    const char *positional[1] = {NULL};
    struct cli_ipa_host_options host_options;
    struct sgp32_ipa_config config;
    struct cli_ipa_host host;
    struct ipa_run run;
    unsigned long seconds = 0;
    uint8_t *request = NULL;
    size_t request_len = 0;
    enum sgp32_status st = SGP32_OK;
    int rc;

    memset(&a, 0, sizeof(a));
    memset(&run, 0, sizeof(run));
    memset(&host_options, 0, sizeof(host_options));
    memset(&config, 0, sizeof(config));
    run.mode = mode;
    snprintf(run.state, sizeof(run.state), "start");
    if (mode == MODE_DOWNLOAD) {
        /* download: --confirmation-code instead of the eIM options */
        const struct cli_option download_options[] = {
            {"--state", &a.state, NULL},
            {"--ca", &a.ca, NULL},
            {"--max-seconds", &a.max_seconds, NULL},
            {"--log-level", &a.log_level, NULL},
            {"--confirmation-code", &a.confirmation_code, NULL},
            {"--default", NULL, &a.use_default},
            {"--smds", NULL, &a.use_smds},
        };
        rc = cli_parse_args(call, argc, argv, download_options, 7, positional, 0, 1, NULL);
        if (rc == 0 && a.use_default + a.use_smds + (positional[0] != NULL && !a.use_smds) != 1)
            rc = cli_usage_error(call, "give an activation code, --default or --smds [<address>]", NULL);
        if (a.use_smds)
            a.smds_address = positional[0];
        else
            a.download = positional[0];
    } else {
        rc = cli_parse_args(call, argc, argv, options, option_count, positional, mode == MODE_INJECT ? 1 : 0,
                            mode == MODE_INJECT ? 1 : 0, NULL);
    }
    if (rc != 0)
        return rc;
    if (a.confirmation_code != NULL && a.download == NULL && !a.use_default && !a.use_smds)
        return cli_usage_error(call, "--confirmation-code goes with a download", NULL);
    if (a.download != NULL && a.download[0] == '\0')
        return cli_usage_error(call, "empty activation code", NULL);
    host_options.state_dir = a.state;
    host_options.ca_file = a.ca;
    host_options.log_level = SGP32_LOG_WARNING;
    if (a.log_level != NULL && (host_options.log_level = cli_ipa_log_level(a.log_level)) < -1)
        return cli_usage_error(call, "--log-level takes error, warning, info, debug or none", a.log_level);
    if (a.eim_id != NULL && (a.eim_id[0] == '\0' || strlen(a.eim_id) > 128))
        return cli_usage_error(call, "an eimId has 1 to 128 characters", a.eim_id);
    if (a.poll_interval != NULL) {
        if ((rc = parse_seconds(call, "--poll-interval", a.poll_interval, 86400ul, &seconds)) != 0)
            return rc;
        if (seconds == 0)
            return cli_usage_error(call, "--poll-interval takes at least 1 second", a.poll_interval);
        config.poll_interval_ms = (uint32_t)(seconds * 1000u);
    }
    seconds = mode == MODE_RUN ? 0 : DEFAULT_ONE_SHOT_SECONDS;
    if (a.max_seconds != NULL && (rc = parse_seconds(call, "--max-seconds", a.max_seconds, 4000000ul, &seconds)) != 0)
        return rc;
    run.max_ms = (uint64_t)seconds * 1000u;
    run.until_idle = a.until_idle;
    if (a.ca != NULL) {
        FILE *ca = fopen(a.ca, "rb");
        if (ca == NULL)
            return cli_usage_error(call, "cannot read the --ca file", a.ca);
        fclose(ca);
    }
    if (mode == MODE_INJECT && (rc = cli_read_request(call, positional[0], NULL, &request, &request_len)) != 0)
        return rc;

    /* The card once through ES10: reachable (else exit 3), and an eIM to work with. */
    rc = cli_connect(call);
    if (rc == 0) {
        /* A download needs no eIM (nor a card that knows GetEimConfigurationData); the eIM's work does. */
        int needs_eim = mode == MODE_POLL || (mode == MODE_RUN && a.download == NULL);
        st = check_eim(call, a.eim_id, &run.have_eim);
        if (st != SGP32_OK && needs_eim)
            rc = cli_fail(call, "GetEimConfigurationData", st, 0);
        else if (!run.have_eim && needs_eim)
            rc = report_no_eim(call, a.eim_id);
        else if (a.use_default || a.use_smds)
            rc = check_addresses(call, &a);
        st = SGP32_OK;
    }
    cli_disconnect(call);
    if (rc != 0) {
        free(request);
        return rc;
    }

    config.size = sizeof(config);
    config.eim_id = a.eim_id;
    config.eim_address = a.eim_address;
    rc = cli_ipa_host_open(&host, call, &host_options, &config);
    if (rc != 0) {
        free(request);
        return rc;
    }
    if (mode == MODE_POLL)
        st = sgp32_ipa_poll_eim_now(host.ipa);
    else if (mode == MODE_INJECT)
        st = sgp32_ipa_inject_eim_package(host.ipa, request, request_len);
    if (st == SGP32_OK && (a.download != NULL || a.use_default || a.use_smds))
        st = sgp32_ipa_download(host.ipa, a.download, a.confirmation_code);
    free(request);
    if (st != SGP32_OK) {
        rc = print_failure(call, st, "the IPA refused the operation", run.state, CLI_EXIT_FAILURE, NULL);
    } else {
        stop_signal = 0;
        install_signals();
        loop(&run, &host);
        rc = finish(&run, &host);
    }
    cli_ipa_host_close(&host);
    return rc;
}

static int run_run(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_RUN, argc, argv);
}

static int run_poll(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_POLL, argc, argv);
}

static int run_inject(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_INJECT, argc, argv);
}

static int run_download(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_DOWNLOAD, argc, argv);
}

int cli_ipa_profile_download(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_DOWNLOAD, argc, argv);
}

int cli_ipa_notification_process(struct cli_call *call, int argc, char **argv)
{
    return run_ipa(call, MODE_NOTIFY, argc, argv);
}

#define HOST_OPTIONS_HELP                                                                                              \
    "options:\n"                                                                                                       \
    "  --state <dir>          the IPA's records (default $SGP32_IPA_STATE, $XDG_STATE_HOME/sgp32 or\n"                 \
    "                         ~/.local/state/sgp32); keep one per eUICC: a restart resumes from it\n"                  \
    "  --ca <pem>             CA certificates for the eIM's and SM-DP+'s TLS (default: the system's)\n"                \
    "  --max-seconds <s>      stop after this long (exit 1 with the reason when failing, else 3)\n"                    \
    "  --log-level <level>    error, warning (default), info, debug or none: the IPA's log on stderr\n"
#define EIM_OPTIONS_HELP                                                                                               \
    "  --eim-address <url>    reach the eIM here instead of its eimFqdn (\"host:port\" or \"https://...\")\n"          \
    "  --eim-id <id>          the eIM to work with (default: the first configured)\n"                                  \
    "  --poll-interval <s>    period of the eIM poll (default 3600)\n"

static const struct cli_subcommand ipa_subcommands[] = {
    {"run", "[options] [--until-idle] [--download <code> [--confirmation-code <c>]]",
     "The IPA's host loop: polls the eIM, executes its packages, reports the results, delivers\n"
     "notifications, downloads profiles; prints one line per event and state change (--json: one JSON\n"
     "object per line: {\"type\":\"event\",\"event\":\"profile-changed\",\"iccid\",\"status\",\"detail\"...},\n"
     "{\"type\":\"state\",...}, then the result). Runs until SIGINT/SIGTERM, or with --until-idle until\n"
     "nothing is left to do.\n" HOST_OPTIONS_HELP EIM_OPTIONS_HELP
     "  --until-idle           stop when the IPA is idle\n"
     "  --download <code>      first a direct download from this activation code (1$<smdp>$<matching id>)\n"
     "  --confirmation-code <c> its confirmation code\n"
     "Exit: 0 ended idle or stopped without failure, 1 the last procedure failed (reason on stderr or\n"
     "in the result), 3 the card could not be reached or --max-seconds passed while working.\n",
     run_run},
    {"poll", "[options]",
     "One eIM poll (GetEimPackage) and everything it brings, until the IPA is idle (= ipa run with an\n"
     "eIM poll now and --until-idle; --max-seconds defaults to 300).\n" HOST_OPTIONS_HELP EIM_OPTIONS_HELP,
     run_poll},
    {"inject", "<file|hex|-> [--until-idle] [options]",
     "Gives the IPA a TransferEimPackageRequest (BF4E) as an eIM would push it, and prints the\n"
     "TransferEimPackageResponse (hex; JSON data {\"response\": hex, \"responseDecoded\": ...}). A download\n"
     "trigger runs on until its result is reported; --until-idle waits for everything else too.\n" HOST_OPTIONS_HELP
         EIM_OPTIONS_HELP,
     run_inject},
};

const char cli_ipa_download_synopsis[] = "<activation code> | --default | --smds [<address>] [--confirmation-code <c>] "
                                         "[options]";
const char cli_ipa_download_help[] =
    "Profile download from an SM-DP+ over ES9+ through the IPA core: activation code\n"
    "1$<smdp address>$<matching id> (an \"LPA:\" prefix is fine); --default: the eUICC's default SM-DP+\n"
    "(no Matching ID: the SM-DP+ finds the order by EID); --smds: the event the eUICC's root SM-DS holds\n"
    "for the EID (ES11; the eUICC must have no default SM-DP+, and <address>, if given, must be the root\n"
    "SM-DS: the host API reaches no other SM-DS, an eIM trigger with contactSmds does). Prints the\n"
    "progress (on a terminal a bar, else one line per event) and the ICCID of the new profile (JSON\n"
    "data {\"iccid\", ...}; events {\"event\":\"download-progress\",\"code\":<bytes>,\"total\":<size>}).\n"
    "--max-seconds defaults to 300.\n" HOST_OPTIONS_HELP
    "  --confirmation-code <c> the confirmation code the SM-DP+ asks for\n"
    "Exit: 0 the profile is installed, 1 the download failed (the SM-DP+'s reason, e.g. \"Failed\n"
    "8.2.6/3.8 ...\", in the message and in the JSON member reason; or the addresses do not lead to\n"
    "the server asked for), 2 a malformed activation code, 3 the card could not be reached or the\n"
    "download did not end in time.\n";

const char cli_ipa_notification_help[] =
    "  delivers the pending notifications through the IPA core (ES9+ handleNotification to the\n"
    "  SM-DP+ named in each, or ESipa to the eIM) and removes each once its receiver took it; ends when\n"
    "  the IPA is idle. The IPA has no notification-only round: with an eIM configured it first polls\n"
    "  it once (GetEimPackage) and executes what that brings. JSON data {\"notificationsDelivered\": n,\n"
    "  ...}; events notification-delivered. --max-seconds defaults to 300.\n" HOST_OPTIONS_HELP EIM_OPTIONS_HELP
    "Exit: 0 idle and nothing failed, 1 a delivery failed for good, 3 the card could not be reached or\n"
    "not done in time.\n";

static const struct cli_subcommand download_subcommand[] = {
    {"", cli_ipa_download_synopsis, cli_ipa_download_help, run_download},
};

const struct cli_family cli_family_ipa = {"ipa",
                                          "the IPA core: eIM polling, packages, notifications (run, poll, inject)",
                                          ipa_subcommands, sizeof(ipa_subcommands) / sizeof(ipa_subcommands[0]), 0};

const struct cli_family cli_family_download = {
    "download", "download a profile from an SM-DP+ (activation code) through the IPA core", download_subcommand, 1, 1};
