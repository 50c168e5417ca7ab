/* SPDX-License-Identifier: MIT */
/* sgp32 notification list|retrieve|remove: the eUICC's pending notifications (SGP.22 5.7.9,
 * 5.7.10, 5.7.11; SGP.32 5.9.11 adds the eUICC Package results). Sending them to their SM-DP+ or
 * eIM is the IPA's job (`notification process`, with the IPA core). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#ifdef SGP32_CLI_HAVE_IPA
#include "cli_ipa_host.h"
#endif

static const char *const events[] = {"install", "enable", "disable", "delete"};
#define EVENT_COUNT 4

/* The NotificationEvent bit set in a BIT STRING value (unused-bits octet, then the bits). */
static const char *event_name(const uint8_t *bits, size_t len)
{
    int bit;
    for (bit = 0; len > 1 && bit < EVENT_COUNT; bit++)
        if (bits[1] & (0x80u >> bit))
            return events[bit];
    return "?";
}

/* "seq <n> <event> <address> [ICCID <iccid>]" from the value of a NotificationMetadata. */
static void print_metadata(const uint8_t *value, size_t len)
{
    const uint8_t *field;
    size_t field_len;
    if (cli_tlv_child(value, len, 0x80, &field, &field_len) == 0)
        printf("seq %ld", cli_integer(field, field_len));
    if (cli_tlv_child(value, len, 0x81, &field, &field_len) == 0)
        printf("  %-8s", event_name(field, field_len));
    if (cli_tlv_child(value, len, 0x0C, &field, &field_len) == 0)
        printf("  %.*s", (int)field_len, (const char *)field);
    if (cli_tlv_child(value, len, 0x5A, &field, &field_len) == 0) {
        printf("  ICCID ");
        cli_print_hex(stdout, field, field_len);
    }
}

static void metadata_line(const uint8_t *element, size_t len)
{
    const uint8_t *value;
    size_t value_len;
    if (cli_tlv_value(element, len, 0xBF2F, &value, &value_len) == 0)
        print_metadata(value, value_len);
    printf("\n");
}

/* A PendingNotification: its metadata (inside ProfileInstallationResultData for an install
 * notification), then its size and bytes, which are what the IPA forwards. */
static void pending_line(const uint8_t *element, size_t len)
{
    const uint8_t *value, *inner, *metadata;
    size_t value_len, inner_len, metadata_len;
    struct sgp32_tlv_header h;
    if (sgp32_tlv_parse_header(element, len, &h) == SGP32_OK && h.header_len <= len && h.length <= len - h.header_len) {
        value = element + h.header_len;
        value_len = h.length;
        if (cli_tlv_child(value, value_len, 0xBF27, &inner, &inner_len) == 0) {
            value = inner;
            value_len = inner_len;
        }
        if (cli_tlv_child(value, value_len, 0xBF2F, &metadata, &metadata_len) == 0)
            print_metadata(metadata, metadata_len);
    }
    printf("  (%zu bytes) ", len);
    cli_print_hex(stdout, element, len);
    printf("\n");
}

static int parse_event(const struct cli_call *call, const char *text, int *event)
{
    for (*event = 0; *event < EVENT_COUNT; (*event)++)
        if (strcmp(events[*event], text) == 0)
            return 0;
    return cli_usage_error(call, "--operation takes install, enable, disable or delete", text);
}

static int run_list(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_list list = {
        "notifications", 0xBF28, 0xA0, 0x81, "NotificationMetadata", NULL, metadata_line, "no notifications", 0};
    const char *operation = NULL;
    const struct cli_option options[] = {{"--operation", &operation, NULL}};
    uint8_t *answer = NULL;
    size_t len = 0;
    int event = -1;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, options, 1, NULL, 0, 0, NULL);
    if (rc == 0 && operation != NULL)
        rc = parse_event(call, operation, &event);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_list_notification(call->es10, event, &answer, &len);
    if (st != SGP32_OK)
        return cli_fail(call, "ListNotification", st, 0xBF28);
    rc = cli_print_list(call, &list, answer, len);
    sgp32_buffer_free(answer);
    return rc;
}

static int run_retrieve(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_list notifications = {
        "notifications",    0xBF2B, 0xA0, 0x81, "SGP32-PendingNotification", "PendingNotification", pending_line,
        "no notifications", 1};
    static const struct cli_list results = {"euiccPackageResults", 0xBF2B, 0xA2, 0x81, "EuiccPackageResult", NULL, NULL,
                                            "no results",          1};
    const char *operation = NULL, *seq_text = NULL;
    int package_results = 0, search = SGP32_ES10_NOTIFICATIONS_ALL, event;
    const struct cli_option options[] = {{"--operation", &operation, NULL},
                                         {"--package-results", NULL, &package_results}};
    unsigned long seq = 0;
    uint8_t *answer = NULL;
    size_t len = 0;
    long value = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, options, 2, &seq_text, 0, 1, NULL);
    if (rc != 0)
        return rc;
    if ((seq_text != NULL) + (operation != NULL) + package_results > 1)
        return cli_usage_error(call, "give one of <seq>, --operation, --package-results", NULL);
    if (seq_text != NULL) {
        if (cli_parse_ulong(seq_text, 0x7FFFFFFFul, &seq) != 0)
            return cli_usage_error(call, "not a sequence number", seq_text);
        search = SGP32_ES10_NOTIFICATIONS_BY_SEQ_NUMBER;
        value = (long)seq;
    } else if (operation != NULL) {
        if ((rc = parse_event(call, operation, &event)) != 0)
            return rc;
        search = SGP32_ES10_NOTIFICATIONS_BY_OPERATION;
        value = event;
    } else if (package_results) {
        search = SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS;
    }
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_retrieve_notifications_list(call->es10, search, value, &answer, &len);
    if (st != SGP32_OK)
        return cli_fail(call, "RetrieveNotificationsList", st, 0xBF2B);
    rc = cli_print_list(call, package_results ? &results : &notifications, answer, len);
    sgp32_buffer_free(answer);
    return rc;
}

static int run_remove(struct cli_call *call, int argc, char **argv)
{
    const char *seq_text = NULL;
    unsigned long seq;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, &seq_text, 1, 1, NULL);
    if (rc != 0)
        return rc;
    if (cli_parse_ulong(seq_text, 0x7FFFFFFFul, &seq) != 0)
        return cli_usage_error(call, "not a sequence number", seq_text);
    rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_remove_notification_from_list(call->es10, (long)seq);
    if (st != SGP32_OK)
        return cli_fail(call, "RemoveNotificationFromList", st, 0xBF30);
    cli_result_begin(call);
    if (call->json)
        printf("{\"seqNumber\":%lu}", seq);
    else
        printf("notification %lu removed\n", seq);
    return cli_result_end(call);
}

static const struct cli_subcommand notification_subcommands[] = {
    {"list", "[--operation install|enable|disable|delete]",
     "  the pending notifications' metadata (ListNotification), all or those of one operation.\n"
     "  JSON data: {\"notifications\": [NotificationMetadata, ...]} (seqNumber, profileManagementOperation,\n"
     "  notificationAddress, iccid).\n",
     run_list},
    {"retrieve", "[<seq> | --operation <op> | --package-results]",
     "  the signed notifications as the IPA forwards them (RetrieveNotificationsList): all, one sequence\n"
     "  number, one operation, or (SGP.32) the eUICC Package results. JSON data: {\"notifications\":\n"
     "  [{\"hex\": \"<DER>\", \"value\": PendingNotification}, ...]} or {\"euiccPackageResults\": [...]}.\n",
     run_retrieve},
    {"remove", "<seq>",
     "  removes a notification the receiver acknowledged (RemoveNotificationFromList); nothingToDelete\n"
     "  when there is none with that number.\n",
     run_remove},
#ifdef SGP32_CLI_HAVE_IPA
    {"process", "[options]", cli_ipa_notification_help, cli_ipa_notification_process},
#endif
};

const struct cli_family cli_family_notification = {
    "notification", "list, retrieve and remove the eUICC's pending notifications", notification_subcommands,
    sizeof(notification_subcommands) / sizeof(notification_subcommands[0]), 0};
