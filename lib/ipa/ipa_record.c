/* SPDX-License-Identifier: MIT */
/*
 * The persisted records of the IPA, written through the host's storage callback at the moment they
 * become true. Each record is a DER SEQUENCE { [0] version INTEGER, fields with context tags }:
 * versioned, independent of the architecture and of C struct layout, readable with `sgp32 decode`
 * tools, and extended by appending tags (a reader ignores tags it does not know).
 *
 *   ipa.job     the eIM job in flight: [1] kind [2] stage [3] injected [4] rollbackArmed [5] uncertain
 *               [6] seqBefore [7] request (as received) [8] report (as built)
 *   ipa.acks    sequence numbers the eIM acknowledged, still to remove from the eUICC: [1] each
 *   ipa.change  a state change to report at the next GetEimPackage: [1] stateChangeCause
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_internal.h"
#include "sgp32/tlv.h"

#define RECORD_VERSION 1
#define RECORD_MAX (512u * 1024u)

enum sgp32_status ipa_record_read(struct sgp32_ipa *ipa, const char *name, struct ipa_blob *out)
{
    size_t cap = 1024, len = 0;
    int round;
    out->data = NULL;
    out->len = 0;
    for (round = 0; round < 2; round++) {
        uint8_t *buf = malloc(cap);
        enum sgp32_status st;
        if (buf == NULL)
            return SGP32_ERR_NO_MEMORY;
        len = 0;
        st = ipa->platform.load(ipa->platform.user, name, buf, cap, &len);
        if (st == SGP32_OK && len <= cap) {
            out->data = buf;
            out->len = len;
            return SGP32_OK;
        }
        free(buf);
        if (st == SGP32_ERR_NOT_FOUND)
            return st;
        if (st != SGP32_ERR_BUFFER_TOO_SMALL || len <= cap || len > RECORD_MAX)
            return ipa_fail(ipa, st == SGP32_OK ? SGP32_ERR_STORAGE : st, "storage load", name);
        cap = len;
    }
    return ipa_fail(ipa, SGP32_ERR_STORAGE, "storage load", name);
}

enum sgp32_status ipa_record_write(struct sgp32_ipa *ipa, const char *name, const uint8_t *data, size_t len)
{
    enum sgp32_status st = ipa->platform.save(ipa->platform.user, name, data, len);
    if (st == SGP32_OK || (st == SGP32_ERR_NOT_FOUND && data == NULL)) /* deleting what is not there */
        return SGP32_OK;
    return ipa_fail(ipa, SGP32_ERR_STORAGE, "storage save", name);
}

static enum sgp32_status write_record(struct sgp32_ipa *ipa, const char *name, struct sgp32_der_writer *w)
{
    size_t len = 0;
    uint8_t *data;
    enum sgp32_status st;
    sgp32_der_writer_end(w);
    data = sgp32_der_writer_take(w, &len);
    if (data == NULL)
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "record", name);
    st = ipa_record_write(ipa, name, data, len);
    free(data);
    return st;
}

static void begin_record(struct sgp32_der_writer *w)
{
    sgp32_der_writer_init_dynamic(w, RECORD_MAX);
    sgp32_der_writer_begin(w, 0x30);
    sgp32_der_writer_integer(w, 0x80, RECORD_VERSION);
}

/* Reads the integer field `tag` of a record (0 if absent). */
static int field_integer(const struct ipa_blob *record, uint32_t tag, long *value)
{
    const uint8_t *v;
    size_t len;
    return sgp32_der_find_child(record->data, record->len, tag, &v, &len, NULL) && sgp32_der_integer(v, len, value);
}

static enum sgp32_status field_bytes(const struct ipa_blob *record, uint32_t tag, struct ipa_blob *out)
{
    const uint8_t *v;
    size_t len;
    if (!sgp32_der_find_child(record->data, record->len, tag, &v, &len, NULL))
        return SGP32_OK; /* absent: stays empty */
    return ipa_blob_set(out, v, len);
}

/* Checks the outer SEQUENCE and the version; SGP32_ERR_STORAGE for a record this code cannot read. */
static enum sgp32_status check_record(struct sgp32_ipa *ipa, const char *name, const struct ipa_blob *record)
{
    long version = 0;
    size_t element_len = 0;
    if (record->len < 2 || record->data[0] != 0x30 ||
        sgp32_tlv_check(record->data, record->len, 4, 0, &element_len) != SGP32_OK || element_len != record->len ||
        !field_integer(record, 0x80, &version) || version != RECORD_VERSION)
        return ipa_fail(ipa, SGP32_ERR_STORAGE, "unreadable record", name);
    return SGP32_OK;
}

enum sgp32_status ipa_job_save(struct sgp32_ipa *ipa)
{
    struct sgp32_der_writer w;
    const struct ipa_job *job = &ipa->job;
    begin_record(&w);
    sgp32_der_writer_integer(&w, 0x81, job->kind);
    sgp32_der_writer_integer(&w, 0x82, job->stage);
    sgp32_der_writer_integer(&w, 0x83, job->injected);
    sgp32_der_writer_integer(&w, 0x84, job->rollback_armed);
    sgp32_der_writer_integer(&w, 0x85, job->uncertain);
    sgp32_der_writer_integer(&w, 0x86, job->seq_before);
    sgp32_der_writer_bytes(&w, 0x87, job->request.data, job->request.len);
    if (job->report.len > 0)
        sgp32_der_writer_bytes(&w, 0x88, job->report.data, job->report.len);
    return write_record(ipa, IPA_RECORD_JOB, &w);
}

enum sgp32_status ipa_job_load(struct sgp32_ipa *ipa)
{
    struct ipa_blob record = {NULL, 0};
    struct ipa_job *job = &ipa->job;
    long kind = 0, stage = 0, injected = 0, armed = 0, uncertain = 0, seq = -1;
    enum sgp32_status st = ipa_record_read(ipa, IPA_RECORD_JOB, &record);
    if (st != SGP32_OK)
        return st;
    st = check_record(ipa, IPA_RECORD_JOB, &record);
    if (st == SGP32_OK && (!field_integer(&record, 0x81, &kind) || !field_integer(&record, 0x82, &stage) ||
                           kind < IPA_JOB_EUICC_PACKAGE || kind > IPA_JOB_DOWNLOAD || stage < IPA_JOB_RECEIVED ||
                           stage > IPA_JOB_EXECUTED))
        st = ipa_fail(ipa, SGP32_ERR_STORAGE, "unreadable record", IPA_RECORD_JOB);
    if (st == SGP32_OK) {
        field_integer(&record, 0x83, &injected);
        field_integer(&record, 0x84, &armed);
        field_integer(&record, 0x85, &uncertain);
        field_integer(&record, 0x86, &seq);
        ipa_blob_free(&job->request);
        ipa_blob_free(&job->report);
        st = field_bytes(&record, 0x87, &job->request);
        if (st == SGP32_OK)
            st = field_bytes(&record, 0x88, &job->report);
    }
    if (st == SGP32_OK && (job->request.len == 0 || (stage == IPA_JOB_EXECUTED && job->report.len == 0)))
        st = ipa_fail(ipa, SGP32_ERR_STORAGE, "incomplete record", IPA_RECORD_JOB);
    if (st == SGP32_OK) {
        job->present = 1;
        job->kind = (int)kind;
        job->stage = (int)stage;
        job->injected = injected != 0;
        job->rollback_armed = armed != 0;
        job->uncertain = uncertain != 0;
        job->seq_before = seq;
    }
    free(record.data);
    return st;
}

enum sgp32_status ipa_job_clear(struct sgp32_ipa *ipa)
{
    ipa_blob_free(&ipa->job.request);
    ipa_blob_free(&ipa->job.report);
    memset(&ipa->job, 0, sizeof(ipa->job));
    return ipa_record_write(ipa, IPA_RECORD_JOB, NULL, 0);
}

enum sgp32_status ipa_acks_save(struct sgp32_ipa *ipa)
{
    struct sgp32_der_writer w;
    size_t i;
    if (ipa->ack_count == 0)
        return ipa_record_write(ipa, IPA_RECORD_ACKS, NULL, 0);
    begin_record(&w);
    for (i = 0; i < ipa->ack_count; i++)
        sgp32_der_writer_integer(&w, 0x81, ipa->acks[i]);
    return write_record(ipa, IPA_RECORD_ACKS, &w);
}

enum sgp32_status ipa_acks_load(struct sgp32_ipa *ipa)
{
    struct ipa_blob record = {NULL, 0};
    struct sgp32_tlv_header top, item;
    size_t offset;
    enum sgp32_status st = ipa_record_read(ipa, IPA_RECORD_ACKS, &record);
    ipa->ack_count = 0;
    if (st != SGP32_OK)
        return st;
    st = check_record(ipa, IPA_RECORD_ACKS, &record);
    if (st == SGP32_OK && sgp32_tlv_parse_header(record.data, record.len, &top) == SGP32_OK) {
        offset = top.header_len;
        while (offset < record.len && ipa->ack_count < IPA_MAX_ACKS &&
               sgp32_tlv_parse_header(record.data + offset, record.len - offset, &item) == SGP32_OK &&
               item.length <= record.len - offset - item.header_len) {
            long seq;
            if (item.tag == 0x81 && sgp32_der_integer(record.data + offset + item.header_len, item.length, &seq))
                ipa->acks[ipa->ack_count++] = seq;
            offset += item.header_len + item.length;
        }
    }
    free(record.data);
    return st;
}

enum sgp32_status ipa_change_set(struct sgp32_ipa *ipa, long cause)
{
    struct sgp32_der_writer w;
    ipa->change_cause = cause;
    begin_record(&w);
    sgp32_der_writer_integer(&w, 0x81, cause);
    return write_record(ipa, IPA_RECORD_CHANGE, &w);
}

enum sgp32_status ipa_change_clear(struct sgp32_ipa *ipa)
{
    ipa->change_cause = -1;
    return ipa_record_write(ipa, IPA_RECORD_CHANGE, NULL, 0);
}

enum sgp32_status ipa_change_load(struct sgp32_ipa *ipa)
{
    struct ipa_blob record = {NULL, 0};
    long cause = -1;
    enum sgp32_status st = ipa_record_read(ipa, IPA_RECORD_CHANGE, &record);
    if (st != SGP32_OK)
        return st;
    st = check_record(ipa, IPA_RECORD_CHANGE, &record);
    if (st == SGP32_OK && field_integer(&record, 0x81, &cause) && cause >= 0)
        ipa->change_cause = cause;
    free(record.data);
    return st;
}
