/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linuxboot: an option ROM that boots the Linux kernel given with -kernel
 * when the pc machine runs firmware (-bios).  The machine puts the
 * kernel's real-mode setup, its protected-mode part, the initrd and the
 * command line in fw_cfg (QEMU's items 0x07-0x18); this ROM copies each
 * to the address fw_cfg names, by DMA, and enters the setup code as the
 * x86 boot protocol asks (Documentation/arch/x86/boot.rst, "Running the
 * kernel").  The firmware finds its boot entry (BEV) through the PnP
 * expansion header (PnP BIOS 1.0a, appendix A).
 *
 * Real mode, 16-bit code.  build-optionrom.py sets the size byte and the
 * checksums.
 */
#define FW_CFG_CTL              0x510
#define FW_CFG_DATA             0x511
#define FW_CFG_DMA_HI           0x514
#define FW_CFG_DMA_LO           0x518

#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_KERNEL_DATA      0x11
#define FW_CFG_INITRD_DATA      0x12
#define FW_CFG_CMDLINE_ADDR     0x13
#define FW_CFG_CMDLINE_SIZE     0x14
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_SETUP_ADDR       0x16
#define FW_CFG_SETUP_SIZE       0x17
#define FW_CFG_SETUP_DATA       0x18

#define DMA_CTL_ERROR           0x01
#define DMA_CTL_READ            0x02
#define DMA_CTL_SELECT          0x08

/* A DMA descriptor and the stack, in free conventional memory. */
#define DESC                    0x6f00
#define STACK_TOP               0x6ef0

/* The setup's stack/heap: heap_end_ptr is 0xfe00 (set by the machine). */
#define SETUP_SP                0xfff0

    .code16
    .text
    .globl _start
_start:
    .byte 0x55, 0xaa
    .byte 0                             /* size / 512: build-optionrom.py */
    lret                                /* init: nothing to set up */
    .org 0x1a
    .word pnp_header

    .balign 16
pnp_header:
    .ascii "$PnP"
    .byte 1                             /* structure revision */
    .byte 2                             /* length, 16-byte units */
    .word 0                             /* next header */
    .byte 0
    .byte 0                             /* checksum: build-optionrom.py */
    .long 0                             /* device identifier */
    .word vendor                        /* manufacturer string */
    .word product                       /* product name: the boot entry */
    .byte 0, 0, 0                       /* device type */
    .byte 0x14                          /* IPL device, may be shadowed */
    .word 0                             /* BCV */
    .word 0                             /* disconnect vector */
    .word boot                          /* BEV */
    .word 0
    .word 0                             /* static resource vector */

vendor:
    .asciz "Quokka"
product:
    .asciz "Linux loader (-kernel)"

/* %ax: item key; returns its first four bytes (little-endian) in %eax. */
fw_read32:
    mov $FW_CFG_CTL, %dx
    out %ax, %dx
    inc %dx
    mov $4, %cx
1:  in %dx, %al
    ror $8, %eax
    loop 1b
    ret

/*
 * Copies item %bx to physical address %edi, %ecx bytes, by one DMA
 * transfer; a failed transfer (error bit) halts, as nothing can boot.
 */
fw_dma:
    test %ecx, %ecx
    jz 2f
    movzwl %bx, %eax
    shl $16, %eax
    or $(DMA_CTL_SELECT | DMA_CTL_READ), %eax
    bswap %eax
    movl %eax, (DESC)
    bswap %ecx
    movl %ecx, (DESC + 4)
    movl $0, (DESC + 8)
    mov %edi, %eax
    bswap %eax
    movl %eax, (DESC + 12)
    xor %eax, %eax
    mov $FW_CFG_DMA_HI, %dx
    out %eax, %dx
    mov $(DESC), %eax
    bswap %eax
    mov $FW_CFG_DMA_LO, %dx
    out %eax, %dx
1:  movl (DESC), %eax
    bswap %eax
    test $DMA_CTL_ERROR, %eax
    jnz 3f
    test $~DMA_CTL_ERROR, %eax
    jnz 1b
2:  ret
3:  hlt
    jmp 3b

/* Loads item pair (@addr_key, @size_key) then data @data_key. */
.macro load addr_key, size_key, data_key
    mov $\addr_key, %ax
    call fw_read32
    mov %eax, %edi
    mov $\size_key, %ax
    call fw_read32
    mov %eax, %ecx
    mov $\data_key, %bx
    call fw_dma
.endm

boot:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $STACK_TOP, %sp
    load FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    load FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
    load FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA
    load FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA

    /* The setup runs with every data segment at its base, CS 0x20 on. */
    mov $FW_CFG_SETUP_ADDR, %ax
    call fw_read32
    shr $4, %eax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $SETUP_SP, %sp
    add $0x20, %ax
    push %ax
    push $0
    lret
