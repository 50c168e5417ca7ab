/* SPDX-License-Identifier: MIT */
/* sgp32 chip info: what the eUICC says about itself (EID, EUICCInfo1/2, configured addresses, eIM
 * configuration); sgp32 es10 <hex>: one raw ES10 command. Both over --transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "transport_spec.h"

struct chip_query {
    const char *key;        /* JSON member / text label */
    const uint8_t *request; /* the ES10 command */
    size_t request_len;
    const char *type;     /* ASN.1 type of the answer */
    const char *alt_type; /* tried when `type` does not decode (consumer cards), or NULL */
};

static const uint8_t get_eid[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};
static const uint8_t get_info1[] = {0xBF, 0x20, 0x00};
static const uint8_t get_info2[] = {0xBF, 0x22, 0x00};
static const uint8_t get_addresses[] = {0xBF, 0x3C, 0x00};
static const uint8_t get_eim_configuration[] = {0xBF, 0x55, 0x00};

static const struct chip_query chip_queries[] = {
    {"eid", get_eid, sizeof(get_eid), "GetEuiccDataResponse", NULL},
    {"euiccInfo1", get_info1, sizeof(get_info1), "EUICCInfo1", NULL},
    {"euiccInfo2", get_info2, sizeof(get_info2), "SGP32-EUICCInfo2", "EUICCInfo2"},
    {"configuredAddresses", get_addresses, sizeof(get_addresses), "EuiccConfiguredAddressesResponse", NULL},
    /* SGP.32 only: a consumer card answers 6A88, and the member is left out. */
    {"eimConfiguration", get_eim_configuration, sizeof(get_eim_configuration), "GetEimConfigurationDataResponse", NULL},
};

static int to_stdout(const char *text, size_t len, void *user)
{
    (void)user;
    return fwrite(text, 1, len, stdout) == len ? 0 : -1;
}

static void print_hex(const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        printf("%02X", data[i]);
}

/* Prints the failure of an ES10 step (JSON result line or a message on stderr); returns the exit code. */
static int report_es10_failure(const struct cli_globals *g, const char *what, enum sgp32_status st,
                               const struct sgp32_es10 *session)
{
    const struct sgp32_es10_error *e = session != NULL ? sgp32_es10_last_error(session) : NULL;
    const char *step = e != NULL ? e->step : "transport";
    unsigned sw = e != NULL ? e->sw : 0;
    if (g->json)
        printf("{\"type\":\"result\",\"code\":%d,\"status\":\"%s\",\"message\":\"%s: %s\",\"step\":\"%s\","
               "\"sw\":\"%04X\"}\n",
               (int)st, sgp32_status_name(st), what, sgp32_strerror(st), step, sw);
    else
        fprintf(stderr, "sgp32: %s failed at step '%s': %s (%s), SW %04X\n", what, step, sgp32_strerror(st),
                sgp32_status_name(st), sw);
    return CLI_EXIT_FAILURE;
}

/* Opens transport + ES10 session; prints the reason and returns non-zero on failure. */
static int open_session(const struct cli_globals *g, struct cli_transport *t, struct sgp32_es10 **session)
{
    struct sgp32_es10_options options;
    enum sgp32_status st = cli_transport_open(g->transport, g->timeout_ms, t);
    *session = NULL;
    if (st != SGP32_OK) {
        (void)report_es10_failure(g, "open transport", st, NULL);
        return st == SGP32_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.apdu_timeout_ms = g->timeout_ms;
    st = sgp32_es10_new(&t->transport, &options, session);
    if (st == SGP32_OK)
        st = sgp32_es10_connect(*session);
    if (st != SGP32_OK) {
        int rc = report_es10_failure(g, "connect to the ISD-R", st, *session);
        sgp32_es10_free(*session);
        *session = NULL;
        cli_transport_close(t);
        return rc;
    }
    return 0;
}

/* Decodes an answer as q->type (or q->alt_type) and prints it; 0 on success. */
static int print_answer(const struct cli_globals *g, const struct chip_query *q, const uint8_t *answer, size_t len)
{
    const char *names[2];
    size_t i;
    names[0] = q->type;
    names[1] = q->alt_type;
    for (i = 0; i < 2 && names[i] != NULL; i++) {
        const struct sgp32_codec_type *type = sgp32_codec_type_find(names[i]);
        void *value = NULL;
        enum sgp32_status st;
        if (sgp32_decode(type, answer, len, NULL, &value, NULL) != SGP32_OK)
            continue;
        if (g->json) {
            printf("\"%s\":", q->key);
            st = sgp32_print_json(type, value, to_stdout, NULL);
        } else {
            printf("%s (%s):\n", q->key, names[i]);
            st = sgp32_print(type, value, to_stdout, NULL);
        }
        sgp32_codec_free(type, value);
        return st == SGP32_OK ? 0 : -1;
    }
    if (g->json) {
        printf("\"%s\":{\"undecoded\":\"", q->key);
        print_hex(answer, len);
        printf("\"}");
    } else {
        printf("%s: (not decodable as %s) ", q->key, q->type);
        print_hex(answer, len);
        printf("\n");
    }
    return 0;
}

int cmd_chip(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_transport t;
    struct sgp32_es10 *session = NULL;
    size_t i;
    int first = 1, rc = CLI_EXIT_OK;

    if (argc != 2 || strcmp(argv[1], "info") != 0) {
        fprintf(stderr, "usage: sgp32 [--transport <spec>] [--json] chip info\n");
        return CLI_EXIT_USAGE;
    }
    rc = open_session(g, &t, &session);
    if (rc != 0)
        return rc;
    if (g->json)
        printf("{\"type\":\"result\",\"code\":0,\"status\":\"SGP32_OK\",\"message\":\"ok\",\"data\":{");
    for (i = 0; i < sizeof(chip_queries) / sizeof(chip_queries[0]) && rc == CLI_EXIT_OK; i++) {
        const struct chip_query *q = &chip_queries[i];
        uint8_t *answer = NULL;
        size_t len = 0;
        enum sgp32_status st = sgp32_es10_transceive(session, q->request, q->request_len, &answer, &len);
        if (st == SGP32_ERR_CARD_STATUS && sgp32_es10_last_error(session)->sw == 0x6A88)
            continue; /* the card does not know this function (consumer card) */
        if (st != SGP32_OK) {
            if (g->json)
                printf("}}\n");
            rc = report_es10_failure(g, q->key, st, session);
            break;
        }
        if (g->json && !first)
            printf(",");
        first = 0;
        if (print_answer(g, q, answer, len) != 0)
            rc = CLI_EXIT_FAILURE;
        sgp32_buffer_free(answer);
    }
    if (g->json && rc == CLI_EXIT_OK)
        printf("}}\n");
    sgp32_es10_free(session);
    cli_transport_close(&t);
    return rc;
}

int cmd_es10(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_transport t;
    struct sgp32_es10 *session = NULL;
    uint8_t *request = NULL, *answer = NULL;
    size_t request_len = 0, len = 0;
    enum sgp32_status st;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: sgp32 [--transport <spec>] [--json] es10 <request hex|file>\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_read_input(argv[1], &request, &request_len) != 0 || request_len == 0) {
        free(request);
        fprintf(stderr, "sgp32 es10: '%s' is neither a readable file nor hex\n", argv[1]);
        return CLI_EXIT_USAGE;
    }
    rc = open_session(g, &t, &session);
    if (rc != 0) {
        free(request);
        return rc;
    }
    st = sgp32_es10_transceive(session, request, request_len, &answer, &len);
    free(request);
    if (st != SGP32_OK) {
        rc = report_es10_failure(g, "es10", st, session);
        sgp32_es10_free(session);
        cli_transport_close(&t);
        return rc;
    }
    if (g->json)
        printf("{\"type\":\"result\",\"code\":0,\"status\":\"SGP32_OK\",\"message\":\"ok\",\"data\":{\"response\":\"");
    print_hex(answer, len);
    printf(g->json ? "\"}}\n" : "\n");
    sgp32_buffer_free(answer);
    sgp32_es10_free(session);
    cli_transport_close(&t);
    return CLI_EXIT_OK;
}
