/* SPDX-License-Identifier: MIT */
/*
 * The IPA test fixture: a test PKI (examples/pki/sgp32-test-pki), a software eUICC in a temp dir with
 * that identity and CI trust, the scripted eIM configured on it with AddInitialEim (lib/es10 +
 * eim_core, eimFqdn "127.0.0.1:8000" by default), the in-process SM-DP+, the scripted HTTP peer
 * routing /gsma/rsp2/asn1 to the eIM and /gsma/rsp2/es9plus/ to the SM-DP+, and a filled struct
 * sgp32_platform (apdu = the card, http = the peer, storage / clock / log / random / events = host).
 *
 *   struct ipa_fixture f;
 *   assert_int_equal(ipa_fixture_setup(&f, NULL), SGP32_OK);
 *   ipa_eim_queue_package(f.eim, ...);
 *   assert_int_equal(ipa_fixture_ipa_new(&f), SGP32_OK);       (ipa_fixture_ipa.c: needs lib/ipa)
 *   ipa_fixture_run(&f, 100, &result);
 *   ipa_fixture_restart(&f);                                    same storage and card, new IPA
 *   ipa_fixture_teardown(&f);                                   frees all, removes the temp dir
 */
#ifndef SGP32_TESTS_IPA_FIXTURE_H
#define SGP32_TESTS_IPA_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ipa_eim.h"
#include "ipa_host.h"
#include "ipa_http_peer.h"
#include "sgp32/es10.h"
#include "sgp32/ipa.h"
#include "sgp32/softeuicc.h"
#ifdef IPA_TEST_HAVE_SMDP
#include "ipa_smdp.h"
#endif

/* Zero-initialise; every field is optional. */
struct ipa_fixture_options {
    const char *pki_dir;            /* a curve directory of sgp32-test-pki; NULL: ipa_shared_pki(curve) */
    const char *curve;              /* "nist" (default) or "brainpool", for the shared PKI */
    const char *eim_id;             /* default IPA_FIXTURE_EIM_ID */
    const char *eim_fqdn;           /* the eimFqdn configured on the eUICC; default IPA_FIXTURE_EIM_FQDN */
    int no_initial_eim;             /* 1: no AddInitialEim (the eIM object exists, the card does not know it) */
    int no_association_token;       /* 1: AddInitialEim without associationToken */
    const char *smdp_address;       /* default IPA_FIXTURE_SMDP_ADDRESS */
    const char *confirmation_code;  /* the SM-DP+ requires it (NULL: none) */
    const char *default_dp_address; /* the eUICC's default SM-DP+ address (NULL: none) */
    const struct sgp32_softeuicc_options *card_options; /* NULL: IoT mode; random is always seeded */
    uint64_t seed;                                      /* all randomness (IPA, eIM, card); 0: a fixed default */
};

#define IPA_FIXTURE_EIM_ID "eim.test"
#define IPA_FIXTURE_EIM_FQDN "127.0.0.1:8000"
#define IPA_FIXTURE_SMDP_ADDRESS "127.0.0.1"

struct ipa_fixture {
    char dir[64];      /* the temp dir (removed by teardown) */
    char card_dir[96]; /* dir/card */
    char pki_dir[512]; /* the curve directory in use */
    char eim_id[65];
    char eim_fqdn[128];
    char smdp_address[128];
    uint8_t eid[16];
    uint8_t *euicc_certificate; /* DER */
    size_t euicc_certificate_len;
    int has_association_token;
    long association_token;
    uint64_t card_random_state;
    struct sgp32_softeuicc_options card_options;
    struct sgp32_softeuicc *card;
    struct ipa_host host;
    struct ipa_http_peer *http;
    struct ipa_eim *eim;
    void *smdp; /* struct ipa_smdp * when built with IPA_TEST_HAVE_SMDP, else NULL */
    struct sgp32_platform platform;
    struct sgp32_ipa_config config; /* eim_id set; the rest default (the test may change it) */
    struct sgp32_ipa *ipa;          /* NULL until ipa_fixture_ipa_new() */
    /* sgp32_ipa_free, set by ipa_fixture_ipa_new(): the fixture's other files do not reference lib/ipa,
     * so the harness links without it. */
    void (*ipa_free)(struct sgp32_ipa *ipa);
};

/* A test PKI made once per process (removed at exit): the curve directory's path, NULL on failure. */
const char *ipa_shared_pki(const char *curve);
/* Makes a PKI in out_dir (curve "nist", "brainpool" or "both"): 0 or -1. */
int ipa_pki_create(const char *out_dir, const char *curve);
/* A whole file (malloc'd): 0 or -1. */
int ipa_read_file(const char *path, uint8_t **data, size_t *len);

/* Builds everything (SGP32_OK), or fails with the reason on stderr (then tear down anyway). */
enum sgp32_status ipa_fixture_setup(struct ipa_fixture *f, const struct ipa_fixture_options *options);
/* Frees the IPA (if any) and everything else, removes the temp dir. */
void ipa_fixture_teardown(struct ipa_fixture *f);
/* A fixture on the heap, set up (NULL if that failed: the reason is on stderr, all is freed). */
struct ipa_fixture *ipa_fixture_new(const struct ipa_fixture_options *options);
/* ipa_fixture_teardown() and free() of a fixture from ipa_fixture_new(); NULL: nothing. */
void ipa_fixture_free(struct ipa_fixture *f);

/* An ES10 session on the card on its own logical channel (the card must be powered: after setup or
 * an IPA poll), for setup and inspection between polls. Free it with sgp32_es10_free(). */
enum sgp32_status ipa_fixture_es10(struct ipa_fixture *f, struct sgp32_es10 **session);
/* The eIM's EimConfigurationData for this fixture (SGP.32 AddInitialEim / addEim): eim_id (NULL: f->eim_id),
 * f->eim_fqdn, the eIM's signing key (eim/sign.pub.der), counterValue 0 and, with association_token,
 * an associationToken asked for; initial: as an AddInitialEimRequest (BF57), else the
 * EimConfigurationData alone (for an addEim eCO). SGP32_ERR_NOT_FOUND: no key file. */
enum sgp32_status ipa_fixture_eim_configuration(struct ipa_fixture *f, const char *eim_id, int association_token,
                                                int initial, struct sgp32_eim_buffer *out);
/* A path inside the PKI directory ("eim/sign.key.pem"). */
void ipa_fixture_pki_path(const struct ipa_fixture *f, const char *file, char *out, size_t cap);

/* ---- Card set-up and inspection (ipa_fixture_card.c) ---- */

/* Preloads an operational profile on the card (sgp32_softeuicc_preload_profile): `iccid`, ISD-P AID
 * ending in `aid_last`; attribute 0 (none), 0x9F26 (fallbackAttribute) or 0x9F7B (ecallIndication);
 * notify_address not NULL: notificationConfigurationInfo with every event to that address (e.g.
 * IPA_FIXTURE_EIM_FQDN, so the card makes notifications for the eIM). */
enum sgp32_status ipa_fixture_preload(struct ipa_fixture *f, const uint8_t iccid[10], uint8_t aid_last,
                                      uint32_t attribute, const char *notify_address);
/* The state of profile `iccid` through GetProfilesInfo: 1 enabled, 0 disabled, -1 absent, -2 the ES10
 * call failed. */
int ipa_fixture_profile_state(struct ipa_fixture *f, const uint8_t iccid[10]);
/* What is still on the card (RetrieveNotificationsList): the pending notifications and, with results
 * not NULL, the eUICC package results (an SGP.22 card has none to ask for: pass NULL). */
enum sgp32_status ipa_fixture_card_leftovers(struct ipa_fixture *f, size_t *notifications, size_t *results);
/* Pending notifications by ES10b.ListNotification (its BF2F entries); (size_t)-1 if the call failed. */
size_t ipa_fixture_pending_notifications(struct ipa_fixture *f);

/* ---- With lib/ipa (ipa_fixture_ipa.c) ---- */

/* sgp32_ipa_new(&f->config, &f->platform, &f->ipa). */
enum sgp32_status ipa_fixture_ipa_new(struct ipa_fixture *f);
/* A device restart: frees the IPA (what is in flight is cancelled, storage and card stay), then a
 * new IPA on the same platform. With `storage` not NULL the host's storage is first replaced by it
 * (e.g. ipa_storage_replay(f->host.storage, k): the state as of save call k). */
enum sgp32_status ipa_fixture_restart(struct ipa_fixture *f, struct ipa_storage *storage);
/* Polls until the IPA is idle (sgp32_ipa_is_idle after an IDLE poll) or a poll reports FAILED, at
 * most max_polls times, advancing the fake clock by each poll's wait_ms (capped at max_step_ms,
 * 0: no cap) between polls. The last poll's result in *last (may be NULL). Returns the number of
 * polls made, or -1 if max_polls was reached without the IPA becoming idle. */
long ipa_fixture_run(struct ipa_fixture *f, long max_polls, uint32_t max_step_ms, struct sgp32_ipa_poll_result *last);
/* ipa_fixture_run(), and when the IPA did not become idle: the last poll's state and the whole log on
 * stderr (to see why). */
long ipa_fixture_run_logged(struct ipa_fixture *f, long max_polls, uint32_t max_step_ms,
                            struct sgp32_ipa_poll_result *last);

#endif
