/* SPDX-License-Identifier: MIT */
/*
 * IoT emulation on SGP.22 consumer eUICCs (docs/ipa.md "IoT emulation on SGP.22 eUICCs"). When the
 * eUICC answers GetEimConfigurationData as an unknown command, the IPA keeps the eIM configuration
 * itself (record "ipa.emulation"), verifies eIM signatures, eidValue and counterValue, runs PSMOs
 * through ES10c and eCOs on its own record. The IPA has no eUICC key: results carry an EMPTY
 * euiccSignEPR (never a fake signature), refusals are euiccPackageErrorUnsigned. Internal.
 */
#ifndef SGP32_LIB_IPA_EMULATION_H
#define SGP32_LIB_IPA_EMULATION_H

#include "ipa/ipa_internal.h"

#define IPA_RECORD_EMULATION "ipa.emulation"
#define IPA_EMULATION_MAX_EIMS 8u
/* The seqNumbers of emulated results: a range of their own, above what an SGP.22 card numbers its
 * notifications with, so that the eIM's acknowledgement of a result never removes a notification. */
#define IPA_EMULATION_SEQ_BASE 0x40000000L
#define IPA_EMULATION_COUNTER_MAX 0x7FFFFFFFL

/* The emulation record in memory. */
struct ipa_emulation {
    long next_seq;   /* seqNumber of the next result */
    long next_token; /* associationToken the next eIM gets */
    size_t eim_count;
    struct ipa_blob eims[IPA_EMULATION_MAX_EIMS]; /* DER EimConfigurationData (counterValue kept current) */
    int has_pending;                              /* a package's counter is stored, its execution not done */
    char pending_eim_id[129];
    long pending_counter;
    struct ipa_blob last_result; /* the last EuiccPackageResult built (BF51), for a restart */
};

/* 1 (and the IPA switches to emulation) when `status`, from an SGP.32 ES10 command, is the card's
 * refusal of an unknown command (SW 6A88, 6A80 or 6D00): an SGP.22 eUICC. Else 0. */
int ipa_emulation_detect(struct sgp32_ipa *ipa, enum sgp32_status status);
/* ipa_card_read_eim() in emulation: eimId / eimFqdn from the record (SGP32_ERR_NOT_FOUND: none). */
enum sgp32_status ipa_emulation_read_eim(struct sgp32_ipa *ipa);
/* AddInitialEim (SGP.32 5.9.4) done by the IPA: *answer (sgp32_buffer_free) is the AddInitialEimResponse;
 * SGP32_ERR_EUICC_RESULT for addInitialEimError, as sgp32_es10_add_initial_eim(). */
enum sgp32_status ipa_emulation_add_initial_eim(struct sgp32_ipa *ipa, const uint8_t *request, size_t len,
                                                uint8_t **answer, size_t *answer_len);
/* Executes job.request (an EuiccPackageRequest) in emulation: the EuiccPackageResult into *result. */
enum sgp32_status ipa_emulation_execute(struct sgp32_ipa *ipa, struct ipa_blob *result);

/* ---- Record (ipa_emulation.c) ---- */
enum sgp32_status ipa_emulation_load(struct sgp32_ipa *ipa, struct ipa_emulation *emulation);
enum sgp32_status ipa_emulation_save(struct sgp32_ipa *ipa, const struct ipa_emulation *emulation);
void ipa_emulation_release(struct ipa_emulation *emulation);
/* Index of the eIM with this eimId, -1 if none. */
int ipa_emulation_find(const struct ipa_emulation *emulation, const uint8_t *eim_id, size_t eim_id_len);

/* ---- Operations (ipa_emulation_ops.c) ---- */
struct EuiccPackage;
struct sgp32_der_writer;
/* Runs the PSMOs (ES10c) or eCOs (the record) of `package` in order, appending one EuiccResultData
 * element each to `items`. A card failure stops the package with processingTerminated interruption. */
enum sgp32_status ipa_emulation_run(struct sgp32_ipa *ipa, struct EuiccPackage *package,
                                    struct ipa_emulation *emulation, struct sgp32_der_writer *items);

#endif /* SGP32_LIB_IPA_EMULATION_H */
