/* SPDX-License-Identifier: MIT */
/* The forms of every ESipa function in the JSON binding: see esipa_json_forms.h. */
#include <stddef.h>
#include <string.h>

#include "remote/esipa_json_forms.h"

#define TRANSACTION_ID_MAX 16u /* TransactionId ::= OCTET STRING (SIZE(1..16)) */

#define PRIMITIVE(name, kind, m, tag, min, max)                                                                        \
    {                                                                                                                  \
        name, kind, m, tag, {0}, min, max                                                                              \
    }
#define HEX(name, m, tag, min, max) PRIMITIVE(name, ESIPA_HEX, m, tag, min, max)
#define BASE64(name, m, tag, min, max) PRIMITIVE(name, ESIPA_BASE64_VALUE, m, tag, min, max)
#define TEXT(name, m, tag) PRIMITIVE(name, ESIPA_STRING, m, tag, 0, 0)
#define NUMBER(name, m, tag) PRIMITIVE(name, ESIPA_INTEGER, m, tag, 0, 0)
#define FLAG(name, m, tag) PRIMITIVE(name, ESIPA_NULL, m, tag, 0, 0)
#define TRANSACTION_ID(name, m) HEX(name, m, 0x80u, 1u, TRANSACTION_ID_MAX)
#define TLV(name, m, ...)                                                                                              \
    {                                                                                                                  \
        name, ESIPA_TLV, m, 0, {__VA_ARGS__}, 0, 0                                                                     \
    }
#define FORM(wrap, table)                                                                                              \
    {                                                                                                                  \
        wrap, table, sizeof(table) / sizeof(table[0])                                                                  \
    }
#define EMPTY_FORM(wrap)                                                                                               \
    {                                                                                                                  \
        wrap, NULL, 0                                                                                                  \
    }
#define FORMS(table) table, sizeof(table) / sizeof(table[0])

/* ---- IPA to eIM (SGP.32 6.3.2, 6.3.3) ---- */

static const struct esipa_member initiate_authentication_request[] = {
    BASE64("euiccChallenge", 1u, 0x81u, 16u, 16u),
    TEXT("smdpAddress", 0, 0x83u),
    TLV("euiccInfo1", 0, 0xBF20u),
    HEX("eimTransactionId", 0, 0x82u, 1u, TRANSACTION_ID_MAX),
};
/* authenticateServerResponse / prepareDownloadResponse: BF38 / BF21 CHOICEs, compact forms included. */
static const struct esipa_member authenticate_client_request[] = {
    TRANSACTION_ID("transactionId", 1u),
    TLV("authenticateServerResponse", 1u, 0xBF38u),
};
static const struct esipa_member get_bound_profile_package_request[] = {
    TRANSACTION_ID("transactionId", 1u),
    TLV("prepareDownloadResponse", 1u, 0xBF21u),
};
/* AUTOMATIC TAGS makes cancelSessionResponse [1] IMPLICIT: A1 replaces the BF41 of the ES10b response;
 * JSON carries the BF41 element as the eUICC gave it. */
static const struct esipa_member cancel_session_request[] = {
    TRANSACTION_ID("transactionId", 1u),
    {"cancelSessionResponse", ESIPA_RETAG, 1u, 0xA1u, {0xBF41u}, 0, 0},
};
/* pendingNotification [0] is explicit (a CHOICE): JSON carries the notification itself. */
static const struct esipa_member handle_notification_pending[] = {
    {"pendingNotification", ESIPA_EXPLICIT, 1u, 0xA0u, {0xBF37u, 0x30u, 0xA0u, 0xA1u}, 0, 0},
};
static const struct esipa_member handle_notification_result[] = {TLV("provideEimPackageResult", 1u, 0xBF50u)};
static const struct esipa_member transfer_euicc_package_result[] = {TLV("euiccPackageResult", 1u, 0xBF51u)};
static const struct esipa_member transfer_epr_and_notifications[] = {TLV("ePRAndNotifications", 1u, 0x30u)};
static const struct esipa_member transfer_ipa_euicc_data_response[] = {TLV("ipaEuiccDataResponse", 1u, 0xBF52u)};
static const struct esipa_member transfer_eim_package_received[] = {FLAG("eimPackageReceived", 1u, 0x05u)};
static const struct esipa_member transfer_eim_package_error[] = {NUMBER("eimPackageError", 1u, 0x02u)};
static const struct esipa_member get_eim_package_request[] = {
    HEX("eidValue", 1u, 0x5Au, 16u, 16u),
    FLAG("notifyStateChange", 0, 0x80u),
    NUMBER("stateChangeCause", 0, 0x81u),
    BASE64("rPLMN", 0, 0x82u, 3u, 3u),
};
/* eimPackageResult: the chosen EimPackageResult alternative (BF51, ePRAndNotifications 30, BF52,
 * BF54, eimPackageResultResponseError A0). */
static const struct esipa_member provide_eim_package_result[] = {
    HEX("eidValue", 0, 0x5Au, 16u, 16u),
    TLV("eimPackageResult", 1u, 0xBF51u, 0x30u, 0xBF52u, 0xBF54u, 0xA0u),
};

/* ---- eIM to IPA ---- */

static const struct esipa_member initiate_authentication_ok[] = {
    TRANSACTION_ID("transactionId", 0),
    TLV("serverSigned1", 1u, 0x30u),
    TLV("serverSignature1", 1u, 0x5F37u),
    TLV("euiccCiPKIdentifierToBeUsed", 1u, 0x04u),
    TLV("serverCertificate", 1u, 0x30u),
    TEXT("matchingId", 0, 0x0Cu),
    {"ctxParams1", ESIPA_EXPLICIT, 0, 0xA2u, {0}, 0, 0},
};
static const struct esipa_member initiate_authentication_error[] = {
    NUMBER("initiateAuthenticationErrorEsipa", 1u, 0x81u)};
static const struct esipa_member authenticate_client_ok_dp[] = {
    TRANSACTION_ID("transactionId", 0), TLV("profileMetaData", 0, 0xBF25u), TLV("smdpSigned2", 1u, 0x30u),
    TLV("smdpSignature2", 1u, 0x5F37u), TLV("smdpCertificate", 1u, 0x30u),  BASE64("hashCc", 0, 0x04u, 32u, 32u),
};
static const struct esipa_member authenticate_client_ok_ds[] = {
    TRANSACTION_ID("transactionId", 1u),
    TLV("profileDownloadTrigger", 0, 0xBF54u),
};
static const struct esipa_member authenticate_client_error[] = {NUMBER("authenticateClientErrorEsipa", 1u, 0x82u)};
static const struct esipa_member get_bound_profile_package_ok[] = {
    TRANSACTION_ID("transactionId", 0),
    TLV("boundProfilePackage", 1u, 0xBF36u),
};
static const struct esipa_member get_bound_profile_package_error[] = {
    NUMBER("getBoundProfilePackageErrorEsipa", 1u, 0x81u)};
static const struct esipa_member cancel_session_error[] = {NUMBER("cancelSessionError", 1u, 0x81u)};
static const struct esipa_member euicc_package_request[] = {TLV("euiccPackageRequest", 1u, 0xBF51u)};
static const struct esipa_member ipa_euicc_data_request[] = {TLV("ipaEuiccDataRequest", 1u, 0xBF52u)};
static const struct esipa_member eim_acknowledgements[] = {TLV("eimAcknowledgements", 1u, 0xBF53u)};
static const struct esipa_member profile_download_trigger_request[] = {
    TLV("profileDownloadTriggerRequest", 1u, 0xBF54u)};
static const struct esipa_member eim_package_error[] = {NUMBER("eimPackageError", 1u, 0x02u)};
static const struct esipa_member provide_result_error[] = {NUMBER("provideEimPackageResultError", 1u, 0x02u)};

static const struct esipa_form initiate_authentication_up[] = {FORM(0, initiate_authentication_request)};
static const struct esipa_form initiate_authentication_down[] = {FORM(0xA0u, initiate_authentication_ok),
                                                                 FORM(0, initiate_authentication_error)};
static const struct esipa_form authenticate_client_up[] = {FORM(0, authenticate_client_request)};
static const struct esipa_form authenticate_client_down[] = {
    FORM(0xA0u, authenticate_client_ok_dp), FORM(0xA1u, authenticate_client_ok_ds), FORM(0, authenticate_client_error)};
static const struct esipa_form get_bound_profile_package_up[] = {FORM(0, get_bound_profile_package_request)};
static const struct esipa_form get_bound_profile_package_down[] = {FORM(0xA0u, get_bound_profile_package_ok),
                                                                   FORM(0, get_bound_profile_package_error)};
static const struct esipa_form cancel_session_up[] = {FORM(0, cancel_session_request)};
static const struct esipa_form cancel_session_down[] = {FORM(0, cancel_session_error), EMPTY_FORM(0xA0u)};
static const struct esipa_form handle_notification_up[] = {FORM(0, handle_notification_pending),
                                                           FORM(0, handle_notification_result)};
static const struct esipa_form transfer_eim_package_up[] = {
    FORM(0, transfer_euicc_package_result), FORM(0, transfer_epr_and_notifications),
    FORM(0, transfer_ipa_euicc_data_response), FORM(0, transfer_eim_package_received),
    FORM(0, transfer_eim_package_error)};
static const struct esipa_form transfer_eim_package_down[] = {
    FORM(0, euicc_package_request), FORM(0, ipa_euicc_data_request), FORM(0, eim_acknowledgements),
    FORM(0, profile_download_trigger_request)};
static const struct esipa_form get_eim_package_up[] = {FORM(0, get_eim_package_request)};
static const struct esipa_form get_eim_package_down[] = {
    FORM(0, euicc_package_request), FORM(0, ipa_euicc_data_request), FORM(0, profile_download_trigger_request),
    FORM(0, eim_package_error)};
static const struct esipa_form provide_eim_package_result_up[] = {FORM(0, provide_eim_package_result)};
static const struct esipa_form provide_eim_package_result_down[] = {FORM(0, eim_acknowledgements),
                                                                    FORM(0, provide_result_error), EMPTY_FORM(0x30u)};

static const struct esipa_function esipa_functions[] = {
    {SGP32_ESIPA_INITIATE_AUTHENTICATION, FORMS(initiate_authentication_up), FORMS(initiate_authentication_down)},
    {SGP32_ESIPA_AUTHENTICATE_CLIENT, FORMS(authenticate_client_up), FORMS(authenticate_client_down)},
    {SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE, FORMS(get_bound_profile_package_up), FORMS(get_bound_profile_package_down)},
    {SGP32_ESIPA_CANCEL_SESSION, FORMS(cancel_session_up), FORMS(cancel_session_down)},
    {SGP32_ESIPA_HANDLE_NOTIFICATION, FORMS(handle_notification_up), NULL, 0},
    {SGP32_ESIPA_TRANSFER_EIM_PACKAGE, FORMS(transfer_eim_package_up), FORMS(transfer_eim_package_down)},
    {SGP32_ESIPA_GET_EIM_PACKAGE, FORMS(get_eim_package_up), FORMS(get_eim_package_down)},
    {SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT, FORMS(provide_eim_package_result_up),
     FORMS(provide_eim_package_result_down)},
};

#define ESIPA_FUNCTION_COUNT (sizeof(esipa_functions) / sizeof(esipa_functions[0]))

const struct esipa_function *sgp32_esipa_json_function(enum sgp32_esipa_message message)
{
    size_t i;
    for (i = 0; i < ESIPA_FUNCTION_COUNT; i++) {
        if (esipa_functions[i].message == message)
            return &esipa_functions[i];
    }
    return NULL;
}

const struct esipa_function *sgp32_esipa_json_function_named(const char *name)
{
    size_t i;
    for (i = 0; name != NULL && i < ESIPA_FUNCTION_COUNT; i++) {
        if (strcmp(name, sgp32_esipa_message_name(esipa_functions[i].message)) == 0)
            return &esipa_functions[i];
    }
    return NULL;
}
