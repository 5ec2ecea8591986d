/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel 8254 programmable interval timer ("isa-pit") at 0x40-0x43, with
 * the PC's port 0x61 (channel 2 gate, speaker enable and output).
 */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#define TYPE_I8254 "isa-pit"
#define PIT_FREQ 1193182

#endif
