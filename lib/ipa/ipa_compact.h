/* SPDX-License-Identifier: MIT */
/*
 * The compact forms of SGP.32 v1.2 (SGP32Definitions, 5.14.2-5.14.8) that an IPA with
 * minimizeEsipaBytes sends to the eIM over ESipa (never to an SM-DP+ over ES9+): pure functions, the
 * eUICC's full response in, the compact form out. No signature is touched: the compact form keeps
 * every signature and the data the eIM cannot know, and leaves out only what the eIM already has
 * (certificates it knows, fields of the RSP session it relays), so the eIM rebuilds the signed data
 * byte for byte (docs/ipa.md "minimizeEsipaBytes").
 *
 * Each function: SGP32_OK with *out (malloc'd, free()) the compact form; SGP32_ERR_NOT_SUPPORTED when
 * this input has no lossless compact form (an error alternative, a layout the eIM could not rebuild):
 * the caller sends the full form; SGP32_ERR_DECODE when the input is malformed; SGP32_ERR_NO_MEMORY.
 */
#ifndef SGP32_LIB_IPA_COMPACT_H
#define SGP32_LIB_IPA_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

/* AuthenticateServerResponse BF38 { A0 { 30 euiccSigned1, 5F37, 30 euiccCertificate, 30 eumCertificate } }
 * -> BF38 { A2 compactAuthenticateResponseOk { 30 euiccSigned1, 5F37 } }. */
enum sgp32_status ipa_compact_authenticate_server_response(const uint8_t *full, size_t len, uint8_t **out,
                                                           size_t *out_len);

/* PrepareDownloadResponse BF21 { A0 { 30 { 80 transactionId, 5F49 euiccOtpk, 04 hashCc? }, 5F37 } }
 * -> BF21 { A2 compactDownloadResponseOk { 30 { 5F49 euiccOtpk, 04 hashCc? }, 5F37 } }; hashCc left
 * out too when hash_cc_from_eim (the eIM gave it in AuthenticateClientOkDPEsipa). */
enum sgp32_status ipa_compact_prepare_download_response(const uint8_t *full, size_t len, int hash_cc_from_eim,
                                                        uint8_t **out, size_t *out_len);

/* CancelSessionResponse BF41 { A0 { 30 { 80 transactionId, 81 smdpOid, 82 reason }, 5F37 } }
 * -> BF41 { A2 compactCancelSessionResponseOk { 30 { 80 reason }, 5F37 } }. */
enum sgp32_status ipa_compact_cancel_session_response(const uint8_t *full, size_t len, uint8_t **out, size_t *out_len);

/* One PendingNotification element: ProfileInstallationResult (BF37) -> compactProfileInstallationResult
 * (A0), OtherSignedNotification (30) -> compactOtherSignedNotification (A1, with eidValue when eid is
 * not NULL: the message carries no EID of its own). */
enum sgp32_status ipa_compact_notification(const uint8_t *full, size_t len, const uint8_t *eid, uint8_t **out,
                                           size_t *out_len);

/* The content of a PendingNotificationList (concatenated elements): each element compacted where it
 * can be, the others as they are. SGP32_OK (*out may equal the input's bytes when nothing changed). */
enum sgp32_status ipa_compact_notification_list(const uint8_t *list, size_t len, const uint8_t *eid, uint8_t **out,
                                                size_t *out_len);

#endif /* SGP32_LIB_IPA_COMPACT_H */
