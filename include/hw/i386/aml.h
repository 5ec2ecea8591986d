/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small writer for ACPI Machine Language (ACPI 6.4 section 20.2, "AML
 * Grammar Definition"; resource descriptors in section 6.4).
 *
 * Terms are built bottom up.  Every constructor returns a new Aml node;
 * aml_append(parent, child) encodes @child into @parent and frees @child,
 * so a child must be complete before it is appended.  A finished top-level
 * node is turned into bytes with aml_to_bytes(), which also frees it.
 *
 * Names are ACPI name strings: "\\_SB.PCI0", "^FOO", "_HID".  Segments
 * shorter than four characters are padded with '_'.  A malformed name is a
 * programming error (these names are written in our source, never taken
 * from users) and aborts.
 */
#ifndef HW_I386_AML_H
#define HW_I386_AML_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct Aml Aml;

/* Data objects. */
Aml *aml_int(uint64_t value);
Aml *aml_string(const char *str);
/* A compressed EISA id such as "PNP0C0C" as a DWord integer. */
Aml *aml_eisaid(const char *id);
/* A reference to a named object. */
Aml *aml_name(const char *name);
/* Package(n) { ... }: append the elements. */
Aml *aml_package(void);
/* ResourceTemplate() { ... }: append aml_io()/aml_irq() descriptors. */
Aml *aml_resource_template(void);

/* Named objects and scopes. */
Aml *aml_name_decl(const char *name, Aml *value);   /* consumes value */
Aml *aml_scope(const char *name);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, unsigned nargs, bool serialized);

/* Statements. */
Aml *aml_return(Aml *value);                        /* consumes value */
Aml *aml_notify(Aml *object, Aml *value);           /* consumes both */

/* Resource descriptors (only valid inside aml_resource_template()). */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_no_flags(uint8_t irq);
/*
 * Address space descriptors a bridge produces (ACPI 6.4 section 6.4.3.5),
 * with fixed minimum and maximum: bus numbers, an I/O port range, and a
 * non-cacheable read/write memory range (32- or 64-bit).
 */
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max);
Aml *aml_qword_memory(uint64_t min, uint64_t max);

/* Encodes @child at the end of @parent and frees @child. */
void aml_append(Aml *parent, Aml *child);

/* Encoded bytes of a finished node; frees @aml. */
GByteArray *aml_to_bytes(Aml *aml);

/* A fresh container for a table body (a TermList with no opcode). */
Aml *aml_term_list(void);

#endif
