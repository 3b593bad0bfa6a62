// zlib's crc32 computed by libdeflate's CRC-32 (PCLMULQDQ/AVX on x86, PMULL on ARM, chosen at run time).
//
// minizip computes the CRC-32 of every part it zips with zlib's crc32 (its zipWriteInFileInZip, on each piece
// libxlsxwriter hands it): ≈ 4 % of the village workbooks' instructions (callgrind, tenth session) and the town
// workbook's ≈ 34 MB of sheet XML, at zlib's table-driven ≈ 1 byte per cycle. libminizip is a shared library under
// libxlsxwriter, so its call reaches the executable's definition below first (as deflate in deflate_reuse.c and
// zipOpenNewFileInZip4_64 in zip_level.c). The value is the same function of the same bytes: the CRC-32 of
// ISO 3309 / ITU-T V.42, which is zlib's and libdeflate's alike (libdeflate's own tests check it against zlib's), so
// the zips do not change. Every other caller of zlib's crc32 in the process gets the same value too.
//
// zlib 1.2.12 and later (Debian's is 1.2.13): crc32(crc, NULL, len) returns 0 (the initial value), and only the low
// 32 bits of `crc` count ((~crc) & 0xffffffff before, ^ 0xffffffff after). libdeflate_crc32 takes a 32-bit CRC,
// returns 0 for a NULL buffer and computes ~crc32(~crc): the same. Tested against zlib's own on random and edge inputs
// (`memory_parts_crc32_check_for_tests`, ZipCRCTests).
#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<zlib.h>)

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include <libdeflate.h>

typedef uLong (*crc_function)(uLong, const Bytef *, uInt);

static crc_function real_crc32(void) {
    static __thread crc_function found;
    return found ? found : (found = (crc_function)dlsym(RTLD_NEXT, "crc32"));
}

static __thread int disabled;              // tests: zlib's own crc32 on this thread
static __thread unsigned long long summed;  // tests: bytes this thread's calls summed here

uLong crc32(uLong crc, const Bytef *buf, uInt len) {
    if (disabled) {
        crc_function real = real_crc32();
        if (real) return real(crc, buf, len);
    }
    summed += len;
    return libdeflate_crc32((uint32_t)crc, buf, len);
}

void memory_parts_crc32_disable(int on) { disabled = on; }

unsigned long long memory_parts_crc32_bytes(void) { return summed; }

int memory_parts_crc32_active(void) {
    return dlsym(RTLD_DEFAULT, "crc32") == (void *)crc32 && real_crc32() != NULL;
}

// A fixed xorshift sequence: the same inputs on every run.
static uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int differs(crc_function zlib, uLong start, const unsigned char *p, size_t n) {
    return crc32(start, p, (uInt)n) != zlib(start, p, (uInt)n);
}

int memory_parts_crc32_check_for_tests(void) {
    crc_function zlib = real_crc32();
    if (!zlib) return -1;
    enum { SIZE = 200000 };
    unsigned char *buffer = malloc(SIZE + 64);
    if (!buffer) return -1;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int failures = 0;
    // The initial value, and a NULL buffer whatever the CRC and length.
    if (crc32(0, NULL, 0) != zlib(0, NULL, 0)) failures++;
    if (crc32(0x12345678, NULL, 10) != zlib(0x12345678, NULL, 10)) failures++;
    // Empty input keeps the CRC (its low 32 bits).
    if (differs(zlib, 0xdeadbeef, buffer, 0)) failures++;
    if (differs(zlib, 0xffffffff00000001ULL, buffer, 0)) failures++;
    // Constant bytes (zeros, ones, 0xff) at every length up to 600, then around the vector code's block sizes.
    static const unsigned char fills[] = {0x00, 0x01, 0xff, 0x3c};
    for (size_t f = 0; f < sizeof fills; f++) {
        memset(buffer, fills[f], SIZE);
        for (size_t n = 0; n <= 600; n++)
            if (differs(zlib, 0, buffer, n) || differs(zlib, 0xffffffff, buffer, n)) failures++;
        for (size_t base = 1024; base <= 131072; base *= 2)
            for (size_t n = base - 17; n <= base + 17; n++)
                if (differs(zlib, 0, buffer, n)) failures++;
    }
    // Random bytes: every alignment 0-63 and lengths 0-4,999 drawn at random, random starting CRCs (some with
    // bits above 32 set, which zlib ignores), and a few long inputs.
    for (size_t i = 0; i < SIZE + 64; i++) buffer[i] = (unsigned char)next_random(&seed);
    for (int round = 0; round < 20000; round++) {
        size_t offset = next_random(&seed) % 64, n = next_random(&seed) % 5000;
        uint64_t r = next_random(&seed);
        uLong start = round % 3 == 0 ? 0 : round % 3 == 1 ? (uLong)(uint32_t)r : (uLong)r;
        if (differs(zlib, start, buffer + offset, n)) failures++;
    }
    for (size_t n = 65536 - 3; n <= SIZE; n += 33331)
        if (differs(zlib, 0, buffer + 1, n)) failures++;
    // Running CRCs over pieces, as minizip calls it: the same as zlib's running CRC piece by piece, and as one call.
    for (int round = 0; round < 200; round++) {
        uLong ours = crc32(0, NULL, 0), theirs = zlib(0, NULL, 0);
        size_t at = 0, total = next_random(&seed) % SIZE;
        while (at < total) {
            size_t piece = next_random(&seed) % 20000;
            if (piece > total - at) piece = total - at;
            ours = crc32(ours, buffer + at, (uInt)piece);
            theirs = zlib(theirs, buffer + at, (uInt)piece);
            at += piece;
        }
        if (ours != theirs || ours != zlib(0, buffer, (uInt)total)) failures++;
    }
    free(buffer);
    return failures;
}

#else

void memory_parts_crc32_disable(int on) { (void)on; }
unsigned long long memory_parts_crc32_bytes(void) { return 0; }
int memory_parts_crc32_active(void) { return 0; }
int memory_parts_crc32_check_for_tests(void) { return 0; }

#endif
