/* SPDX-License-Identifier: MIT */
/*
 * The JSON machinery shared by the ES9+ and ES11 bindings (SGP.22 6.5/6.6): a message is described
 * as a table of fields (name, encoding, mandatory, offset of a struct sgp32_bytes in the caller's
 * structure), and one builder and one parser serve every function in both directions.
 *
 * Field encodings (SGP.22 6.5.2 / 6.6.2 field definitions):
 *   BASE64_TLV    base64 of one whole ASN.1 element, tag and length included (euiccInfo1 BF20,
 *                 serverSigned1 30, serverSignature1 5F37, boundProfilePackage BF36 ...). Checked as
 *                 one well-formed TLV with the expected tag; NOT decoded here (the core decodes it
 *                 once, with the right type, or forwards it byte for byte).
 *   BASE64_VALUE  base64 of raw octets (euiccChallenge: the 16 challenge octets, no tag).
 *   HEX           hexadecimal string (transactionId): written upper case, read in either case.
 *   STRING        UTF-8 text (smdpAddress).
 * Received base64 may contain line breaks (SGP32_BASE64_SKIP_WHITESPACE); anything else is strict.
 * Internal header.
 */
#ifndef SGP32_REMOTE_JSON_H
#define SGP32_REMOTE_JSON_H

#include <cJSON.h>

#include "remote/remote.h"

enum sgp32_json_field_kind {
    SGP32_JSON_BASE64_TLV = 1,
    SGP32_JSON_BASE64_VALUE = 2,
    SGP32_JSON_HEX = 3,
    SGP32_JSON_STRING = 4
};

struct sgp32_json_field {
    const char *name;   /* JSON member name */
    unsigned kind;      /* enum sgp32_json_field_kind */
    unsigned mandatory; /* 1: absent is SGP32_ERR_PROTOCOL (parse) / SGP32_ERR_INVALID_ARGUMENT (build) */
    uint32_t tag;       /* BASE64_TLV: expected tag (0: any) */
    uint32_t alt_tag;   /* BASE64_TLV: another accepted tag (0: none) */
    size_t min_len;     /* decoded length bounds (0: none) */
    size_t max_len;
    size_t offset; /* offsetof(struct ..., field) of a struct sgp32_bytes */
};

struct sgp32_json_message_spec {
    const struct sgp32_json_field *fields;
    size_t count;
};

/* Parsed values live in one chain of blocks: free it with sgp32_remote_storage_free(). */
void *sgp32_remote_storage_alloc(void **storage, size_t size);
void sgp32_remote_storage_free(void *storage);

/* Builds the JSON object of a message. With status NULL it is a request (no header); otherwise a
 * response whose header.functionExecutionStatus is built from status (execution_status empty means
 * "Executed-Success"; "Failed" adds statusCodeData from the other fields) and, unless the status is
 * Failed or Expired, the fields from values. */
enum sgp32_status sgp32_remote_json_build(const struct sgp32_json_message_spec *spec, const void *values,
                                          const struct sgp32_remote_result *status, cJSON **root);
/* Prints (unformatted) and deletes root: *body is owned, free with cJSON_free. */
enum sgp32_status sgp32_remote_json_print(cJSON *root, char **body, size_t *body_len);

/* Parses the body (an object, nothing but whitespace after it). SGP32_ERR_DECODE for bad JSON. */
enum sgp32_status sgp32_remote_json_parse_text(const uint8_t *body, size_t len, cJSON **root,
                                               struct sgp32_remote_result *result);
/* Reads header.functionExecutionStatus of a response into result: SGP32_OK for Executed-Success and
 * Executed-WithWarning, SGP32_ERR_SERVER_STATUS for Failed/Expired (statusCodeData kept),
 * SGP32_ERR_PROTOCOL if the header is missing or malformed. */
enum sgp32_status sgp32_remote_json_read_header(const cJSON *root, struct sgp32_remote_result *result);
/* Reads the fields of spec from root into values (struct sgp32_bytes members), data in *storage. */
enum sgp32_status sgp32_remote_json_read_fields(const cJSON *root, const struct sgp32_json_message_spec *spec,
                                                void *values, void **storage, struct sgp32_remote_result *result);
/* The string member `name` of object (NULL if absent or not a string); SGP32_ERR_DECODE if it is
 * present more than once or not a string, in which case *value is NULL. */
enum sgp32_status sgp32_remote_json_string_member(const cJSON *object, const char *name, const char **value);

/* A JSON answer with the status and headers of the JSON bindings (200, application/json). */
void sgp32_remote_json_response(struct sgp32_remote_response *response, char *body, size_t body_len);
/* Client side: checks a JSON answer's HTTP status and Content-Type (not for 204). */
enum sgp32_status sgp32_remote_json_check_answer(const struct sgp32_remote_answer *answer,
                                                 struct sgp32_remote_result *result);

/* ---- One JSON interface (ES9+, ES11): its functions, each with a path name and two messages; the
 * steps every function of both interfaces shares, in both directions. */
struct sgp32_json_function {
    int function;     /* the interface's enum value (enum sgp32_es9plus_function ...) */
    const char *name; /* the last path segment ("initiateAuthentication") */
    struct sgp32_json_message_spec request;
    struct sgp32_json_message_spec response;
};

struct sgp32_json_interface {
    const char *path_prefix; /* "/gsma/rsp2/es9plus/" */
    const struct sgp32_json_function *functions;
    size_t count;
};

/* The function with that enum value, NULL if none. */
const struct sgp32_json_function *sgp32_remote_json_function(const struct sgp32_json_interface *api, int function);
/* Client: the request of `function` as JSON, to path_prefix + name. */
enum sgp32_status sgp32_remote_json_build_request(const struct sgp32_json_interface *api,
                                                  const struct sgp32_remote_endpoint *endpoint, int function,
                                                  const void *values, struct sgp32_remote_request *out);
/* Client: checks and parses a JSON answer (HTTP status, Content-Type, header.functionExecutionStatus)
 * and reads the fields of spec. With root != NULL the parsed document is handed over for members the
 * table cannot describe (delete it with cJSON_Delete); it is NULL after a failure. */
enum sgp32_status sgp32_remote_json_parse_answer(const struct sgp32_remote_answer *answer,
                                                 const struct sgp32_json_message_spec *spec, void *values,
                                                 void **storage, struct sgp32_remote_result *result, cJSON **root);
/* Server: finds the function from the request path (*function its number once found, even if the
 * request is then refused), checks the request headers and reads its fields into values (values_size
 * bytes, cleared first). SGP32_ERR_NOT_FOUND for an unknown path. The body of every binding's
 * sgp32_<binding>_parse_request(). */
enum sgp32_status sgp32_remote_json_parse_incoming(const struct sgp32_json_interface *api,
                                                   const struct sgp32_remote_incoming *incoming, int *function,
                                                   void *values, size_t values_size, void **storage,
                                                   struct sgp32_remote_result *result);
/* Server: a JSON answer, the failure form when failure != NULL (its execution_status must be "Failed"
 * or "Expired"), else success with the fields of spec from values; extra (may be NULL) adds members
 * the table cannot describe to a success. */
enum sgp32_status sgp32_remote_json_build_answer(const struct sgp32_json_message_spec *spec, const void *values,
                                                 const struct sgp32_remote_result *failure,
                                                 enum sgp32_status (*extra)(cJSON *root, const void *values),
                                                 struct sgp32_remote_response *out);

#endif /* SGP32_REMOTE_JSON_H */
