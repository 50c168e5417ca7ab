/* SPDX-License-Identifier: MIT */
/*
 * The eUICC's signature (SK.EUICC.ECDSA, SGP.22 2.6.8): ECDSA-SHA256, r||s (64 bytes), through the
 * library's crypto layer when it is built (SGP32_HAVE_CRYPTO); otherwise the card cannot sign.
 */
#include <string.h>

#include "card_internal.h"

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/rng.h"

static int card_random(void *user, uint8_t *buf, size_t len)
{
    return softeuicc_random(user, buf, len) == SGP32_OK ? 0 : -1;
}

enum sgp32_status softeuicc_check_private_key(const uint8_t *key_data, size_t len)
{
    struct sgp32_ec_key key;
    enum sgp32_status status;
    sgp32_ec_key_init(&key);
    status = sgp32_ec_import_private(&key, key_data, len);
    sgp32_ec_key_free(&key);
    return status;
}

enum sgp32_status softeuicc_sign(struct sgp32_softeuicc *card, const uint8_t *message, size_t len,
                                 uint8_t signature[64])
{
    struct sgp32_ec_key key;
    struct sgp32_crypto_rng rng;
    enum sgp32_status status;
    if (card->state.euicc_private_key == NULL)
        return SGP32_ERR_STATE;
    memset(&rng, 0, sizeof(rng));
    sgp32_ec_key_init(&key);
    status = sgp32_ec_import_private(&key, card->state.euicc_private_key, card->state.euicc_private_key_len);
    if (status == SGP32_OK)
        status = sgp32_crypto_rng_init(&rng, card_random, card);
    if (status == SGP32_OK)
        status = sgp32_ecdsa_sign_sha256(&key, &rng, message, len, signature);
    sgp32_crypto_rng_free(&rng);
    sgp32_ec_key_free(&key);
    return status;
}

int softeuicc_can_sign(const struct sgp32_softeuicc *card)
{
    return card->state.euicc_private_key != NULL && card->state.euicc_certificate != NULL &&
           card->state.eum_certificate != NULL;
}
#else
enum sgp32_status softeuicc_check_private_key(const uint8_t *key_data, size_t len)
{
    (void)key_data;
    (void)len;
    return SGP32_ERR_NOT_SUPPORTED;
}

enum sgp32_status softeuicc_sign(struct sgp32_softeuicc *card, const uint8_t *message, size_t len,
                                 uint8_t signature[64])
{
    (void)card;
    (void)message;
    (void)len;
    (void)signature;
    return SGP32_ERR_NOT_SUPPORTED;
}

int softeuicc_can_sign(const struct sgp32_softeuicc *card)
{
    (void)card;
    return 0;
}
#endif
