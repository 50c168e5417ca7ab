/* SPDX-License-Identifier: MIT */
/* sgp32 profile list|enable|disable|delete|nickname: the ES10c profile functions (SGP.22 5.7.15-5.7.21,
 * result codes extended by SGP.32 5.9). A profile is named by its ICCID (20 hex digits, as stored on
 * the card and printed by `profile list`) or its ISD-P AID (any other length, or --aid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#ifdef SGP32_CLI_HAVE_IPA
#include "cli_ipa_host.h"
#endif

/* ---- profile list */

static void print_field(const uint8_t *value, size_t len, uint32_t tag, const char *format)
{
    const uint8_t *field;
    size_t field_len;
    if (cli_tlv_child(value, len, tag, &field, &field_len) == 0)
        printf(format, (int)field_len, (const char *)field);
}

static const char *small_enum(const uint8_t *value, size_t len, uint32_t tag, const char *const *names, size_t count)
{
    const uint8_t *field;
    size_t field_len;
    long code;
    if (cli_tlv_child(value, len, tag, &field, &field_len) != 0)
        return "-";
    code = cli_integer(field, field_len);
    return code >= 0 && (size_t)code < count ? names[code] : "?";
}

/* One line per profile: ICCID, state, class, name, nickname, AID. */
static void profile_line(const uint8_t *element, size_t len)
{
    static const char *const states[] = {"disabled", "enabled"};
    static const char *const classes[] = {"test", "provisioning", "operational"};
    const uint8_t *value, *field;
    size_t value_len, field_len;
    if (cli_tlv_value(element, len, 0xE3, &value, &value_len) != 0) {
        cli_print_hex(stdout, element, len);
        printf("\n");
        return;
    }
    if (cli_tlv_child(value, value_len, 0x5A, &field, &field_len) == 0)
        cli_print_hex(stdout, field, field_len);
    printf("  %-8s  %-12s", small_enum(value, value_len, 0x9F70, states, 2),
           small_enum(value, value_len, 0x95, classes, 3));
    print_field(value, value_len, 0x92, "  \"%.*s\"");
    print_field(value, value_len, 0x91, " by \"%.*s\"");
    print_field(value, value_len, 0x90, "  nickname \"%.*s\"");
    if (cli_tlv_child(value, value_len, 0x4F, &field, &field_len) == 0) {
        printf("  AID ");
        cli_print_hex(stdout, field, field_len);
    }
    printf("\n");
}

static const struct cli_list profile_list = {"profiles",    0xBF2D,       0xA0,          0x81, "SGP32-ProfileInfo",
                                             "ProfileInfo", profile_line, "no profiles", 0};

/* GetProfilesInfo of every profile with every tag. */
static enum sgp32_status get_all_profiles(struct sgp32_es10 *session, uint8_t **answer, size_t *len)
{
    return sgp32_es10_get_profiles_info(session, NULL, 0, answer, len);
}

static int run_list(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_answer list = {"GetProfilesInfo", get_all_profiles, 0xBF2D, &profile_list, NULL};
    return cli_run_answer(call, argc, argv, &list);
}

/* ---- enable, disable, delete */

struct profile_id {
    int type; /* enum sgp32_es10_profile_id */
    uint8_t bytes[16];
    size_t len;
};

/* 20 hex digits are an ICCID unless force_aid; 5..16 bytes otherwise an AID. */
static int parse_profile_id(const struct cli_call *call, const char *text, int force_aid, struct profile_id *id)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (cli_parse_hex(text, &bytes, &len) != 0 || len < 5 || len > 16) {
        free(bytes);
        return cli_usage_error(call, "not an ICCID (20 hex digits) or an AID (10 to 32 hex digits)", text);
    }
    id->type = len == 10 && !force_aid ? SGP32_ES10_PROFILE_ICCID : SGP32_ES10_PROFILE_AID;
    memcpy(id->bytes, bytes, len);
    id->len = len;
    free(bytes);
    return 0;
}

enum profile_operation { OPERATION_ENABLE, OPERATION_DISABLE, OPERATION_DELETE };

static int run_operation(struct cli_call *call, int argc, char **argv, enum profile_operation operation)
{
    static const char *const functions[] = {"EnableProfile", "DisableProfile", "DeleteProfile"};
    static const char *const done[] = {"enabled", "disabled", "deleted"};
    static const uint32_t requests[] = {0xBF31, 0xBF32, 0xBF33}; /* SGP.22 5.7.16-5.7.18 */
    const char *text = NULL;
    int refresh = 0, force_aid = 0;
    const struct cli_option options[] = {{"--refresh", NULL, &refresh}, {"--aid", NULL, &force_aid}};
    struct profile_id id;
    enum sgp32_status st;
    /* DeleteProfile has no refreshFlag (SGP.22 5.7.18). */
    size_t option_count = operation == OPERATION_DELETE ? 0 : 1;
    int rc = cli_parse_args(call, argc, argv, operation == OPERATION_DELETE ? options + 1 : options, option_count + 1,
                            &text, 1, 1, NULL);
    if (rc == 0)
        rc = parse_profile_id(call, text, force_aid, &id);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc != 0)
        return rc;
    if (operation == OPERATION_ENABLE)
        st = sgp32_es10_enable_profile(call->es10, id.type, id.bytes, id.len, refresh);
    else if (operation == OPERATION_DISABLE)
        st = sgp32_es10_disable_profile(call->es10, id.type, id.bytes, id.len, refresh);
    else
        st = sgp32_es10_delete_profile(call->es10, id.type, id.bytes, id.len);
    if (st != SGP32_OK)
        return cli_fail(call, functions[operation], st, requests[operation]);
    cli_result_begin(call);
    if (call->json) {
        printf("{\"%s\":\"", id.type == SGP32_ES10_PROFILE_ICCID ? "iccid" : "aid");
        cli_print_hex(stdout, id.bytes, id.len);
        printf("\",\"operation\":\"%s\"", done[operation]);
        if (operation != OPERATION_DELETE)
            printf(",\"refresh\":%s", refresh ? "true" : "false");
        printf("}");
    } else {
        printf("profile %s %s\n", text, done[operation]);
    }
    return cli_result_end(call);
}

static int run_enable(struct cli_call *call, int argc, char **argv)
{
    return run_operation(call, argc, argv, OPERATION_ENABLE);
}

static int run_disable(struct cli_call *call, int argc, char **argv)
{
    return run_operation(call, argc, argv, OPERATION_DISABLE);
}

static int run_delete(struct cli_call *call, int argc, char **argv)
{
    return run_operation(call, argc, argv, OPERATION_DELETE);
}

/* ---- nickname */

static int run_nickname(struct cli_call *call, int argc, char **argv)
{
    const char *args[2] = {NULL, ""};
    uint8_t iccid[10];
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, args, 1, 2, NULL);
    if (rc != 0)
        return rc;
    if (cli_parse_fixed_hex(args[0], iccid, sizeof(iccid)) != 0)
        return cli_usage_error(call, "not an ICCID (20 hex digits)", args[0]);
    if (strlen(args[1]) > 64)
        return cli_usage_error(call, "a nickname has at most 64 bytes", args[1]);
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_set_nickname(call->es10, iccid, args[1]);
    if (st != SGP32_OK)
        return cli_fail(call, "SetNickname", st, 0xBF29);
    cli_result_begin(call);
    if (call->json) {
        printf("{\"iccid\":\"");
        cli_print_hex(stdout, iccid, sizeof(iccid));
        printf("\",\"nickname\":");
        cli_json_string(args[1], strlen(args[1]));
        printf("}");
    } else {
        printf("profile %s nickname set to \"%s\"\n", args[0], args[1]);
    }
    return cli_result_end(call);
}

static const struct cli_subcommand profile_subcommands[] = {
    {"list", "",
     "  every profile on the eUICC (GetProfilesInfo). Text: one line per profile (ICCID, state, class,\n"
     "  name, service provider, nickname, AID). JSON data: {\"profiles\": [ProfileInfo, ...]} with the\n"
     "  members of SGP32-ProfileInfo (iccid as stored on the card, profileState 0 disabled / 1 enabled,\n"
     "  profileClass 0 test / 1 provisioning / 2 operational).\n",
     run_list},
    {"enable", "<iccid|aid> [--aid] [--refresh]",
     "  enables a disabled profile (EnableProfile), disabling the enabled one. --refresh sets refreshFlag:\n"
     "  the eUICC then asks the device for a REFRESH (UICC reset) to take the new profile into use; without\n"
     "  it the device must reset the card itself. --aid reads a 20-digit argument as an AID.\n"
     "  JSON data: {\"iccid\"|\"aid\", \"operation\": \"enabled\", \"refresh\"}.\n",
     run_enable},
    {"disable", "<iccid|aid> [--aid] [--refresh]",
     "  disables the enabled profile (DisableProfile); --refresh and --aid as for enable.\n", run_disable},
    {"delete", "<iccid|aid> [--aid]",
     "  deletes a disabled profile (DeleteProfile); a delete notification may be queued.\n", run_delete},
    {"nickname", "<iccid> [<nickname>]",
     "  sets the profile's nickname (SetNickname, UTF-8, at most 64 bytes); without one it is cleared.\n",
     run_nickname},
#ifdef SGP32_CLI_HAVE_IPA
    {"download", cli_ipa_download_synopsis, cli_ipa_download_help, cli_ipa_profile_download},
#endif
};

const struct cli_family cli_family_profile = {
    "profile", "list, enable, disable, delete profiles, set nicknames (ES10c)", profile_subcommands,
    sizeof(profile_subcommands) / sizeof(profile_subcommands[0]), 0};
