/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka-system-x86_64: a QEMU-compatible virtual machine monitor.
 */
#include "system/vl.h"

int main(int argc, char **argv)
{
    return quokka_main(argc, argv);
}
