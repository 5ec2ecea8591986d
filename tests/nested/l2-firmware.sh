#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by the L2 guest's init after the marker (test-firmware-boot.py):
# what the firmware handed over, one "fw-report:" line each.  The image
# carries Debian's dmidecode (boot_disk.py --program).
echo "fw-report: product $(dmidecode -s system-product-name)"
echo "fw-report: manufacturer $(dmidecode -s system-manufacturer)"
echo "fw-report: version $(dmidecode -s system-version)"
echo "fw-report: bios-vendor $(dmidecode -s bios-vendor)"
# What Linux's DMI scan found (the -smbios boot sets these).
echo "fw-report: dmi-vendor $(cat /sys/class/dmi/id/sys_vendor)"
echo "fw-report: dmi-product $(cat /sys/class/dmi/id/product_name)"
echo "fw-report: dmi-serial $(cat /sys/class/dmi/id/product_serial)"
echo "fw-report: oem $(dmidecode --oem-string 1)"
echo "fw-report: processors $(dmidecode -t 4 | grep -c '^Processor Information')"
echo "fw-report: dimm $(dmidecode -t 17 | sed -n 's/^[[:space:]]*Size: //p' | head -n 1)"
# Every ACPI table the kernel found, by name and SHA-256; the FADT in hex
# too, since its pointers depend on where the tables were placed.
for f in /sys/firmware/acpi/tables/*; do
    [ -f "$f" ] || continue
    echo "fw-report: acpi ${f##*/} $(sha256sum "$f" | cut -d ' ' -f 1)"
done
echo "fw-report: facp $(od -An -v -tx1 /sys/firmware/acpi/tables/FACP | tr -d ' \n')"
echo "fw-report: cmdline $(cat /proc/cmdline)"
echo "fw-report: end"
