/* SPDX-License-Identifier: MIT */
/*
 * Extras of test_ipa_download.c: a Failed ES9+ answer, and an in-process SM-DS (the test SM-DS's own
 * ES11 functions, examples/servers/smds/smds_es11.c) with one event record.
 */
#ifndef SGP32_TESTS_IPA_DOWNLOAD_SMDS_H
#define SGP32_TESTS_IPA_DOWNLOAD_SMDS_H

#include <stddef.h>

#include "ipa_fixture.h"

/* The ES9+ failure answer of `function` ("getBoundProfilePackage") with these codes. */
enum sgp32_status ipa_es9_failed_answer(const char *function, const char *subject, const char *reason,
                                        struct ipa_http_reply *reply);

struct ipa_smds;
/* An SM-DS at "lpa.ds.gsma.com" (the software eUICC's root SM-DS) routed at /gsma/rsp2/es11/, with
 * one event for the fixture's EID: event_id at the fixture's SM-DP+. */
enum sgp32_status ipa_smds_new(struct ipa_fixture *f, const char *event_id, struct ipa_smds **smds);
void ipa_smds_free(struct ipa_smds *smds);
size_t ipa_smds_calls(const struct ipa_smds *smds, const char *function);

#endif
