/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scatter/gather helpers: copy between iovec arrays and flat buffers, and
 * cut a sub-range out of an iovec array without copying the data.
 */
#include <string.h>
#include <glib.h>

#include "quokka/iov.h"

size_t iov_size(const struct iovec *iov, int iovcnt)
{
    size_t total = 0;

    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
    }
    return total;
}

/*
 * Walks [offset, offset + bytes) of @iov and calls @fn on each piece; the
 * piece's position in the flat range is passed as @done.
 */
typedef void IovPieceFunc(void *base, size_t len, size_t done, void *opaque);

static size_t iov_walk(const struct iovec *iov, int iovcnt, size_t offset,
                       size_t bytes, IovPieceFunc *fn, void *opaque)
{
    size_t done = 0;

    for (int i = 0; i < iovcnt && done < bytes; i++) {
        size_t len = iov[i].iov_len;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        len = MIN(len - offset, bytes - done);
        fn((char *)iov[i].iov_base + offset, len, done, opaque);
        done += len;
        offset = 0;
    }
    return done;
}

static void piece_to_buf(void *base, size_t len, size_t done, void *opaque)
{
    memcpy((char *)opaque + done, base, len);
}

static void piece_from_buf(void *base, size_t len, size_t done, void *opaque)
{
    memcpy(base, (const char *)opaque + done, len);
}

static void piece_memset(void *base, size_t len, size_t done, void *opaque)
{
    memset(base, *(int *)opaque, len);
}

size_t iov_to_buf(const struct iovec *iov, int iovcnt, size_t offset,
                  void *buf, size_t bytes)
{
    return iov_walk(iov, iovcnt, offset, bytes, piece_to_buf, buf);
}

size_t iov_from_buf(const struct iovec *iov, int iovcnt, size_t offset,
                    const void *buf, size_t bytes)
{
    return iov_walk(iov, iovcnt, offset, bytes, piece_from_buf, (void *)buf);
}

size_t iov_memset(const struct iovec *iov, int iovcnt, size_t offset,
                  int c, size_t bytes)
{
    return iov_walk(iov, iovcnt, offset, bytes, piece_memset, &c);
}

int iov_slice(const struct iovec *src, int srccnt, size_t offset,
              size_t bytes, struct iovec *dst, int dstmax)
{
    int n = 0;

    for (int i = 0; i < srccnt && bytes > 0; i++) {
        size_t len = src[i].iov_len;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        if (n == dstmax) {
            return -1;
        }
        len = MIN(len - offset, bytes);
        dst[n].iov_base = (char *)src[i].iov_base + offset;
        dst[n].iov_len = len;
        n++;
        bytes -= len;
        offset = 0;
    }
    return n;
}
