/* SPDX-License-Identifier: MIT */
/*
 * Environment of test_eim_server: a test PKI (nist) made at run time by sgp32-test-pki, server
 * processes (sgp32-eim, sgp32-smdp) on free ports stopped by PID, a software eUICC of the PKI's
 * identity behind lib/es10, and the client side: ESipa (lib/remote's ASN.1 binding) and the REST API
 * (JSON) over the libcurl backend, TLS verified against the PKI's TLS root.
 */
#ifndef SGP32_TESTS_EIM_TEST_ENV_H
#define SGP32_TESTS_EIM_TEST_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sgp32/es10.h"
#include "sgp32/softeuicc.h"
#include "server_process.h"
#include "test_card.h"

/* The PKI in a temporary directory (0 on success); path of a file of its nist set. */
int env_pki_create(void);
void env_pki_remove(void);
void env_pki_path(char *out, size_t cap, const char *file);

/* The card of the PKI's nist set (test_card.h). */
void card_start(struct card_env *env);
/* One raw ES10 command; the answer is malloc'd (sgp32_buffer_free). */
void card_command(struct card_env *env, const uint8_t *request, size_t len, uint8_t **answer, size_t *answer_len);

/* After something else (the IPA core) opened the card's transport: a new ES10 session. */
void card_reconnect(struct card_env *env);

/* The ESipa binding esipa_call() uses: 0 ASN.1 (SGP.32 6.1), 1 JSON (6.2). */
extern int env_esipa_json;

void client_start(void);
void client_stop(void);
/* One ESipa message to the eIM (ASN.1 bytes), over the binding env_esipa_json says: the HTTP status
 * (200 with *answer malloc'd, the EsipaMessageFromEimToIpa as ASN.1 bytes on both bindings; 204 ...),
 * or -1. */
int esipa_call(const struct server_process *eim, const uint8_t *message, size_t len, uint8_t **answer,
               size_t *answer_len);
/* A raw HTTPS request: the HTTP status (-1: no answer); *body (if not NULL) the malloc'd, NUL-terminated
 * answer. */
int https_call(const struct server_process *server, const char *method, const char *path, const char *content_type,
               const char *admin_protocol, const uint8_t *body, size_t body_len, char **answer, size_t *answer_len);
/* A REST call with a JSON body (or NULL): the HTTP status; *json the parsed answer (NULL if none). */
int rest_call(const struct server_process *eim, const char *method, const char *path, const char *body, cJSON **json);

/* DER helpers: tag L value appended to out (at most cap), the new length. */
size_t der_append(uint8_t *out, size_t at, size_t cap, uint32_t tag, const uint8_t *value, size_t len);
/* The child of a constructed element with `tag` (0: the first), its whole element; NULL if none. */
const uint8_t *der_child(const uint8_t *der, size_t len, uint32_t tag, size_t *child_len);
const uint8_t *der_value(const uint8_t *element, size_t len, size_t *value_len);
/* The associationToken of an AddInitialEimResponse BF57 { A0 { 84 associationToken } } (one byte). */
uint8_t association_token_of(const uint8_t *answer, size_t len);

#endif
