/* SPDX-License-Identifier: MIT */
/*
 * libsgp32 status codes. Every public function that can fail returns an enum sgp32_status; 0 is
 * success. The numeric values are part of the ABI: new codes are only ever appended.
 * Richer detail (status word, ES10 result code, ESipa/ES9+ status) is available from the handle
 * that produced the error.
 */
#ifndef SGP32_STATUS_H
#define SGP32_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum sgp32_status {
    SGP32_OK = 0,

    /* Usage and resources */
    SGP32_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, an impossible size, a bad option */
    SGP32_ERR_NO_MEMORY = 2,        /* the allocator failed */
    SGP32_ERR_BUFFER_TOO_SMALL = 3, /* a caller-provided buffer cannot hold the result */
    SGP32_ERR_NOT_SUPPORTED = 4,    /* a feature left out of this build, or not offered by the peer */
    SGP32_ERR_NOT_FOUND = 5,        /* a named item (type, profile, eIM ...) does not exist */
    SGP32_ERR_STATE = 6,            /* the call is not allowed in the current state */

    /* Codec (lib/codec) */
    SGP32_ERR_DECODE = 20,     /* malformed encoding: wrong tag, bad length, bad value */
    SGP32_ERR_TRUNCATED = 21,  /* the input ends inside an element */
    SGP32_ERR_TRAILING = 22,   /* bytes after the end of the element */
    SGP32_ERR_NOT_DER = 23,    /* valid BER but not DER where DER is required (signed data) */
    SGP32_ERR_TOO_LARGE = 24,  /* input or element above the configured limit */
    SGP32_ERR_TOO_DEEP = 25,   /* nesting deeper than the configured limit */
    SGP32_ERR_CONSTRAINT = 26, /* a value outside the constraints of its ASN.1 type */
    SGP32_ERR_ENCODE = 27,     /* the value cannot be encoded */
    SGP32_ERR_NEED_MORE = 28,  /* streaming: feed more input (not an error for stream readers) */

    /* I/O and peers (used by the transport, ES10, remote and IPA layers) */
    SGP32_ERR_TIMEOUT = 40,       /* a wait reached its deadline */
    SGP32_ERR_TRANSPORT = 41,     /* the APDU transport failed (device gone, I/O error) */
    SGP32_ERR_CARD_STATUS = 42,   /* the card answered an unexpected status word */
    SGP32_ERR_EUICC_RESULT = 43,  /* the eUICC answered an ES10 error code */
    SGP32_ERR_HTTP = 44,          /* HTTP transport error or unexpected HTTP status */
    SGP32_ERR_SERVER_STATUS = 45, /* the eIM / SM-DP+ / SM-DS answered an error status */
    SGP32_ERR_CRYPTO = 46,        /* a signature, MAC or key check failed */
    SGP32_ERR_STORAGE = 47,       /* the storage callback failed or returned corrupt data */
    SGP32_ERR_NO_CARD = 48,       /* no card present / card removed */
    SGP32_ERR_PROTOCOL = 49,      /* the peer broke the protocol (unexpected message) */
    SGP32_ERR_CANCELLED = 50      /* the operation was cancelled */
};

/* A short English description of a status code; never NULL, also for unknown codes. */
const char *sgp32_strerror(enum sgp32_status status);

/* The symbolic name of a status code ("SGP32_ERR_DECODE"); "SGP32_UNKNOWN" for unknown codes. */
const char *sgp32_status_name(enum sgp32_status status);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_STATUS_H */
