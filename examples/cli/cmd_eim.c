/* SPDX-License-Identifier: MIT */
/* sgp32 eim list|add-initial: the eIM configuration on the eUICC through ES10 (SGP.32 5.9.18
 * GetEimConfigurationData, 5.9.19 AddInitialEim). Adding, updating and deleting eIMs afterwards is done
 * by eIM Packages (eUICC Package Requests), not by ES10. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
        "eims", 0xBF55, 0xA0, 0, "EimConfigurationData", NULL, eim_line, "no eIM configured", 0};
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
        return cli_fail(call, "GetEimConfigurationData", st, 0);
    rc = cli_print_list(call, &list, answer, len);
    sgp32_buffer_free(answer);
    return rc;
}

/* ---- add-initial: an AddInitialEimRequest from a file, or built from fields */

/* A growing DER buffer; failed is sticky (out of memory). */
struct der {
    uint8_t *data;
    size_t len, cap;
    int failed;
};

static void der_append(struct der *d, const uint8_t *bytes, size_t n)
{
    if (d->failed)
        return;
    if (d->len + n > d->cap) {
        size_t cap = (d->len + n) * 2;
        uint8_t *grown = realloc(d->data, cap);
        if (grown == NULL) {
            d->failed = 1;
            return;
        }
        d->data = grown;
        d->cap = cap;
    }
    memcpy(d->data + d->len, bytes, n);
    d->len += n;
}

/* Appends tag (1 or 2 bytes), the DER length and the value. */
static void der_tlv(struct der *d, uint32_t tag, const uint8_t *value, size_t n)
{
    uint8_t header[7];
    size_t h = 0, bytes;
    if (tag > 0xFF)
        header[h++] = (uint8_t)(tag >> 8);
    header[h++] = (uint8_t)tag;
    if (n < 0x80) {
        header[h++] = (uint8_t)n;
    } else {
        for (bytes = 1; bytes < 4 && (n >> (8 * bytes)) != 0; bytes++)
            ;
        header[h++] = (uint8_t)(0x80 | bytes);
        while (bytes-- > 0)
            header[h++] = (uint8_t)(n >> (8 * bytes));
    }
    der_append(d, header, h);
    der_append(d, value, n);
}

/* A non-negative INTEGER below 2^32 (or -1) in minimal two's complement. */
static void der_integer(struct der *d, uint32_t tag, long value)
{
    static const uint8_t minus_one = 0xFF;
    unsigned long v = (unsigned long)value;
    uint8_t full[5];
    size_t start = 0;
    if (value < 0) {
        der_tlv(d, tag, &minus_one, 1);
        return;
    }
    full[0] = 0;
    full[1] = (uint8_t)(v >> 24);
    full[2] = (uint8_t)(v >> 16);
    full[3] = (uint8_t)(v >> 8);
    full[4] = (uint8_t)v;
    while (start < 4 && full[start] == 0 && (full[start + 1] & 0x80) == 0)
        start++;
    der_tlv(d, tag, full + start, 5 - start);
}

struct eim_fields {
    const char *eim_id, *fqdn, *id_type, *counter, *public_key, *certificate, *ci_pkid;
    int association_token;
};

/* The value of a DER file's outer element (a SubjectPublicKeyInfo or Certificate: tag 30). */
static int read_sequence(const struct cli_call *call, const char *file, uint8_t **data, size_t *len,
                         const uint8_t **value, size_t *value_len)
{
    if (cli_read_input(file, data, len) != 0 || cli_tlv_value(*data, *len, 0x30, value, value_len) != 0) {
        free(*data);
        *data = NULL;
        return cli_usage_error(call, "not a DER file (SubjectPublicKeyInfo or Certificate)", file);
    }
    return 0;
}

/* AddInitialEimRequest ::= [87] { eimConfigurationDataList [0] { EimConfigurationData } } (SGP.32
 * 2.11.1.2, 5.9.19); the CHOICE eimPublicKeyData [5] holds eimPublicKey [0] or eimCertificate [1]. */
static int build_request(const struct cli_call *call, const struct eim_fields *f, struct der *out)
{
    static const char *const id_types[] = {"oid", "fqdn", "proprietary"};
    struct der config = {NULL, 0, 0, 0}, wrap = {NULL, 0, 0, 0}, list = {NULL, 0, 0, 0};
    uint8_t pkid[20], *key_file = NULL;
    const uint8_t *key_value = NULL;
    size_t key_len = 0, key_value_len = 0;
    unsigned long counter = 0;
    long id_type = 0;
    int rc = 0, i;

    if (strlen(f->eim_id) == 0 || strlen(f->eim_id) > 128)
        return cli_usage_error(call, "an eimId has 1 to 128 characters", f->eim_id);
    for (i = 0; f->id_type != NULL && i < 3; i++)
        if (strcmp(f->id_type, id_types[i]) == 0)
            id_type = i + 1;
    if (f->id_type != NULL && id_type == 0)
        return cli_usage_error(call, "--id-type takes oid, fqdn or proprietary", f->id_type);
    if (f->counter != NULL && cli_parse_ulong(f->counter, 0x7FFFFFFFul, &counter) != 0)
        return cli_usage_error(call, "--counter takes 0 .. 2147483647", f->counter);
    if (f->ci_pkid != NULL && cli_parse_fixed_hex(f->ci_pkid, pkid, sizeof(pkid)) != 0)
        return cli_usage_error(call, "--ci-pkid needs 40 hex digits", f->ci_pkid);
    if (f->public_key != NULL && f->certificate != NULL)
        return cli_usage_error(call, "give --public-key or --certificate, not both", NULL);
    if (f->public_key != NULL || f->certificate != NULL)
        rc = read_sequence(call, f->public_key != NULL ? f->public_key : f->certificate, &key_file, &key_len,
                           &key_value, &key_value_len);
    if (rc != 0)
        return rc;
    der_tlv(&config, 0x80, (const uint8_t *)f->eim_id, strlen(f->eim_id));
    if (f->fqdn != NULL)
        der_tlv(&config, 0x81, (const uint8_t *)f->fqdn, strlen(f->fqdn));
    if (id_type != 0)
        der_integer(&config, 0x82, id_type);
    if (f->counter != NULL)
        der_integer(&config, 0x83, (long)counter);
    if (f->association_token)
        der_integer(&config, 0x84, -1); /* present: the eUICC assigns the token */
    if (key_file != NULL) {
        struct der choice = {NULL, 0, 0, 0};
        der_tlv(&choice, f->public_key != NULL ? 0xA0 : 0xA1, key_value, key_value_len);
        der_tlv(&config, 0xA5, choice.data, choice.len);
        config.failed |= choice.failed;
        free(choice.data);
        free(key_file);
    }
    if (f->ci_pkid != NULL)
        der_tlv(&config, 0x88, pkid, sizeof(pkid));
    der_tlv(&list, 0x30, config.data, config.len);
    der_tlv(&wrap, 0xA0, list.data, list.len);
    der_tlv(out, 0xBF57, wrap.data, wrap.len);
    out->failed |= config.failed | list.failed | wrap.failed;
    free(config.data);
    free(list.data);
    free(wrap.data);
    return out->failed ? CLI_EXIT_FAILURE : 0;
}

static int run_add_initial(struct cli_call *call, int argc, char **argv)
{
    struct eim_fields f;
    const char *input = NULL;
    const struct cli_option options[] = {
        {"--eim-id", &f.eim_id, NULL},         {"--fqdn", &f.fqdn, NULL},
        {"--id-type", &f.id_type, NULL},       {"--counter", &f.counter, NULL},
        {"--public-key", &f.public_key, NULL}, {"--certificate", &f.certificate, NULL},
        {"--ci-pkid", &f.ci_pkid, NULL},       {"--association-token", NULL, &f.association_token}};
    struct der request = {NULL, 0, 0, 0};
    uint8_t *answer = NULL;
    size_t len = 0;
    enum sgp32_status st = SGP32_OK;
    int rc;

    memset(&f, 0, sizeof(f));
    rc = cli_parse_args(call, argc, argv, options, sizeof(options) / sizeof(options[0]), &input, 0, 1, NULL);
    if (rc == 0 && (input == NULL) == (f.eim_id == NULL))
        rc = cli_usage_error(call, "give a request file or --eim-id (with the other fields), not both", NULL);
    if (rc == 0 && input != NULL)
        rc = cli_read_request(call, input, "AddInitialEimRequest", &request.data, &request.len);
    else if (rc == 0)
        rc = build_request(call, &f, &request);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc == 0)
        st = sgp32_es10_add_initial_eim(call->es10, request.data, request.len, &answer, &len);
    free(request.data);
    if (rc != 0)
        return rc;
    if (st != SGP32_OK) {
        sgp32_buffer_free(answer);
        return cli_fail(call, "AddInitialEim", st, 0xBF57);
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

/* ---- delete: an IoT eUICC forgets its eIMs only all at once (EuiccMemoryReset resetEimConfigData,
 * SGP.32 5.9.5); one eIM goes by a deleteEim eCO of an eIM (an order at that eIM). */
static int run_delete(struct cli_call *call, int argc, char **argv)
{
    int all = 0, rc;
    const char *eim_id = NULL;
    const struct cli_option options[] = {{"--all", NULL, &all}};
    long eim_result = -1, immediate_result = -1;
    enum sgp32_status st;
    rc = cli_parse_args(call, argc, argv, options, 1, &eim_id, 0, 1, NULL);
    if (rc == 0 && eim_id != NULL)
        rc = cli_usage_error(call,
                             "an eUICC deletes one eIM only by a deleteEim eCO from an eIM (queue it at the eIM); "
                             "--all forgets every eIM",
                             eim_id);
    if (rc == 0 && !all)
        rc = cli_usage_error(call, "say --all (every eIM configuration is reset)", NULL);
    if (rc == 0)
        rc = cli_connect(call);
    if (rc != 0)
        return rc;
    st =
        sgp32_es10_euicc_memory_reset_iot(call->es10, SGP32_ES10_RESET_EIM_CONFIG_DATA, &eim_result, &immediate_result);
    /* resetResult (profiles) nothingToDelete is expected here: only the eIM part was asked for. */
    if (st == SGP32_ERR_EUICC_RESULT && sgp32_es10_last_error(call->es10)->es10_result == 1 && eim_result >= 0)
        st = SGP32_OK;
    if (st != SGP32_OK)
        return cli_fail(call, "EuiccMemoryReset", st, 0xBF64);
    if (eim_result != 0 && eim_result != 1)
        return cli_fail(call, "EuiccMemoryReset resetEimResult", SGP32_ERR_EUICC_RESULT, 0);
    cli_result_begin(call);
    if (call->json)
        printf("{\"resetEimResult\":%ld}", eim_result);
    else
        printf("eIM configuration: %s\n", eim_result == 0 ? "deleted" : "nothingToDelete");
    return cli_result_end(call);
}

static const struct cli_subcommand eim_subcommands[] = {
    {"list", "[<eimId>]",
     "  the eIMs configured on the eUICC (GetEimConfigurationData), all or one. Text: eimId, FQDN,\n"
     "  counter, association token. JSON data: {\"eims\": [EimConfigurationData, ...]}.\n",
     run_list},
    {"add-initial",
     "<AddInitialEimRequest file|hex|-> | --eim-id <id> [--fqdn <host[:port]>] [--id-type oid|fqdn|proprietary]\n"
     "         [--counter <n>] [--association-token] [--public-key <SPKI DER> | --certificate <DER>]\n"
     "         [--ci-pkid <40 hex digits>]",
     "  configures the first eIM (AddInitialEim) from a DER AddInitialEimRequest (BF57), e.g. one made\n"
     "  by the eIM (- reads stdin), or from fields: the eIM's identifier, address, initial counterValue,\n"
     "  its signing key (public key or certificate file, DER), the CI key the eUICC signs with for it;\n"
     "  --association-token asks the eUICC to assign one. Refused once an eIM is associated\n"
     "  (associatedEimAlreadyExists).\n"
     "  JSON data: {\"response\": AddInitialEimResponse} (addInitialEimOk with the association tokens).\n",
     run_add_initial},
    {"delete", "--all",
     "  forgets every eIM configured on the eUICC (EuiccMemoryReset with resetEimConfigData). One eIM\n"
     "  alone is deleted only by a deleteEim eCO from an eIM (queue it at that eIM), so `eim delete <id>`\n"
     "  is refused (exit 2). JSON data: {\"resetEimResult\": 0 ok | 1 nothingToDelete}.\n",
     run_delete},
};

const struct cli_family cli_family_eim = {"eim", "the eIM configuration (list, add the initial eIM, delete them all)",
                                          eim_subcommands, sizeof(eim_subcommands) / sizeof(eim_subcommands[0]), 0};
