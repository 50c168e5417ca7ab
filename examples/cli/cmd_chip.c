/* SPDX-License-Identifier: MIT */
/* sgp32 chip info: what the eUICC says about itself (EID, EUICCInfo1/2, configured addresses, eIM
 * configuration); sgp32 es10 <hex>: one raw ES10 command. Both over --transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};
static const uint8_t get_info1[] = {0xBF, 0x20, 0x00};
static const uint8_t get_info2[] = {0xBF, 0x22, 0x00};
static const uint8_t get_addresses[] = {0xBF, 0x3C, 0x00};
static const uint8_t get_eim_configuration[] = {0xBF, 0x55, 0x00};

static const struct cli_query chip_queries[] = {
    {"eid", get_eid, sizeof(get_eid), "GetEuiccDataResponse", NULL},
    {"euiccInfo1", get_info1, sizeof(get_info1), "EUICCInfo1", NULL},
    {"euiccInfo2", get_info2, sizeof(get_info2), "SGP32-EUICCInfo2", "EUICCInfo2"},
    {"configuredAddresses", get_addresses, sizeof(get_addresses), "EuiccConfiguredAddressesResponse", NULL},
    /* SGP.32 only: a consumer card answers 6A88, and the member is left out. */
    {"eimConfiguration", get_eim_configuration, sizeof(get_eim_configuration), "GetEimConfigurationDataResponse", NULL},
};

int cli_run_queries(struct cli_call *call, const struct cli_query *queries, size_t count)
{
    size_t i;
    int first = 1, rc = cli_connect(call);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_result_begin(call);
    if (call->json)
        printf("{");
    for (i = 0; i < count; i++) {
        const struct cli_query *q = &queries[i];
        uint8_t *answer = NULL;
        size_t len = 0;
        enum sgp32_status st = sgp32_es10_transceive(call->es10, q->request, q->request_len, &answer, &len);
        if (st == SGP32_ERR_CARD_STATUS && sgp32_es10_last_error(call->es10)->sw == 0x6A88)
            continue; /* the card does not know this function (consumer card) */
        if (st != SGP32_OK) {
            if (call->json)
                printf("}}\n"); /* the partial result line stays valid JSON; the failure follows */
            return cli_fail(call, q->key, st, 0);
        }
        if (call->json)
            printf("%s\"%s\":", first ? "" : ",", q->key);
        else
            printf("%s (%s):\n", q->key, q->type);
        first = 0;
        rc = cli_print_value(call, q->type, q->alt_type, answer, len);
        sgp32_buffer_free(answer);
        if (rc != 0)
            return CLI_EXIT_FAILURE;
    }
    if (call->json)
        printf("}");
    return cli_result_end(call);
}

static int run_info(struct cli_call *call, int argc, char **argv)
{
    int rc = cli_parse_args(call, argc, argv, NULL, 0, NULL, 0, 0, NULL);
    return rc != 0 ? rc : cli_run_queries(call, chip_queries, sizeof(chip_queries) / sizeof(chip_queries[0]));
}

static const struct cli_subcommand chip_subcommands[] = {
    {"info", "",
     "  EID, EUICCInfo1, EUICCInfo2, the configured addresses and (SGP.32 cards) the eIM configuration,\n"
     "  decoded. JSON data: {\"eid\", \"euiccInfo1\", \"euiccInfo2\", \"configuredAddresses\",\n"
     "  \"eimConfiguration\"}, each the decoded ES10 answer.\n",
     run_info},
};

const struct cli_family cli_family_chip = {"chip", "what the eUICC says about itself (EID, EUICCInfo, addresses, eIMs)",
                                           chip_subcommands, 1, 0};

static int run_es10(struct cli_call *call, int argc, char **argv)
{
    const char *input = NULL;
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0, len = 0;
    enum sgp32_status st = SGP32_OK;
    int rc = cli_parse_args(call, argc, argv, NULL, 0, &input, 1, 1, NULL);

    if (rc == 0)
        rc = cli_read_request(call, input, NULL, &request, &request_len);
    if (rc != 0)
        return rc;
    rc = cli_connect(call);
    if (rc == CLI_EXIT_OK)
        st = sgp32_es10_transceive(call->es10, request, request_len, &answer, &len);
    free(request);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (st != SGP32_OK)
        return cli_fail(call, "es10", st, 0);
    cli_result_begin(call);
    if (call->json)
        printf("{\"response\":\"");
    cli_print_hex(stdout, answer, len);
    printf(call->json ? "\"}" : "\n");
    sgp32_buffer_free(answer);
    return cli_result_end(call);
}

static const struct cli_subcommand es10_subcommand = {
    "es10", "<request hex|file|->",
    "  sends one ES10 command (a complete BER-TLV, e.g. BF3E035C015A for the EID) and prints the\n"
    "  eUICC's answer in hex. JSON data: {\"response\": \"<hex>\"}.\n",
    run_es10};

const struct cli_family cli_family_es10 = {"es10", "send one raw ES10 command, print the answer", &es10_subcommand, 1,
                                           1};
