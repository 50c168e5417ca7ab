/* SPDX-License-Identifier: MIT */
/*
 * Profile download into the software eUICC with real signatures and real BSP encryption: the SM-DP+
 * side is examples/servers/smdp (smdp_core), the PKI is generated at test time by
 * examples/pki/sgp32-test-pki (NIST and brainpool), the profile is a GSMA TS.48 test profile from
 * shared/profiles. Everything goes through the card's APDU transport with lib/es10, the BPP segment by
 * segment as SGP.22 2.5.5 prescribes.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "sgp32/codec.h"
#include "sgp32/es10.h"
#include "sgp32/softeuicc.h"
#include "sgp32/tlv.h"
#include "smdp_core.h"

#define PROFILE SGP32_SHARED_DIR "/profiles/TS48V2-SAIP2-1-BERTLV-UNIQUE.der"
#define SMDP_ADDRESS "smdp.libsgp32.test"
#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE"
#define MAX_SEGMENTS 256

static char pki_dir[64];

struct env {
    char dir[64];
    char curve[16];
    struct sgp32_softeuicc *card;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *es10;
    struct smdp_core *smdp;
    struct smdp_blob upp;
};

/* Faults a download run can inject. */
struct faults {
    int wrong_challenge;
    int bad_server_signature;
    int forge_transaction_id;
    int bad_mac_segment; /* index of an 86 segment to corrupt (0: none) */
    int swap_a1_a3;      /* send the A3 header where the A1 header belongs */
    int double_wrap;     /* wrap each 86 segment once more (the pySim encoder's form) */
    int replace_keys;    /* A2 with PPKs */
    size_t segment_size; /* 0: default */
    int bad_bf23_signature;
    const char *cc_code;  /* the SM-DP+ requires this confirmation code */
    const char *cc_typed; /* the code the IPA hashes into hashCc (NULL: no hashCc) */
    int tamper_result;    /* flip a bit of the ProfileInstallationResult before the SM-DP+ checks it */
    int bad_smdp_signature2;
    const uint8_t *metadata; /* StoreMetadataRequest to bind instead of the UPP's */
    size_t metadata_len;
};

/* What a run produced. */
struct outcome {
    enum sgp32_status status;        /* SGP32_OK when every command got an answer */
    long authenticate_error;         /* AuthenticateServer error code, 0 if none */
    long prepare_error;              /* PrepareDownload error code */
    int have_result;                 /* a ProfileInstallationResult came back */
    enum sgp32_status result_status; /* smdp_verify_installation_result() */
    enum sgp32_status bpp_status;    /* smdp_get_bound_profile_package() */
    struct smdp_installation_result result;
};

static void path_of(char *out, size_t cap, const char *curve, const char *file)
{
    snprintf(out, cap, "%s/%s/%s", pki_dir, curve, file);
}

static struct smdp_blob read_pki(const char *curve, const char *file)
{
    char path[256];
    struct smdp_blob blob = {NULL, 0};
    path_of(path, sizeof(path), curve, file);
    assert_int_equal(smdp_read_file(path, &blob), SGP32_OK);
    return blob;
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned value = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &value), 1);
        out[i] = (uint8_t)value;
    }
}

/* A manifest value of the curve set. */
static void manifest(const char *curve, const char *key, char *value, size_t cap)
{
    char path[256], line[512];
    FILE *file;
    size_t key_len = strlen(key);
    path_of(path, sizeof(path), curve, "manifest.txt");
    file = fopen(path, "r");
    assert_non_null(file);
    value[0] = '\0';
    while (fgets(line, sizeof(line), file) != NULL)
        if (strncmp(line, key, key_len) == 0 && line[key_len] == '=') {
            snprintf(value, cap, "%s", line + key_len + 1);
            value[strcspn(value, "\r\n")] = '\0';
        }
    fclose(file);
    assert_true(value[0] != '\0');
}

static int group_setup(void **state)
{
    char command[512];
    (void)state;
    snprintf(pki_dir, sizeof(pki_dir), "/tmp/softeuicc-dl-pki-XXXXXX");
    if (mkdtemp(pki_dir) == NULL)
        return -1;
    snprintf(command, sizeof(command), "sh '%s/examples/pki/sgp32-test-pki' --curve both --force '%s' >/dev/null",
             SGP32_SOURCE_DIR, pki_dir);
    return system(command) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    char command[256];
    (void)state;
    snprintf(command, sizeof(command), "rm -rf '%s'", pki_dir);
    return system(command) == 0 ? 0 : -1;
}

/* The card's CI trust: the CI certificate beside the state, named by its PKID. */
static void install_ci(const char *dir, const char *pkid_hex, const char *curve, const char *ci_curve)
{
    char path[256];
    struct smdp_blob ci = read_pki(ci_curve, "ci/ci.cert.der");
    FILE *file;
    (void)curve;
    snprintf(path, sizeof(path), "%s/ci-%s.der", dir, pkid_hex);
    file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(ci.data, 1, ci.len, file), ci.len);
    fclose(file);
    free(ci.data);
}

static void connect_card(struct env *e)
{
    sgp32_softeuicc_transport(e->card, &e->transport);
    assert_int_equal(e->transport.ops->open(e->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&e->transport, NULL, &e->es10), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(e->es10), SGP32_OK);
}

static void new_smdp(struct env *e, const char *curve)
{
    struct smdp_blob ci = read_pki(curve, "ci/ci.cert.der"), auth = read_pki(curve, "smdp/auth.cert.der"),
                     auth_key = read_pki(curve, "smdp/auth.key.pem"), pb = read_pki(curve, "smdp/pb.cert.der"),
                     pb_key = read_pki(curve, "smdp/pb.key.pem");
    struct smdp_core_credentials credentials = {ci.data, ci.len, auth.data,   auth.len,   auth_key.data, auth_key.len,
                                                pb.data, pb.len, pb_key.data, pb_key.len, SMDP_ADDRESS};
    smdp_core_free(e->smdp);
    e->smdp = NULL;
    assert_int_equal(smdp_core_new(&credentials, &e->smdp), SGP32_OK);
    free(ci.data);
    free(auth.data);
    free(auth_key.data);
    free(pb.data);
    free(pb_key.data);
}

/* A fresh card of the curve's PKI; its CI file from ci_curve (the same curve unless a test wants an
 * untrusted SM-DP+). */
static void env_start_mode(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc_options options;
    char eid[64], pkid_hex[64], eum[256], euicc[256], key[256];
    uint8_t pkid[1][20];
    memset(e, 0, sizeof(*e));
    snprintf(e->curve, sizeof(e->curve), "%s", curve);
    snprintf(e->dir, sizeof(e->dir), "/tmp/softeuicc-dl-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    manifest(curve, "eid", eid, sizeof(eid));
    manifest(curve, "ci_pkid", pkid_hex, sizeof(pkid_hex));
    memset(&identity, 0, sizeof(identity));
    hex_to_bytes(eid, identity.eid, 16);
    hex_to_bytes(pkid_hex, pkid[0], 20);
    identity.ci_pkids = (const uint8_t(*)[20])pkid;
    identity.ci_pkid_count = 1;
    path_of(eum, sizeof(eum), curve, "eum/eum.cert.der");
    path_of(euicc, sizeof(euicc), curve, "euicc/euicc.cert.der");
    path_of(key, sizeof(key), curve, "euicc/euicc.key.pem");
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.mode = mode;
    assert_int_equal(sgp32_softeuicc_create(e->dir, &identity, &options, &e->card), SGP32_OK);
    install_ci(e->dir, pkid_hex, curve, curve);
    connect_card(e);
    new_smdp(e, curve);
    assert_int_equal(smdp_read_file(PROFILE, &e->upp), SGP32_OK);
}

static void env_start(struct env *e, const char *curve)
{
    env_start_mode(e, curve, SGP32_SOFTEUICC_MODE_IOT);
}

static void env_stop(struct env *e)
{
    char command[128];
    sgp32_es10_free(e->es10);
    sgp32_softeuicc_free(e->card);
    smdp_core_free(e->smdp);
    free(e->upp.data);
    snprintf(command, sizeof(command), "rm -rf '%s'", e->dir);
    assert_int_equal(system(command), 0);
}

/* Power cycle (or reopen from the directory) and a new ES10 session. */
static void env_restart(struct env *e, int reopen)
{
    struct sgp32_softeuicc_options options;
    sgp32_es10_free(e->es10);
    e->es10 = NULL;
    if (reopen) {
        sgp32_softeuicc_free(e->card);
        memset(&options, 0, sizeof(options));
        options.size = sizeof(options);
        assert_int_equal(sgp32_softeuicc_open(e->dir, &options, &e->card), SGP32_OK);
    } else {
        assert_int_equal(sgp32_softeuicc_reset(e->card, NULL, 0, NULL), SGP32_OK);
    }
    connect_card(e);
}

static enum sgp32_status transceive(struct env *e, const uint8_t *request, size_t len, uint8_t **response,
                                    size_t *response_len)
{
    *response = NULL;
    *response_len = 0;
    return sgp32_es10_transceive(e->es10, request, len, response, response_len);
}

/* The error code of a {BF38|BF21} { A1 { 80 tid, 02 code } } answer, 0 for the ok alternative (A0). */
static long session_error_code(const uint8_t *answer, size_t len)
{
    struct sgp32_tlv_header top, choice, tid, code;
    const uint8_t *p;
    assert_int_equal(sgp32_tlv_parse_header(answer, len, &top), SGP32_OK);
    p = answer + top.header_len;
    assert_int_equal(sgp32_tlv_parse_header(p, len - top.header_len, &choice), SGP32_OK);
    if (choice.tag == 0xA0)
        return 0;
    assert_int_equal(choice.tag, 0xA1);
    p += choice.header_len;
    assert_int_equal(sgp32_tlv_parse_header(p, 64, &tid), SGP32_OK);
    p += tid.header_len + tid.length;
    assert_int_equal(sgp32_tlv_parse_header(p, 8, &code), SGP32_OK);
    assert_int_equal(code.length, 1);
    return p[code.header_len];
}

/* Checks `data` is the strict DER of ASN.1 type `name` with its constraints (the hand-written messages
 * of both sides against the GSMA modules). */
static void assert_der_of(const char *name, const uint8_t *data, size_t len)
{
    const struct sgp32_codec_type *type = sgp32_codec_type_find(name);
    struct sgp32_decode_options options = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    void *value = NULL;
    assert_non_null(type);
    if (sgp32_decode(type, data, len, &options, &value, NULL) != SGP32_OK)
        fail_msg("not the DER of %s", name);
    sgp32_codec_free(type, value);
}

/* Runs a whole download against the card; stops at the first missing answer (power loss) or error. */
static void download(struct env *e, const struct faults *f, struct outcome *o)
{
    static const uint8_t challenge_request[3] = {0xBF, 0x2E, 0x00}, info1_request[3] = {0xBF, 0x20, 0x00};
    struct smdp_session *session = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, bpp = {NULL, 0};
    struct smdp_bpp_options options;
    struct smdp_segment segments[MAX_SEGMENTS];
    uint8_t *answer = NULL, *info1 = NULL, challenge[16], hash_cc[32];
    size_t answer_len = 0, info1_len = 0, count = 0, i, seen86 = 0;
    memset(o, 0, sizeof(*o));
    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    assert_int_equal(smdp_session_new(e->smdp, MATCHING_ID, &session), SGP32_OK);
    if (f->cc_code != NULL)
        assert_int_equal(smdp_session_require_confirmation_code(session, f->cc_code), SGP32_OK);
    o->status = transceive(e, challenge_request, 3, &answer, &answer_len);
    if (o->status != SGP32_OK)
        goto done;
    assert_int_equal(answer_len, 21);
    memcpy(challenge, answer + 5, 16);
    if (f->wrong_challenge)
        challenge[0] ^= 0x01;
    free(answer);
    answer = NULL;
    o->status = transceive(e, info1_request, 3, &info1, &info1_len);
    if (o->status != SGP32_OK)
        goto done;
    /* a card whose CI the SM-DP+ does not share: let the card decide (no euiccInfo1 check) */
    assert_int_equal(smdp_initiate_authentication(session, challenge, strcmp(e->curve, "mixed") == 0 ? NULL : info1,
                                                  info1_len, &auth),
                     SGP32_OK);
    if (f->bad_server_signature)
        auth.server_signature1.data[10] ^= 0x40;
    assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request), SGP32_OK);
    assert_der_of("AuthenticateServerRequest", request.data, request.len);
    o->status = transceive(e, request.data, request.len, &answer, &answer_len);
    free(request.data);
    request.data = NULL;
    if (o->status != SGP32_OK)
        goto done;
    assert_der_of("SGP32-AuthenticateServerResponse", answer, answer_len);
    o->authenticate_error = session_error_code(answer, answer_len);
    if (o->authenticate_error != 0)
        goto done;
    if (f->forge_transaction_id) {
        uint8_t forged[16];
        memset(forged, 0x5A, sizeof(forged));
        smdp_session_forge_transaction_id(session, forged);
    }
    assert_int_equal(smdp_authenticate_client(session, answer, answer_len, &prepare), SGP32_OK);
    free(answer);
    answer = NULL;
    if (f->bad_smdp_signature2)
        prepare.smdp_signature2.data[20] ^= 0x02;
    if (f->cc_typed != NULL) {
        size_t tid_len = 0;
        const uint8_t *tid = smdp_session_transaction_id(session, &tid_len);
        assert_int_equal(smdp_hash_confirmation_code(f->cc_typed, tid, tid_len, hash_cc), SGP32_OK);
    }
    assert_int_equal(smdp_build_prepare_download_request(&prepare, f->cc_typed != NULL ? hash_cc : NULL, &request),
                     SGP32_OK);
    assert_der_of("PrepareDownloadRequest", request.data, request.len);
    o->status = transceive(e, request.data, request.len, &answer, &answer_len);
    free(request.data);
    request.data = NULL;
    if (o->status != SGP32_OK)
        goto done;
    assert_der_of("SGP32-PrepareDownloadResponse", answer, answer_len);
    o->prepare_error = session_error_code(answer, answer_len);
    if (o->prepare_error != 0)
        goto done;
    memset(&options, 0, sizeof(options));
    options.segment_size = f->segment_size;
    options.replace_session_keys = f->replace_keys;
    options.metadata = f->metadata;
    options.metadata_len = f->metadata_len;
    o->bpp_status =
        smdp_get_bound_profile_package(session, answer, answer_len, e->upp.data, e->upp.len, &options, &bpp);
    if (o->bpp_status != SGP32_OK)
        goto done;
    free(answer);
    answer = NULL;
    assert_der_of("BoundProfilePackage", bpp.data, bpp.len);
    assert_int_equal(smdp_split_bpp(bpp.data, bpp.len, segments, MAX_SEGMENTS, &count), SGP32_OK);
    assert_true(count >= 5);
    if (f->swap_a1_a3) { /* segments: BF36+BF23, A0, A1 header, 88 .., A3 header, 86 .. */
        for (i = 0; i < count && segments[i].data[0] != 0xA3; i++)
            ;
        assert_true(i < count);
        segments[2] = segments[i];
    }
    for (i = 0; i < count; i++) {
        uint8_t *copy = NULL;
        const uint8_t *segment = segments[i].data;
        size_t len = segments[i].len;
        if (i == 0 && f->bad_bf23_signature) { /* the last bytes of BF36+BF23 are smdpSign */
            copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, segment, len);
            copy[len - 5] ^= 0x10;
            segment = copy;
        } else if (segment[0] == 0xA3 && f->double_wrap) { /* the A3 header announces the grown 86 segments */
            size_t k, total = 0;
            for (k = i + 1; k < count; k++)
                total += segments[k].len + 4;
            copy = malloc(5);
            assert_non_null(copy);
            copy[0] = 0xA3;
            copy[1] = 0x83;
            copy[2] = (uint8_t)(total >> 16);
            copy[3] = (uint8_t)(total >> 8);
            copy[4] = (uint8_t)total;
            segment = copy;
            len = 5;
        } else if (segment[0] == 0x86) {
            seen86++;
            if (f->bad_mac_segment != 0 && seen86 == (size_t)f->bad_mac_segment) {
                copy = malloc(len);
                assert_non_null(copy);
                memcpy(copy, segment, len);
                copy[len - 3] ^= 0x01; /* inside the MAC */
                segment = copy;
            } else if (f->double_wrap) {
                /* 86 L (86 L' ...): one more wrapping in the segment's own tag */
                copy = malloc(len + 4);
                assert_non_null(copy);
                copy[0] = 0x86;
                copy[1] = 0x82;
                copy[2] = (uint8_t)(len >> 8);
                copy[3] = (uint8_t)len;
                memcpy(copy + 4, segment, len);
                segment = copy;
                len += 4;
            }
        }
        o->status = transceive(e, segment, len, &answer, &answer_len);
        free(copy);
        if (o->status != SGP32_OK)
            goto done;
        if (answer_len > 0) {
            o->have_result = 1;
            assert_der_of("ProfileInstallationResult", answer, answer_len);
            if (f->tamper_result)
                answer[answer_len / 2] ^= 0x01;
            o->result_status = smdp_verify_installation_result(session, answer, answer_len, &o->result);
            if (!f->tamper_result)
                assert_int_equal(o->result_status, SGP32_OK);
            break;
        }
    }
done:
    free(answer);
    free(info1);
    free(bpp.data);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(session);
}

/* 1 if GetProfilesInfo lists the ICCID. */
static int card_has_profile(struct env *e, const uint8_t iccid[10])
{
    static const uint8_t request[3] = {0xBF, 0x2D, 0x00};
    uint8_t *answer = NULL, needle[12] = {0x5A, 0x0A};
    size_t answer_len = 0, i;
    int found = 0;
    assert_int_equal(transceive(e, request, 3, &answer, &answer_len), SGP32_OK);
    memcpy(needle + 2, iccid, 10);
    for (i = 0; i + sizeof(needle) <= answer_len; i++)
        found |= memcmp(answer + i, needle, sizeof(needle)) == 0;
    free(answer);
    return found;
}

static void check_full_download(const char *curve, const struct faults *f)
{
    struct env e;
    struct outcome o;
    uint8_t iccid[10];
    env_start(&e, curve);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    assert_false(card_has_profile(&e, iccid));
    download(&e, f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 0);
    assert_true(o.have_result);
    if (!o.result.success)
        fail_msg("installation failed: bppCommandId %ld errorReason %ld", o.result.bpp_command_id,
                 o.result.error_reason);
    assert_true(o.result.has_iccid);
    assert_memory_equal(o.result.iccid, iccid, 10);
    assert_true(card_has_profile(&e, iccid));
    {
        /* the install notification the metadata asks for (install bit, the ICCID) */
        static const uint8_t list_request[3] = {0xBF, 0x28, 0x00};
        static const uint8_t install_event[4] = {0x81, 0x02, 0x07, 0x80};
        uint8_t *answer = NULL;
        size_t answer_len = 0, k;
        int found = 0;
        assert_int_equal(transceive(&e, list_request, 3, &answer, &answer_len), SGP32_OK);
        for (k = 0; k + 4 <= answer_len; k++)
            found |= memcmp(answer + k, install_event, 4) == 0;
        assert_true(found);
        free(answer);
    }
    {
        struct smdp_blob metadata = {NULL, 0};
        assert_int_equal(smdp_profile_metadata(e.smdp, e.upp.data, e.upp.len, &metadata), SGP32_OK);
        assert_der_of("StoreMetadataRequest", metadata.data, metadata.len);
        free(metadata.data);
    }
    env_restart(&e, 1); /* committed: still there after a reopen */
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

static void test_download_nist(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    check_full_download("nist", &f);
}

static void test_download_brainpool(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    check_full_download("brainpool", &f);
}

/* An SGP.22 consumer card: euiccSigned1 carries the SGP.22 EUICCInfo2. */
static void test_download_consumer_card(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start_mode(&e, "nist", SGP32_SOFTEUICC_MODE_CONSUMER);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* BSP round trip variants against the project's BPP builder: ReplaceSessionKeys (PPK for the 86
 * segments), small segments. */
static void test_download_replace_session_keys_small_segments(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.replace_keys = 1;
    f.segment_size = 200;
    check_full_download("nist", &f);
}

/* 86 segments wrapped twice in their tag, as pySim's BPP encoder writes them (docs/crypto.md). */
static void test_download_double_wrapped_segments(void **state)
{
    struct faults f;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.double_wrap = 1;
    check_full_download("nist", &f);
}

/* Runs a faulty download on a fresh card; returns the outcome; the profile must not be installed. */
static void faulty(const struct faults *f, struct outcome *o)
{
    struct env e;
    uint8_t iccid[10];
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, f, o);
    assert_int_equal(o->status, SGP32_OK);
    assert_false(card_has_profile(&e, iccid));
    env_stop(&e);
}

static void test_bad_server_signature(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_server_signature = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 2); /* invalidSignature */
}

static void test_wrong_challenge(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.wrong_challenge = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 6); /* euiccChallengeMismatch */
}

static void test_wrong_transaction_id(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.forge_transaction_id = 1;
    faulty(&f, &o);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.prepare_error, 5); /* invalidTransactionId */
}

static void test_bad_mac_in_profile_segment(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_mac_segment = 3;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.result.error_reason, 8);   /* scp03tSecurityError */
}

static void test_segments_out_of_order(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.swap_a1_a3 = 1;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata expected */
    assert_int_equal(o.result.error_reason, 7);   /* scp03tStructureError */
}

static void test_bad_smdp_signature2(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_smdp_signature2 = 1;
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 2); /* invalidSignature */
}

static void test_bad_initialise_secure_channel_signature(void **state)
{
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.bad_bf23_signature = 1;
    faulty(&f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 0); /* initialiseSecureChannel */
    assert_int_equal(o.result.error_reason, 2);   /* invalidSignature */
}

/* StoreMetadata variants: a PPR the card's RAT does not allow, an ICCID other than the profile's. */
static void test_metadata_refused(void **state)
{
    static const uint8_t ppr_metadata[] = {0xBF, 0x25, 0x16, 0x5A, 0x0A, 0x89, 0x49, 0x44, 0x99, 0x99, 0x99, 0x99, 0x90,
                                           0x04, 0x9F, 0x91, 0x01, 0x41, 0x92, 0x01, 0x42, 0x99, 0x02, 0x06, 0x40};
    static const uint8_t other_iccid[] = {0xBF, 0x25, 0x12, 0x5A, 0x0A, 0x89, 0x49, 0x44, 0x99, 0x99, 0x99,
                                          0x99, 0x90, 0x77, 0x7F, 0x91, 0x01, 0x41, 0x92, 0x01, 0x42};
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.metadata = ppr_metadata;
    f.metadata_len = sizeof(ppr_metadata);
    faulty(&f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 15);  /* pprNotAllowed */
    f.metadata = other_iccid;
    f.metadata_len = sizeof(other_iccid);
    faulty(&f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5); /* loadProfileElements */
    assert_int_equal(o.result.error_reason, 13);  /* installFailedDueToDataMismatch */
}

/* The final state write fails: the card answers an error result and keeps no trace of the profile. */
static void test_failed_state_write_at_install(void **state)
{
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    sgp32_softeuicc_fail_next_state_write(e.card);
    download(&e, &f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.bpp_command_id, 5);
    assert_int_equal(o.result.error_reason, 127);
    assert_false(card_has_profile(&e, iccid));
    env_restart(&e, 1);
    assert_false(card_has_profile(&e, iccid));
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    env_stop(&e);
}

/* CancelSession after AuthenticateServer: a signed answer, then no session is left (PrepareDownload
 * answers noSessionContext, a second CancelSession invalidTransactionId). A tampered
 * ProfileInstallationResult is refused by the SM-DP+ side. */
static void test_cancel_session_and_tampered_result(void **state)
{
    static const uint8_t challenge_request[3] = {0xBF, 0x2E, 0x00};
    struct env e;
    struct smdp_session *session = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, certificate;
    uint8_t *answer = NULL, cancel[32];
    size_t answer_len = 0, tid_len = 0, signed_len;
    const uint8_t *tid;
    struct sgp32_x509_cert euicc;
    (void)state;
    env_start(&e, "nist");
    assert_int_equal(smdp_session_new(e.smdp, MATCHING_ID, &session), SGP32_OK);
    assert_int_equal(transceive(&e, challenge_request, 3, &answer, &answer_len), SGP32_OK);
    assert_int_equal(smdp_initiate_authentication(session, answer + 5, NULL, 0, &auth), SGP32_OK);
    free(answer);
    assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request), SGP32_OK);
    assert_int_equal(transceive(&e, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(session_error_code(answer, answer_len), 0);
    assert_int_equal(smdp_authenticate_client(session, answer, answer_len, &prepare), SGP32_OK);
    free(answer);
    /* CancelSessionRequest BF41 { 80 tid, 81 01 01 (postponed) } */
    tid = smdp_session_transaction_id(session, &tid_len);
    cancel[0] = 0xBF;
    cancel[1] = 0x41;
    cancel[2] = (uint8_t)(2 + tid_len + 3);
    cancel[3] = 0x80;
    cancel[4] = (uint8_t)tid_len;
    memcpy(cancel + 5, tid, tid_len);
    memcpy(cancel + 5 + tid_len, "\x81\x01\x01", 3);
    assert_int_equal(transceive(&e, cancel, 8 + tid_len, &answer, &answer_len), SGP32_OK);
    assert_der_of("CancelSessionResponse", answer, answer_len);
    /* BF41 len A0 len { 30 len {80 tid, 81 oid, 82 reason}, 5F37 40 sig } */
    assert_int_equal(answer[3], 0xA0);
    assert_int_equal(answer[5], 0x30);
    signed_len = 2u + answer[6];
    assert_int_equal(answer[5 + signed_len], 0x5F);
    certificate = read_pki("nist", "euicc/euicc.cert.der");
    assert_int_equal(sgp32_x509_parse(&euicc, certificate.data, certificate.len), SGP32_OK);
    {
        struct sgp32_ec_key key;
        sgp32_ec_key_init(&key);
        assert_int_equal(sgp32_x509_public_key(&euicc, &key), SGP32_OK);
        assert_int_equal(sgp32_ecdsa_verify_sha256(&key, answer + 5, signed_len, answer + 5 + signed_len + 3, 64),
                         SGP32_OK);
        sgp32_ec_key_free(&key);
    }
    free(certificate.data);
    free(answer);
    /* the session is gone */
    assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &request), SGP32_OK);
    assert_int_equal(transceive(&e, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(session_error_code(answer, answer_len), 4); /* noSessionContext */
    free(answer);
    assert_int_equal(transceive(&e, cancel, 8 + tid_len, &answer, &answer_len), SGP32_OK);
    assert_int_equal(answer_len, 6);
    assert_int_equal(answer[3], 0x81);
    assert_int_equal(answer[5], 5); /* invalidTransactionId */
    free(answer);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(session);
    env_stop(&e);
}

static void test_tampered_installation_result_refused(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.tamper_result = 1;
    env_start(&e, "nist");
    download(&e, &f, &o);
    assert_true(o.have_result);
    assert_int_equal(o.result_status, SGP32_ERR_CRYPTO);
    env_stop(&e);
}

/* Confirmation code (ccRequiredFlag): the right code downloads, a wrong one is refused by the SM-DP+
 * (hashCc mismatch), none at all by the eUICC (PrepareDownload undefinedError). */
static void test_confirmation_code(void **state)
{
    struct faults f;
    struct outcome o;
    struct env e;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    f.cc_code = "1234";
    f.cc_typed = "1234";
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
    f.cc_typed = "4321";
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 0);
    assert_int_equal(o.bpp_status, SGP32_ERR_CRYPTO);
    f.cc_typed = NULL;
    faulty(&f, &o);
    assert_int_equal(o.prepare_error, 127);
}

/* The SM-DP+ chains to a CI the card does not trust (brainpool CI, card trusts the NIST one). */
static void test_untrusted_ci(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    new_smdp(&e, "brainpool");
    snprintf(e.curve, sizeof(e.curve), "mixed");
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 7); /* ciPKUnknown */
    env_stop(&e);
}

static void test_iccid_already_present(void **state)
{
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    memset(&f, 0, sizeof(f));
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    download(&e, &f, &o);
    assert_true(o.have_result);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 9);   /* installFailedDueToIccidAlreadyExistsOnEuicc */
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);
}

/* A power cut after each APDU of the download: after the reset (and after a reopen from the state
 * directory) the card has either no profile or the whole new one, and a new download works or the
 * profile is there. */
static void test_power_loss_after_each_apdu(void **state)
{
    struct faults f;
    uint32_t n;
    int completed = 0, cut_before = 0, cut_after = 0;
    (void)state;
    memset(&f, 0, sizeof(f));
    for (n = 1; !completed && n < 400; n++) {
        struct env e;
        struct outcome o;
        uint8_t iccid[10];
        int installed;
        env_start(&e, "nist");
        assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
        sgp32_softeuicc_power_loss_after(e.card, n);
        download(&e, &f, &o);
        if (o.status == SGP32_OK) {
            completed = 1; /* n is past the last APDU */
            assert_true(o.have_result && o.result.success);
            sgp32_softeuicc_power_loss_after(e.card, 0);
        } else {
            assert_false(sgp32_softeuicc_powered(e.card));
        }
        env_restart(&e, 0);
        installed = card_has_profile(&e, iccid);
        if (!completed) {
            cut_before += !installed;
            cut_after += installed; /* the last APDU took effect, its answer (the PIR) was lost */
        }
        env_restart(&e, 1);
        assert_int_equal(card_has_profile(&e, iccid), installed);
        if (!installed) { /* the card is usable: the download runs to completion now */
            download(&e, &f, &o);
            assert_int_equal(o.status, SGP32_OK);
            assert_true(o.have_result && o.result.success);
            assert_true(card_has_profile(&e, iccid));
        }
        env_stop(&e);
    }
    assert_true(completed);
    /* every APDU before the last one cut the download off; only the last one installed */
    assert_true(cut_before > 20);
    assert_int_equal(cut_after, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_nist),
        cmocka_unit_test(test_download_brainpool),
        cmocka_unit_test(test_download_consumer_card),
        cmocka_unit_test(test_download_replace_session_keys_small_segments),
        cmocka_unit_test(test_download_double_wrapped_segments),
        cmocka_unit_test(test_bad_server_signature),
        cmocka_unit_test(test_wrong_challenge),
        cmocka_unit_test(test_wrong_transaction_id),
        cmocka_unit_test(test_bad_mac_in_profile_segment),
        cmocka_unit_test(test_segments_out_of_order),
        cmocka_unit_test(test_untrusted_ci),
        cmocka_unit_test(test_iccid_already_present),
        cmocka_unit_test(test_bad_smdp_signature2),
        cmocka_unit_test(test_bad_initialise_secure_channel_signature),
        cmocka_unit_test(test_metadata_refused),
        cmocka_unit_test(test_failed_state_write_at_install),
        cmocka_unit_test(test_confirmation_code),
        cmocka_unit_test(test_cancel_session_and_tampered_result),
        cmocka_unit_test(test_tampered_installation_result_refused),
        cmocka_unit_test(test_power_loss_after_each_apdu),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
