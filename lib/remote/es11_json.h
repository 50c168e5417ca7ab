/* SPDX-License-Identifier: MIT */
/*
 * ES11 JSON binding (SGP.22 v2.5 section 6.6; IPA <-> SM-DS, event retrieval): POST
 * https://<smds>/gsma/rsp2/es11/<function>, same headers, header object and failure form as ES9+
 * (es9plus_json.h). initiateAuthentication is ES9+'s with smdsAddress instead of smdpAddress;
 * authenticateClient answers the event records: "eventEntries", an array of objects
 * {"eventId", "rspServerAddress"} (member names of EventEntries in asn1/RSPDefinitions.asn,
 * AuthenticateClientOkEs11). Internal header; docs/remote.md.
 */
#ifndef SGP32_REMOTE_ES11_JSON_H
#define SGP32_REMOTE_ES11_JSON_H

#include "remote/es9plus_json.h"

#define SGP32_ES11_PATH_PREFIX "/gsma/rsp2/es11/"
/* Most event records accepted in one answer. */
#define SGP32_ES11_MAX_EVENTS 64u

enum sgp32_es11_function { SGP32_ES11_INITIATE_AUTHENTICATION = 1, SGP32_ES11_AUTHENTICATE_CLIENT = 2 };

struct sgp32_es11_initiate_authentication_request {
    struct sgp32_bytes euicc_challenge; /* euiccChallenge: base64 of the 16 octets */
    struct sgp32_bytes euicc_info1;     /* euiccInfo1: base64 TLV BF20 */
    struct sgp32_bytes smds_address;    /* smdsAddress: text */
};
struct sgp32_es11_authenticate_client_request {
    struct sgp32_bytes transaction_id;               /* transactionId: hex */
    struct sgp32_bytes authenticate_server_response; /* authenticateServerResponse: base64 TLV BF38 */
};
struct sgp32_es11_event_entry {
    struct sgp32_bytes event_id;           /* eventId: text (the matching id for the SM-DP+) */
    struct sgp32_bytes rsp_server_address; /* rspServerAddress: text (SM-DP+ or alternative SM-DS) */
};
struct sgp32_es11_authenticate_client_response {
    struct sgp32_bytes transaction_id; /* transactionId: hex */
    const struct sgp32_es11_event_entry *event_entries;
    size_t event_entry_count; /* may be 0: no event for this eUICC */
};

union sgp32_es11_request {
    struct sgp32_es11_initiate_authentication_request initiate_authentication;
    struct sgp32_es11_authenticate_client_request authenticate_client;
};
union sgp32_es11_response {
    struct sgp32_es9plus_initiate_authentication_response initiate_authentication; /* as ES9+ */
    struct sgp32_es11_authenticate_client_response authenticate_client;
};

const char *sgp32_es11_function_name(enum sgp32_es11_function function);

/* Same contracts as the sgp32_es9plus_* functions. */
enum sgp32_status sgp32_es11_build_request(const struct sgp32_remote_endpoint *endpoint,
                                           enum sgp32_es11_function function, const union sgp32_es11_request *request,
                                           struct sgp32_remote_request *out);
enum sgp32_status sgp32_es11_parse_response(enum sgp32_es11_function function, const struct sgp32_remote_answer *answer,
                                            union sgp32_es11_response *response, void **storage,
                                            struct sgp32_remote_result *result);
enum sgp32_status sgp32_es11_parse_request(const struct sgp32_remote_incoming *incoming,
                                           enum sgp32_es11_function *function, union sgp32_es11_request *request,
                                           void **storage, struct sgp32_remote_result *result);
enum sgp32_status sgp32_es11_build_response(enum sgp32_es11_function function,
                                            const union sgp32_es11_response *response,
                                            const struct sgp32_remote_result *failure,
                                            struct sgp32_remote_response *out);

#endif /* SGP32_REMOTE_ES11_JSON_H */
