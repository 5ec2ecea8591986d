/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the command-line option parser (util/keyval.c).
 * Input: one option string.  It is parsed with and without an implied
 * key, every key is read through each typed getter, and each value must
 * survive keyval_escape() + keyval_parse("v=...") unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "quokka/keyval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_getters(Keyval *kv)
{
    static const char *const none[] = { NULL };

    for (int i = 0; i < kv->n_pairs; i++) {
        const char *key = kv->pairs[i].key;
        const char *value = keyval_get(kv, key);
        g_autofree char *escaped = NULL;
        g_autofree char *option = NULL;
        Keyval *back;
        uint64_t u;
        int64_t s;
        bool b;

        keyval_get_bool(kv, key, false, &b, NULL);
        keyval_get_uint(kv, key, 0, &u, NULL);
        keyval_get_size(kv, key, 0, &u, NULL);
        parse_int(key, value, &s, NULL);

        /* An escaped value reads back as itself. */
        escaped = keyval_escape(value);
        option = g_strconcat("v=", escaped, NULL);
        back = keyval_parse(option, NULL, NULL);
        if (!back || !keyval_has(back, "v") ||
            strcmp(keyval_get(back, "v"), value)) {
            abort();
        }
        keyval_free(back);
    }
    keyval_check_keys(kv, none, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    Keyval *kv;

    kv = keyval_parse(text, "driver", NULL);
    if (kv) {
        fuzz_getters(kv);
        keyval_free(kv);
    }
    kv = keyval_parse(text, NULL, NULL);
    if (kv) {
        fuzz_getters(kv);
        keyval_free(kv);
    }
    return 0;
}
