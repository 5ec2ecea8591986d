/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-img: shared helpers of the sub-commands.
 */
#ifndef TOOLS_IMG_H
#define TOOLS_IMG_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "block/block_int.h"

/* Parses "1G", "512", "1.5M" (binary suffixes k/K M G T P E). */
bool img_parse_size(const char *str, int64_t *size);
/* qemu-img's human size: "196 KiB", "1 GiB", "0.977 MiB". */
char *img_size_to_str(uint64_t val);
/* Appends @str as a JSON string literal. */
void img_json_string(GString *out, const char *str);
/* Opens with qemu-img's error reporting; NULL after printing the error. */
BlockBackend *img_open(const char *filename, const char *fmt, bool writable,
                       bool force_share, const char *cache, bool no_backing);
bool img_parse_create_opts(const char *optstr, BlockCreateOptions *o,
                           GPtrArray *owned, Error **errp);
void img_progress(double done, double total, bool enabled);
/* Checks --output's value and that exactly one file name is left. */
bool img_check_output_and_file(const char *output, int argc);
/* Appends the snapshot table to @json (members) and @human (a table). */
void img_info_snapshots(BlockDriverState *bs, GString *json,
                        GString *human);

int img_convert(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_rebase(int argc, char **argv);
int img_bench(int argc, char **argv);
int img_measure(int argc, char **argv);
int img_amend(int argc, char **argv);
int img_info(int argc, char **argv);

#endif
