/* SPDX-License-Identifier: MIT */
/*
 * Shared by the profile download tests (test_ipa_download.c direct and SM-DS, _indirect.c, _restart.c):
 * the fixture as they use it (short backoff and timeouts; the eIM's relay with the ASN.1 module's
 * tags), a run that goes on past failed downloads, the card's profiles and notifications, the
 * outcome checks, a Failed ES9+ answer and an in-process SM-DS (the test SM-DS's own ES11 functions,
 * examples/servers/smds/smds_es11.c) with one event record.
 */
#ifndef SGP32_TESTS_IPA_DOWNLOAD_COMMON_H
#define SGP32_TESTS_IPA_DOWNLOAD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "ipa_fixture.h"

#define SMDP_PREFIX "/gsma/rsp2/es9plus/"
#define PROFILE "TS48V1-A-UNIQUE"
#define AC "1$" IPA_FIXTURE_SMDP_ADDRESS "$" PROFILE

/* 1 when needle[0..n) occurs in data[0..len). */
int dl_contains(const uint8_t *data, size_t len, const void *needle, size_t n);
/* The harness's eIM relay with the ok / error alternatives tagged as the ASN.1 module says. */
void dl_tagged_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);
/* A fixture (fails the test if it cannot be made) with the tagged relay, 1 s backoff, 3 attempts,
 * 2 s HTTP timeout; free with ipa_fixture_free(). */
struct ipa_fixture *dl_setup(const struct ipa_fixture_options *options);
/* Polls until the IPA is idle (FAILED polls do not stop it). */
void dl_run(struct ipa_fixture *f);
const struct sgp32_ipa_event *dl_done(const struct ipa_fixture *f);
int dl_profile_listed(struct ipa_fixture *f, const uint8_t iccid[10]);
size_t dl_profile_count(struct ipa_fixture *f);
/* ProvideEimPackageResults with a ProfileDownloadTriggerResult the eIM received. */
size_t dl_trigger_results(const struct ipa_fixture *f);
size_t dl_smdp_calls(struct ipa_fixture *f, const char *function);
/* A direct download installed: the profile listed, its result delivered once and removed, no record. */
void dl_expect_installed(struct ipa_fixture *f);
/* A direct download failed with status (and detail in its detail): no profile, `cancels` cancelSession
 * calls at the SM-DP+, no notification delivered, no record. */
void dl_expect_failed(struct ipa_fixture *f, enum sgp32_status status, const char *detail, size_t cancels);

/* The ES9+ failure answer of `function` ("getBoundProfilePackage") with these codes. */
enum sgp32_status ipa_es9_failed_answer(const char *function, const char *subject, const char *reason,
                                        struct ipa_http_reply *reply);

/* Rewrites an initiateAuthentication answer with one bit of serverSignature1 flipped. */
enum sgp32_status ipa_es9_forge_signature1(struct ipa_http_reply *reply);

struct ipa_smds;
/* An SM-DS at "lpa.ds.gsma.com" (the software eUICC's root SM-DS) routed at /gsma/rsp2/es11/, with
 * one event for the fixture's EID: event_id at the fixture's SM-DP+. */
enum sgp32_status ipa_smds_new(struct ipa_fixture *f, const char *event_id, struct ipa_smds **smds);
void ipa_smds_free(struct ipa_smds *smds);
size_t ipa_smds_calls(const struct ipa_smds *smds, const char *function);

#endif
