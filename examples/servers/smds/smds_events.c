/* SPDX-License-Identifier: MIT */
/*
 * The event records of sgp32-smds and their REST API (smds_server.h, docs/test-servers.md):
 *   POST   /api/events            {"eid": "<32 hex>", "smdpAddress": "host[:port]", "eventId": "<id>"}
 *                                 -> 201 and the record; 400 bad JSON or field; 409 eventId taken
 *   GET    /api/events            -> 200 {"events": [{"eid", "smdpAddress", "eventId", "retrieved"}, ..]}
 *   DELETE /api/events/<eventId>  -> 204, or 404
 *   DELETE /api/events            -> 204 (all gone)
 * This replaces ES12.RegisterEvent / DeleteEvent (SGP.22 5.7.x, between SM-DP+ and SM-DS) for tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../common/rest_json.h"
#include "smds_server.h"

#define API_PREFIX "/api/events"
#define MAX_EVENTS 4096u

size_t smds_events_for(struct smds_server *server, const uint8_t eid[16], struct smds_event **out, size_t cap)
{
    struct smds_event *e;
    size_t count = 0;
    for (e = server->events; e != NULL && count < cap; e = e->next)
        if (memcmp(e->eid, eid, 16) == 0)
            out[count++] = e;
    return count;
}

/* An eventId (SGP.22 4.1: a Matching ID: letters, digits, '-'; also '.' and '_' as the test profiles). */
static int valid_event_id(const char *text)
{
    size_t i, n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > SMDS_EVENT_ID_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return 0;
    }
    return 1;
}

/* An FQDN or IPv4 with an optional port. */
static int valid_address(const char *text)
{
    size_t i, n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > SMDS_ADDRESS_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == ':'))
            return 0;
    }
    return 1;
}

static cJSON *event_json(const struct smds_event *e)
{
    char eid[33];
    cJSON *object = cJSON_CreateObject();
    rest_hex_text(e->eid, 16, eid);
    if (object == NULL || cJSON_AddStringToObject(object, "eid", eid) == NULL ||
        cJSON_AddStringToObject(object, "smdpAddress", e->smdp_address) == NULL ||
        cJSON_AddStringToObject(object, "eventId", e->event_id) == NULL ||
        cJSON_AddNumberToObject(object, "retrieved", (double)e->retrieved) == NULL) {
        cJSON_Delete(object);
        return NULL;
    }
    return object;
}

static struct smds_event *find_event(struct smds_server *server, const char *event_id, struct smds_event ***link)
{
    struct smds_event **l = &server->events;
    for (; *l != NULL; l = &(*l)->next)
        if (strcmp((*l)->event_id, event_id) == 0)
            break;
    if (link != NULL)
        *link = l;
    return *l;
}

static void post_event(struct smds_server *server, const uint8_t *body, size_t len,
                       struct sgp32_remote_response *response)
{
    cJSON *document = cJSON_ParseWithLength((const char *)body, len);
    const char *eid_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(document, "eid"));
    const char *address = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(document, "smdpAddress"));
    const char *event_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(document, "eventId"));
    struct smds_event *e, **tail;
    uint8_t eid[16];
    if (!cJSON_IsObject(document)) {
        rest_text_answer(response, 400, "a JSON object expected");
    } else if (!rest_parse_eid(eid_text, eid)) {
        rest_text_answer(response, 400, "eid: 32 hex digits expected");
    } else if (!valid_address(address)) {
        rest_text_answer(response, 400, "smdpAddress: host[:port] expected");
    } else if (!valid_event_id(event_id)) {
        rest_text_answer(response, 400, "eventId: 1-128 characters of A-Z a-z 0-9 - _ . expected");
    } else if (find_event(server, event_id, NULL) != NULL) {
        rest_text_answer(response, 409, "eventId already registered");
    } else if (server->event_count >= MAX_EVENTS || (e = calloc(1, sizeof(*e))) == NULL) {
        rest_text_answer(response, 503, "event table full");
    } else {
        memcpy(e->eid, eid, 16);
        snprintf(e->event_id, sizeof(e->event_id), "%s", event_id);
        snprintf(e->smdp_address, sizeof(e->smdp_address), "%s", address);
        /* appended: authenticateClient returns them in registration order */
        for (tail = &server->events; *tail != NULL; tail = &(*tail)->next)
            ;
        *tail = e;
        server->event_count++;
        if (server->verbose)
            fprintf(stderr, "sgp32-smds: event %s registered for %s (SM-DP+ %s)\n", event_id, eid_text, address);
        rest_json_answer(response, 201, event_json(e));
    }
    cJSON_Delete(document);
}

static void list_events(struct smds_server *server, struct sgp32_remote_response *response)
{
    cJSON *array, *document = rest_list_begin("events", &array);
    struct smds_event *e;
    for (e = server->events; array != NULL && e != NULL; e = e->next)
        rest_list_add(&array, event_json(e));
    rest_list_answer(response, document, array);
}

static void delete_events(struct smds_server *server, const char *event_id, struct sgp32_remote_response *response)
{
    struct smds_event *e, **link;
    if (event_id == NULL) {
        while (server->events != NULL) {
            e = server->events;
            server->events = e->next;
            free(e);
        }
        server->event_count = 0;
    } else if ((e = find_event(server, event_id, &link)) != NULL) {
        *link = e->next;
        free(e);
        server->event_count--;
    } else {
        rest_text_answer(response, 404, "no such eventId");
        return;
    }
    sgp32_remote_response_init(response, 204, NULL, SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS, NULL, 0, NULL, NULL);
}

void smds_server_handle_api(struct smds_server *server, const char *method, const char *path, const uint8_t *body,
                            size_t body_len, struct sgp32_remote_response *response)
{
    size_t prefix = strlen(API_PREFIX);
    const char *rest = path + prefix;
    if (strncmp(path, API_PREFIX, prefix) != 0 || (rest[0] != '\0' && rest[0] != '/')) {
        rest_text_answer(response, 404, "unknown path");
    } else if (rest[0] == '/' && strcmp(method, "DELETE") == 0) {
        delete_events(server, rest + 1, response);
    } else if (rest[0] == '/') {
        rest_text_answer(response, 405, "DELETE only");
    } else if (strcmp(method, "POST") == 0) {
        post_event(server, body, body_len, response);
    } else if (strcmp(method, "GET") == 0) {
        list_events(server, response);
    } else if (strcmp(method, "DELETE") == 0) {
        delete_events(server, NULL, response);
    } else {
        rest_text_answer(response, 405, "GET, POST or DELETE");
    }
}

void smds_events_free(struct smds_server *server)
{
    while (server->events != NULL) {
        struct smds_event *e = server->events;
        server->events = e->next;
        free(e);
    }
    server->event_count = 0;
}
