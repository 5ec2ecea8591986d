#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (see test-virtio-blk.py).
# quokka.blk= on the kernel command line picks the step:
#   mkfs   make ext4 on /dev/vda, write /mnt/data (4 MiB of random bytes)
#   read   mount /dev/vda and checksum /mnt/data
#   write  mount /dev/vda and overwrite /mnt/data (the -snapshot boot)
# Every result is an "l2-report:" line; the guest powers off afterwards.
mode=$(sed -n 's/.*quokka\.blk=\([a-z]*\).*/\1/p' /proc/cmdline)
rep() { echo "l2-report: $*"; }

for d in /sys/bus/virtio/devices/*; do
    [ -e "$d/device" ] || continue
    rep "virtio $(basename "$d") device $(cat "$d/device")" \
        "features $(cat "$d/features") status $(cat "$d/status")"
done
rep "vda-size $(cat /sys/block/vda/size 2>/dev/null)"
rep "vda-serial $(cat /sys/block/vda/serial 2>/dev/null)"
rep "vda-queues $(ls /sys/block/vda/mq 2>/dev/null | wc -l)"
rep "vda-cache $(cat /sys/block/vda/queue/write_cache 2>/dev/null)"
mkdir -p /mnt
case "$mode" in
mkfs)
    /opt/e2fs/mke2fs -q -t ext4 -F /dev/vda >/tmp/mkfs.log 2>&1
    rep "mkfs $?"
    mount -t ext4 /dev/vda /mnt && rep "mount 0"
    dd if=/dev/urandom of=/mnt/data bs=1M count=4 2>/dev/null
    rep "sum $(sha256sum /mnt/data | cut -d' ' -f1)"
    ;;
read)
    mount -t ext4 -o ro /dev/vda /mnt && rep "mount 0"
    rep "sum $(sha256sum /mnt/data | cut -d' ' -f1)"
    ;;
write)
    mount -t ext4 /dev/vda /mnt && rep "mount 0"
    dd if=/dev/urandom of=/mnt/data bs=1M count=4 2>/dev/null
    rep "sum $(sha256sum /mnt/data | cut -d' ' -f1)"
    ;;
esac
sync
umount /mnt && rep "umount 0"
sync
rep "errors $(dmesg | grep -ci -e 'I/O error' -e 'EXT4-fs error' -e 'blk_update_request')"
rep "end"
