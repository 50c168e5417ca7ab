/* SPDX-License-Identifier: MIT */
/*
 * The persistent store of sgp32-eim (eim_server.h): one SQLite file with the registered devices
 * (eUICC certificate, association token, the counterValue last sent, the highest result seqNumber),
 * the orders with what was sent and received, the notifications, and the SM-DP+ of each relayed
 * download session. Every change is its own
 * transaction (SQLite's default, synchronous FULL): a killed server loses nothing it answered.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "eim_server.h"

struct eim_store {
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS devices(eid TEXT PRIMARY KEY, certificate BLOB NOT NULL, has_token INTEGER NOT NULL,"
    " token INTEGER NOT NULL, counter INTEGER NOT NULL, last_seq INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY AUTOINCREMENT, eid TEXT NOT NULL, kind TEXT NOT NULL,"
    " request TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT, reason TEXT, counter INTEGER, tid BLOB,"
    " package BLOB, result BLOB, result_json TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP, updated TEXT);"
    "CREATE TABLE IF NOT EXISTS notifications(id INTEGER PRIMARY KEY AUTOINCREMENT, eid TEXT, order_id INTEGER,"
    " der BLOB NOT NULL, json TEXT, received TEXT DEFAULT CURRENT_TIMESTAMP);"
    /* the SM-DP+ of each relayed download session (eim_relay.c), by the transactionId it gave */
    "CREATE TABLE IF NOT EXISTS relay_sessions(transaction_id BLOB PRIMARY KEY, smdp TEXT NOT NULL,"
    " seq INTEGER NOT NULL, created TEXT DEFAULT CURRENT_TIMESTAMP);";

int eim_store_open(const char *path, struct eim_store **store)
{
    struct eim_store *s = calloc(1, sizeof(*s));
    char *message = NULL;
    *store = NULL;
    if (s == NULL)
        return -1;
    if (sqlite3_open(path, &s->db) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA synchronous=FULL;", NULL, NULL, &message) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "sgp32-eim: database %s: %s\n", path, message != NULL ? message : sqlite3_errmsg(s->db));
        sqlite3_free(message);
        eim_store_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);
    *store = s;
    return 0;
}

void eim_store_close(struct eim_store *store)
{
    if (store == NULL)
        return;
    sqlite3_close(store->db);
    free(store);
}

static sqlite3_stmt *prepare(struct eim_store *store, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, &statement, NULL) != SQLITE_OK) {
        fprintf(stderr, "sgp32-eim: SQL %s: %s\n", sql, sqlite3_errmsg(store->db));
        return NULL;
    }
    return statement;
}

/* Runs a statement that returns no rows and finalizes it: 0, or -1. */
static int run(struct eim_store *store, sqlite3_stmt *statement)
{
    int rc = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "sgp32-eim: SQL: %s\n", sqlite3_errmsg(store->db));
        return -1;
    }
    return 0;
}

static void bind_text(sqlite3_stmt *statement, int index, const char *text)
{
    if (text == NULL)
        sqlite3_bind_null(statement, index);
    else
        sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

static void bind_blob(sqlite3_stmt *statement, int index, const uint8_t *data, size_t len)
{
    if (data == NULL)
        sqlite3_bind_null(statement, index);
    else
        sqlite3_bind_blob(statement, index, data, (int)len, SQLITE_TRANSIENT);
}

static char *column_text(sqlite3_stmt *statement, int index)
{
    const unsigned char *text = sqlite3_column_text(statement, index);
    return text != NULL ? strdup((const char *)text) : NULL;
}

static uint8_t *column_blob(sqlite3_stmt *statement, int index, size_t *len)
{
    const void *data = sqlite3_column_blob(statement, index);
    int n = sqlite3_column_bytes(statement, index);
    uint8_t *copy;
    *len = 0;
    if (data == NULL || n <= 0)
        return NULL;
    copy = malloc((size_t)n);
    if (copy == NULL)
        return NULL;
    memcpy(copy, data, (size_t)n);
    *len = (size_t)n;
    return copy;
}

int eim_store_put_device(struct eim_store *store, const struct eim_device *device, int replace)
{
    sqlite3_stmt *statement;
    int rc;
    statement = prepare(store, replace ? "INSERT OR REPLACE INTO devices VALUES(?,?,?,?,?,?)"
                                       : "INSERT INTO devices VALUES(?,?,?,?,?,?)");
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, device->eid);
    bind_blob(statement, 2, device->certificate, device->certificate_len);
    sqlite3_bind_int(statement, 3, device->has_token);
    sqlite3_bind_int64(statement, 4, device->token);
    sqlite3_bind_int64(statement, 5, device->counter);
    sqlite3_bind_int64(statement, 6, device->last_seq);
    rc = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (rc == SQLITE_CONSTRAINT)
        return 1;
    return rc == SQLITE_DONE ? 0 : -1;
}

int eim_store_get_device(struct eim_store *store, const char *eid, struct eim_device *device)
{
    sqlite3_stmt *statement = prepare(store, "SELECT eid, certificate, has_token, token, counter, last_seq FROM "
                                             "devices WHERE eid = ?");
    int rc;
    memset(device, 0, sizeof(*device));
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        snprintf(device->eid, sizeof(device->eid), "%s", (const char *)sqlite3_column_text(statement, 0));
        device->certificate = column_blob(statement, 1, &device->certificate_len);
        device->has_token = sqlite3_column_int(statement, 2);
        device->token = (long)sqlite3_column_int64(statement, 3);
        device->counter = (long)sqlite3_column_int64(statement, 4);
        device->last_seq = (long)sqlite3_column_int64(statement, 5);
    }
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW ? (device->certificate != NULL ? 0 : -1) : rc == SQLITE_DONE ? 1 : -1;
}

void eim_device_release(struct eim_device *device)
{
    free(device->certificate);
    device->certificate = NULL;
}

int eim_store_set_counters(struct eim_store *store, const char *eid, long counter, long last_seq)
{
    sqlite3_stmt *statement = prepare(store, "UPDATE devices SET counter = ?, last_seq = ? WHERE eid = ?");
    if (statement == NULL)
        return -1;
    sqlite3_bind_int64(statement, 1, counter);
    sqlite3_bind_int64(statement, 2, last_seq);
    bind_text(statement, 3, eid);
    return run(store, statement);
}

int eim_store_add_order(struct eim_store *store, const char *eid, const char *kind, const char *request, long *id)
{
    sqlite3_stmt *statement =
        prepare(store, "INSERT INTO orders(eid, kind, request, status, updated) VALUES(?,?,?,'new',CURRENT_TIMESTAMP)");
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    bind_text(statement, 2, kind);
    bind_text(statement, 3, request);
    if (run(store, statement) != 0)
        return -1;
    *id = (long)sqlite3_last_insert_rowid(store->db);
    return 0;
}

int eim_store_get_order(struct eim_store *store, long id, struct eim_order *order)
{
    sqlite3_stmt *statement = prepare(store, "SELECT id, eid, kind, request, status, outcome, reason, counter, tid, "
                                             "package, result, result_json FROM orders WHERE id = ?");
    int rc;
    memset(order, 0, sizeof(*order));
    if (statement == NULL)
        return -1;
    sqlite3_bind_int64(statement, 1, id);
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        size_t tid_len = 0;
        uint8_t *tid;
        order->id = (long)sqlite3_column_int64(statement, 0);
        snprintf(order->eid, sizeof(order->eid), "%s", (const char *)sqlite3_column_text(statement, 1));
        snprintf(order->kind, sizeof(order->kind), "%s", (const char *)sqlite3_column_text(statement, 2));
        order->request = column_text(statement, 3);
        snprintf(order->status, sizeof(order->status), "%s", (const char *)sqlite3_column_text(statement, 4));
        order->outcome = column_text(statement, 5);
        order->reason = column_text(statement, 6);
        order->counter = (long)sqlite3_column_int64(statement, 7);
        tid = column_blob(statement, 8, &tid_len);
        if (tid != NULL && tid_len <= sizeof(order->tid)) {
            memcpy(order->tid, tid, tid_len);
            order->tid_len = tid_len;
        }
        free(tid);
        order->package = column_blob(statement, 9, &order->package_len);
        order->result = column_blob(statement, 10, &order->result_len);
        order->result_json = column_text(statement, 11);
    }
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

void eim_order_release(struct eim_order *order)
{
    free(order->request);
    free(order->outcome);
    free(order->reason);
    free(order->package);
    free(order->result);
    free(order->result_json);
    memset(order, 0, sizeof(*order));
}

int eim_store_order_ids(struct eim_store *store, const char *eid, const char *status, long *ids, int max)
{
    sqlite3_stmt *statement = prepare(store, "SELECT id FROM orders WHERE (?1 IS NULL OR eid = ?1) AND "
                                             "(?2 IS NULL OR status = ?2) ORDER BY id");
    int count = 0, rc;
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    bind_text(statement, 2, status);
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW && count < max)
        ids[count++] = (long)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? count : -1;
}

int eim_store_mark_sent(struct eim_store *store, const struct eim_order *order)
{
    sqlite3_stmt *statement = prepare(store, "UPDATE orders SET status = 'sent', counter = ?, tid = ?, package = ?, "
                                             "updated = CURRENT_TIMESTAMP WHERE id = ?");
    if (statement == NULL)
        return -1;
    sqlite3_bind_int64(statement, 1, order->counter);
    bind_blob(statement, 2, order->tid, order->tid_len);
    bind_blob(statement, 3, order->package, order->package_len);
    sqlite3_bind_int64(statement, 4, order->id);
    return run(store, statement);
}

int eim_store_finish_order(struct eim_store *store, long id, const char *status, const char *outcome,
                           const char *reason, const uint8_t *result, size_t result_len, const char *result_json)
{
    sqlite3_stmt *statement =
        prepare(store, "UPDATE orders SET status = ?, outcome = ?, reason = ?, result = ?, result_json = ?, "
                       "updated = CURRENT_TIMESTAMP WHERE id = ?");
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, status);
    bind_text(statement, 2, outcome);
    bind_text(statement, 3, reason);
    bind_blob(statement, 4, result, result_len);
    bind_text(statement, 5, result_json);
    sqlite3_bind_int64(statement, 6, id);
    return run(store, statement);
}

int eim_store_add_notification(struct eim_store *store, const char *eid, long order_id, const uint8_t *der, size_t len,
                               const char *json)
{
    sqlite3_stmt *statement = prepare(store, "INSERT INTO notifications(eid, order_id, der, json) VALUES(?,?,?,?)");
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    if (order_id > 0)
        sqlite3_bind_int64(statement, 2, order_id);
    else
        sqlite3_bind_null(statement, 2);
    bind_blob(statement, 3, der, len);
    bind_text(statement, 4, json);
    return run(store, statement);
}

int eim_store_list_notifications(struct eim_store *store, const char *eid, cJSON *array)
{
    sqlite3_stmt *statement = prepare(store, "SELECT id, eid, order_id, received, der, json FROM notifications "
                                             "WHERE (?1 IS NULL OR eid = ?1) ORDER BY id");
    int rc;
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        cJSON *item = cJSON_CreateObject();
        size_t len = 0;
        uint8_t *der = column_blob(statement, 4, &len);
        char *b64 = der != NULL ? eim_base64_encode(der, len) : NULL;
        const unsigned char *text;
        cJSON_AddNumberToObject(item, "id", (double)sqlite3_column_int64(statement, 0));
        text = sqlite3_column_text(statement, 1);
        if (text != NULL)
            cJSON_AddStringToObject(item, "eid", (const char *)text);
        else
            cJSON_AddNullToObject(item, "eid");
        if (sqlite3_column_type(statement, 2) == SQLITE_NULL)
            cJSON_AddNullToObject(item, "orderId");
        else
            cJSON_AddNumberToObject(item, "orderId", (double)sqlite3_column_int64(statement, 2));
        cJSON_AddStringToObject(item, "received", (const char *)sqlite3_column_text(statement, 3));
        cJSON_AddStringToObject(item, "der", b64 != NULL ? b64 : "");
        text = sqlite3_column_text(statement, 5);
        cJSON_AddItemToObject(item, "decoded", text != NULL ? cJSON_Parse((const char *)text) : cJSON_CreateNull());
        cJSON_AddItemToArray(array, item);
        free(der);
        free(b64);
    }
    sqlite3_finalize(statement);
    return rc == SQLITE_DONE ? 0 : -1;
}

int eim_store_device_eids(struct eim_store *store, char (*eids)[33], int max)
{
    sqlite3_stmt *statement = prepare(store, "SELECT eid FROM devices ORDER BY eid");
    int count = 0, rc;
    if (statement == NULL)
        return -1;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW && count < max)
        snprintf(eids[count++], 33, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? count : -1;
}

long eim_store_order_with_result(struct eim_store *store, const char *eid, const uint8_t *result, size_t len)
{
    sqlite3_stmt *statement =
        prepare(store, "SELECT id FROM orders WHERE (?1 IS NULL OR eid = ?1) AND result = ?2 ORDER BY id LIMIT 1");
    long id = 0;
    int rc;
    if (statement == NULL)
        return -1;
    bind_text(statement, 1, eid);
    bind_blob(statement, 2, result, len);
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        id = (long)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* Sessions kept: far more than can be in flight; the oldest go first. */
#define RELAY_SESSIONS_KEPT 1024

int eim_store_put_session(struct eim_store *store, const uint8_t *tid, size_t tid_len, const char *smdp)
{
    sqlite3_stmt *statement = prepare(store, "INSERT OR REPLACE INTO relay_sessions(transaction_id, smdp, seq)"
                                             " VALUES(?1, ?2, (SELECT IFNULL(MAX(seq), 0) + 1 FROM relay_sessions))");
    if (statement == NULL)
        return -1;
    bind_blob(statement, 1, tid, tid_len);
    bind_text(statement, 2, smdp);
    if (run(store, statement) != 0)
        return -1;
    statement = prepare(store, "DELETE FROM relay_sessions WHERE seq <= (SELECT MAX(seq) FROM relay_sessions) - ?1");
    if (statement == NULL)
        return -1;
    sqlite3_bind_int(statement, 1, RELAY_SESSIONS_KEPT);
    return run(store, statement);
}

int eim_store_get_session(struct eim_store *store, const uint8_t *tid, size_t tid_len, char *smdp, size_t cap)
{
    sqlite3_stmt *statement = prepare(store, "SELECT smdp FROM relay_sessions WHERE transaction_id = ?1");
    int rc;
    if (statement == NULL)
        return -1;
    bind_blob(statement, 1, tid, tid_len);
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        snprintf(smdp, cap, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int eim_store_delete_session(struct eim_store *store, const uint8_t *tid, size_t tid_len)
{
    sqlite3_stmt *statement = prepare(store, "DELETE FROM relay_sessions WHERE transaction_id = ?1");
    if (statement == NULL)
        return -1;
    bind_blob(statement, 1, tid, tid_len);
    return run(store, statement);
}
