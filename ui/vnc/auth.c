/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VNC authentication (RFC 6143 section 7.2.2): the client DES-encrypts a
 * 16-byte challenge with the password as key.  As every VNC
 * implementation does, each key byte is used bit-reversed.  DES is
 * nettle's.
 */
#include <string.h>
#include <glib.h>
#include <nettle/des.h>

#include "ui/vnc/vnc-int.h"

static uint8_t vnc_reverse_bits(uint8_t b)
{
    uint8_t r = 0;

    for (int i = 0; i < 8; i++) {
        r |= ((b >> i) & 1) << (7 - i);
    }
    return r;
}

void vnc_auth_challenge(uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE])
{
    for (int i = 0; i < VNC_AUTH_CHALLENGE_SIZE; i += 4) {
        uint32_t r = g_random_int();

        memcpy(challenge + i, &r, 4);
    }
}

void vnc_auth_response(const char *password,
                       const uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE],
                       uint8_t response[VNC_AUTH_CHALLENGE_SIZE])
{
    struct des_ctx ctx;
    uint8_t key[DES_KEY_SIZE] = { 0 };
    size_t len = strlen(password);

    for (size_t i = 0; i < DES_KEY_SIZE && i < len; i++) {
        key[i] = vnc_reverse_bits(password[i]);
    }
    /* Weak keys are refused by nettle's return value only; the schedule
     * is set up either way, as VNC needs. */
    des_set_key(&ctx, key);
    des_encrypt(&ctx, VNC_AUTH_CHALLENGE_SIZE, response, challenge);
}

bool vnc_auth_check(const char *password,
                    const uint8_t challenge[VNC_AUTH_CHALLENGE_SIZE],
                    const uint8_t response[VNC_AUTH_CHALLENGE_SIZE])
{
    uint8_t expected[VNC_AUTH_CHALLENGE_SIZE];
    uint8_t diff = 0;

    vnc_auth_response(password, challenge, expected);
    for (int i = 0; i < VNC_AUTH_CHALLENGE_SIZE; i++) {
        diff |= expected[i] ^ response[i];
    }
    return diff == 0;
}
