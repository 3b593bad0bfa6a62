// Sets the deflate level of every part libxlsxwriter zips (it always asks minizip for zlib's default, level 6).
//
// libxlsxwriter 1.1.4 has no compression setting: each part goes through minizip's zipOpenNewFileInZip4_64 with
// Z_DEFAULT_COMPRESSION. libminizip is a shared library under libxlsxwriter, so libxlsxwriter's call reaches the
// executable's definition below first (as lxw_tmpfile in memory_parts.c and deflate in deflate_reuse.c) and is
// passed on with the level below. minizip hands that level to deflateInit2_, so the per-thread cache of
// deflate_reuse.c keys on it too. zlib's output depends only on the bytes and the settings: deterministic.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>

// zlib's Z_DEFAULT_COMPRESSION, what libxlsxwriter asks for.
#define DEFAULT_LEVEL (-1)

typedef int (*open_function)(void *, const char *, const void *, const void *, unsigned, const void *, unsigned,
                             const char *, int, int, int, int, int, int, const char *, unsigned long,
                             unsigned long, unsigned long, int);

static open_function real_open(void) {
    static __thread open_function found;
    return found ? found : (found = (open_function)dlsym(RTLD_NEXT, "zipOpenNewFileInZip4_64"));
}

int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi, const void *extrafield_local,
                            unsigned size_extrafield_local, const void *extrafield_global,
                            unsigned size_extrafield_global, const char *comment, int method, int level, int raw,
                            int windowBits, int memLevel, int strategy, const char *password,
                            unsigned long crcForCrypting, unsigned long versionMadeBy, unsigned long flagBase,
                            int zip64) {
    open_function open = real_open();
    if (!open) return -102;  // minizip's ZIP_PARAMERROR: no minizip below us
    if (level == DEFAULT_LEVEL) level = MEMORY_PARTS_ZIP_LEVEL;
    // The deflate stream minizip sets up inside this call is libxlsxwriter's part: deflate_reuse.c takes it.
    memory_parts_minizip_opening(1);
    int status = open(file, filename, zipfi, extrafield_local, size_extrafield_local, extrafield_global,
                      size_extrafield_global, comment, method, level, raw, windowBits, memLevel, strategy, password,
                      crcForCrypting, versionMadeBy, flagBase, zip64);
    memory_parts_minizip_opening(0);
    return status;
}

int memory_parts_zip_level_active(void) {
    return dlsym(RTLD_DEFAULT, "zipOpenNewFileInZip4_64") == (void *)zipOpenNewFileInZip4_64 && real_open() != NULL;
}

#else

int memory_parts_zip_level_active(void) { return 0; }

#endif
