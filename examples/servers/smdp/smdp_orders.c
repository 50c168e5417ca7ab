/* SPDX-License-Identifier: MIT */
/*
 * The REST API of sgp32-smdp (smdp_server.h, docs/test-servers.md), beside ES9+:
 *   POST   /api/orders                {"matchingId", "profile" (a TS.48 name in --profiles, or a
 *                                      .der file path), "confirmationCode"?, "iccid"?, "eid"?,
 *                                      "maxAttempts"?} -> 201 and the order; 400; 409 matchingId taken
 *   GET    /api/orders                -> 200 {"orders": [..]}
 *   DELETE /api/orders/<matchingId>   -> 204, or 404
 *   GET    /api/notifications         -> 200 {"notifications": [..]} (what handleNotification received
 *                                      and whether its signature checked)
 * An order is what SGP.22 3.1.1 calls a download order (ES2+.DownloadOrder / ConfirmOrder here in
 * one step): its Matching ID, profile, optional EID binding and confirmation code, and the download
 * attempts counter (5.6.2: "8.8.5 / 6.4 Maximum number of retries exceeded"). An order with an EID
 * is also what an eUICC without a Matching ID (its default SM-DP+ address, 3.1.2) downloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../common/rest_json.h"
#include "smdp_server.h"

#define MAX_ORDERS 1024u
#define MAX_NOTIFICATIONS 256u

/* An ICCID of 18..20 digits as the ProfileHeader of a TS.48 UPP holds it: BCD in reading order, F
 * padded (EF.ICCID holds the same digits nibble-swapped). */
static int parse_iccid(const char *text, uint8_t iccid[10])
{
    size_t n = text != NULL ? strlen(text) : 0, i;
    if (n < 18 || n > 20)
        return 0;
    memset(iccid, 0xFF, 10);
    for (i = 0; i < n; i++) {
        uint8_t digit;
        if (text[i] < '0' || text[i] > '9')
            return 0;
        digit = (uint8_t)(text[i] - '0');
        if (i % 2 == 0)
            iccid[i / 2] = (uint8_t)((iccid[i / 2] & 0x0F) | (digit << 4));
        else
            iccid[i / 2] = (uint8_t)((iccid[i / 2] & 0xF0) | digit);
    }
    return 1;
}

/* The digits of an ICCID in ProfileHeader form (up to the F padding). */
static void iccid_text(const uint8_t iccid[10], char out[21])
{
    size_t i, n = 0;
    for (i = 0; i < 10; i++) {
        uint8_t high = (uint8_t)(iccid[i] >> 4), low = iccid[i] & 0x0F;
        if (high > 9)
            break;
        out[n++] = (char)('0' + high);
        if (low > 9)
            break;
        out[n++] = (char)('0' + low);
    }
    out[n] = '\0';
}

/* Matching IDs and TS.48 names: letters, digits, '-', '_', '.' (not first). */
static int valid_name(const char *text, size_t max)
{
    size_t i, n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (c == '.' && i > 0)))
            return 0;
    }
    return 1;
}

struct smdp_order *smdp_order_find(struct smdp_server *server, const char *matching_id)
{
    struct smdp_order *o;
    for (o = server->orders; o != NULL; o = o->next)
        if (strcmp(o->matching_id, matching_id) == 0)
            return o;
    return NULL;
}

struct smdp_order *smdp_order_find_eid(struct smdp_server *server, const uint8_t eid[16])
{
    struct smdp_order *o;
    for (o = server->orders; o != NULL; o = o->next)
        if (o->has_eid && memcmp(o->eid, eid, 16) == 0 && o->state != SMDP_ORDER_INSTALLED)
            return o;
    return NULL;
}

static void order_free(struct smdp_order *o)
{
    free(o->upp.data);
    free(o);
}

void smdp_orders_free(struct smdp_server *server)
{
    while (server->orders != NULL) {
        struct smdp_order *o = server->orders;
        server->orders = o->next;
        order_free(o);
    }
    server->order_count = 0;
    while (server->notifications != NULL) {
        struct smdp_notification_record *n = server->notifications;
        server->notifications = n->next;
        free(n);
    }
    server->notification_count = 0;
}

static cJSON *order_json(const struct smdp_order *o)
{
    cJSON *object = cJSON_CreateObject();
    uint8_t iccid[10];
    char text[33];
    int ok = object != NULL;
    ok = ok && cJSON_AddStringToObject(object, "matchingId", o->matching_id) != NULL;
    ok = ok && cJSON_AddStringToObject(object, "profile", o->profile) != NULL;
    if (ok && smdp_upp_header_iccid(o->upp.data, o->upp.len, iccid) == SGP32_OK) {
        iccid_text(iccid, text);
        ok = cJSON_AddStringToObject(object, "iccid", text) != NULL;
    }
    if (ok && o->has_eid) {
        rest_hex_text(o->eid, 16, text);
        ok = cJSON_AddStringToObject(object, "eid", text) != NULL;
    }
    ok = ok && cJSON_AddBoolToObject(object, "confirmationCodeRequired", o->confirmation_code[0] != '\0') != NULL;
    ok = ok && cJSON_AddNumberToObject(object, "attempts", (double)o->attempts) != NULL;
    ok = ok && cJSON_AddNumberToObject(object, "maxAttempts", (double)o->max_attempts) != NULL;
    ok = ok &&
         cJSON_AddStringToObject(object, "state", o->state == SMDP_ORDER_INSTALLED ? "installed" : "released") != NULL;
    if (!ok) {
        cJSON_Delete(object);
        return NULL;
    }
    return object;
}

static void replace_all(struct smdp_blob *upp, const uint8_t from[10], const uint8_t to[10])
{
    size_t i;
    for (i = 0; i + 10 <= upp->len; i++)
        if (memcmp(upp->data + i, from, 10) == 0) {
            memcpy(upp->data + i, to, 10);
            i += 9;
        }
}

static void swap_nibbles(const uint8_t in[10], uint8_t out[10])
{
    size_t i;
    for (i = 0; i < 10; i++)
        out[i] = (uint8_t)((in[i] << 4) | (in[i] >> 4));
}

/* Gives the UPP another ICCID: the ProfileHeader's (reading order) and EF.ICCID's content (swapped). */
static int override_iccid(struct smdp_blob *upp, const uint8_t iccid[10])
{
    uint8_t original[10], original_swapped[10], swapped[10];
    if (smdp_upp_header_iccid(upp->data, upp->len, original) != SGP32_OK)
        return 0;
    swap_nibbles(original, original_swapped);
    swap_nibbles(iccid, swapped);
    replace_all(upp, original, iccid);
    replace_all(upp, original_swapped, swapped);
    return 1;
}

static const char *string_field(const cJSON *document, const char *name, int *present)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(document, name);
    *present = item != NULL && !cJSON_IsNull(item);
    return cJSON_GetStringValue(item);
}

static void post_order(struct smdp_server *server, const uint8_t *body, size_t len,
                       struct sgp32_remote_response *response)
{
    cJSON *document = cJSON_ParseWithLength((const char *)body, len);
    const cJSON *max_item = cJSON_GetObjectItemCaseSensitive(document, "maxAttempts");
    int has_code = 0, has_iccid = 0, has_eid = 0, present = 0;
    const char *matching_id = string_field(document, "matchingId", &present);
    const char *profile = string_field(document, "profile", &present);
    const char *code = string_field(document, "confirmationCode", &has_code);
    const char *iccid_field = string_field(document, "iccid", &has_iccid);
    const char *eid_field = string_field(document, "eid", &has_eid);
    struct smdp_order *o = NULL;
    uint8_t iccid[10], original[10];
    char path[1024];
    const char *error = NULL;
    int status = 400;
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        error = "out of memory";
        status = 500;
    } else if (!cJSON_IsObject(document)) {
        error = "a JSON object expected";
    } else if (!valid_name(matching_id, SMDP_MATCHING_ID_MAX)) {
        error = "matchingId: 1-64 characters of A-Z a-z 0-9 - _ . expected";
    } else if (profile == NULL || profile[0] == '\0' || strlen(profile) >= sizeof(o->profile) ||
               (strchr(profile, '/') == NULL && !valid_name(profile, 128))) {
        error = "profile: a TS.48 profile name or a file path expected";
    } else if (has_code && (code == NULL || code[0] == '\0' || strlen(code) > SMDP_CODE_MAX)) {
        error = "confirmationCode: 1-64 characters expected";
    } else if (has_iccid && !parse_iccid(iccid_field, iccid)) {
        error = "iccid: 18-20 digits expected";
    } else if (has_eid && !rest_parse_eid(eid_field, o->eid)) {
        error = "eid: 32 hex digits expected";
    } else if (max_item != NULL &&
               (!cJSON_IsNumber(max_item) || max_item->valuedouble < 0 || max_item->valuedouble > 1000000 ||
                max_item->valuedouble != (double)(unsigned long)max_item->valuedouble)) {
        error = "maxAttempts: a whole number 0..1000000 expected (0: no limit)";
    } else if (smdp_order_find(server, matching_id) != NULL) {
        error = "matchingId already has an order";
        status = 409;
    } else if (server->order_count >= MAX_ORDERS) {
        error = "order table full";
        status = 503;
    } else {
        if (strchr(profile, '/') != NULL)
            snprintf(path, sizeof(path), "%s", profile);
        else
            snprintf(path, sizeof(path), "%s/%s.der", server->profiles_dir, profile);
        if (smdp_read_file(path, &o->upp) != SGP32_OK ||
            smdp_upp_header_iccid(o->upp.data, o->upp.len, original) != SGP32_OK) {
            error = "profile: no readable TS.48 profile there";
        } else if (has_iccid && !override_iccid(&o->upp, iccid)) {
            error = "profile: its ICCID cannot be replaced";
        }
    }
    if (error != NULL) {
        rest_text_answer(response, status, error);
        if (o != NULL)
            order_free(o);
        cJSON_Delete(document);
        return;
    }
    snprintf(o->matching_id, sizeof(o->matching_id), "%s", matching_id);
    snprintf(o->profile, sizeof(o->profile), "%s", profile);
    if (has_code)
        snprintf(o->confirmation_code, sizeof(o->confirmation_code), "%s", code);
    o->has_eid = has_eid;
    o->max_attempts = max_item != NULL ? (unsigned long)max_item->valuedouble : 0;
    o->next = server->orders;
    server->orders = o;
    server->order_count++;
    fprintf(stderr, "sgp32-smdp: order %s registered (%s)\n", o->matching_id, o->profile);
    rest_json_answer(response, 201, order_json(o));
    cJSON_Delete(document);
}

static void list_orders(struct smdp_server *server, struct sgp32_remote_response *response)
{
    cJSON *array, *document = rest_list_begin("orders", &array);
    struct smdp_order *o;
    for (o = server->orders; array != NULL && o != NULL; o = o->next)
        rest_list_add(&array, order_json(o));
    rest_list_answer(response, document, array);
}

static void delete_order(struct smdp_server *server, const char *matching_id, struct sgp32_remote_response *response)
{
    struct smdp_order **link = &server->orders;
    while (*link != NULL && strcmp((*link)->matching_id, matching_id) != 0)
        link = &(*link)->next;
    if (*link == NULL) {
        rest_text_answer(response, 404, "no such order");
        return;
    }
    {
        struct smdp_order *o = *link;
        *link = o->next;
        order_free(o);
        server->order_count--;
    }
    sgp32_remote_response_init(response, 204, NULL, SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS, NULL, 0, NULL, NULL);
}

void smdp_notification_record(struct smdp_server *server, int installation_result,
                              const struct smdp_notification_info *info, int verified, const char *detail)
{
    struct smdp_notification_record *n = calloc(1, sizeof(*n)), **tail;
    if (n == NULL)
        return;
    n->installation_result = installation_result;
    n->info = *info;
    n->verified = verified;
    snprintf(n->detail, sizeof(n->detail), "%s", detail);
    for (tail = &server->notifications; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = n;
    if (++server->notification_count > MAX_NOTIFICATIONS) {
        struct smdp_notification_record *oldest = server->notifications;
        server->notifications = oldest->next;
        free(oldest);
        server->notification_count--;
    }
}

static cJSON *notification_json(const struct smdp_notification_record *n)
{
    static const char *const operations[] = {"install", "enable", "disable", "delete"};
    cJSON *object = cJSON_CreateObject();
    char text[33];
    int ok = object != NULL;
    ok = ok && cJSON_AddStringToObject(object, "kind",
                                       n->installation_result ? "profileInstallationResult"
                                                              : "otherSignedNotification") != NULL;
    if (ok && n->info.seq_number >= 0)
        ok = cJSON_AddNumberToObject(object, "seqNumber", (double)n->info.seq_number) != NULL;
    if (ok && n->info.operation >= 0 && n->info.operation < 4)
        ok = cJSON_AddStringToObject(object, "operation", operations[n->info.operation]) != NULL;
    if (ok && n->info.has_iccid) {
        uint8_t digits[10];
        swap_nibbles(n->info.iccid, digits); /* SGP.22's EF.ICCID form to reading order */
        iccid_text(digits, text);
        ok = cJSON_AddStringToObject(object, "iccid", text) != NULL;
    }
    if (ok && n->info.has_eid) {
        rest_hex_text(n->info.eid, 16, text);
        ok = cJSON_AddStringToObject(object, "eid", text) != NULL;
    }
    ok = ok && cJSON_AddBoolToObject(object, "verified", n->verified) != NULL;
    ok = ok && cJSON_AddStringToObject(object, "detail", n->detail) != NULL;
    if (!ok) {
        cJSON_Delete(object);
        return NULL;
    }
    return object;
}

static void list_notifications(struct smdp_server *server, struct sgp32_remote_response *response)
{
    cJSON *array, *document = rest_list_begin("notifications", &array);
    struct smdp_notification_record *n;
    for (n = server->notifications; array != NULL && n != NULL; n = n->next)
        rest_list_add(&array, notification_json(n));
    rest_list_answer(response, document, array);
}

void smdp_server_handle_api(struct smdp_server *server, const char *method, const char *path, const uint8_t *body,
                            size_t body_len, struct sgp32_remote_response *response)
{
    if (strcmp(path, "/api/orders") == 0) {
        if (strcmp(method, "POST") == 0)
            post_order(server, body, body_len, response);
        else if (strcmp(method, "GET") == 0)
            list_orders(server, response);
        else
            rest_text_answer(response, 405, "GET or POST");
    } else if (strncmp(path, "/api/orders/", 12) == 0) {
        if (strcmp(method, "DELETE") == 0)
            delete_order(server, path + 12, response);
        else
            rest_text_answer(response, 405, "DELETE only");
    } else if (strcmp(path, "/api/notifications") == 0) {
        if (strcmp(method, "GET") == 0)
            list_notifications(server, response);
        else
            rest_text_answer(response, 405, "GET only");
    } else {
        rest_text_answer(response, 404, "unknown path");
    }
}
