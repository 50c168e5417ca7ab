/* SPDX-License-Identifier: MIT */
/*
 * The operator's REST API of sgp32-eim under /api/ (JSON in and out, documented with curl examples in
 * docs/test-eim.md): the eIM's own configuration (AddInitialEimRequest for the eUICC), devices,
 * orders and notifications. Every error is an HTTP 4xx/5xx with {"error": "..."}.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim_server.h"
#include "sgp32/codec.h"

#define MAX_LISTED 10000

static void reply(struct sgp32_remote_response *response, int status, cJSON *json)
{
    char *printed = json != NULL ? cJSON_Print(json) : NULL;
    char *text = printed != NULL ? malloc(strlen(printed) + 2) : NULL;
    cJSON_Delete(json);
    if (text != NULL) /* a final newline: curl output ends its line */
        snprintf(text, strlen(printed) + 2, "%s\n", printed);
    free(printed);
    if (text == NULL) {
        sgp32_remote_response_init(response, 500, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   (const uint8_t *)"out of memory", 13, NULL, NULL);
        return;
    }
    sgp32_remote_response_init(response, status, "application/json", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                               (const uint8_t *)text, strlen(text), text, free);
    response->header_count = 1; /* no X-Admin-Protocol on the REST API */
}

static void error_reply(struct sgp32_remote_response *response, int status, const char *message)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "error", message);
    reply(response, status, json);
}

static void add_b64(cJSON *json, const char *name, const uint8_t *data, size_t len)
{
    char *text = data != NULL ? eim_base64_encode(data, len) : NULL;
    if (text != NULL)
        cJSON_AddStringToObject(json, name, text);
    free(text);
}

/* 32 hex digits, upper-cased into eid: 0, or -1. */
static int parse_eid(const char *text, size_t len, char eid[33])
{
    size_t i;
    if (len != 32)
        return -1;
    for (i = 0; i < 32; i++) {
        if (!isxdigit((unsigned char)text[i]))
            return -1;
        eid[i] = (char)toupper((unsigned char)text[i]);
    }
    eid[32] = '\0';
    return 0;
}

/* GET /api/eim */
static void get_eim(struct eim_server *server, struct sgp32_remote_response *response)
{
    struct sgp32_eim_buffer request = {NULL, 0};
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "eimId", server->eim_id);
    if (server->eim_fqdn != NULL)
        cJSON_AddStringToObject(json, "eimFqdn", server->eim_fqdn);
    add_b64(json, "eimPublicKey", server->spki, server->spki_len);
    if (eim_add_initial_eim_request(server, &request) != 0) {
        cJSON_Delete(json);
        error_reply(response, 500, "cannot build the AddInitialEimRequest");
        return;
    }
    add_b64(json, "addInitialEimRequest", request.data, request.len);
    sgp32_eim_buffer_free(&request);
    reply(response, 200, json);
}

static cJSON *device_json(const struct eim_device *device)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "eid", device->eid);
    if (device->has_token)
        cJSON_AddNumberToObject(json, "associationToken", (double)device->token);
    cJSON_AddNumberToObject(json, "counterValue", (double)device->counter);
    cJSON_AddNumberToObject(json, "lastSeqNumber", (double)device->last_seq);
    add_b64(json, "euiccCertificate", device->certificate, device->certificate_len);
    return json;
}

/* POST /api/devices {"eid", "euiccCertificate", "associationToken"?, "counterValue"?} */
static void post_device(struct eim_server *server, const cJSON *body, struct sgp32_remote_response *response)
{
    struct eim_device device;
    const cJSON *eid = cJSON_GetObjectItemCaseSensitive(body, "eid");
    const cJSON *certificate = cJSON_GetObjectItemCaseSensitive(body, "euiccCertificate");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(body, "associationToken");
    const cJSON *counter = cJSON_GetObjectItemCaseSensitive(body, "counterValue");
    int rc;
    memset(&device, 0, sizeof(device));
    if (!cJSON_IsString(eid) || parse_eid(eid->valuestring, strlen(eid->valuestring), device.eid) != 0) {
        error_reply(response, 400, "eid must be 32 hex digits");
        return;
    }
    if (!cJSON_IsString(certificate) ||
        (device.certificate = eim_base64_decode(certificate->valuestring, &device.certificate_len)) == NULL ||
        sgp32_der_validate(sgp32_codec_type_find("Certificate"), device.certificate, device.certificate_len) !=
            SGP32_OK) {
        free(device.certificate);
        error_reply(response, 400, "euiccCertificate must be a base64 DER X.509 certificate");
        return;
    }
    if (token != NULL && (!cJSON_IsNumber(token) || token->valuedouble < 0 || token->valuedouble > 2147483647.0)) {
        free(device.certificate);
        error_reply(response, 400, "associationToken must be a non-negative integer");
        return;
    }
    if (counter != NULL &&
        (!cJSON_IsNumber(counter) || counter->valuedouble < 0 || counter->valuedouble > 2147483647.0)) {
        free(device.certificate);
        error_reply(response, 400, "counterValue must be a non-negative integer");
        return;
    }
    device.has_token = token != NULL;
    device.token = token != NULL ? (long)token->valuedouble : 0;
    device.counter = counter != NULL ? (long)counter->valuedouble : 0;
    device.last_seq = -1;
    rc = eim_store_put_device(server->store, &device, 0);
    if (rc == 0)
        reply(response, 201, device_json(&device));
    else
        error_reply(response, rc == 1 ? 409 : 500, rc == 1 ? "this EID is registered already" : "store failure");
    free(device.certificate);
}

static void list_devices(struct eim_server *server, struct sgp32_remote_response *response)
{
    char(*eids)[33] = malloc(MAX_LISTED * sizeof(*eids));
    int count = eids != NULL ? eim_store_device_eids(server->store, eids, MAX_LISTED) : -1, i;
    cJSON *json = cJSON_CreateObject(), *array = cJSON_AddArrayToObject(json, "devices");
    for (i = 0; i < count; i++) {
        struct eim_device device;
        if (eim_store_get_device(server->store, eids[i], &device) == 0) {
            cJSON_AddItemToArray(array, device_json(&device));
            eim_device_release(&device);
        }
    }
    free(eids);
    if (count < 0) {
        cJSON_Delete(json);
        error_reply(response, 500, "store failure");
        return;
    }
    reply(response, 200, json);
}

static cJSON *order_json(const struct eim_order *order)
{
    cJSON *json = cJSON_CreateObject();
    char tid[33];
    cJSON_AddNumberToObject(json, "id", (double)order->id);
    cJSON_AddStringToObject(json, "eid", order->eid);
    cJSON_AddStringToObject(json, "type", order->kind);
    cJSON_AddStringToObject(json, "status", order->status);
    if (order->outcome != NULL)
        cJSON_AddStringToObject(json, "outcome", order->outcome);
    if (order->reason != NULL)
        cJSON_AddStringToObject(json, "reason", order->reason);
    cJSON_AddItemToObject(json, "order", cJSON_Parse(order->request));
    if (order->package != NULL) {
        if (strcmp(order->kind, "psmo") == 0 || strcmp(order->kind, "eco") == 0)
            cJSON_AddNumberToObject(json, "counterValue", (double)order->counter);
        eim_hex_encode(order->tid, order->tid_len, tid);
        cJSON_AddStringToObject(json, "eimTransactionId", tid);
        add_b64(json, "package", order->package, order->package_len);
    }
    add_b64(json, "result", order->result, order->result_len);
    if (order->result_json != NULL)
        cJSON_AddItemToObject(json, "resultDecoded", cJSON_Parse(order->result_json));
    return json;
}

/* POST /api/devices/<eid>/orders {"psmo": [...]} | {"eco": [...]} | {"download": {...}} | {"ipaEuiccData": {...}} */
static void post_order(struct eim_server *server, const char *eid, const cJSON *body,
                       struct sgp32_remote_response *response)
{
    struct eim_device device;
    struct eim_order order;
    char kind[16], error[200], *text;
    long id;
    int rc = eim_store_get_device(server->store, eid, &device);
    if (rc != 0) {
        error_reply(response, rc == 1 ? 404 : 500, rc == 1 ? "unknown EID (register it first)" : "store");
        return;
    }
    eim_device_release(&device);
    if (eim_order_check(body, kind, error, sizeof(error)) != 0) {
        error_reply(response, 400, error);
        return;
    }
    text = cJSON_PrintUnformatted(body);
    rc = text != NULL ? eim_store_add_order(server->store, eid, kind, text, &id) : -1;
    free(text);
    if (rc != 0 || eim_store_get_order(server->store, id, &order) != 0) {
        error_reply(response, 500, "store failure");
        return;
    }
    reply(response, 201, order_json(&order));
    eim_order_release(&order);
}

static void list_orders(struct eim_server *server, const char *eid, struct sgp32_remote_response *response)
{
    long *ids = malloc(MAX_LISTED * sizeof(*ids));
    int count = ids != NULL ? eim_store_order_ids(server->store, eid, NULL, ids, MAX_LISTED) : -1, i;
    cJSON *json = cJSON_CreateObject(), *array = cJSON_AddArrayToObject(json, "orders");
    for (i = 0; i < count; i++) {
        struct eim_order order;
        if (eim_store_get_order(server->store, ids[i], &order) == 0) {
            cJSON_AddItemToArray(array, order_json(&order));
            eim_order_release(&order);
        }
    }
    free(ids);
    if (count < 0) {
        cJSON_Delete(json);
        error_reply(response, 500, "store failure");
        return;
    }
    reply(response, 200, json);
}

static void list_notifications(struct eim_server *server, const char *eid, struct sgp32_remote_response *response)
{
    cJSON *json = cJSON_CreateObject(), *array = cJSON_AddArrayToObject(json, "notifications");
    if (eim_store_list_notifications(server->store, eid, array) != 0) {
        cJSON_Delete(json);
        error_reply(response, 500, "store failure");
        return;
    }
    reply(response, 200, json);
}

static int is(const char *method, const char *wanted)
{
    return strcmp(method, wanted) == 0;
}

void eim_api_handle(struct eim_server *server, const char *method, const struct sgp32_remote_incoming *incoming,
                    struct sgp32_remote_response *response)
{
    const char *path = incoming->path + strlen("/api/");
    cJSON *body = NULL;
    char eid[33];
    if (is(method, "POST")) {
        body = cJSON_ParseWithLength((const char *)incoming->body, incoming->body_len);
        if (!cJSON_IsObject(body)) {
            cJSON_Delete(body);
            error_reply(response, 400, "the body must be a JSON object");
            return;
        }
    }
    if (strcmp(path, "eim") == 0) {
        if (is(method, "GET"))
            get_eim(server, response);
        else
            error_reply(response, 405, "GET only");
    } else if (strcmp(path, "devices") == 0) {
        if (is(method, "POST"))
            post_device(server, body, response);
        else if (is(method, "GET"))
            list_devices(server, response);
        else
            error_reply(response, 405, "GET or POST");
    } else if (strncmp(path, "devices/", 8) == 0) {
        const char *rest = path + 8, *slash = strchr(rest, '/');
        size_t eid_len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
        struct eim_device device;
        if (parse_eid(rest, eid_len, eid) != 0) {
            error_reply(response, 400, "the EID in the path must be 32 hex digits");
        } else if (slash == NULL) {
            int rc = eim_store_get_device(server->store, eid, &device);
            if (!is(method, "GET"))
                error_reply(response, 405, "GET only");
            else if (rc != 0)
                error_reply(response, rc == 1 ? 404 : 500, rc == 1 ? "unknown EID" : "store failure");
            else
                reply(response, 200, device_json(&device));
            if (rc == 0)
                eim_device_release(&device);
        } else if (strcmp(slash, "/orders") == 0) {
            if (is(method, "POST"))
                post_order(server, eid, body, response);
            else if (is(method, "GET"))
                list_orders(server, eid, response);
            else
                error_reply(response, 405, "GET or POST");
        } else if (strcmp(slash, "/notifications") == 0 && is(method, "GET")) {
            list_notifications(server, eid, response);
        } else {
            error_reply(response, 404, "no such resource");
        }
    } else if (strcmp(path, "orders") == 0 && is(method, "GET")) {
        list_orders(server, NULL, response);
    } else if (strncmp(path, "orders/", 7) == 0 && (is(method, "GET") || is(method, "DELETE"))) {
        struct eim_order order;
        char *end = NULL;
        long id = strtol(path + 7, &end, 10);
        int rc = (end != NULL && *end == '\0' && end != path + 7 && id > 0)
                     ? eim_store_get_order(server->store, id, &order)
                     : 2;
        if (rc == 0 && is(method, "DELETE")) {
            /* cancel: an order not answered yet ends as failed; one that ended stays as it is */
            if (strcmp(order.status, "new") != 0 && strcmp(order.status, "sent") != 0) {
                error_reply(response, 409, "the order has ended already");
            } else if (eim_store_finish_order(server->store, id, "failed", NULL, "cancelled by the operator", NULL, 0,
                                              NULL) != 0) {
                error_reply(response, 500, "store failure");
            } else {
                eim_order_release(&order);
                rc = eim_store_get_order(server->store, id, &order);
                if (rc == 0)
                    reply(response, 200, order_json(&order));
                else
                    error_reply(response, 500, "store failure");
            }
            if (rc == 0)
                eim_order_release(&order);
        } else if (rc == 0) {
            reply(response, 200, order_json(&order));
            eim_order_release(&order);
        } else {
            error_reply(response,
                        rc == 2   ? 400
                        : rc == 1 ? 404
                                  : 500,
                        rc == 2   ? "the order id must be a number"
                        : rc == 1 ? "unknown order"
                                  : "store failure");
        }
    } else if (strcmp(path, "notifications") == 0 && is(method, "GET")) {
        list_notifications(server, NULL, response);
    } else {
        error_reply(response, 404, "no such resource");
    }
    cJSON_Delete(body);
}
