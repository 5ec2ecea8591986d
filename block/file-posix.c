/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File protocol: regular files and block devices through pread/pwrite (the
 * worker pool makes them asynchronous) or io_uring (aio=io_uring), with
 * QEMU's cache modes and its OFD lock-byte protocol, so that Quokka and QEMU
 * see each other's locks on an image.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block_int.h"
#include "file-posix.h"

/*
 * Lock bytes as QEMU places them: a user holding permission i holds a shared
 * lock on byte LOCK_PERM_BASE + i; a user refusing to share permission i
 * holds one on LOCK_SHARED_BASE + i.
 */
#define LOCK_PERM_BASE   100
#define LOCK_SHARED_BASE 200

enum {
    PERM_CONSISTENT_READ = 0x1,
    PERM_WRITE = 0x2,
    PERM_WRITE_UNCHANGED = 0x4,
    PERM_RESIZE = 0x8,
    PERM_ALL = 0xf,
};

static const char *const perm_names[] = {
    "consistent read", "write", "write unchanged", "resize",
};

static bool file_lock_byte_free(int fd, off_t byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = byte,
        .l_len = 1,
        .l_type = F_WRLCK,
    };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return true;    /* no lock support: behave as unlocked */
    }
    return fl.l_type == F_UNLCK;
}

static bool file_set_lock_byte(int fd, off_t byte, bool lock)
{
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = byte,
        .l_len = 1,
        .l_type = lock ? F_RDLCK : F_UNLCK,
    };

    return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

static bool file_apply_locks(FileState *s, const char *filename,
                             unsigned perm, unsigned shared, Error **errp)
{
    for (int i = 0; i < 4; i++) {
        unsigned bit = 1u << i;

        if ((perm & bit) &&
            !file_lock_byte_free(s->fd, LOCK_SHARED_BASE + i)) {
            error_setg(errp, "Failed to get \"%s\" lock", perm_names[i]);
            goto busy;
        }
        if (!(shared & bit) &&
            !file_lock_byte_free(s->fd, LOCK_PERM_BASE + i)) {
            error_setg(errp, "Failed to get shared \"%s\" lock",
                       perm_names[i]);
            goto busy;
        }
    }
    for (int i = 0; i < 4; i++) {
        unsigned bit = 1u << i;

        if (!file_set_lock_byte(s->fd, LOCK_PERM_BASE + i, perm & bit) ||
            !file_set_lock_byte(s->fd, LOCK_SHARED_BASE + i,
                                !(shared & bit))) {
            error_setg(errp, "Failed to lock byte %d",
                       (perm & bit) ? LOCK_PERM_BASE + i
                                    : LOCK_SHARED_BASE + i);
            goto busy;
        }
    }
    return true;

busy:
    error_append_hint(errp, "Is another process using the image [%s]?\n",
                      filename);
    return false;
}

static void file_probe_alignment(BlockDriverState *bs, FileState *s)
{
    unsigned int sector = 0;
    void *buf;

    bs->request_alignment = 1;
    if (!s->direct) {
        return;
    }
    if (ioctl(s->fd, BLKSSZGET, &sector) == 0 && sector) {
        bs->request_alignment = sector;
        return;
    }
    /* A file system: the smallest size an O_DIRECT read accepts. */
    buf = g_malloc(4096 * 2);
    bs->request_alignment = 4096;
    for (int align = 512; align <= 4096; align *= 2) {
        void *p = (void *)(((uintptr_t)buf + 4095) & ~(uintptr_t)4095);

        if (pread(s->fd, p, align, 0) >= 0) {
            bs->request_alignment = align;
            break;
        }
    }
    g_free(buf);
}

static bool file_open(BlockDriverState *bs, const BlockOpenOptions *opts,
                      Error **errp)
{
    FileState *s = bs->opaque;
    int flags = O_CLOEXEC | (opts->read_only ? O_RDONLY : O_RDWR);
    unsigned perm, shared;
    struct stat st;

    s->fd = -1;
    g_mutex_init(&s->rmw_lock);
    s->direct = opts->cache.direct;
    if (s->direct) {
        flags |= O_DIRECT;
    }
    s->fd = open(bs->filename, flags);
    if (s->fd < 0 && errno == EINVAL && s->direct) {
        error_setg(errp, "Could not open '%s': file system does not "
                   "support O_DIRECT (cache=none/directsync)", bs->filename);
        return false;
    }
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", bs->filename);
        return false;
    }
    if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        error_setg(errp, "'%s' is a directory", bs->filename);
        goto fail;
    }
    s->is_blockdev = S_ISBLK(st.st_mode);
    if (opts->force_share) {
        perm = 0;
        shared = PERM_ALL;
    } else if (opts->read_only) {
        perm = PERM_CONSISTENT_READ;
        shared = PERM_ALL & ~(PERM_WRITE | PERM_RESIZE);
    } else {
        perm = PERM_ALL;
        shared = PERM_CONSISTENT_READ | PERM_WRITE_UNCHANGED;
    }
    if (!file_apply_locks(s, bs->filename, perm, shared, errp)) {
        goto fail;
    }
    file_probe_alignment(bs, s);
    s->no_flush = opts->cache.no_flush;
    if (opts->aio == BLOCK_AIO_IO_URING &&
        !file_uring_init(s, errp)) {
        goto fail;
    }
    return true;

fail:
    close(s->fd);
    s->fd = -1;
    return false;
}

static void file_close(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    file_uring_cleanup(s);
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_mutex_clear(&s->rmw_lock);
}

int file_get_fd(BlockDriverState *bs)
{
    return ((FileState *)bs->opaque)->fd;
}

static bool file_aligned(BlockDriverState *bs, int64_t offset, int64_t bytes,
                         const struct iovec *iov, int iovcnt)
{
    uintptr_t a = bs->request_alignment;

    if (a == 1) {
        return true;
    }
    if ((offset | bytes) & (a - 1)) {
        return false;
    }
    for (int i = 0; i < iovcnt; i++) {
        if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (a - 1)) {
            return false;
        }
    }
    return true;
}

/*
 * Transfers all of it, resuming after short transfers; for reads, bytes
 * past the end of the file read as zeroes.
 */
static int file_do_rw(FileState *s, bool write, int64_t offset,
                      int64_t bytes, const struct iovec *iov, int iovcnt)
{
    int64_t done = 0;
    struct iovec local[64];

    while (done < bytes) {
        int n = iov_slice(iov, iovcnt, done, bytes - done, local,
                          G_N_ELEMENTS(local));
        ssize_t r;

        if (n < 0) {
            n = G_N_ELEMENTS(local);
        }
        r = write ? pwritev(s->fd, local, n, offset + done)
                  : preadv(s->fd, local, n, offset + done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0 && write) {
            return -EIO;
        }
        if (r == 0) {
            iov_memset(iov, iovcnt, done, 0, bytes - done);
            break;
        }
        done += r;
    }
    return 0;
}

/* O_DIRECT with a misaligned request: go through an aligned bounce. */
static int file_bounce(BlockDriverState *bs, bool write, int64_t offset,
                       int64_t bytes, const struct iovec *iov, int iovcnt)
{
    FileState *s = bs->opaque;
    int64_t a = bs->request_alignment;
    int64_t start = offset & ~(a - 1);
    int64_t end = (offset + bytes + a - 1) & ~(a - 1);
    void *buf = g_aligned_alloc(1, end - start, MAX(a, 512));
    struct iovec biov = { .iov_base = buf, .iov_len = end - start };
    int ret;

    if (write) {
        g_mutex_lock(&s->rmw_lock);
    }
    ret = file_do_rw(s, false, start, end - start, &biov, 1);
    if (ret >= 0 && write) {
        iov_to_buf(iov, iovcnt, 0, (char *)buf + (offset - start), bytes);
        ret = file_do_rw(s, true, start, end - start, &biov, 1);
    } else if (ret >= 0) {
        iov_from_buf(iov, iovcnt, 0, (char *)buf + (offset - start), bytes);
    }
    if (write) {
        g_mutex_unlock(&s->rmw_lock);
    }
    g_aligned_free(buf);
    return ret;
}

static int file_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       const struct iovec *iov, int iovcnt)
{
    if (!file_aligned(bs, offset, bytes, iov, iovcnt)) {
        return file_bounce(bs, false, offset, bytes, iov, iovcnt);
    }
    return file_do_rw(bs->opaque, false, offset, bytes, iov, iovcnt);
}

static int file_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        const struct iovec *iov, int iovcnt, int flags)
{
    if (!file_aligned(bs, offset, bytes, iov, iovcnt)) {
        return file_bounce(bs, true, offset, bytes, iov, iovcnt);
    }
    return file_do_rw(bs->opaque, true, offset, bytes, iov, iovcnt);
}

static int file_flush(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    if (s->no_flush) {
        return 0;
    }
    return fdatasync(s->fd) < 0 ? -errno : 0;
}

static int file_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                              int64_t bytes, int flags)
{
    FileState *s = bs->opaque;
    int mode = FALLOC_FL_ZERO_RANGE;

    if (s->is_blockdev) {
        return -ENOTSUP;
    }
    if (flags & BDRV_REQ_MAY_UNMAP) {
        mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
    }
    if (fallocate(s->fd, mode, offset, bytes) == 0) {
        return 0;
    }
    if (errno == EOPNOTSUPP && mode == FALLOC_FL_ZERO_RANGE &&
        fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  offset, bytes) == 0) {
        return 0;
    }
    return -ENOTSUP;
}

static int file_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    FileState *s = bs->opaque;

    if (s->is_blockdev) {
        uint64_t range[2] = { offset, bytes };

        return ioctl(s->fd, BLKDISCARD, range) < 0 ? 0 : 0;
    }
    fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
              offset, bytes);
    return 0;   /* discard is advisory */
}

static int64_t file_getlength(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    struct stat st;

    if (s->is_blockdev) {
        uint64_t size;

        return ioctl(s->fd, BLKGETSIZE64, &size) < 0 ? -errno
                                                      : (int64_t)size;
    }
    if (fstat(s->fd, &st) < 0) {
        return -errno;
    }
    return st.st_size;
}

static int64_t file_get_allocated_size(BlockDriverState *bs)
{
    FileState *s = bs->opaque;
    struct stat st;

    if (fstat(s->fd, &st) < 0) {
        return -errno;
    }
    return (int64_t)st.st_blocks * 512;
}

static bool file_resize(int fd, int64_t old, int64_t size,
                        PreallocMode prealloc, Error **errp)
{
    if (ftruncate(fd, size) < 0) {
        error_setg_errno(errp, errno, "Could not resize file");
        return false;
    }
    if (size <= old || prealloc == PREALLOC_MODE_OFF ||
        prealloc == PREALLOC_MODE_METADATA) {
        return true;
    }
    if (prealloc == PREALLOC_MODE_FALLOC) {
        int r = posix_fallocate(fd, old, size - old);

        if (r) {
            error_setg_errno(errp, r, "Could not preallocate data for the "
                             "new area");
            return false;
        }
        return true;
    }
    /* full: write zeroes so that every byte is really allocated. */
    {
        const int64_t chunk = 1024 * 1024;
        void *zero = g_malloc0(chunk);
        int64_t off = old;

        while (off < size) {
            int64_t n = MIN(chunk, size - off);

            if (pwrite(fd, zero, n, off) != n) {
                g_free(zero);
                error_setg_errno(errp, errno, "Could not write zeroes for "
                                 "preallocation");
                return false;
            }
            off += n;
        }
        g_free(zero);
    }
    return true;
}

static bool file_truncate(BlockDriverState *bs, int64_t size, bool shrink,
                          PreallocMode prealloc, Error **errp)
{
    FileState *s = bs->opaque;
    int64_t old = file_getlength(bs);

    if (s->is_blockdev) {
        if (size > old) {
            error_setg(errp, "Cannot grow device files");
            return false;
        }
        return true;
    }
    return file_resize(s->fd, old, size, prealloc, errp);
}

static int file_block_status(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int64_t *pnum, int64_t *map,
                             BlockDriverState **file)
{
    FileState *s = bs->opaque;
    off_t data, hole;

    *map = offset;
    *file = bs;
    data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) {
            /* In a hole that runs to the end of the file. */
            *pnum = bytes;
            return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
        }
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
    }
    if (data > offset) {
        *pnum = MIN(bytes, data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID;
    }
    hole = lseek(s->fd, offset, SEEK_HOLE);
    if (hole < 0 || hole <= offset) {
        *pnum = bytes;
    } else {
        *pnum = MIN(bytes, hole - offset);
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID;
}

bool bdrv_file_create(const char *filename, int64_t size,
                      PreallocMode prealloc, Error **errp)
{
    int fd = open(filename, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = LOCK_PERM_BASE + 1,  /* somebody holding "write" */
        .l_len = 1,
        .l_type = F_WRLCK,
    };
    bool ok;

    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not create '%s'", filename);
        return false;
    }
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        error_setg(errp, "Failed to get \"write\" lock");
        error_append_hint(errp, "Is another process using the image "
                          "[%s]?\n", filename);
        close(fd);
        return false;
    }
    ok = file_resize(fd, 0, 0, PREALLOC_MODE_OFF, errp) &&
         file_resize(fd, 0, size, prealloc, errp);
    close(fd);
    return ok;
}

static bool file_create(const char *filename, const BlockCreateOptions *opts,
                        Error **errp)
{
    return bdrv_file_create(filename, opts->size, opts->prealloc, errp);
}

const BlockDriver bdrv_file = {
    .format_name = "file",
    .instance_size = sizeof(FileState),
    .is_protocol = true,
    .open = file_open,
    .close = file_close,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush = file_flush,
    .block_status = file_block_status,
    .truncate = file_truncate,
    .getlength = file_getlength,
    .get_allocated_size = file_get_allocated_size,
    .create = file_create,
};
