/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quokka.ko: world switch for SVM (APM vol. 2, 15.5 and 15.17).
 *
 * void qk_svm_vmrun(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa)
 *
 * VMRUN swaps RAX, RSP, RIP, RFLAGS and the control registers itself; the
 * other general registers are ours to load and store, and the state VMRUN
 * leaves alone (FS, GS, TR, LDTR, the SYSCALL and SYSENTER MSRs, the kernel
 * GS base) is exchanged with VMSAVE/VMLOAD.  Called with GIF clear, so no
 * interrupt or NMI can see the guest's GS base in between.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define G(n)	(n * 8)

.section .text, "ax"

SYM_FUNC_START(qk_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx		/* host save area */
	push	%rsi		/* guest registers */
	push	%rdi		/* VMCB */

	mov	%rdx, %rax
	vmsave	%rax

	mov	%rsi, %rax
	mov	G(1)(%rax), %rcx
	mov	G(2)(%rax), %rdx
	mov	G(3)(%rax), %rbx
	mov	G(5)(%rax), %rbp
	mov	G(6)(%rax), %rsi
	mov	G(7)(%rax), %rdi
	mov	G(8)(%rax), %r8
	mov	G(9)(%rax), %r9
	mov	G(10)(%rax), %r10
	mov	G(11)(%rax), %r11
	mov	G(12)(%rax), %r12
	mov	G(13)(%rax), %r13
	mov	G(14)(%rax), %r14
	mov	G(15)(%rax), %r15

	mov	(%rsp), %rax
	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	mov	8(%rsp), %rax
	mov	%rcx, G(1)(%rax)
	mov	%rdx, G(2)(%rax)
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%rsi, G(6)(%rax)
	mov	%rdi, G(7)(%rax)
	mov	%r8, G(8)(%rax)
	mov	%r9, G(9)(%rax)
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)

	/* No guest value may steer speculation after the exit. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rax		/* VMCB */
	pop	%rax		/* guest registers */
	pop	%rax		/* host save area */
	vmload	%rax

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(qk_svm_vmrun)
