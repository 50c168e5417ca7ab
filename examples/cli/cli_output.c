/* SPDX-License-Identifier: MIT */
/* The card session of a command and its output: the JSON result line or text, failures with their
 * status, ES10 result code (named), step and status word, and decoded answers (docs/cli.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_result_name(uint32_t command, long code)
{
    const char *name = sgp32_es10_result_name(command, code);
    return name != NULL ? name : "unknown";
}

static int exit_code_of(enum sgp32_status status)
{
    switch (status) {
    case SGP32_ERR_TIMEOUT:
    case SGP32_ERR_TRANSPORT:
    case SGP32_ERR_NO_CARD:
        return CLI_EXIT_TRANSPORT;
    case SGP32_ERR_INVALID_ARGUMENT:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_FAILURE;
    }
}

void cli_json_string(const char *text, size_t len)
{
    size_t i;
    putchar('"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Prints the failure; result is the ES10 result code with SGP32_ERR_EUICC_RESULT. */
static int report(const struct cli_call *call, const char *what, enum sgp32_status status, uint32_t command,
                  long result, int exit_code)
{
    const struct sgp32_es10_error *e = call->es10 != NULL ? sgp32_es10_last_error(call->es10) : NULL;
    const char *step = e != NULL ? e->step : "transport";
    unsigned sw = e != NULL ? e->sw : 0;
    char message[256];

    if (status == SGP32_ERR_EUICC_RESULT)
        snprintf(message, sizeof(message), "%s: the eUICC answered %s (%ld)", what, cli_result_name(command, result),
                 result);
    else if (status == SGP32_ERR_CARD_STATUS)
        snprintf(message, sizeof(message), "%s: the card answered status word %04X", what, sw);
    else
        snprintf(message, sizeof(message), "%s: %s", what, sgp32_strerror(status));
    if (call->json) {
        printf("{\"type\":\"result\",\"code\":%d,\"status\":\"%s\",\"message\":", (int)status,
               sgp32_status_name(status));
        cli_json_string(message, strlen(message));
        printf(",\"step\":\"%s\",\"sw\":\"%04X\"", step, sw);
        if (status == SGP32_ERR_EUICC_RESULT)
            printf(",\"es10Result\":%ld,\"es10ResultName\":\"%s\"", result, cli_result_name(command, result));
        printf(",\"exit\":%d}\n", exit_code);
    } else {
        fprintf(stderr, "sgp32 %s: %s [%s, step '%s', SW %04X]\n", call->name, message, sgp32_status_name(status), step,
                sw);
    }
    return exit_code;
}

int cli_fail(const struct cli_call *call, const char *what, enum sgp32_status status, uint32_t command)
{
    const struct sgp32_es10_error *e = call->es10 != NULL ? sgp32_es10_last_error(call->es10) : NULL;
    return report(call, what, status, command, e != NULL && status == SGP32_ERR_EUICC_RESULT ? e->es10_result : 0,
                  exit_code_of(status));
}

int cli_fail_result(const struct cli_call *call, const char *what, uint32_t command, long code)
{
    return report(call, what, SGP32_ERR_EUICC_RESULT, command, code, CLI_EXIT_FAILURE);
}

int cli_connect(struct cli_call *call)
{
    const struct cli_globals *g = call->globals;
    struct sgp32_es10_options options;
    enum sgp32_status st;
    int rc;

    if (call->es10 != NULL)
        return CLI_EXIT_OK;
    st = cli_transport_open(g->transport, g->timeout_ms, &call->transport);
    /* A transport that cannot be opened is unreachable, whatever the backend's reason. */
    if (st != SGP32_OK)
        return report(call, "open transport", st, 0, 0,
                      st == SGP32_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_TRANSPORT);
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.apdu_timeout_ms = g->timeout_ms;
    if (g->verbose)
        cli_trace_wrap(&call->trace, &call->transport.transport);
    st = sgp32_es10_new(g->verbose ? &call->trace.transport : &call->transport.transport, &options, &call->es10);
    if (st == SGP32_OK)
        st = sgp32_es10_connect(call->es10);
    if (st != SGP32_OK) {
        rc = cli_fail(call, "connect to the ISD-R", st, 0);
        cli_disconnect(call);
        return rc;
    }
    return CLI_EXIT_OK;
}

void cli_disconnect(struct cli_call *call)
{
    if (call->es10 != NULL) {
        sgp32_es10_free(call->es10);
        call->es10 = NULL;
        cli_transport_close(&call->transport);
    } else if (call->transport.opened) {
        cli_transport_close(&call->transport);
    }
}

void cli_result_begin(const struct cli_call *call)
{
    if (call->json)
        printf("{\"type\":\"result\",\"code\":0,\"status\":\"SGP32_OK\",\"message\":\"ok\",\"data\":");
}

int cli_result_end(const struct cli_call *call)
{
    if (call->json)
        printf("}\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_result_done(const struct cli_call *call, const char *text)
{
    cli_result_begin(call);
    if (call->json)
        printf("{}");
    else
        printf("%s\n", text);
    return cli_result_end(call);
}

int cli_stdout_sink(const char *text, size_t len, void *user)
{
    (void)user;
    return fwrite(text, 1, len, stdout) == len ? 0 : -1;
}

int cli_print_value(const struct cli_call *call, const char *type_name, const char *alt_type_name, const uint8_t *data,
                    size_t len)
{
    const char *names[2];
    size_t i;
    names[0] = type_name;
    names[1] = alt_type_name;
    for (i = 0; i < 2 && names[i] != NULL; i++) {
        const struct sgp32_codec_type *type = sgp32_codec_type_find(names[i]);
        void *value = NULL;
        enum sgp32_status st;
        if (type == NULL || sgp32_decode(type, data, len, NULL, &value, NULL) != SGP32_OK)
            continue;
        st = call->json ? sgp32_print_json(type, value, cli_stdout_sink, NULL)
                        : sgp32_print(type, value, cli_stdout_sink, NULL);
        sgp32_codec_free(type, value);
        return st == SGP32_OK ? 0 : -1;
    }
    /* Not decodable with this library's modules: the bytes, so that nothing is lost. */
    if (call->json) {
        printf("{\"undecoded\":\"");
        cli_print_hex(stdout, data, len);
        printf("\"}");
    } else {
        printf("(not decodable as %s) ", type_name);
        cli_print_hex(stdout, data, len);
        printf("\n");
    }
    return 0;
}

int cli_tlv_value(const uint8_t *data, size_t len, uint32_t tag, const uint8_t **value, size_t *value_len)
{
    struct sgp32_tlv_header h;
    if (sgp32_tlv_parse_header(data, len, &h) != SGP32_OK || h.tag != tag || h.length == SGP32_TLV_INDEFINITE ||
        h.length > len - h.header_len)
        return -1;
    *value = data + h.header_len;
    *value_len = h.length;
    return 0;
}

int cli_tlv_child(const uint8_t *value, size_t len, uint32_t tag, const uint8_t **child, size_t *child_len)
{
    size_t at = 0;
    while (at < len) {
        struct sgp32_tlv_header h;
        if (sgp32_tlv_parse_header(value + at, len - at, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
            h.length > len - at - h.header_len)
            return -1;
        if (h.tag == tag) {
            *child = value + at + h.header_len;
            *child_len = h.length;
            return 0;
        }
        at += h.header_len + h.length;
    }
    return -1;
}

/* The size of the element at data[0..len), 0 if malformed. */
static size_t element_size(const uint8_t *data, size_t len)
{
    struct sgp32_tlv_header h;
    if (sgp32_tlv_parse_header(data, len, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
        h.length > len - h.header_len)
        return 0;
    return h.header_len + h.length;
}

/* The INTEGER value of a result code element (at most a long). */
long cli_integer(const uint8_t *value, size_t len)
{
    long code = len > 0 && (value[0] & 0x80) != 0 ? -1 : 0;
    size_t i;
    for (i = 0; i < len && i < sizeof(long); i++)
        code = (long)((unsigned long)code << 8 | value[i]);
    return code;
}

int cli_print_list(const struct cli_call *call, const struct cli_list *list, const uint8_t *answer, size_t len)
{
    const uint8_t *outer, *items;
    size_t outer_len, items_len, at, count = 0;

    if (cli_tlv_value(answer, len, list->outer_tag, &outer, &outer_len) != 0)
        return cli_fail(call, list->key, SGP32_ERR_DECODE, 0);
    if (list->error_tag != 0 && cli_tlv_value(outer, outer_len, list->error_tag, &items, &items_len) == 0)
        return cli_fail_result(call, list->key, list->outer_tag, cli_integer(items, items_len));
    if (cli_tlv_value(outer, outer_len, list->list_tag, &items, &items_len) != 0)
        return cli_fail(call, list->key, SGP32_ERR_DECODE, 0);
    /* Every element must be whole before anything is printed: no truncated result line. */
    for (at = 0; at < items_len; at += element_size(items + at, items_len - at))
        if (element_size(items + at, items_len - at) == 0)
            return cli_fail(call, list->key, SGP32_ERR_DECODE, 0);
    cli_result_begin(call);
    if (call->json)
        printf("{\"%s\":[", list->key);
    for (at = 0; at < items_len; count++) {
        size_t size = element_size(items + at, items_len - at);
        if (call->json && count > 0)
            printf(",");
        if (call->json && list->with_hex) {
            printf("{\"hex\":\"");
            cli_print_hex(stdout, items + at, size);
            printf("\",\"value\":");
        }
        if (!call->json && list->text_line != NULL)
            list->text_line(items + at, size);
        else
            (void)cli_print_value(call, list->element_type, list->alt_element_type, items + at, size);
        if (call->json && list->with_hex)
            printf("}");
        at += size;
    }
    if (call->json)
        printf("]}");
    else if (count == 0)
        printf("%s\n", list->empty_text);
    return cli_result_end(call);
}

int cli_run_answer(struct cli_call *call, int argc, char **argv, const struct cli_answer *command)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st;
    int rc = cli_start(call, argc, argv, NULL, 0, NULL, 0, 0);
    if (rc != 0)
        return rc;
    st = command->get(call->es10, &answer, &len);
    if (st != SGP32_OK) {
        sgp32_buffer_free(answer);
        return cli_fail(call, command->function, st, command->command);
    }
    if (command->list != NULL) {
        rc = cli_print_list(call, command->list, answer, len);
    } else {
        cli_result_begin(call);
        rc = cli_print_value(call, command->type, NULL, answer, len) != 0 ? CLI_EXIT_FAILURE : cli_result_end(call);
    }
    sgp32_buffer_free(answer);
    return rc;
}
