/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-syntax option lists ("implied,key=value,flag") and scalar parsers.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "quokka/keyval.h"

Keyval *keyval_new_empty(void)
{
    Keyval *kv = g_new0(Keyval, 1);

    kv->text = g_strdup("");
    return kv;
}

void keyval_set(Keyval *kv, const char *key, const char *value)
{
    for (int i = 0; i < kv->n_pairs; i++) {
        if (!strcmp(kv->pairs[i].key, key)) {
            g_free(kv->pairs[i].value);
            kv->pairs[i].value = g_strdup(value);
            return;
        }
    }
    keyval_append(kv, key, value);
}

void keyval_append(Keyval *kv, const char *key, const char *value)
{
    kv->pairs = g_renew(KeyvalPair, kv->pairs, kv->n_pairs + 1);
    kv->pairs[kv->n_pairs].key = g_strdup(key);
    kv->pairs[kv->n_pairs].value = g_strdup(value);
    kv->pairs[kv->n_pairs].used = false;
    kv->n_pairs++;
}

/* Reads one element up to an unescaped ',' and un-escapes ",,". */
static const char *keyval_read_element(const char *p, GString *out)
{
    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(out, *p++);
    }
    return p;
}

static bool keyval_valid_key(const char *key)
{
    if (!*key) {
        return false;
    }
    for (const char *c = key; *c; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            return false;
        }
    }
    return true;
}

Keyval *keyval_parse(const char *text, const char *implied_key,
                     Error **errp)
{
    return keyval_parse_repeatable(text, implied_key, NULL, errp);
}

Keyval *keyval_parse_repeatable(const char *text, const char *implied_key,
                                const char *const *repeatable, Error **errp)
{
    Keyval *kv = g_new0(Keyval, 1);
    const char *p = text;
    bool first = true;
    GString *elem = g_string_new(NULL);

    kv->text = g_strdup(text);
    while (*p) {
        const char *eq;

        g_string_truncate(elem, 0);
        p = keyval_read_element(p, elem);
        if (*p == ',') {
            p++;
            if (!*p) {
                error_setg(errp, "Expected parameter before end of list");
                goto fail;
            }
        }
        eq = strchr(elem->str, '=');
        if (eq) {
            char *key = g_strndup(elem->str, eq - elem->str);

            if (first && implied_key && !keyval_valid_key(key)) {
                /* "file=a=b" style implied values keep their '='. */
                keyval_set(kv, implied_key, elem->str);
            } else if (!keyval_valid_key(key)) {
                error_setg(errp, "Invalid parameter '%s'", key);
                g_free(key);
                goto fail;
            } else if (repeatable && g_strv_contains(repeatable, key)) {
                keyval_append(kv, key, eq + 1);
            } else {
                keyval_set(kv, key, eq + 1);
            }
            g_free(key);
        } else if (first && implied_key) {
            keyval_set(kv, implied_key, elem->str);
        } else if (!elem->len) {
            error_setg(errp, "Expected parameter before ','");
            goto fail;
        } else if (!keyval_valid_key(elem->str)) {
            error_setg(errp, "Invalid parameter '%s'", elem->str);
            goto fail;
        } else {
            keyval_set(kv, elem->str, "on");
        }
        first = false;
    }
    g_string_free(elem, TRUE);
    return kv;

fail:
    g_string_free(elem, TRUE);
    keyval_free(kv);
    return NULL;
}

void keyval_free(Keyval *kv)
{
    if (!kv) {
        return;
    }
    for (int i = 0; i < kv->n_pairs; i++) {
        g_free(kv->pairs[i].key);
        g_free(kv->pairs[i].value);
    }
    g_free(kv->pairs);
    g_free(kv->text);
    g_free(kv);
}

static KeyvalPair *keyval_find(Keyval *kv, const char *key)
{
    for (int i = 0; i < kv->n_pairs; i++) {
        if (!strcmp(kv->pairs[i].key, key)) {
            return &kv->pairs[i];
        }
    }
    return NULL;
}

bool keyval_has(Keyval *kv, const char *key)
{
    return keyval_find(kv, key) != NULL;
}

const char *keyval_get(Keyval *kv, const char *key)
{
    KeyvalPair *pair = keyval_find(kv, key);

    if (!pair) {
        return NULL;
    }
    pair->used = true;
    return pair->value;
}

bool keyval_get_bool(Keyval *kv, const char *key, bool def, bool *out,
                     Error **errp)
{
    const char *v = keyval_get(kv, key);

    *out = def;
    return v ? parse_bool(key, v, out, errp) : true;
}

bool keyval_get_uint(Keyval *kv, const char *key, uint64_t def,
                     uint64_t *out, Error **errp)
{
    const char *v = keyval_get(kv, key);

    *out = def;
    return v ? parse_uint(key, v, out, errp) : true;
}

bool keyval_get_size(Keyval *kv, const char *key, uint64_t def,
                     uint64_t *out, Error **errp)
{
    const char *v = keyval_get(kv, key);

    *out = def;
    return v ? parse_size(key, v, out, errp) : true;
}

bool keyval_check_keys(Keyval *kv, const char *const *allowed, Error **errp)
{
    for (int i = 0; i < kv->n_pairs; i++) {
        bool ok = false;

        for (const char *const *a = allowed; *a; a++) {
            if (!strcmp(*a, kv->pairs[i].key)) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            error_setg(errp, "Invalid parameter '%s'", kv->pairs[i].key);
            return false;
        }
    }
    return true;
}

char *keyval_escape(const char *value)
{
    GString *s = g_string_new(NULL);

    for (const char *c = value; *c; c++) {
        if (*c == ',') {
            g_string_append_c(s, ',');
        }
        g_string_append_c(s, *c);
    }
    return g_string_free(s, FALSE);
}

bool parse_bool(const char *name, const char *str, bool *out, Error **errp)
{
    if (!strcmp(str, "on") || !strcmp(str, "yes") || !strcmp(str, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(str, "off") || !strcmp(str, "no") || !strcmp(str, "false")) {
        *out = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

bool parse_uint(const char *name, const char *str, uint64_t *out,
                Error **errp)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (!*str || *str == '-' || g_ascii_isspace(*str)) {
        goto bad;
    }
    v = strtoull(str, &end, 0);
    if (errno || *end) {
        goto bad;
    }
    *out = v;
    return true;
bad:
    error_setg(errp, "Parameter '%s' expects a non-negative number", name);
    return false;
}

bool parse_int(const char *name, const char *str, int64_t *out,
               Error **errp)
{
    char *end;
    long long v;

    errno = 0;
    if (!*str || g_ascii_isspace(*str)) {
        goto bad;
    }
    v = strtoll(str, &end, 0);
    if (errno || *end) {
        goto bad;
    }
    *out = v;
    return true;
bad:
    error_setg(errp, "Parameter '%s' expects an integer", name);
    return false;
}

static int size_suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B':
        return 0;
    case 'K':
        return 10;
    case 'M':
        return 20;
    case 'G':
        return 30;
    case 'T':
        return 40;
    case 'P':
        return 50;
    case 'E':
        return 60;
    default:
        return -1;
    }
}

bool parse_size_unit(const char *name, const char *str,
                     uint64_t default_unit, uint64_t *out, Error **errp)
{
    char *end;
    double val;
    unsigned long long ival;
    uint64_t unit = default_unit;

    errno = 0;
    if (!*str || *str == '-' || g_ascii_isspace(*str) ||
        !g_ascii_isdigit(*str)) {
        goto bad;
    }
    /* Integers are parsed exactly; a fraction ("1.5G") goes through double. */
    ival = strtoull(str, &end, 10);
    if (errno) {
        goto bad;
    }
    if (*end == '.') {
        val = g_ascii_strtod(str, &end);
        if (errno || !isfinite(val)) {
            goto bad;
        }
    } else {
        val = -1;
    }
    if (*end) {
        int shift = size_suffix_shift(*end);

        if (shift < 0 || end[1]) {
            goto bad;
        }
        unit = 1ULL << shift;
    }
    if (val >= 0) {
        double total = val * (double)unit;

        if (total >= 18446744073709551616.0) {
            goto bad;
        }
        *out = (uint64_t)total;
    } else {
        if (unit && ival > UINT64_MAX / unit) {
            goto bad;
        }
        *out = ival * unit;
    }
    return true;
bad:
    error_setg(errp, "Parameter '%s' expects a size", name);
    error_append_hint(errp, "Optional suffix k, M, G, T, P or E means kilo-, "
                      "mega-, giga-, tera-, peta-\nand exabytes, "
                      "respectively.\n");
    return false;
}

bool parse_size(const char *name, const char *str, uint64_t *out,
                Error **errp)
{
    return parse_size_unit(name, str, 1, out, errp);
}
