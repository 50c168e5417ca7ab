/* SPDX-License-Identifier: MIT */
/*
 * Extras of test_ipa_download.c: the eIM's side of an indirect download (the ESipa download messages
 * the scripted eIM does not answer itself, relayed to the in-process SM-DP+ as ES9+ and the answers
 * wrapped back as SGP.32 6.3.2.x alternatives), a Failed ES9+ answer, and an in-process SM-DS (the
 * test SM-DS's own ES11 functions, examples/servers/smds/smds_es11.c) with one event record.
 */
#ifndef SGP32_TESTS_IPA_DOWNLOAD_RELAY_H
#define SGP32_TESTS_IPA_DOWNLOAD_RELAY_H

#include <stddef.h>

#include "ipa_fixture.h"

struct ipa_relay;

/* Makes the fixture's eIM relay InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage
 * and CancelSession (ESipa ASN.1) to the fixture's SM-DP+. */
enum sgp32_status ipa_relay_new(struct ipa_fixture *f, struct ipa_relay **relay);
void ipa_relay_free(struct ipa_relay *relay);
/* ProvideEimPackageResults with a ProfileDownloadTriggerResult the eIM received. */
size_t ipa_relay_trigger_results(const struct ipa_fixture *f);

/* The ES9+ failure answer of `function` ("getBoundProfilePackage") with these codes. */
enum sgp32_status ipa_relay_failed_answer(const char *function, const char *subject, const char *reason,
                                          struct ipa_http_reply *reply);

struct ipa_smds;
/* An SM-DS at "lpa.ds.gsma.com" (the software eUICC's root SM-DS) routed at /gsma/rsp2/es11/, with
 * one event for the fixture's EID: event_id at the fixture's SM-DP+. */
enum sgp32_status ipa_smds_new(struct ipa_fixture *f, const char *event_id, struct ipa_smds **smds);
void ipa_smds_free(struct ipa_smds *smds);
size_t ipa_smds_calls(const struct ipa_smds *smds, const char *function);

#endif
