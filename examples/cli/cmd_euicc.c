/* SPDX-License-Identifier: MIT */
/* sgp32 euicc info|reset|fallback|emergency|immediate-enable|certs|rat|connectivity: the eUICC-wide
 * ES10 functions of SGP.22 (5.7.8 GetEUICCInfo, 5.7.19 eUICCMemoryReset, 5.7.22 GetRAT) and SGP.32
 * (5.9.5 EuiccMemoryReset, 5.9.10 GetCerts, 5.9.15 ImmediateEnable, 5.9.17 ConfigureImmediateProfileEnabling,
 * 5.9.20-5.9.24 fallback, emergency profile, connectivity parameters). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../servers/common/dotted_oid.h"
#include "cli.h"

/* ---- info, rat, connectivity, certs: answers printed as data */

static int run_info(struct cli_call *call, int argc, char **argv)
{
    uint8_t *info1 = NULL, *info2 = NULL;
    size_t info1_len = 0, info2_len = 0;
    enum sgp32_status st;
    int rc = cli_start(call, argc, argv, NULL, 0, NULL, 0, 0);
    if (rc != 0)
        return rc;
    st = sgp32_es10_get_euicc_info1(call->es10, &info1, &info1_len);
    if (st != SGP32_OK)
        return cli_fail(call, "GetEUICCInfo1", st, 0);
    st = sgp32_es10_get_euicc_info2(call->es10, &info2, &info2_len);
    if (st != SGP32_OK) {
        sgp32_buffer_free(info1);
        return cli_fail(call, "GetEUICCInfo2", st, 0);
    }
    cli_result_begin(call);
    printf(call->json ? "{\"euiccInfo1\":" : "EUICCInfo1:\n");
    rc = cli_print_value(call, "EUICCInfo1", NULL, info1, info1_len);
    printf(call->json ? ",\"euiccInfo2\":" : "EUICCInfo2:\n");
    if (rc == 0)
        rc = cli_print_value(call, "SGP32-EUICCInfo2", "EUICCInfo2", info2, info2_len);
    if (call->json)
        printf("}");
    sgp32_buffer_free(info1);
    sgp32_buffer_free(info2);
    return rc != 0 ? CLI_EXIT_FAILURE : cli_result_end(call);
}

static int run_rat(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_answer rat = {"GetRAT", sgp32_es10_get_rat, 0xBF43, NULL, "GetRatResponse"};
    return cli_run_answer(call, argc, argv, &rat);
}

static int run_connectivity(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_answer connectivity = {"GetConnectivityParameters", sgp32_es10_get_connectivity_parameters,
                                                   0xBF5F, NULL, "GetConnectivityParametersResponse"};
    return cli_run_answer(call, argc, argv, &connectivity);
}

/* A certificate inside GetCertsResponse: [5]/[6] IMPLICIT Certificate, printed as its DER (tag 30). */
static void print_certificate(const struct cli_call *call, const char *key, const uint8_t *certs, size_t certs_len,
                              uint32_t tag)
{
    const uint8_t *value;
    size_t value_len;
    uint8_t header[6] = {0x30};
    size_t header_len = 2;
    if (cli_tlv_child(certs, certs_len, tag, &value, &value_len) != 0)
        return;
    /* The DER length of the SEQUENCE (a certificate is under 64 KiB). */
    if (value_len < 0x80) {
        header[1] = (uint8_t)value_len;
    } else if (value_len < 0x100) {
        header[1] = 0x81, header[2] = (uint8_t)value_len, header_len = 3;
    } else {
        header[1] = 0x82, header[2] = (uint8_t)(value_len >> 8), header[3] = (uint8_t)value_len, header_len = 4;
    }
    printf(call->json ? "%s\"%s\":\"" : "%s%s: ", tag == 0xA5 || !call->json ? "" : ",", key);
    cli_print_hex(stdout, header, header_len);
    cli_print_hex(stdout, value, value_len);
    printf(call->json ? "\"" : "\n");
}

static int run_certs(struct cli_call *call, int argc, char **argv)
{
    const char *pkid_text = NULL;
    const struct cli_option options[] = {{"--ci-pkid", &pkid_text, NULL}};
    uint8_t pkid[20], *answer = NULL;
    const uint8_t *outer, *certs;
    size_t len = 0, outer_len, certs_len;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, options, 1, NULL, 0, 0, NULL);
    if (rc == 0 && pkid_text != NULL && cli_parse_fixed_hex(pkid_text, pkid, sizeof(pkid)) != 0)
        rc = cli_usage_error(call, "--ci-pkid needs 40 hex digits", pkid_text);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_get_certs(call->es10, pkid_text != NULL ? pkid : NULL, pkid_text != NULL ? sizeof(pkid) : 0,
                              &answer, &len);
    if (st != SGP32_OK) {
        sgp32_buffer_free(answer);
        return cli_fail(call, "GetCerts", st, 0xBF56);
    }
    if (cli_tlv_value(answer, len, 0xBF56, &outer, &outer_len) != 0 ||
        cli_tlv_value(outer, outer_len, 0xA0, &certs, &certs_len) != 0) {
        sgp32_buffer_free(answer);
        return cli_fail(call, "GetCerts", SGP32_ERR_DECODE, 0);
    }
    cli_result_begin(call);
    if (call->json)
        printf("{");
    print_certificate(call, "eumCertificate", certs, certs_len, 0xA5);
    print_certificate(call, "euiccCertificate", certs, certs_len, 0xA6);
    if (call->json)
        printf("}");
    sgp32_buffer_free(answer);
    return cli_result_end(call);
}

/* ---- reset */

static int run_reset(struct cli_call *call, int argc, char **argv)
{
    static const char *const option_names[] = {"--operational",     "--field-test",   "--default-smdp",
                                               "--preloaded-test",  "--provisioning", "--eim",
                                               "--immediate-enable"};
    int flags[7] = {0}, sgp22 = 0, i;
    struct cli_option options[8];
    uint32_t reset = 0;
    long eim_result = -1, immediate_result = -1, reset_result = 0;
    enum sgp32_status st;
    int rc;

    for (i = 0; i < 7; i++) {
        options[i].name = option_names[i];
        options[i].value = NULL;
        options[i].flag = &flags[i];
    }
    options[7].name = "--sgp22";
    options[7].value = NULL;
    options[7].flag = &sgp22;
    rc = cli_parse_args(call, argc, argv, options, 8, NULL, 0, 0, NULL);
    if (rc != 0)
        return rc;
    for (i = 0; i < 7; i++)
        if (flags[i])
            reset |= 1u << i;
    if (reset == 0)
        return cli_usage_error(call, "say what to reset (one or more options)", NULL);
    if (sgp22 && reset > 7u)
        return cli_usage_error(call, "--sgp22 (BF34) resets only operational, field test and default SM-DP+", NULL);
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp22 ? sgp32_es10_euicc_memory_reset(call->es10, reset)
               : sgp32_es10_euicc_memory_reset_iot(call->es10, reset, &eim_result, &immediate_result);
    /* resetResult is about the profiles and the default address: nothingToDelete there is no failure
     * when the eIM or immediate enable configuration was reset. */
    if (st == SGP32_ERR_EUICC_RESULT && sgp32_es10_last_error(call->es10)->es10_result == 1 &&
        (eim_result == 0 || immediate_result == 0)) {
        st = SGP32_OK;
        reset_result = 1;
    }
    if (st != SGP32_OK)
        return cli_fail(call, sgp22 ? "eUICCMemoryReset" : "EuiccMemoryReset", st, sgp22 ? 0xBF34 : 0xBF64);
    cli_result_begin(call);
    if (call->json) {
        printf("{\"resetResult\":%ld", reset_result);
        if (eim_result >= 0)
            printf(",\"resetEimResult\":%ld", eim_result);
        if (immediate_result >= 0)
            printf(",\"resetImmediateEnableConfigResult\":%ld", immediate_result);
        printf("}");
    } else {
        printf("memory reset: %s\n", reset_result == 0 ? "ok" : "nothingToDelete");
        if (eim_result >= 0)
            printf("eIM configuration: %s\n", eim_result == 1 ? "nothingToDelete" : eim_result == 0 ? "ok" : "failed");
        if (immediate_result >= 0)
            printf("immediate enable configuration: %s\n", immediate_result == 0 ? "ok" : "not reset");
    }
    return cli_result_end(call);
}

/* ---- fallback, emergency, immediate-enable execute: one function with a refreshFlag */

struct refresh_action {
    const char *name;     /* the action argument */
    const char *function; /* ES10 function, for messages */
    enum sgp32_status (*call)(struct sgp32_es10 *session, int refresh);
    uint32_t request; /* its tag, for result names */
};

static const struct refresh_action fallback_actions[] = {
    {"execute", "ExecuteFallbackMechanism", sgp32_es10_execute_fallback_mechanism, 0xBF5D},
    {"return", "ReturnFromFallback", sgp32_es10_return_from_fallback, 0xBF5E},
};

static const struct refresh_action emergency_actions[] = {
    {"enable", "EnableEmergencyProfile", sgp32_es10_enable_emergency_profile, 0xBF5B},
    {"disable", "DisableEmergencyProfile", sgp32_es10_disable_emergency_profile, 0xBF5C},
};

static const struct refresh_action immediate_actions[] = {
    {"execute", "ImmediateEnable", sgp32_es10_immediate_enable, 0xBF5A},
};

static int run_refresh_action(struct cli_call *call, int argc, char **argv, const struct refresh_action *actions,
                              size_t count)
{
    const char *name = NULL;
    int refresh = 0;
    const struct cli_option options[] = {{"--refresh", NULL, &refresh}};
    const struct refresh_action *action = NULL;
    enum sgp32_status st;
    size_t i;
    int rc = cli_parse_args(call, argc, argv, options, 1, &name, 1, 1, NULL);
    if (rc != 0)
        return rc;
    for (i = 0; i < count; i++)
        if (strcmp(actions[i].name, name) == 0)
            action = &actions[i];
    if (action == NULL)
        return cli_usage_error(call, "unknown action", name);
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = action->call(call->es10, refresh);
    if (st != SGP32_OK)
        return cli_fail(call, action->function, st, action->request);
    cli_result_begin(call);
    if (call->json)
        printf("{\"function\":\"%s\",\"refresh\":%s}", action->function, refresh ? "true" : "false");
    else
        printf("%s: ok\n", action->function);
    return cli_result_end(call);
}

static int run_fallback(struct cli_call *call, int argc, char **argv)
{
    return run_refresh_action(call, argc, argv, fallback_actions, 2);
}

static int run_emergency(struct cli_call *call, int argc, char **argv)
{
    return run_refresh_action(call, argc, argv, emergency_actions, 2);
}

static int run_immediate_configure(struct cli_call *call, int argc, char **argv)
{
    const char *oid_text = NULL, *address = NULL, *action = NULL;
    int enable = 0;
    const struct cli_option options[] = {
        {"--enable", NULL, &enable}, {"--smdp-oid", &oid_text, NULL}, {"--smdp-address", &address, NULL}};
    uint8_t oid[64];
    size_t oid_len = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, options, 3, &action, 1, 1, NULL);
    if (rc != 0)
        return rc;
    if (oid_text != NULL && dotted_oid_encode(oid_text, oid, sizeof(oid), &oid_len) != 0)
        return cli_usage_error(call, "--smdp-oid takes a dotted OBJECT IDENTIFIER", oid_text);
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_configure_immediate_profile_enabling(call->es10, enable, oid_text != NULL ? oid : NULL, oid_len,
                                                         address);
    if (st != SGP32_OK)
        return cli_fail(call, "ConfigureImmediateProfileEnabling", st, 0xBF59);
    cli_result_begin(call);
    if (call->json) {
        printf("{\"immediateEnable\":%s", enable ? "true" : "false");
        if (oid_text != NULL)
            printf(",\"defaultSmdpOid\":\"%s\"", oid_text);
        if (address != NULL) {
            printf(",\"defaultSmdpAddress\":");
            cli_json_string(address, strlen(address));
        }
        printf("}");
    } else {
        printf("immediate profile enabling %s\n", enable ? "allowed" : "not allowed");
    }
    return cli_result_end(call);
}

static int run_immediate(struct cli_call *call, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "configure") == 0)
        return run_immediate_configure(call, argc, argv);
    return run_refresh_action(call, argc, argv, immediate_actions, 1);
}

static const struct cli_subcommand euicc_subcommands[] = {
    {"info", "",
     "  EUICCInfo1 and EUICCInfo2 (GetEUICCInfo), decoded. JSON data: {\"euiccInfo1\": EUICCInfo1,\n"
     "  \"euiccInfo2\": SGP32-EUICCInfo2 (or EUICCInfo2 of a consumer card)}.\n",
     run_info},
    {"reset",
     "[--operational] [--field-test] [--default-smdp] [--preloaded-test] [--provisioning] [--eim]\n"
     "         [--immediate-enable] [--sgp22]",
     "  memory reset (SGP.32 EuiccMemoryReset BF64, or SGP.22 eUICCMemoryReset BF34 with --sgp22):\n"
     "  deletes the operational / field-loaded test / pre-loaded test / provisioning profiles, the\n"
     "  default SM-DP+ address, the eIM configuration, the immediate enable configuration. At least one\n"
     "  option. JSON data: {\"resetResult\": 0, \"resetEimResult\", \"resetImmediateEnableConfigResult\"}\n"
     "  (the last two when the eUICC answered them).\n",
     run_reset},
    {"fallback", "execute|return [--refresh]",
     "  ExecuteFallbackMechanism (enable the fallback profile) or ReturnFromFallback. JSON data:\n"
     "  {\"function\", \"refresh\"}.\n",
     run_fallback},
    {"emergency", "enable|disable [--refresh]",
     "  EnableEmergencyProfile / DisableEmergencyProfile (the eCall profile). JSON data as fallback.\n", run_emergency},
    {"immediate-enable", "configure [--enable] [--smdp-oid <oid>] [--smdp-address <fqdn>] | execute [--refresh]",
     "  configure: ConfigureImmediateProfileEnabling (allow immediate enabling of downloaded profiles,\n"
     "  default SM-DP+ OID and address); refused once an eIM is associated. execute: ImmediateEnable\n"
     "  of the profile just downloaded.\n",
     run_immediate},
    {"certs", "[--ci-pkid <40 hex digits>]",
     "  the EUM and eUICC certificates (GetCerts) for a CI key (default: the eUICC's choice). JSON data:\n"
     "  {\"eumCertificate\": \"<DER hex>\", \"euiccCertificate\": \"<DER hex>\"}.\n",
     run_certs},
    {"rat", "", "  the Rules Authorisation Table (GetRAT). JSON data: GetRatResponse ({\"rat\": [...]}).\n", run_rat},
    {"connectivity", "",
     "  the connectivity parameters (GetConnectivityParameters); parametersNotAvailable (exit 1) when the\n"
     "  enabled profile has none. JSON data: GetConnectivityParametersResponse.\n",
     run_connectivity},
};

const struct cli_family cli_family_euicc = {"euicc", "eUICC-wide functions: info, reset, fallback, emergency, certs...",
                                            euicc_subcommands, sizeof(euicc_subcommands) / sizeof(euicc_subcommands[0]),
                                            0};
