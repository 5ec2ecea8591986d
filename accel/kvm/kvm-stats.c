/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM binary statistics: the file that KVM_GET_STATS_FD returns for a VM
 * or a vCPU (Linux Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD").
 * The header and descriptors are read once; each read of the data block
 * gives every counter at one instant.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm-internal.h"

/* Sanity limits on what the device describes (it is not trusted). */
#define KVM_STATS_MAX_NAME      256
#define KVM_STATS_MAX_DESC      4096
#define KVM_STATS_MAX_DATA      (1u << 20)

struct KVMStats {
    int fd;
    char *device;               /* for messages */
    uint32_t data_offset;
    size_t data_len;            /* in uint64_t */
    unsigned n;
    KVMStatsDesc *desc;
};

static bool kvm_stats_pread(KVMStats *st, void *buf, size_t len, off_t off,
                            const char *what, Error **errp)
{
    ssize_t got = pread(st->fd, buf, len, off);

    if (got < 0) {
        error_setg_errno(errp, errno, "%s: cannot read the statistics %s",
                         st->device, what);
        return false;
    }
    if ((size_t)got != len) {
        error_setg(errp, "%s: the statistics %s are truncated (%zd of %zu "
                   "bytes)", st->device, what, got, len);
        return false;
    }
    return true;
}

static bool kvm_stats_check_desc(KVMStats *st, const KVMStatsDesc *d,
                                 Error **errp)
{
    unsigned type = d->flags & KVM_STATS_TYPE_MASK;

    if (type > KVM_STATS_TYPE_MAX ||
        (d->flags & KVM_STATS_UNIT_MASK) > KVM_STATS_UNIT_MAX ||
        (d->flags & KVM_STATS_BASE_MASK) > KVM_STATS_BASE_MAX) {
        error_setg(errp, "%s: statistic '%s' has unknown flags 0x%x",
                   st->device, d->name, d->flags);
        return false;
    }
    if (!d->size || d->offset % 8 ||
        d->offset / 8 + (size_t)d->size > st->data_len) {
        error_setg(errp, "%s: statistic '%s' lies outside the data block",
                   st->device, d->name);
        return false;
    }
    return true;
}

static bool kvm_stats_load(KVMStats *st, Error **errp)
{
    struct kvm_stats_header h;
    size_t dsize;
    g_autofree uint8_t *raw = NULL;
    uint64_t max_off = 0;

    if (!kvm_stats_pread(st, &h, sizeof(h), 0, "header", errp)) {
        return false;
    }
    if (!h.name_size || h.name_size > KVM_STATS_MAX_NAME ||
        h.num_desc > KVM_STATS_MAX_DESC) {
        error_setg(errp, "%s: implausible statistics header (%u names of "
                   "%u bytes)", st->device, h.num_desc, h.name_size);
        return false;
    }
    dsize = sizeof(struct kvm_stats_desc) + h.name_size;
    raw = g_malloc(dsize * h.num_desc + 1);
    if (h.num_desc && !kvm_stats_pread(st, raw, dsize * h.num_desc,
                                       h.desc_offset, "descriptors", errp)) {
        return false;
    }
    st->n = h.num_desc;
    st->desc = g_new0(KVMStatsDesc, st->n);
    for (unsigned i = 0; i < st->n; i++) {
        struct kvm_stats_desc kd;
        const uint8_t *p = raw + i * dsize;

        memcpy(&kd, p, sizeof(kd));
        st->desc[i].name = g_strndup((const char *)p + sizeof(kd),
                                     h.name_size);
        st->desc[i].flags = kd.flags;
        st->desc[i].exponent = kd.exponent;
        st->desc[i].size = kd.size;
        st->desc[i].offset = kd.offset;
        st->desc[i].bucket_size = kd.bucket_size;
        max_off = MAX(max_off, (uint64_t)kd.offset + kd.size * 8u);
    }
    if (max_off > KVM_STATS_MAX_DATA) {
        error_setg(errp, "%s: implausible statistics data size %" PRIu64,
                   st->device, max_off);
        return false;
    }
    st->data_offset = h.data_offset;
    st->data_len = (max_off + 7) / 8;
    for (unsigned i = 0; i < st->n; i++) {
        if (!kvm_stats_check_desc(st, &st->desc[i], errp)) {
            return false;
        }
    }
    return true;
}

KVMStats *kvm_stats_open_file(int fd, const char *device, Error **errp)
{
    KVMStats *st = g_new0(KVMStats, 1);

    st->fd = fd;
    st->device = g_strdup(device);
    if (!kvm_stats_load(st, errp)) {
        kvm_stats_close(st);
        return NULL;
    }
    return st;
}

static KVMStats *kvm_stats_open_fd(int obj_fd, const char *device,
                                   const char *what, Error **errp)
{
    int fd = ioctl(obj_fd, KVM_GET_STATS_FD, 0);

    if (fd < 0) {
        error_setg_errno(errp, errno, "%s offers no binary statistics for "
                         "the %s (KVM_GET_STATS_FD)", device, what);
        return NULL;
    }
    return kvm_stats_open_file(fd, device, errp);
}

KVMStats *kvm_stats_open_vm(KVMState *s, Error **errp)
{
    return kvm_stats_open_fd(s->vm_fd, s->device, "VM", errp);
}

KVMStats *kvm_stats_open_vcpu(KVMVCPU *cpu, Error **errp)
{
    g_autofree char *what = g_strdup_printf("vCPU %u", cpu->index);

    return kvm_stats_open_fd(cpu->fd, cpu->s->device, what, errp);
}

unsigned kvm_stats_count(const KVMStats *st)
{
    return st->n;
}

const KVMStatsDesc *kvm_stats_desc(const KVMStats *st, unsigned i)
{
    return i < st->n ? &st->desc[i] : NULL;
}

size_t kvm_stats_data_len(const KVMStats *st)
{
    return st->data_len;
}

bool kvm_stats_read(KVMStats *st, uint64_t *data, Error **errp)
{
    return kvm_stats_pread(st, data, st->data_len * sizeof(uint64_t),
                           st->data_offset, "data", errp);
}

void kvm_stats_close(KVMStats *st)
{
    if (!st) {
        return;
    }
    for (unsigned i = 0; st->desc && i < st->n; i++) {
        g_free(st->desc[i].name);
    }
    g_free(st->desc);
    g_free(st->device);
    close(st->fd);
    g_free(st);
}
