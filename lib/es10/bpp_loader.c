/* SPDX-License-Identifier: MIT */
/*
 * LoadBoundProfilePackage, streaming (SGP.22 2.5.5 and 5.7.6): the package is cut on its TLV boundaries
 * with the streaming TLV reader and each segment goes as its own ES10b command (one STORE DATA
 * sequence):
 *   1. BF36 header + BF23 (InitialiseSecureChannelRequest)
 *   2. A0 whole (firstSequenceOf87: ConfigureISDPRequest)
 *   3. A1 header, then each 88 (StoreMetadataRequest)
 *   4. A2 whole when present (replaceSessionKeys)
 *   5. A3 header, then each 86 (the profile elements)
 * Only the segment being assembled is held: memory is bounded by max_segment.
 */
#include <stdlib.h>
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#define DEFAULT_MAX_SEGMENT 16384u
/* Room in front of the capture buffer for the BF36 header sent together with BF23. */
#define LEAD 16u
#define BPP_DEPTH 4u

struct sgp32_es10_bpp_loader {
    struct sgp32_es10 *session;
    struct sgp32_tlv_reader reader;
    uint8_t *buffer; /* LEAD + max_segment bytes */
    size_t max_segment;
    uint8_t bf36_header[10];
    size_t bf36_header_len;
    int bf23_sent;
    int stream_complete;
    enum sgp32_status error; /* sticky */
    uint8_t *result;         /* the ProfileInstallationResult, once received */
    size_t result_len;
};

enum sgp32_status sgp32_es10_bpp_loader_new(struct sgp32_es10 *session, size_t max_segment,
                                            struct sgp32_es10_bpp_loader **loader_out)
{
    struct sgp32_es10_bpp_loader *loader;
    if (loader_out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *loader_out = NULL;
    if (session == NULL || max_segment > 65280u) /* one STORE DATA sequence: 256 blocks of 255 bytes */
        return SGP32_ERR_INVALID_ARGUMENT;
    if (max_segment == 0)
        max_segment = DEFAULT_MAX_SEGMENT;
    loader = calloc(1, sizeof(*loader));
    if (loader == NULL)
        return SGP32_ERR_NO_MEMORY;
    loader->buffer = malloc(LEAD + max_segment);
    if (loader->buffer == NULL) {
        free(loader);
        return SGP32_ERR_NO_MEMORY;
    }
    loader->session = session;
    loader->max_segment = max_segment;
    sgp32_tlv_reader_init(&loader->reader, loader->buffer + LEAD, max_segment, BPP_DEPTH + 8u);
    *loader_out = loader;
    return SGP32_OK;
}

static enum sgp32_status fail(struct sgp32_es10_bpp_loader *loader, enum sgp32_status st)
{
    loader->error = st;
    return st;
}

/* Sends one segment; an answer (ProfileInstallationResult) ends the load. */
static enum sgp32_status send_segment(struct sgp32_es10_bpp_loader *loader, const uint8_t *segment, size_t len)
{
    struct sgp32_tlv_header header;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    enum sgp32_status st;

    st = sgp32_es10_transceive(loader->session, segment, len, &answer, &answer_len);
    if (st != SGP32_OK)
        return fail(loader, st);
    if (answer_len == 0)
        return SGP32_OK;
    if (sgp32_tlv_parse_header(answer, answer_len, &header) != SGP32_OK || header.tag != 0xBF37 ||
        header.length != answer_len - header.header_len) {
        sgp32_buffer_free(answer);
        es10_fail(loader->session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "load bound profile package");
        return fail(loader, SGP32_ERR_PROTOCOL);
    }
    loader->result = answer;
    loader->result_len = answer_len;
    return SGP32_OK;
}

static enum sgp32_status on_header(struct sgp32_es10_bpp_loader *loader, const struct sgp32_tlv_event *event)
{
    enum sgp32_status st;
    if (event->depth == 0) {
        if (event->header.tag != 0xBF36 || event->data_len > sizeof(loader->bf36_header))
            return fail(loader, SGP32_ERR_DECODE);
        memcpy(loader->bf36_header, event->data, event->data_len);
        loader->bf36_header_len = event->data_len;
        return sgp32_tlv_reader_enter(&loader->reader);
    }
    if (event->depth == 1 && (event->header.tag == 0xA1 || event->header.tag == 0xA3)) {
        /* sequenceOf88 / sequenceOf86: the header alone, then each element (SGP.22 2.5.5). */
        st = send_segment(loader, event->data, event->data_len);
        if (st == SGP32_OK && loader->result == NULL)
            st = sgp32_tlv_reader_enter(&loader->reader);
        return st;
    }
    /* BF23, A0, A2 and anything else: sent whole. */
    st = sgp32_tlv_reader_capture(&loader->reader);
    return st == SGP32_OK ? st : fail(loader, st);
}

static enum sgp32_status on_element(struct sgp32_es10_bpp_loader *loader, const struct sgp32_tlv_event *event)
{
    uint8_t *capture = loader->buffer + LEAD;
    if (event->depth == 1 && event->header.tag == 0xBF23 && !loader->bf23_sent) {
        /* The first STORE DATA sequence: BF36 header + BF23, contiguous in front of the capture. */
        uint8_t *start = capture - loader->bf36_header_len;
        if (event->data != capture)
            memmove(capture, event->data, event->data_len);
        memcpy(start, loader->bf36_header, loader->bf36_header_len);
        loader->bf23_sent = 1;
        return send_segment(loader, start, loader->bf36_header_len + event->data_len);
    }
    if (!loader->bf23_sent)
        return fail(loader, SGP32_ERR_DECODE); /* the package must start with BF23 */
    return send_segment(loader, event->data, event->data_len);
}

enum sgp32_status sgp32_es10_bpp_loader_feed(struct sgp32_es10_bpp_loader *loader, const uint8_t *data, size_t len)
{
    struct sgp32_tlv_event event;
    enum sgp32_status st;

    if (loader == NULL || (data == NULL && len > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (loader->error != SGP32_OK)
        return loader->error;
    while (loader->result == NULL) {
        st = sgp32_tlv_reader_next(&loader->reader, &data, &len, &event);
        if (st == SGP32_ERR_NEED_MORE)
            return SGP32_OK;
        if (st == SGP32_ERR_TRAILING)
            return fail(loader, SGP32_ERR_TRAILING); /* bytes after the package */
        if (st != SGP32_OK)
            return fail(loader, st);
        switch (event.type) {
        case SGP32_TLV_EVENT_HEADER:
            st = on_header(loader, &event);
            break;
        case SGP32_TLV_EVENT_ELEMENT:
            st = on_element(loader, &event);
            break;
        case SGP32_TLV_EVENT_DONE:
            loader->stream_complete = 1;
            st = len > 0 ? SGP32_ERR_TRAILING : SGP32_OK;
            if (st == SGP32_OK)
                return SGP32_OK;
            break;
        default: /* END of BF36 / A1 / A3: nothing to send; PART never happens (nothing is skipped) */
            st = SGP32_OK;
            break;
        }
        if (st != SGP32_OK)
            return fail(loader, st);
    }
    return SGP32_OK;
}

int sgp32_es10_bpp_loader_done(const struct sgp32_es10_bpp_loader *loader)
{
    return loader != NULL && loader->result != NULL;
}

enum sgp32_status sgp32_es10_bpp_loader_finish(struct sgp32_es10_bpp_loader *loader, uint8_t **result,
                                               size_t *result_len)
{
    if (result != NULL)
        *result = NULL;
    if (result_len != NULL)
        *result_len = 0;
    if (loader == NULL || result == NULL || result_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (loader->result != NULL) {
        *result = loader->result;
        *result_len = loader->result_len;
        loader->result = NULL;
        loader->result_len = 0;
        loader->error = SGP32_ERR_STATE; /* handed over once */
        return SGP32_OK;
    }
    if (loader->error != SGP32_OK)
        return loader->error;
    if (!loader->stream_complete)
        return SGP32_ERR_TRUNCATED;
    /* The eUICC must answer the last segment with the ProfileInstallationResult. */
    return es10_fail(loader->session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "load bound profile package");
}

void sgp32_es10_bpp_loader_free(struct sgp32_es10_bpp_loader *loader)
{
    if (loader == NULL)
        return;
    sgp32_buffer_free(loader->result);
    free(loader->buffer);
    free(loader);
}
