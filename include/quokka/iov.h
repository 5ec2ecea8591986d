/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scatter/gather helpers shared by the block layer and virtio devices:
 * copy between iovec arrays and flat buffers, cut a sub-range out of an
 * iovec array without copying the data.
 */
#ifndef QUOKKA_IOV_H
#define QUOKKA_IOV_H

#include <stddef.h>
#include <sys/uio.h>

size_t iov_size(const struct iovec *iov, int iovcnt);
/* Copy [offset, offset + bytes) of @iov out/in; return bytes copied. */
size_t iov_to_buf(const struct iovec *iov, int iovcnt, size_t offset,
                  void *buf, size_t bytes);
size_t iov_from_buf(const struct iovec *iov, int iovcnt, size_t offset,
                    const void *buf, size_t bytes);
size_t iov_memset(const struct iovec *iov, int iovcnt, size_t offset,
                  int c, size_t bytes);
/* Fills @dst (room for @dstmax) with the part [offset, offset+bytes). */
int iov_slice(const struct iovec *src, int srccnt, size_t offset,
              size_t bytes, struct iovec *dst, int dstmax);

#endif
