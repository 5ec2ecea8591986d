/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2 metadata cache: L2 tables and refcount blocks, one cluster each,
 * kept in memory and written back lazily.  Crash safety comes from write
 * ordering between the two caches (qcow2_cache_depends_on): a refcount
 * increase reaches the disk before an L2 entry that uses the cluster, and
 * an L2 entry that drops a cluster reaches it before the refcount decrease.
 *
 * Context: every function needs meta_lock.
 */
#include <errno.h>
#include <string.h>

#include "qcow2.h"

typedef struct Qcow2CacheEntry {
    uint64_t offset;        /* 0: slot unused */
    void *table;
    bool dirty;
    int pins;
    uint64_t lru;
} Qcow2CacheEntry;

struct Qcow2Cache {
    Qcow2CacheEntry *entries;
    int size;
    uint64_t lru_counter;
    GHashTable *index;      /* offset -> entry */
    Qcow2Cache *depends;
    int64_t table_size;
};

Qcow2Cache *qcow2_cache_new(BlockDriverState *bs, int entries)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Cache *c = g_new0(Qcow2Cache, 1);

    c->size = entries;
    c->table_size = s->cluster_size;
    c->entries = g_new0(Qcow2CacheEntry, entries);
    for (int i = 0; i < entries; i++) {
        c->entries[i].table = g_aligned_alloc(1, s->cluster_size, 4096);
    }
    c->index = g_hash_table_new(g_int64_hash, g_int64_equal);
    return c;
}

void qcow2_cache_free(Qcow2Cache *c)
{
    if (!c) {
        return;
    }
    for (int i = 0; i < c->size; i++) {
        g_aligned_free(c->entries[i].table);
    }
    g_hash_table_destroy(c->index);
    g_free(c->entries);
    g_free(c);
}

static Qcow2CacheEntry *cache_entry_of(Qcow2Cache *c, void *table)
{
    for (int i = 0; i < c->size; i++) {
        if (c->entries[i].table == table) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static int cache_write_entry(BlockDriverState *bs, Qcow2Cache *c,
                             Qcow2CacheEntry *e)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    if (!e->dirty) {
        return 0;
    }
    if (c->depends) {
        Qcow2Cache *dep = c->depends;

        c->depends = NULL;
        ret = qcow2_cache_flush(bs, dep);
        if (ret >= 0 && !s->unsafe) {
            ret = bdrv_flush(bs->file);
        }
        if (ret < 0) {
            c->depends = dep;
            return ret;
        }
    }
    ret = qcow2_check_overlap(bs, e->offset, c->table_size,
                              c == s->l2_cache ? QCOW2_OL_IGNORE_L2
                                               : QCOW2_OL_IGNORE_REFBLOCK);
    if (ret < 0) {
        return ret;
    }
    ret = bdrv_pwrite(bs->file, e->offset, c->table_size, e->table, 0);
    if (ret < 0) {
        return ret;
    }
    e->dirty = false;
    return 0;
}

int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c)
{
    int result = 0;

    for (int i = 0; i < c->size; i++) {
        int ret = cache_write_entry(bs, c, &c->entries[i]);

        if (ret < 0 && result == 0) {
            result = ret;
        }
    }
    return result;
}

void qcow2_cache_depends_on(Qcow2Cache *c, Qcow2Cache *dep)
{
    c->depends = dep;
}

static int cache_find_slot(BlockDriverState *bs, Qcow2Cache *c,
                           Qcow2CacheEntry **slot)
{
    Qcow2CacheEntry *victim = NULL;
    int ret;

    for (int i = 0; i < c->size; i++) {
        Qcow2CacheEntry *e = &c->entries[i];

        if (e->pins) {
            continue;
        }
        if (!e->offset) {
            victim = e;
            break;
        }
        if (!victim || e->lru < victim->lru) {
            victim = e;
        }
    }
    if (!victim) {
        return -ENOSPC;     /* every entry pinned: a driver bug */
    }
    ret = cache_write_entry(bs, c, victim);
    if (ret < 0) {
        return ret;
    }
    if (victim->offset) {
        g_hash_table_remove(c->index, &victim->offset);
        victim->offset = 0;
    }
    *slot = victim;
    return 0;
}

static int cache_do_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                        void **table, bool read)
{
    Qcow2CacheEntry *e = g_hash_table_lookup(c->index, &offset);
    int ret;

    if (!e) {
        ret = cache_find_slot(bs, c, &e);
        if (ret < 0) {
            return ret;
        }
        if (read) {
            ret = bdrv_pread(bs->file, offset, c->table_size, e->table);
            if (ret < 0) {
                return ret;
            }
        }
        e->offset = offset;
        e->dirty = false;
        g_hash_table_insert(c->index, &e->offset, e);
    }
    e->pins++;
    e->lru = ++c->lru_counter;
    *table = e->table;
    return 0;
}

int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset,
                    void **table)
{
    return cache_do_get(bs, c, offset, table, true);
}

int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c,
                          uint64_t offset, void **table)
{
    return cache_do_get(bs, c, offset, table, false);
}

void qcow2_cache_put(Qcow2Cache *c, void **table)
{
    Qcow2CacheEntry *e = cache_entry_of(c, *table);

    if (e && e->pins > 0) {
        e->pins--;
    }
    *table = NULL;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, void *table)
{
    Qcow2CacheEntry *e = cache_entry_of(c, table);

    if (e) {
        e->dirty = true;
    }
}

bool qcow2_cache_contains(Qcow2Cache *c, uint64_t offset)
{
    return g_hash_table_contains(c->index, &offset);
}

/* Drops a table whose cluster was freed, without writing it. */
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    Qcow2CacheEntry *e = g_hash_table_lookup(c->index, &offset);

    if (e && !e->pins) {
        g_hash_table_remove(c->index, &e->offset);
        e->offset = 0;
        e->dirty = false;
    }
}

int qcow2_flush_caches(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    int ret;

    ret = qcow2_cache_flush(bs, s->refblock_cache);
    if (ret >= 0) {
        ret = qcow2_cache_flush(bs, s->l2_cache);
    }
    /* The L2 cache may have made refcount blocks wait for it. */
    if (ret >= 0) {
        ret = qcow2_cache_flush(bs, s->refblock_cache);
    }
    if (ret >= 0 && s->lowest_freed < s->free_cluster_index) {
        s->free_cluster_index = s->lowest_freed;
    }
    s->lowest_freed = INT64_MAX;
    return ret;
}
