// libxlsxwriter's hash tables (formats, fonts, fills, borders) keyed eight bytes at a time instead of one.
//
// libxlsxwriter 1.1.4 finds each format's index in a hash table whose keys are whole structs of a few hundred bytes,
// hashed with FNV-1 one byte per step (a multiply each, every step waiting on the last): ~3 % of the village workbooks'
// CPU, from _write_cell's first use of each format, conditional formats and the styles part. Its only callers,
// lxw_hash_key_exists and lxw_insert_hash_element, call _generate_hash_key through its PLT, so the definition below is
// reached first (as lxw_tmpfile in memory_parts.c). A key's bucket only decides where lookups search: equal keys are
// found by memcmp within a bucket, and every walk over a table's elements follows its insertion-order list, so the XML
// written does not depend on the hash (LibxlsxwriterInterpositionTests compares whole workbooks with libxlsxwriter's
// own hash). Every table belongs to one workbook, written on one thread, so a table never sees both hashes unless a
// test switches them in the middle of a workbook (which none does).

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/hash_table.h>)

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

typedef size_t (*hash_function)(void *, size_t, size_t);

// Tests: while set, this thread's keys are hashed by libxlsxwriter's own function.
static __thread int disabled;
// Keys hashed here on this thread (tests).
static __thread unsigned long hashed;

void memory_parts_hash_disable(int on) { disabled = on; }
unsigned long memory_parts_keys_hashed(void) { return hashed; }

static hash_function library_hash(void) {
    static __thread hash_function found;
    return found ? found : (found = (hash_function)dlsym(RTLD_NEXT, "_generate_hash_key"));
}

size_t _generate_hash_key(void *data, size_t data_len, size_t num_buckets) {
    if ((disabled || !memory_parts_writers_apply()) && library_hash()) return library_hash()(data, data_len, num_buckets);
    hashed++;
    const unsigned char *bytes = data;
    uint64_t hash = 0x9E3779B97F4A7C15ull ^ data_len;
    size_t i = 0;
    for (; i + 8 <= data_len; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, sizeof word);
        hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
        hash ^= hash >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, bytes + i, data_len - i);
    hash = (hash ^ tail) * 0xC4CEB9FE1A85EC53ull;
    hash ^= hash >> 29;
    return (size_t)(hash % num_buckets);
}

int memory_parts_hash_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "_generate_hash_key") == (void *)_generate_hash_key;
}

#else

void memory_parts_hash_disable(int on) { (void)on; }
unsigned long memory_parts_keys_hashed(void) { return 0; }
int memory_parts_hash_active(void) { return 0; }

#endif
