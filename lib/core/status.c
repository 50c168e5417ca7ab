/* SPDX-License-Identifier: MIT */
#include "sgp32/status.h"

#include <stddef.h>

struct status_text {
    enum sgp32_status status;
    const char *name;
    const char *text;
};

#define STATUS(code, text)                                                                                             \
    {                                                                                                                  \
        code, #code, text                                                                                              \
    }
static const struct status_text status_texts[] = {
    STATUS(SGP32_OK, "success"),
    STATUS(SGP32_ERR_INVALID_ARGUMENT, "invalid argument"),
    STATUS(SGP32_ERR_NO_MEMORY, "out of memory"),
    STATUS(SGP32_ERR_BUFFER_TOO_SMALL, "buffer too small"),
    STATUS(SGP32_ERR_NOT_SUPPORTED, "not supported"),
    STATUS(SGP32_ERR_NOT_FOUND, "not found"),
    STATUS(SGP32_ERR_STATE, "operation not allowed in the current state"),
    STATUS(SGP32_ERR_DECODE, "malformed encoding"),
    STATUS(SGP32_ERR_TRUNCATED, "input ends inside an element"),
    STATUS(SGP32_ERR_TRAILING, "unexpected bytes after the element"),
    STATUS(SGP32_ERR_NOT_DER, "not DER-encoded where DER is required"),
    STATUS(SGP32_ERR_TOO_LARGE, "input larger than the configured limit"),
    STATUS(SGP32_ERR_TOO_DEEP, "nesting deeper than the configured limit"),
    STATUS(SGP32_ERR_CONSTRAINT, "value outside the constraints of its type"),
    STATUS(SGP32_ERR_ENCODE, "value cannot be encoded"),
    STATUS(SGP32_ERR_NEED_MORE, "more input needed"),
    STATUS(SGP32_ERR_TIMEOUT, "timed out"),
    STATUS(SGP32_ERR_TRANSPORT, "APDU transport failure"),
    STATUS(SGP32_ERR_CARD_STATUS, "unexpected status word from the card"),
    STATUS(SGP32_ERR_EUICC_RESULT, "the eUICC returned an error result"),
    STATUS(SGP32_ERR_HTTP, "HTTP failure"),
    STATUS(SGP32_ERR_SERVER_STATUS, "the server returned an error status"),
    STATUS(SGP32_ERR_CRYPTO, "cryptographic check failed"),
    STATUS(SGP32_ERR_STORAGE, "storage failure"),
    STATUS(SGP32_ERR_NO_CARD, "no card present"),
    STATUS(SGP32_ERR_PROTOCOL, "protocol violation by the peer"),
    STATUS(SGP32_ERR_CANCELLED, "cancelled"),
};
#undef STATUS

static const struct status_text *find(enum sgp32_status status)
{
    size_t i;
    for (i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++) {
        if (status_texts[i].status == status)
            return &status_texts[i];
    }
    return NULL;
}

const char *sgp32_strerror(enum sgp32_status status)
{
    const struct status_text *t = find(status);
    return t != NULL ? t->text : "unknown status";
}

const char *sgp32_status_name(enum sgp32_status status)
{
    const struct status_text *t = find(status);
    return t != NULL ? t->name : "SGP32_UNKNOWN";
}
