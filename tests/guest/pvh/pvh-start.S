/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry point shared by the tiny PVH payloads (Xen PVH boot ABI): the VMM
 * enters at the address in the XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit
 * protected mode with paging off, flat segments, and %ebx holding the
 * physical address of struct hvm_start_info.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .note.Xen, "a", @note
    .balign 4
    .long 2f - 1f                   /* name size */
    .long 4f - 3f                   /* descriptor size */
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .long pvh_start
4:  .balign 4

    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl $pvh_stack_top, %esp
    pushl %ebx
    call payload_main
    /* payload_main returns only when no VMM device ended the run */
5:  hlt
    jmp 5b

    .bss
    .balign 16
    .skip 8192
pvh_stack_top:

    .section .note.GNU-stack, "", @progbits
