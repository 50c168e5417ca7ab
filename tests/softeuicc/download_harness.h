/* SPDX-License-Identifier: MIT */
/* Test harness of test_softeuicc_download: a test PKI generated at run time, a software eUICC of it
 * with its CI trust file, the SM-DP+ side (smdp_core) and a whole download run through lib/es10,
 * segment by segment, with optional faults. */
#ifndef SOFTEUICC_DOWNLOAD_HARNESS_H
#define SOFTEUICC_DOWNLOAD_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/es10.h"
#include "sgp32/softeuicc.h"
#include "smdp_core.h"

#define PROFILE SGP32_SHARED_DIR "/profiles/TS48V2-SAIP2-1-BERTLV-UNIQUE.der"
#define SMDP_ADDRESS "smdp.libsgp32.test"
#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE"
#define MAX_SEGMENTS 256

struct env {
    char dir[64];                                  /* "" for a card on a caller's storage */
    const struct sgp32_softeuicc_storage *storage; /* NULL: the directory */
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
    const char *cc_code;         /* the SM-DP+ requires this confirmation code */
    const char *cc_typed;        /* the code the IPA hashes into hashCc (NULL: no hashCc) */
    int omit_matching_id;        /* no matchingId in ctxParams1 (default SM-DP+ case) */
    const char *ipa_matching_id; /* the IPA sends this one instead (the SM-DP+ expects MATCHING_ID) */
    int tamper_result;           /* flip a bit of the ProfileInstallationResult before the SM-DP+ checks it */
    size_t truncate_segment;     /* 1-based index of a BPP segment sent one byte short (0: none) */
    int bad_smdp_signature2;
    const uint8_t *metadata; /* StoreMetadataRequest to bind instead of the UPP's */
    size_t metadata_len;
    int reset_after_authenticate; /* card reset (and ES10 reconnect) between AuthenticateServer and
                                     PrepareDownload: the session must be gone */
    int check_stored_result;      /* after the result: RetrieveNotificationsList must hold it (SGP.22 5.7.10) */
};

/* What a run produced. */
struct outcome {
    enum sgp32_status status;        /* SGP32_OK when every command got an answer */
    long authenticate_error;         /* AuthenticateServer error code, 0 if none */
    long prepare_error;              /* PrepareDownload error code */
    int have_result;                 /* a ProfileInstallationResult came back */
    enum sgp32_status result_status; /* smdp_verify_installation_result() */
    enum sgp32_status bpp_status;    /* smdp_get_bound_profile_package() */
    enum sgp32_status client_status; /* smdp_authenticate_client() */
    struct smdp_installation_result result;
    /* check_stored_result: the profileInstallationResult notifications RetrieveNotificationsList gave */
    int stored_count;                /* how many */
    int stored_same;                 /* the last one is byte for byte the result LoadBoundProfilePackage gave */
    enum sgp32_status stored_status; /* smdp_verify_installation_result() of the last one */
    struct smdp_installation_result stored;
    long stored_seq; /* its seqNumber */
};

/* cmocka group setup / teardown: the PKI (both curves) in a temporary directory. */
int download_pki_create(void **state);
int download_pki_remove(void **state);
struct smdp_blob read_pki(const char *curve, const char *file);
/* (Re)creates the SM-DP+ side with the curve set's credentials. */
void new_smdp(struct env *e, const char *curve);
/* A fresh card of the curve set (IoT mode with env_start), connected through lib/es10. */
void env_start_mode(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode);
void env_start(struct env *e, const char *curve);
/* The same with a Rules Authorisation Table (identity.rat, DER; NULL: the empty table). */
void env_start_rat(struct env *e, const char *curve, enum sgp32_softeuicc_mode mode, const uint8_t *rat,
                   size_t rat_len);
/* A fresh IoT card of the curve set on a caller's storage (its CI certificate through
 * identity.ci_certificate_files, so into that storage too); storage must outlive e. */
void env_start_storage(struct env *e, const char *curve, const struct sgp32_softeuicc_storage *storage);
void env_stop(struct env *e);
/* Power cycle (reopen 0) or reopen from the state directory or storage (1), then a new ES10 session. */
void env_restart(struct env *e, int reopen);
enum sgp32_status transceive(struct env *e, const uint8_t *request, size_t len, uint8_t **response,
                             size_t *response_len);
long session_error_code(const uint8_t *answer, size_t len);
void assert_der_of(const char *name, const uint8_t *data, size_t len);
void download(struct env *e, const struct faults *f, struct outcome *o);
int card_has_profile(struct env *e, const uint8_t iccid[10]);

#endif
