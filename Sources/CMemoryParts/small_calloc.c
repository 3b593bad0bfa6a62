// calloc(3) of small blocks through glibc's per-thread cache: malloc, then zeroed.
//
// glibc's calloc (2.36, Debian 12) never takes a block from the thread's cache (tcache): every call goes to
// _int_malloc under the arena's lock and through its bins, while malloc serves a block of up to 1,032 bytes from
// the cache when one of that size was freed on the thread. libxlsxwriter makes nearly every object with calloc (a
// cell, a row, a shared string's element, a relationship, a format, a hash bucket: ~1,570 calls per village
// workbook, ~195 instructions each, 10 % of the village workbooks' instructions) and frees them all when the
// workbook is freed, so the next workbook on the thread would find them cached. The executable's calloc below is
// reached first by every shared object's calls (as gmtime in memory_parts.c; glibc calls its own malloc functions
// through the PLT too, so that a program can replace them): a request of up to SMALL_CALLOC bytes is malloc'd and
// zeroed, a larger one (or one whose size overflows) goes to glibc's own calloc, __libc_calloc, which also knows
// when fresh pages need no zeroing. The block is glibc's either way (free, realloc and malloc_usable_size see a
// block of the same size), and its bytes are zero, so nothing a program writes can tell the two apart.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

// Not under a sanitizer, whose runtime has its own calloc (and allocator) to keep.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SMALL_CALLOC_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(SMALL_CALLOC_SANITIZED)

#include <dlfcn.h>
#include <string.h>

// glibc's tcache takes requests of up to 1,032 bytes (its largest bin); a little below, a round figure.
#define SMALL_CALLOC 1024

extern void *__libc_calloc(size_t count, size_t size);

// Tests: blocks this thread's calls got from malloc (the interposition takes effect).
static __thread unsigned long small_blocks;

void *calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total) || total > SMALL_CALLOC) return __libc_calloc(count, size);
    void *block = malloc(total);
    if (block) {
        small_blocks++;
        memset(block, 0, total);
    }
    return block;
}

unsigned long memory_parts_small_callocs(void) { return small_blocks; }

int memory_parts_calloc_active(void) { return dlsym(RTLD_DEFAULT, "calloc") == (void *)calloc; }

#else

unsigned long memory_parts_small_callocs(void) { return 0; }
int memory_parts_calloc_active(void) { return 0; }

#endif
