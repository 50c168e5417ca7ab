/* SPDX-License-Identifier: MIT */
/*
 * End-to-end over PC/SC (docs/e2e.md, scenario 10): the bootstrap scenario with the card served by
 * `sgp32 euicc-sim serve --vpcd` behind a real pcscd + vsmartcard-vpcd and the IPA on the PC/SC
 * transport. Run by run_e2e_pcsc.sh, which starts pcscd and passes (environment):
 *   E2E_SGP32_CLI    the sgp32 CLI
 *   E2E_VPCD_PORT    the vpcd port of its reader
 *   E2E_PCSC_READER  the reader's name (a substring of it)
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e_env.h"
#include "sgp32/transport_pcsc.h"

static struct sgp32_pcsc *pcsc;
static pid_t serve_pid;

static const char *env_or_fail(const char *name)
{
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0')
        fail_msg("%s is not set: run this test through run_e2e_pcsc.sh", name);
    return value;
}

/* `sgp32 euicc-sim serve <card dir> --vpcd 127.0.0.1:<port>` (its output to <card dir>.serve.log). */
static void serve_start(void)
{
    char vpcd[64], log[128];
    const char *cli = env_or_fail("E2E_SGP32_CLI");
    snprintf(vpcd, sizeof(vpcd), "127.0.0.1:%s", env_or_fail("E2E_VPCD_PORT"));
    snprintf(log, sizeof(log), "%s.serve.log", e2e.card.dir);
    fflush(NULL);
    serve_pid = fork();
    assert_true(serve_pid >= 0);
    if (serve_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execl(cli, cli, "euicc-sim", "serve", e2e.card.dir, "--vpcd", vpcd, "--retry-seconds", "20", (char *)NULL);
        _exit(127);
    }
}

/* SIGTERM, then (bounded) its exit: 0 expected. */
static int serve_stop(void)
{
    int status = -1, i;
    char log[128];
    if (serve_pid <= 0)
        return 0;
    kill(serve_pid, SIGTERM);
    for (i = 0; i < 200 && waitpid(serve_pid, &status, WNOHANG) == 0; i++) {
        struct timespec pause = {0, 25000000L};
        nanosleep(&pause, NULL);
    }
    if (i == 200) {
        kill(serve_pid, SIGKILL);
        waitpid(serve_pid, &status, 0);
    }
    serve_pid = 0;
    snprintf(log, sizeof(log), "%s.serve.log", e2e.card.dir);
    remove(log);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int pcsc_setup(void **state)
{
    struct sgp32_pcsc_options options;
    (void)state;
    e2e_setup_card();
    /* the card's state goes to serve: the in-process card is closed (its directory stays) */
    sgp32_softeuicc_free(e2e.card.card);
    e2e.card.card = NULL;
    serve_start();
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.reader = env_or_fail("E2E_PCSC_READER");
    assert_int_equal(sgp32_pcsc_new(&options, &pcsc), SGP32_OK);
    sgp32_pcsc_transport(pcsc, &e2e.card.transport);
    e2e_setup_ipa();
    e2e.config.apdu_timeout_ms = 20000; /* open() waits this long for the reader and the card */
    e2e_ipa_restart();                  /* with that configuration */
    return 0;
}

static int pcsc_teardown(void **state)
{
    int serve;
    sgp32_ipa_free(e2e.ipa);
    e2e.ipa = NULL;
    sgp32_pcsc_free(pcsc);
    pcsc = NULL;
    serve = serve_stop();
    e2e_teardown(state);
    return serve;
}

/* 10. The bootstrap scenario over PC/SC: AddInitialEim, indirect download, enable with rollbackFlag,
 * notifications delivered, the bootstrap profile disabled. */
static void test_pcsc_bootstrap(void **state)
{
    char order[256], iccid[21];
    size_t notifications, results;
    const struct sgp32_ipa_event *changed;
    cJSON *json;
    long id;
    (void)state;
    /* the first poll opens the transport (waits for pcscd's reader and the served card) */
    assert_true(e2e_run_idle(30000));
    assert_non_null(strstr(sgp32_pcsc_reader_name(pcsc), env_or_fail("E2E_PCSC_READER")));
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 1);
    e2e_install_eim(&e2e.eim);
    snprintf(order, sizeof(order), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", e2e.smdp.address,
             E2E_MATCHING_ID);
    id = e2e_post_order(&e2e.eim, order);
    json = e2e_run_order(&e2e.eim, id, 120000);
    assert_string_equal(e2e_text(json, "outcome"), "installed");
    cJSON_Delete(json);
    e2e_downloaded_iccid(iccid);
    assert_int_equal(e2e_profile_state(iccid), 0);
    snprintf(order, sizeof(order), "{\"psmo\": {\"enable\": {\"iccid\": \"%s\", \"rollbackFlag\": true}}}", iccid);
    id = e2e_post_order(&e2e.eim, order);
    json = e2e_run_order(&e2e.eim, id, 120000);
    assert_string_equal(e2e_text(json, "status"), "done");
    assert_string_equal(e2e_text(json, "outcome"), "success");
    cJSON_Delete(json);
    changed = ipa_events_last(&e2e.host.events, SGP32_IPA_EVENT_PROFILE_CHANGED);
    assert_non_null(changed);
    assert_true(e2e_run_idle(20000));
    assert_int_equal(e2e_profile_state(iccid), 1);
    assert_int_equal(e2e_profile_state(E2E_BOOTSTRAP_ICCID), 0);
    e2e_card_leftovers(&notifications, &results);
    assert_int_equal(notifications, 0);
    assert_int_equal(results, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pcsc_bootstrap, pcsc_setup, pcsc_teardown),
    };
    e2e_filter_from_environment();
    return cmocka_run_group_tests(tests, e2e_group_setup, e2e_group_teardown);
}
