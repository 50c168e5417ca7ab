/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the sgp32-eim tests: a test PKI, one sgp32-eim on a fresh database, the software
 * eUICC with the eIM installed by AddInitialEim (GET /api/eim) and registered (POST /api/devices), and
 * the operator's and the IPA's calls the tests are made of.
 */
#ifndef SGP32_TESTS_EIM_TEST_WORLD_H
#define SGP32_TESTS_EIM_TEST_WORLD_H

#include "eim_test_env.h"

#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE" /* <shared>/profiles/<matchingId>.der */

struct world {
    struct server_process eim;
    struct server_process smdp; /* sgp32-smdp, started by eim_world_setup_with_smdp */
    struct card_env card;
    char db[64];
    char orders_path[96];
};

extern struct world world;

/* cmocka group setup / teardown. */
int eim_world_setup(void **state);
int eim_world_teardown(void **state);
/* The same, with sgp32-smdp (world.smdp) on the world's PKI and the shared profiles. */
int eim_world_setup_with_smdp(void **state);
int eim_world_teardown_with_smdp(void **state);
/* (Re)starts sgp32-eim on the world's database (a restart on the port it had). Built with EIM_TEST_JSON,
 * the world speaks the ESipa JSON binding (env_esipa_json). */
void eim_start(void);

const char *json_string(const cJSON *json, const char *name);
long json_number(const cJSON *json, const char *name);
/* POST an order for the card: its id. */
long post_order(const char *order);
/* A download order at world.smdp (matching_id for the shared profile MATCHING_ID with iccid), then the
 * eIM's download order for the card with its activation code: the eIM order's id. */
long post_download_order(const char *matching_id, const char *iccid);
/* GET /api/orders/<id> (free with cJSON_Delete). */
cJSON *get_order(long id);
/* ESipa GetEimPackage for an EID: the answer (BF4F ...), malloc'd. */
uint8_t *get_eim_package(const uint8_t eid[16], size_t *len);
/* ESipa ProvideEimPackageResult { 5A eid, result }: the eIM's answer (BF50 ...), malloc'd. */
uint8_t *provide_result(const uint8_t *result, size_t result_len, size_t *len);
/* The next order's EuiccPackageRequest as the IPA gets it, run on the card: the EuiccPackageResult. */
uint8_t *fetch_and_load(size_t *result_len);
/* fetch_and_load, then its result provided: asserts the eIM acknowledged it (eimAcknowledgements BF53). */
void run_next_package(void);
/* 1 when needle occurs in haystack. */
int contains(const uint8_t *haystack, size_t len, const char *needle);

#endif
