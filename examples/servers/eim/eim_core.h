/* SPDX-License-Identifier: MIT */
/*
 * The eIM side of SGP.32 eUICC Packages, as a library for the test eIM server and for tests: builds
 * PSMOs and eCOs (SGP.32 2.11.1.1.2 / 2.11.1.1.3), assembles and signs an EuiccPackageRequest (BF51)
 * with the eIM key, and checks the eUICC's EuiccPackageResult (2.11.2.1): its eUICC signature, the
 * echo of eimId / counterValue / eimTransactionId and a growing sequence number.
 *
 * Signature inputs (SGP.32 v1.2 2.11.1.1 and 2.11.2.1, v1.1 onwards; v1.0 used eimSignature instead of
 * the association token on the result side):
 *   eimSignature             = ECDSA-SHA256(eIM key,   DER(EuiccPackageSigned)          || 84 L token)
 *   euiccSignEPR / EPE       = ECDSA-SHA256(eUICC key, DER(EuiccPackage{Result|Error}DataSigned) || 84 L token)
 * where "84 L token" is the associationToken [4] INTEGER of the eIM's configuration as encoded in
 * DER, left out when the eIM was configured without one. Signatures are 64-byte r||s.
 *
 * Needs the crypto layer (SGP32_HAVE_CRYPTO). Every function returns an enum sgp32_status; buffers
 * handed out are malloc'd and released with sgp32_eim_buffer_free().
 */
#ifndef SGP32_EXAMPLES_EIM_CORE_H
#define SGP32_EXAMPLES_EIM_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ec.h"
#include "crypto/rng.h"
#include "sgp32/status.h"

struct sgp32_eim_buffer {
    uint8_t *data;
    size_t len;
};

void sgp32_eim_buffer_free(struct sgp32_eim_buffer *buffer);

/* ---- PSMOs: each fills `out` with the DER of one Psmo (SGP.32 2.11.1.1.3). */
enum sgp32_status sgp32_eim_psmo_enable(const uint8_t iccid[10], int rollback_flag, struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_disable(const uint8_t iccid[10], struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_delete(const uint8_t iccid[10], struct sgp32_eim_buffer *out);
/* request_der: a ProfileInfoListRequest (BF2D ...), or NULL for all profiles with all fields. */
enum sgp32_status sgp32_eim_psmo_list_profile_info(const uint8_t *request_der, size_t request_len,
                                                   struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_get_rat(struct sgp32_eim_buffer *out);
/* smdp_oid: the content octets of an OBJECT IDENTIFIER (NULL: absent); smdp_address NULL: absent. */
enum sgp32_status sgp32_eim_psmo_configure_immediate_enable(int immediate_enable_flag, const uint8_t *smdp_oid,
                                                            size_t smdp_oid_len, const char *smdp_address,
                                                            struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_set_fallback_attribute(const uint8_t iccid[10], struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_unset_fallback_attribute(struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_psmo_set_default_dp_address(const char *address, struct sgp32_eim_buffer *out);

/* ---- eIM configuration data (2.11.1.1.1), for AddInitialEim and the addEim / updateEim eCOs. */
struct sgp32_eim_configuration {
    const char *eim_id;   /* required */
    const char *eim_fqdn; /* NULL: absent */
    int has_counter_value;
    long counter_value;
    int has_association_token; /* AddInitialEim / addEim: the eUICC assigns the token (send -1) */
    long association_token;
    const uint8_t *public_key_spki; /* eimPublicKey (DER SubjectPublicKeyInfo), or NULL */
    size_t public_key_spki_len;
    const uint8_t *certificate; /* eimCertificate (DER), used when public_key_spki is NULL */
    size_t certificate_len;
};
/* DER EimConfigurationData (30 ...). */
enum sgp32_status sgp32_eim_encode_configuration(const struct sgp32_eim_configuration *config,
                                                 struct sgp32_eim_buffer *out);
/* AddInitialEimRequest (BF57) with one entry. */
enum sgp32_status sgp32_eim_add_initial_eim_request(const struct sgp32_eim_configuration *config,
                                                    struct sgp32_eim_buffer *out);

/* ---- eCOs (2.11.1.1.2): configuration_der is a DER EimConfigurationData. */
enum sgp32_status sgp32_eim_eco_add_eim(const uint8_t *configuration_der, size_t len, struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_eco_update_eim(const uint8_t *configuration_der, size_t len, struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_eco_delete_eim(const char *eim_id, struct sgp32_eim_buffer *out);
enum sgp32_status sgp32_eim_eco_list_eim(struct sgp32_eim_buffer *out);

/* ---- Package request */
struct sgp32_eim_signer {
    const char *eim_id;
    struct sgp32_ec_key *key; /* the eIM's private key */
    struct sgp32_crypto_rng *rng;
    int has_association_token; /* from the eIM's configuration on this eUICC */
    long association_token;
};

enum sgp32_eim_package_kind { SGP32_EIM_PSMO_LIST = 0, SGP32_EIM_ECO_LIST = 1 };

struct sgp32_eim_package {
    uint8_t eid[16];
    long counter_value;
    const uint8_t *transaction_id; /* eimTransactionId, NULL: absent */
    size_t transaction_id_len;
    enum sgp32_eim_package_kind kind;
    const struct sgp32_eim_buffer *items; /* the Psmo or Eco elements, in order */
    size_t item_count;
};

/* SHA-256 of `signed_der || 84 L token` (token left out when has_token is 0). */
enum sgp32_status sgp32_eim_signature_digest(const uint8_t *signed_der, size_t signed_len, int has_token, long token,
                                             uint8_t digest[32]);
/* The signed EuiccPackageRequest (BF51). */
enum sgp32_status sgp32_eim_build_package(const struct sgp32_eim_signer *signer,
                                          const struct sgp32_eim_package *package, struct sgp32_eim_buffer *out);

/* ---- Package result */
enum sgp32_eim_result_kind {
    SGP32_EIM_RESULT_SIGNED = 0, /* euiccPackageResultSigned */
    SGP32_EIM_ERROR_SIGNED = 1,  /* euiccPackageErrorSigned */
    SGP32_EIM_ERROR_UNSIGNED = 2 /* euiccPackageErrorUnsigned */
};

struct sgp32_eim_expected {
    const char *eim_id;
    long counter_value; /* the counterValue of the request */
    const uint8_t *transaction_id;
    size_t transaction_id_len;
    int has_association_token;
    long association_token;
    long last_seq_number; /* the highest result sequence number seen from this eUICC, -1: none */
};

#define SGP32_EIM_MAX_RESULTS 32

struct sgp32_eim_result_item {
    uint32_t tag;  /* the EuiccResultData alternative's tag (0x83 enableResult, 0xBF2D list ...) */
    size_t offset; /* the whole element inside the checked result */
    size_t len;
    long value; /* for INTEGER alternatives (and processingTerminated, tag 0x02) */
    int is_integer;
};

struct sgp32_eim_result {
    enum sgp32_eim_result_kind kind;
    long seq_number;           /* signed result */
    long error_code;           /* signed error: EuiccPackageErrorCode */
    int has_association_token; /* unsigned error */
    long association_token;
    size_t item_count;
    struct sgp32_eim_result_item items[SGP32_EIM_MAX_RESULTS];
};

/*
 * Checks an EuiccPackageResult (BF51) against the request it answers. Signed kinds: the signature
 * with the eUICC certificate's key over the received bytes of the data part (never re-encoded), then
 * eimId, counterValue and eimTransactionId as sent; a signed result's seqNumber must exceed
 * expected->last_seq_number. An unsigned error carries no signature: only eimId and the transaction id
 * are checked. Errors: SGP32_ERR_DECODE (malformed), SGP32_ERR_CRYPTO (signature),
 * SGP32_ERR_PROTOCOL (an echo or the sequence number does not match).
 */
enum sgp32_status sgp32_eim_verify_result(const uint8_t *der, size_t len, const uint8_t *euicc_certificate,
                                          size_t certificate_len, const struct sgp32_eim_expected *expected,
                                          struct sgp32_eim_result *result);

#endif
