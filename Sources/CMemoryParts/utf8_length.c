// libxlsxwriter's lxw_utf8_strlen, eight bytes at a time.
//
// libxlsxwriter 1.1.4 counts the characters of every string cell it is given (worksheet_write_string checks the
// 32,767-character limit), of every defined name, header and footer and sheet name, one byte per loop turn: 6.1 M
// instructions for 200 village workbooks (callgrind, eleventh session), ≈ 1 % of their CPU. Its 22 calls go through
// its PLT, so the executable's definition below is reached first (as the writers of cell_writers.c). The count is
// the same: the bytes before the NUL that are not UTF-8 continuation bytes (10xxxxxx), valid UTF-8 or not. It applies
// only under libxlsxwriter 1.1.4 (`memory_parts_writers_apply`), whose definition it copies; a per-thread switch
// gives libxlsxwriter's own back (tests).
#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

typedef size_t (*length_function)(const char *);

static length_function real_length(void) {
    static __thread length_function found;
    return found ? found : (found = (length_function)dlsym(RTLD_NEXT, "lxw_utf8_strlen"));
}

static __thread int disabled;              // tests: libxlsxwriter's own on this thread
static __thread unsigned long counted;     // tests: strings counted here on this thread

// The characters in `size` bytes: the bytes whose top two bits are not 10. In a word, a byte's bit 7 set and bit 6
// clear is `w & ~(w << 1)` at bit 7 (the shift moves each byte's bit 6 to its bit 7; the bit 7 it pushes into the
// next byte lands on bit 0, masked off).
static size_t characters(const unsigned char *p, size_t size) {
    size_t continuation = 0, i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        continuation += (size_t)__builtin_popcountll(w & ~(w << 1) & 0x8080808080808080ULL);
    }
    for (; i < size; i++) continuation += (p[i] & 0xc0) == 0x80;
    return size - continuation;
}

size_t lxw_utf8_strlen(const char *str) {
    if (disabled || !memory_parts_writers_apply()) {
        length_function real = real_length();
        if (real) return real(str);
    }
    counted++;
    return characters((const unsigned char *)str, strlen(str));
}

void memory_parts_utf8_length_disable(int on) { disabled = on; }

unsigned long memory_parts_utf8_lengths_counted(void) { return counted; }

int memory_parts_utf8_length_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "lxw_utf8_strlen") == (void *)lxw_utf8_strlen &&
           real_length() != NULL;
}

static uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int memory_parts_utf8_length_check_for_tests(void) {
    length_function own = real_length();
    if (!own) return -1;
    enum { SIZE = 4096 };
    char *buffer = malloc(SIZE + 80);
    if (!buffer) return -1;
    static const unsigned char pieces[][4] = {
        {'a'}, {'<'}, {0x7f}, {0xc3, 0xa9}, {0xe4, 0xb8, 0xad}, {0xf0, 0x9f, 0x98, 0x80},  // valid: 1-4 bytes
        {0x80}, {0xbf}, {0xc0}, {0xff}, {0xe4, 0xb8}, {0xf5, 0x80, 0x80}};                 // invalid and cut short
    static const size_t piece_sizes[] = {1, 1, 1, 2, 3, 4, 1, 1, 1, 1, 2, 3};
    enum { PIECES = sizeof piece_sizes / sizeof piece_sizes[0] };
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    int failures = 0;
    buffer[0] = 0;
    if (lxw_utf8_strlen(buffer) != own(buffer)) failures++;
    for (int round = 0; round < 20000; round++) {
        size_t offset = next_random(&seed) % 64, target = next_random(&seed) % (round % 10 == 0 ? SIZE : 80), at = 0;
        char *s = buffer + offset;
        while (at < target) {
            uint64_t r = next_random(&seed);
            if (round % 4 == 0) {
                s[at++] = (char)(1 + r % 255);  // any byte but NUL
                continue;
            }
            size_t k = r % PIECES;
            if (at + piece_sizes[k] > target) break;
            memcpy(s + at, pieces[k], piece_sizes[k]);
            at += piece_sizes[k];
        }
        s[at] = 0;
        if (lxw_utf8_strlen(s) != own(s)) failures++;
    }
    free(buffer);
    return failures;
}

#else

void memory_parts_utf8_length_disable(int on) { (void)on; }
unsigned long memory_parts_utf8_lengths_counted(void) { return 0; }
int memory_parts_utf8_length_active(void) { return 0; }
int memory_parts_utf8_length_check_for_tests(void) { return 0; }

#endif
