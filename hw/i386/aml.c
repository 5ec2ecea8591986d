/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AML writer (ACPI 6.4 section 20.2): encodes terms with their package
 * lengths; see aml.h for the ownership rules.
 */
#include <string.h>

#include "hw/i386/aml.h"

/* Opcodes, ACPI 6.4 section 20.2.x. */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_STRING_PREFIX   0x0d
#define AML_QWORD_PREFIX    0x0e
#define AML_SCOPE_OP        0x10
#define AML_BUFFER_OP       0x11
#define AML_PACKAGE_OP      0x12
#define AML_METHOD_OP       0x14
#define AML_DUAL_NAME       0x2e
#define AML_MULTI_NAME      0x2f
#define AML_EXT_OP          0x5b
#define AML_DEVICE_OP       0x82    /* after AML_EXT_OP */
#define AML_ROOT_CHAR       '\\'
#define AML_PARENT_CHAR     '^'
#define AML_NOTIFY_OP       0x86
#define AML_RETURN_OP       0xa4
#define AML_ONES_OP         0xff

/* Small resource descriptors, ACPI 6.4 section 6.4.2. */
#define AML_RES_IRQ_NO_FLAGS 0x22
#define AML_RES_IO          0x47
#define AML_RES_END_TAG     0x79
/* Large resource descriptors, section 6.4.3. */
#define AML_RES_DWORD_ADDR  0x87
#define AML_RES_WORD_ADDR   0x88
#define AML_RES_QWORD_ADDR  0x8a
/* Resource types and flags of the address space descriptors. */
#define AML_ADDR_MEMORY     0
#define AML_ADDR_IO         1
#define AML_ADDR_BUS        2
#define AML_ADDR_MIN_MAX_FIXED 0x0c     /* _MIF | _MAF, a producer */
#define AML_ADDR_IO_ENTIRE  0x03        /* _RNG: ISA and non-ISA ports */
#define AML_ADDR_MEM_RW     0x01        /* _RW, non-cacheable */

typedef enum AmlKind {
    AML_PLAIN,      /* bytes as they are */
    AML_BLOCK,      /* op, PkgLength, head, body */
    AML_PACKAGE,    /* PackageOp, PkgLength, NumElements, body */
    AML_RESOURCES,  /* BufferOp, PkgLength, BufferSize, body, EndTag */
} AmlKind;

struct Aml {
    AmlKind kind;
    GByteArray *op;     /* opcode bytes, before the PkgLength */
    GByteArray *head;   /* name and flags, after the PkgLength */
    GByteArray *body;
    unsigned nr_elems;
};

static Aml *aml_alloc(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);

    a->kind = kind;
    a->op = g_byte_array_new();
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

static void aml_free(Aml *a)
{
    g_byte_array_unref(a->op);
    g_byte_array_unref(a->head);
    g_byte_array_unref(a->body);
    g_free(a);
}

static void put_u8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put_le(GByteArray *b, uint64_t v, unsigned bytes)
{
    unsigned i;

    for (i = 0; i < bytes; i++) {
        put_u8(b, v >> (8 * i));
    }
}

static void put_bytes(GByteArray *b, const GByteArray *src)
{
    g_byte_array_append(b, src->data, src->len);
}

/*
 * PkgLength (section 20.2.4) counts itself: one byte holds up to 63, and
 * each further byte adds 8 bits above the low nibble of the lead byte.
 */
static void put_pkglen(GByteArray *b, size_t payload)
{
    unsigned extra;
    size_t total;

    if (payload + 1 < 64) {
        put_u8(b, payload + 1);
        return;
    }
    for (extra = 1; extra <= 3; extra++) {
        total = payload + 1 + extra;
        if (total < (1UL << (4 + 8 * extra))) {
            break;
        }
    }
    g_assert(extra <= 3);
    put_u8(b, (extra << 6) | (total & 0x0f));
    put_le(b, total >> 4, extra);
}

static void put_name_seg(GByteArray *b, const char *seg, size_t len)
{
    size_t i;

    g_assert(len >= 1 && len <= 4);
    for (i = 0; i < 4; i++) {
        char c = i < len ? seg[i] : '_';

        g_assert(c == '_' || g_ascii_isupper(c) ||
                 (g_ascii_isdigit(c) && i > 0));
        put_u8(b, c);
    }
}

/* NameString (section 20.2.2). */
static void put_name(GByteArray *b, const char *name)
{
    const char *p = name, *dot;
    unsigned nsegs = 0, i;

    if (*p == AML_ROOT_CHAR) {
        put_u8(b, *p++);
    } else {
        while (*p == AML_PARENT_CHAR) {
            put_u8(b, *p++);
        }
    }
    if (*p == '\0') {
        put_u8(b, 0x00);    /* NullName */
        return;
    }
    for (dot = p; dot; dot = strchr(dot + 1, '.')) {
        nsegs++;
    }
    if (nsegs == 2) {
        put_u8(b, AML_DUAL_NAME);
    } else if (nsegs > 2) {
        g_assert(nsegs < 256);
        put_u8(b, AML_MULTI_NAME);
        put_u8(b, nsegs);
    }
    for (i = 0; i < nsegs; i++) {
        dot = strchr(p, '.');
        put_name_seg(b, p, dot ? (size_t)(dot - p) : strlen(p));
        p = dot ? dot + 1 : p;
    }
}

static void put_int(GByteArray *b, uint64_t v)
{
    if (v == 0) {
        put_u8(b, AML_ZERO_OP);
    } else if (v == 1) {
        put_u8(b, AML_ONE_OP);
    } else if (v == UINT64_MAX) {
        put_u8(b, AML_ONES_OP);
    } else if (v <= 0xff) {
        put_u8(b, AML_BYTE_PREFIX);
        put_u8(b, v);
    } else if (v <= 0xffff) {
        put_u8(b, AML_WORD_PREFIX);
        put_le(b, v, 2);
    } else if (v <= 0xffffffffULL) {
        put_u8(b, AML_DWORD_PREFIX);
        put_le(b, v, 4);
    } else {
        put_u8(b, AML_QWORD_PREFIX);
        put_le(b, v, 8);
    }
}

/* Encodes a finished node into @out. */
static void aml_encode(const Aml *a, GByteArray *out)
{
    GByteArray *payload;

    if (a->kind == AML_PLAIN) {
        put_bytes(out, a->body);
        return;
    }
    payload = g_byte_array_new();
    if (a->kind == AML_PACKAGE) {
        g_assert(a->nr_elems < 256);
        put_u8(payload, a->nr_elems);
    } else if (a->kind == AML_RESOURCES) {
        /* End tag with a zero checksum: "treat as if summed correctly". */
        put_int(payload, a->body->len + 2);
    }
    put_bytes(payload, a->head);
    put_bytes(payload, a->body);
    if (a->kind == AML_RESOURCES) {
        put_u8(payload, AML_RES_END_TAG | 1);
        put_u8(payload, 0);
    }
    put_bytes(out, a->op);
    put_pkglen(out, payload->len);
    put_bytes(out, payload);
    g_byte_array_unref(payload);
}

void aml_append(Aml *parent, Aml *child)
{
    aml_encode(child, parent->body);
    parent->nr_elems++;
    aml_free(child);
}

GByteArray *aml_to_bytes(Aml *aml)
{
    GByteArray *out = g_byte_array_new();

    aml_encode(aml, out);
    aml_free(aml);
    return out;
}

Aml *aml_term_list(void)
{
    return aml_alloc(AML_PLAIN);
}

Aml *aml_int(uint64_t value)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_int(a->body, value);
    return a;
}

Aml *aml_string(const char *str)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_u8(a->body, AML_STRING_PREFIX);
    g_byte_array_append(a->body, (const guint8 *)str, strlen(str) + 1);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = aml_alloc(AML_PLAIN);
    uint32_t vendor, product;

    g_assert(strlen(id) == 7);
    vendor = ((id[0] - 0x40) & 0x1f) << 10 | ((id[1] - 0x40) & 0x1f) << 5 |
             ((id[2] - 0x40) & 0x1f);
    product = g_ascii_xdigit_value(id[3]) << 12 |
              g_ascii_xdigit_value(id[4]) << 8 |
              g_ascii_xdigit_value(id[5]) << 4 |
              g_ascii_xdigit_value(id[6]);
    /* Stored big-endian: vendor bytes first, then the product number. */
    put_u8(a->body, AML_DWORD_PREFIX);
    put_u8(a->body, vendor >> 8);
    put_u8(a->body, vendor);
    put_u8(a->body, product >> 8);
    put_u8(a->body, product);
    return a;
}

Aml *aml_name(const char *name)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_name(a->body, name);
    return a;
}

Aml *aml_package(void)
{
    Aml *a = aml_alloc(AML_PACKAGE);

    put_u8(a->op, AML_PACKAGE_OP);
    return a;
}

Aml *aml_resource_template(void)
{
    Aml *a = aml_alloc(AML_RESOURCES);

    put_u8(a->op, AML_BUFFER_OP);
    return a;
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_u8(a->body, AML_NAME_OP);
    put_name(a->body, name);
    aml_append(a, value);
    return a;
}

Aml *aml_scope(const char *name)
{
    Aml *a = aml_alloc(AML_BLOCK);

    put_u8(a->op, AML_SCOPE_OP);
    put_name(a->head, name);
    return a;
}

Aml *aml_device(const char *name)
{
    Aml *a = aml_alloc(AML_BLOCK);

    put_u8(a->op, AML_EXT_OP);
    put_u8(a->op, AML_DEVICE_OP);
    put_name(a->head, name);
    return a;
}

Aml *aml_method(const char *name, unsigned nargs, bool serialized)
{
    Aml *a = aml_alloc(AML_BLOCK);

    g_assert(nargs <= 7);
    put_u8(a->op, AML_METHOD_OP);
    put_name(a->head, name);
    put_u8(a->head, nargs | (serialized ? 1 << 3 : 0));
    return a;
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_u8(a->body, AML_RETURN_OP);
    aml_append(a, value);
    return a;
}

Aml *aml_notify(Aml *object, Aml *value)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_u8(a->body, AML_NOTIFY_OP);
    aml_append(a, object);
    aml_append(a, value);
    return a;
}

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_alloc(AML_PLAIN);

    put_u8(a->body, AML_RES_IO | 7);
    put_u8(a->body, 1);             /* decodes 16 address bits */
    put_le(a->body, min, 2);
    put_le(a->body, max, 2);
    put_u8(a->body, align);
    put_u8(a->body, len);
    return a;
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    Aml *a = aml_alloc(AML_PLAIN);

    g_assert(irq < 16);
    put_u8(a->body, AML_RES_IRQ_NO_FLAGS | 2);
    put_le(a->body, 1u << irq, 2);
    return a;
}

/*
 * Granularity, minimum, maximum, translation offset and length, each
 * @bytes wide, after the tag, length and the three flag bytes.
 */
static Aml *aml_address_space(uint8_t tag, unsigned bytes, uint8_t type,
                              uint8_t type_flags, uint64_t min,
                              uint64_t max)
{
    Aml *a = aml_alloc(AML_PLAIN);

    g_assert(min <= max);
    put_u8(a->body, tag);
    put_le(a->body, 3 + 5 * bytes, 2);
    put_u8(a->body, type);
    put_u8(a->body, AML_ADDR_MIN_MAX_FIXED);
    put_u8(a->body, type_flags);
    put_le(a->body, 0, bytes);              /* granularity */
    put_le(a->body, min, bytes);
    put_le(a->body, max, bytes);
    put_le(a->body, 0, bytes);              /* translation offset */
    put_le(a->body, max - min + 1, bytes);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_address_space(AML_RES_WORD_ADDR, 2, AML_ADDR_BUS, 0, min,
                             max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_address_space(AML_RES_WORD_ADDR, 2, AML_ADDR_IO,
                             AML_ADDR_IO_ENTIRE, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max)
{
    return aml_address_space(AML_RES_DWORD_ADDR, 4, AML_ADDR_MEMORY,
                             AML_ADDR_MEM_RW, min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max)
{
    return aml_address_space(AML_RES_QWORD_ADDR, 8, AML_ADDR_MEMORY,
                             AML_ADDR_MEM_RW, min, max);
}
