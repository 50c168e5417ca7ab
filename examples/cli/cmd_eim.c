/* SPDX-License-Identifier: MIT */
/* sgp32 eim list|add-initial: the eIM configuration on the eUICC through ES10 (SGP.32 5.9.18
 * GetEimConfigurationData, 5.9.19 AddInitialEim). Adding, updating and deleting eIMs afterwards is done
 * by eIM Packages (eUICC Package Requests), not by ES10. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_result_name add_results[] = {
    {1, "insufficientMemory"},      {2, "associatedEimAlreadyExists"}, {3, "ciPKUnknown"},
    {5, "invalidAssociationToken"}, {6, "counterValueOutOfRange"},     {0, NULL}};

/* "<eimId>  <fqdn>  counter <n>  token <n>" */
static void eim_line(const uint8_t *element, size_t len)
{
    const uint8_t *value, *field;
    size_t value_len, field_len;
    if (cli_tlv_value(element, len, 0x30, &value, &value_len) != 0) {
        cli_print_hex(stdout, element, len);
        printf("\n");
        return;
    }
    if (cli_tlv_child(value, value_len, 0x80, &field, &field_len) == 0)
        printf("%.*s", (int)field_len, (const char *)field);
    if (cli_tlv_child(value, value_len, 0x81, &field, &field_len) == 0)
        printf("  %.*s", (int)field_len, (const char *)field);
    if (cli_tlv_child(value, value_len, 0x83, &field, &field_len) == 0)
        printf("  counter %ld", cli_integer(field, field_len));
    if (cli_tlv_child(value, value_len, 0x84, &field, &field_len) == 0)
        printf("  associationToken %ld", cli_integer(field, field_len));
    printf("\n");
}

static int run_list(struct cli_call *call, int argc, char **argv)
{
    static const struct cli_list list = {
        "eims", 0xBF55, 0xA0, 0, "EimConfigurationData", NULL, NULL, eim_line, "no eIM configured", 0};
    const char *eim_id = NULL;
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, &eim_id, 0, 1, NULL);
    if (rc == 0 && eim_id != NULL && (eim_id[0] == '\0' || strlen(eim_id) > 128))
        rc = cli_usage_error(call, "an eimId has 1 to 128 characters", eim_id);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st = sgp32_es10_get_eim_configuration_data(call->es10, eim_id, &answer, &len);
    if (st != SGP32_OK)
        return cli_fail(call, "GetEimConfigurationData", st, NULL);
    rc = cli_print_list(call, &list, answer, len);
    sgp32_buffer_free(answer);
    return rc;
}

static int run_add_initial(struct cli_call *call, int argc, char **argv)
{
    const char *input = NULL;
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0, len = 0;
    enum sgp32_status st;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, &input, 1, 1, NULL);
    if (rc == 0)
        rc = cli_read_request(call, input, "AddInitialEimRequest", &request, &request_len);
    if (rc != 0)
        return rc;
    rc = cli_connect(call);
    if (rc == 0)
        st = sgp32_es10_add_initial_eim(call->es10, request, request_len, &answer, &len);
    free(request);
    if (rc != 0)
        return rc;
    if (st != SGP32_OK) {
        sgp32_buffer_free(answer);
        return cli_fail(call, "AddInitialEim", st, add_results);
    }
    cli_result_begin(call);
    if (call->json)
        printf("{\"response\":");
    rc = cli_print_value(call, "AddInitialEimResponse", NULL, answer, len);
    if (call->json)
        printf("}");
    sgp32_buffer_free(answer);
    return rc != 0 ? CLI_EXIT_FAILURE : cli_result_end(call);
}

static const struct cli_subcommand eim_subcommands[] = {
    {"list", "[<eimId>]",
     "  the eIMs configured on the eUICC (GetEimConfigurationData), all or one. Text: eimId, FQDN,\n"
     "  counter, association token. JSON data: {\"eims\": [EimConfigurationData, ...]}.\n",
     run_list},
    {"add-initial", "<AddInitialEimRequest file|hex|->",
     "  configures the first eIM(s) (AddInitialEim) from a DER AddInitialEimRequest (BF57), e.g. one made\n"
     "  by the eIM; - reads stdin. Refused once an eIM is associated (associatedEimAlreadyExists).\n"
     "  JSON data: {\"response\": AddInitialEimResponse} (addInitialEimOk with the association tokens).\n",
     run_add_initial},
};

const struct cli_family cli_family_eim = {"eim", "the eIM configuration (list, add the initial eIM)", eim_subcommands,
                                          sizeof(eim_subcommands) / sizeof(eim_subcommands[0]), 0};
