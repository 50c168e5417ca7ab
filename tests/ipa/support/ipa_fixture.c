/* SPDX-License-Identifier: MIT */
/* The fixture of ipa_fixture.h (the parts that need no lib/ipa). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eim_core.h"
#include "ipa_fixture.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#include "test_pki.h"

/* ---- PKI ---- */

struct shared_pki {
    char root[64];
    char curve_dir[2][128]; /* nist, brainpool */
    int made;
};
static struct shared_pki shared;

static void shared_pki_remove(void)
{
    char command[128];
    if (shared.root[0] == '\0')
        return;
    snprintf(command, sizeof(command), "rm -rf '%s'", shared.root);
    if (system(command) != 0)
        fprintf(stderr, "ipa_fixture: cannot remove %s\n", shared.root);
    shared.root[0] = '\0';
}

int ipa_pki_create(const char *out_dir, const char *curve)
{
    char command[1024];
    snprintf(command, sizeof(command), "sh '%s/examples/pki/sgp32-test-pki' --curve %s --force '%s' >/dev/null",
             SGP32_SOURCE_DIR, curve, out_dir);
    return system(command) == 0 ? 0 : -1;
}

const char *ipa_shared_pki(const char *curve)
{
    int index = curve != NULL && strcmp(curve, "brainpool") == 0;
    if (curve != NULL && strcmp(curve, "nist") != 0 && index == 0)
        return NULL;
    if (!shared.made) {
        snprintf(shared.root, sizeof(shared.root), "/tmp/ipa-test-pki-XXXXXX");
        if (mkdtemp(shared.root) == NULL) {
            shared.root[0] = '\0';
            return NULL;
        }
        atexit(shared_pki_remove);
        if (ipa_pki_create(shared.root, "both") != 0) {
            fprintf(stderr, "ipa_fixture: sgp32-test-pki failed\n");
            return NULL;
        }
        snprintf(shared.curve_dir[0], sizeof(shared.curve_dir[0]), "%s/nist", shared.root);
        snprintf(shared.curve_dir[1], sizeof(shared.curve_dir[1]), "%s/brainpool", shared.root);
        shared.made = 1;
    }
    return shared.curve_dir[index];
}

int ipa_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *file = fopen(path, "rb");
    long size;
    *data = NULL;
    *len = 0;
    if (file == NULL)
        return -1;
    if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0 ||
        (*data = malloc((size_t)size + 1)) == NULL || fread(*data, 1, (size_t)size, file) != (size_t)size) {
        fclose(file);
        free(*data);
        *data = NULL;
        return -1;
    }
    fclose(file);
    *len = (size_t)size;
    return 0;
}

void ipa_fixture_pki_path(const struct ipa_fixture *f, const char *file, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->pki_dir, file);
}

/* ---- Setup ---- */

static enum sgp32_status fail(const char *what, enum sgp32_status status)
{
    fprintf(stderr, "ipa_fixture: %s: %s\n", what, sgp32_strerror(status));
    return status != SGP32_OK ? status : SGP32_ERR_STATE;
}

static enum sgp32_status card_random(void *user, uint8_t *out, size_t len)
{
    return ipa_random(user, out, len);
}

static enum sgp32_status create_card(struct ipa_fixture *f, const struct ipa_fixture_options *o)
{
    struct sgp32_softeuicc_identity identity;
    char eid[64], pkid_hex[64], eum[640], euicc[640], key[640], ci[640];
    const char *ci_files[1];
    uint8_t pkid[1][20];
    if (test_pki_manifest_value(f->pki_dir, "eid", eid, sizeof(eid)) != 0 ||
        test_pki_manifest_value(f->pki_dir, "ci_pkid", pkid_hex, sizeof(pkid_hex)) != 0)
        return fail("the PKI manifest", SGP32_ERR_NOT_FOUND);
    memset(&identity, 0, sizeof(identity));
    if (test_parse_hex(eid, f->eid, 16) != 0 || test_parse_hex(pkid_hex, pkid[0], 20) != 0)
        return fail("the PKI manifest", SGP32_ERR_DECODE);
    memcpy(identity.eid, f->eid, 16);
    identity.ci_pkids = (const uint8_t(*)[20])pkid;
    identity.ci_pkid_count = 1;
    ipa_fixture_pki_path(f, "eum/eum.cert.der", eum, sizeof(eum));
    ipa_fixture_pki_path(f, "euicc/euicc.cert.der", euicc, sizeof(euicc));
    ipa_fixture_pki_path(f, "euicc/euicc.key.pem", key, sizeof(key));
    ipa_fixture_pki_path(f, "ci/ci.cert.der", ci, sizeof(ci));
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    ci_files[0] = ci;
    identity.ci_certificate_files = ci_files;
    identity.ci_certificate_count = 1;
    identity.default_dp_address = o->default_dp_address;
    if (ipa_read_file(euicc, &f->euicc_certificate, &f->euicc_certificate_len) != 0)
        return fail("the eUICC certificate", SGP32_ERR_NOT_FOUND);
    if (o->card_options != NULL)
        f->card_options = *o->card_options;
    else
        f->card_options.mode = SGP32_SOFTEUICC_MODE_IOT;
    f->card_options.size = sizeof(f->card_options);
    f->card_options.random = card_random;
    f->card_options.random_user = &f->card_random_state;
    snprintf(f->card_dir, sizeof(f->card_dir), "%s/card", f->dir);
    return sgp32_softeuicc_create(f->card_dir, &identity, &f->card_options, &f->card);
}

/* The associationToken in an AddInitialEimResponse (BF57 { A0 { 84 token } }), -1 if none. */
static long association_token_of(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header top, ok, item;
    size_t at, end;
    if (sgp32_tlv_parse_header(answer, len, &top) != SGP32_OK || top.tag != 0xBF57 ||
        sgp32_tlv_parse_header(answer + top.header_len, len - top.header_len, &ok) != SGP32_OK || ok.tag != 0xA0)
        return -1;
    at = (size_t)top.header_len + ok.header_len;
    end = at + ok.length;
    while (at < end && sgp32_tlv_parse_header(answer + at, end - at, &item) == SGP32_OK) {
        if (item.tag == 0x84 && item.length >= 1 && item.length <= 4) {
            long value = 0;
            size_t i;
            for (i = 0; i < item.length; i++)
                value = value * 256 + answer[at + item.header_len + i];
            return value;
        }
        at += item.header_len + item.length;
    }
    return -1;
}

enum sgp32_status ipa_fixture_eim_configuration(struct ipa_fixture *f, const char *eim_id, int association_token,
                                                int initial, struct sgp32_eim_buffer *out)
{
    struct sgp32_eim_configuration config;
    uint8_t *spki = NULL;
    size_t spki_len = 0;
    char path[640];
    enum sgp32_status status;
    ipa_fixture_pki_path(f, "eim/sign.pub.der", path, sizeof(path));
    if (ipa_read_file(path, &spki, &spki_len) != 0)
        return SGP32_ERR_NOT_FOUND;
    memset(&config, 0, sizeof(config));
    config.eim_id = eim_id != NULL ? eim_id : f->eim_id;
    config.eim_fqdn = f->eim_fqdn;
    config.has_counter_value = 1;
    config.counter_value = 0;
    config.has_association_token = association_token;
    config.association_token = -1; /* the eUICC (or the IPA emulating it) assigns it */
    config.public_key_spki = spki;
    config.public_key_spki_len = spki_len;
    status = initial ? sgp32_eim_add_initial_eim_request(&config, out) : sgp32_eim_encode_configuration(&config, out);
    free(spki);
    return status;
}

static enum sgp32_status add_initial_eim(struct ipa_fixture *f, const struct ipa_fixture_options *o)
{
    struct sgp32_eim_buffer request = {NULL, 0};
    struct sgp32_es10 *es10 = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    enum sgp32_status status = ipa_fixture_eim_configuration(f, NULL, !o->no_association_token, 1, &request);
    if (status == SGP32_ERR_NOT_FOUND)
        return fail("the eIM public key", status);
    if (status != SGP32_OK)
        return fail("AddInitialEimRequest", status);
    status = ipa_fixture_es10(f, &es10);
    if (status == SGP32_OK)
        status = sgp32_es10_add_initial_eim(es10, request.data, request.len, &answer, &answer_len);
    sgp32_eim_buffer_free(&request);
    sgp32_es10_free(es10);
    if (status != SGP32_OK) {
        sgp32_buffer_free(answer);
        return fail("AddInitialEim", status);
    }
    f->association_token = association_token_of(answer, answer_len);
    f->has_association_token = f->association_token >= 0;
    sgp32_buffer_free(answer);
    if (!o->no_association_token && !f->has_association_token)
        return fail("AddInitialEim assigned no associationToken", SGP32_ERR_PROTOCOL);
    return SGP32_OK;
}

static enum sgp32_status create_eim(struct ipa_fixture *f, uint64_t seed)
{
    struct ipa_eim_options options;
    uint8_t *key = NULL;
    size_t key_len = 0;
    char path[640];
    enum sgp32_status status;
    ipa_fixture_pki_path(f, "eim/sign.key.pem", path, sizeof(path));
    if (ipa_read_file(path, &key, &key_len) != 0)
        return fail("the eIM key", SGP32_ERR_NOT_FOUND);
    memset(&options, 0, sizeof(options));
    options.eim_id = f->eim_id;
    memcpy(options.eid, f->eid, 16);
    options.key = key;
    options.key_len = key_len;
    options.euicc_certificate = f->euicc_certificate;
    options.euicc_certificate_len = f->euicc_certificate_len;
    options.has_association_token = f->has_association_token;
    options.association_token = f->association_token;
    options.counter_value = 0;
    options.seed = seed != 0 ? seed ^ 0x1111u : 0;
    status = ipa_eim_new(&options, &f->eim);
    free(key);
    return status;
}

enum sgp32_status ipa_fixture_setup(struct ipa_fixture *f, const struct ipa_fixture_options *options)
{
    struct ipa_fixture_options defaults;
    enum sgp32_status status;
    const char *pki;
    memset(f, 0, sizeof(*f));
    if (options == NULL) {
        memset(&defaults, 0, sizeof(defaults));
        options = &defaults;
    }
    status = ipa_host_init(&f->host, options->seed);
    if (status != SGP32_OK)
        return fail("host", status);
    f->card_random_state = options->seed != 0 ? options->seed ^ 0x2222u : 0x63617264u;
    snprintf(f->dir, sizeof(f->dir), "/tmp/ipa-test-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        f->dir[0] = '\0';
        return fail("mkdtemp", SGP32_ERR_STORAGE);
    }
    pki = options->pki_dir != NULL ? options->pki_dir : ipa_shared_pki(options->curve);
    if (pki == NULL)
        return fail("the test PKI", SGP32_ERR_NOT_FOUND);
    snprintf(f->pki_dir, sizeof(f->pki_dir), "%s", pki);
    snprintf(f->eim_id, sizeof(f->eim_id), "%s", options->eim_id != NULL ? options->eim_id : IPA_FIXTURE_EIM_ID);
    snprintf(f->eim_fqdn, sizeof(f->eim_fqdn), "%s",
             options->eim_fqdn != NULL ? options->eim_fqdn : IPA_FIXTURE_EIM_FQDN);
    snprintf(f->smdp_address, sizeof(f->smdp_address), "%s",
             options->smdp_address != NULL ? options->smdp_address : IPA_FIXTURE_SMDP_ADDRESS);
    status = create_card(f, options);
    if (status != SGP32_OK)
        return fail("software eUICC", status);
    sgp32_softeuicc_transport(f->card, &f->platform.apdu);
    if (!options->no_initial_eim) {
        status = add_initial_eim(f, options);
        if (status != SGP32_OK)
            return status;
    }
    /* the setup's ES10 session is gone; the IPA's open() resets the card (a cold start) */
    status = create_eim(f, options->seed);
    if (status != SGP32_OK)
        return fail("eIM", status);
    f->http = ipa_http_peer_new(&f->host.clock);
    if (f->http == NULL)
        return fail("HTTP peer", SGP32_ERR_NO_MEMORY);
    status = ipa_http_peer_route(f->http, SGP32_REMOTE_ASN1_PATH, ipa_eim_handler, f->eim);
    if (status != SGP32_OK)
        return fail("HTTP route", status);
#ifdef IPA_TEST_HAVE_SMDP
    status = ipa_http_peer_route(f->http, "/gsma/rsp2/esipa/", ipa_eim_json_handler, f->eim);
    if (status != SGP32_OK)
        return fail("HTTP route", status);
    {
        struct ipa_smdp_options smdp_options;
        struct ipa_smdp *smdp = NULL;
        memset(&smdp_options, 0, sizeof(smdp_options));
        smdp_options.pki_dir = f->pki_dir;
        smdp_options.address = f->smdp_address;
        smdp_options.confirmation_code = options->confirmation_code;
        status = ipa_smdp_new(&smdp_options, &smdp);
        if (status != SGP32_OK)
            return fail("SM-DP+", status);
        f->smdp = smdp;
        status = ipa_http_peer_route(f->http, "/gsma/rsp2/es9plus/", ipa_smdp_handler, smdp);
        if (status != SGP32_OK)
            return fail("HTTP route", status);
        /* the eIM relays indirect downloads and their notifications to it */
        ipa_eim_set_other_handler(f->eim, ipa_smdp_esipa_relay, smdp);
        ipa_eim_set_notification_forward(f->eim, ipa_smdp_forward_notification, smdp);
    }
#endif
    ipa_http_peer_client(f->http, &f->platform.http);
    ipa_host_platform(&f->host, &f->platform);
    f->config.size = sizeof(f->config);
    f->config.eim_id = f->eim_id;
    f->config.binding = SGP32_IPA_BINDING_ASN1;
    return SGP32_OK;
}

enum sgp32_status ipa_fixture_es10(struct ipa_fixture *f, struct sgp32_es10 **session)
{
    enum sgp32_status status;
    *session = NULL;
    if (!sgp32_softeuicc_powered(f->card)) {
        status = f->platform.apdu.ops->open(f->platform.apdu.user, NULL, 0, NULL, 1000);
        if (status != SGP32_OK)
            return status;
    }
    status = sgp32_es10_new(&f->platform.apdu, NULL, session);
    if (status == SGP32_OK)
        status = sgp32_es10_connect(*session);
    if (status != SGP32_OK) {
        sgp32_es10_free(*session);
        *session = NULL;
    }
    return status;
}

void ipa_fixture_teardown(struct ipa_fixture *f)
{
    char command[128];
    if (f->ipa != NULL && f->ipa_free != NULL)
        f->ipa_free(f->ipa);
    f->ipa = NULL;
#ifdef IPA_TEST_HAVE_SMDP
    ipa_smdp_free(f->smdp);
#endif
    f->smdp = NULL;
    ipa_http_peer_free(f->http);
    f->http = NULL;
    ipa_eim_free(f->eim);
    f->eim = NULL;
    sgp32_softeuicc_free(f->card);
    f->card = NULL;
    free(f->euicc_certificate);
    f->euicc_certificate = NULL;
    ipa_host_release(&f->host);
    if (f->dir[0] != '\0') {
        snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
        if (system(command) != 0)
            fprintf(stderr, "ipa_fixture: cannot remove %s\n", f->dir);
        f->dir[0] = '\0';
    }
}

struct ipa_fixture *ipa_fixture_new(const struct ipa_fixture_options *options)
{
    struct ipa_fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    if (ipa_fixture_setup(f, options) != SGP32_OK) {
        ipa_fixture_free(f);
        return NULL;
    }
    return f;
}

void ipa_fixture_free(struct ipa_fixture *f)
{
    if (f == NULL)
        return;
    ipa_fixture_teardown(f);
    free(f);
}
