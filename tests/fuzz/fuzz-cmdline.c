/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: quokka-system-x86_64's command line, parsed and
 * checked (phase 1 of system/vl.c: option table, keyval, -machine,
 * -accel, -smp, -m, -drive, -netdev, -device, -chardev, -qmp, -vnc...).
 * Input: the arguments, NUL-separated.  A line is either refused with a
 * message or accepted; parsing it again after vl_config_reset() gives
 * the same answer, so no state survives the reset.  Phase 1 opens no
 * file or socket and starts no thread, so neither does this target.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "system/vl.h"

#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses @argv once; returns the message, "" when accepted, "exit". */
static char *fuzz_configure(int argc, char **argv)
{
    Error *err = NULL;
    bool exit_now = false;
    char *result;

    if (vl_configure(argc, argv, &exit_now, &err)) {
        if (err) {
            abort();
        }
        result = g_strdup(exit_now ? "exit" : "");
    } else {
        if (!err || !*error_get_pretty(err)) {
            abort();
        }
        result = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    vl_config_reset();
    return result;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    g_autofree char *text = g_malloc(size + 1);
    char *argv[FUZZ_MAX_ARGS + 2];
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;
    int argc = 0;

    if (!initialized) {
        /* -help and friends print to stdout: keep the fuzzer's log short. */
        int null_fd = open("/dev/null", O_WRONLY);

        if (null_fd >= 0) {
            dup2(null_fd, STDOUT_FILENO);
            close(null_fd);
        }
        error_set_progname("quokka-system-x86_64");
        initialized = true;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    argv[argc++] = (char *)"quokka-system-x86_64";
    for (size_t off = 0; off < size && argc <= FUZZ_MAX_ARGS;
         off += strlen(text + off) + 1) {
        argv[argc++] = text + off;
    }
    argv[argc] = NULL;

    first = fuzz_configure(argc, argv);
    second = fuzz_configure(argc, argv);
    if (strcmp(first, second)) {
        abort();
    }
    return 0;
}
