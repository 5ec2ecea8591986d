/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option lists in QEMU's command-line syntax: "value,key=value,flag,..."
 *
 * The first element may omit its key (the "implied key", e.g. the size in
 * "-m 1G" or the driver in "-device e1000,mac=...").  ",," stands for a
 * literal comma inside a value.  A bare "key" later in the list means
 * key=on.  The last occurrence of a key wins, as in QEMU.
 */
#ifndef QUOKKA_KEYVAL_H
#define QUOKKA_KEYVAL_H

#include <stdbool.h>
#include <stdint.h>
#include "quokka/error.h"

typedef struct KeyvalPair {
    char *key;
    char *value;
    bool used;
} KeyvalPair;

typedef struct Keyval {
    char *text;                 /* the original text, for messages */
    KeyvalPair *pairs;
    int n_pairs;
} Keyval;

/*
 * Parse @text.  @implied_key names the first element when it has no
 * "key=" (NULL: every element needs a key, except bare flags).
 */
Keyval *keyval_parse(const char *text, const char *implied_key,
                     Error **errp);
/* The same, but each key in @repeatable keeps every value it is given. */
Keyval *keyval_parse_repeatable(const char *text, const char *implied_key,
                                const char *const *repeatable, Error **errp);
void keyval_free(Keyval *kv);
Keyval *keyval_new_empty(void);
void keyval_set(Keyval *kv, const char *key, const char *value);
/* Adds @key=@value after the others, even if @key is there already. */
void keyval_append(Keyval *kv, const char *key, const char *value);
bool keyval_has(Keyval *kv, const char *key);
/* Returns the value (marks it used) or NULL when absent. */
const char *keyval_get(Keyval *kv, const char *key);
/* Typed getters: *out keeps @def when the key is absent. */
bool keyval_get_bool(Keyval *kv, const char *key, bool def, bool *out,
                     Error **errp);
bool keyval_get_uint(Keyval *kv, const char *key, uint64_t def,
                     uint64_t *out, Error **errp);
bool keyval_get_size(Keyval *kv, const char *key, uint64_t def,
                     uint64_t *out, Error **errp);
/* Fails naming the first key not in the NULL-terminated @allowed list. */
bool keyval_check_keys(Keyval *kv, const char *const *allowed,
                       Error **errp);
/* Escape @value so keyval_parse() reads it back ("a,b" -> "a,,b"). */
char *keyval_escape(const char *value);

/* Scalar parsers shared by properties and options. */
bool parse_bool(const char *name, const char *str, bool *out, Error **errp);
bool parse_uint(const char *name, const char *str, uint64_t *out,
                Error **errp);
bool parse_int(const char *name, const char *str, int64_t *out,
               Error **errp);
/*
 * Sizes: a number (fractions allowed) with an optional suffix B, K, M, G,
 * T, P or E (binary multiples, any case).  @default_unit applies when
 * there is no suffix (1 for bytes; -m uses MiB).
 */
bool parse_size_unit(const char *name, const char *str,
                     uint64_t default_unit, uint64_t *out, Error **errp);
bool parse_size(const char *name, const char *str, uint64_t *out,
                Error **errp);

#endif
