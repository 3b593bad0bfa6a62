// Each small part of a workbook handed to minizip already deflated; the theme's constant XML written from one copy.
//
// libxlsxwriter 1.1.4 zips a part with `_add_file_to_zip`: it opens the part in the zip, reads the part back from its
// temporary file in 16 KB pieces and hands each to zipWriteInFileInZip, which runs zlib's crc32 over it and feeds
// it to deflate (deflate_reuse.c collects the pieces, looks the part up in its per-thread cache, else deflates it with
// libdeflate, and hands the result back through minizip's 64 KB buffer). For the village workbooks' 13 parts of a
// few KB each, that plumbing cost about as much as the XML of the constant parts. `_add_file_to_zip` is called
// through libxlsxwriter's PLT, so the executable's definition below is reached first (as lxw_tmpfile in
// memory_parts.c): a part of at most MEMORY_PARTS_LIBDEFLATE_LIMIT bytes is read whole, deflated (or found in the
// cache, with its CRC-32 remembered) by memory_parts_deflate_whole — the same libdeflate call, at the same level, on
// the same bytes as deflate_reuse.c — and written with minizip's raw mode (zipOpenNewFileInZip4_64 with raw = 1,
// zipWriteInFileInZip of the deflated bytes, zipCloseFileInZipRaw with the size and CRC-32), which writes the same
// headers and data: the zip's bytes are the same (LibxlsxwriterInterpositionTests compares every workbook of the
// fixture both ways). A longer part (the town workbook's long sheets) goes to libxlsxwriter's own function, which
// streams it through zlib as before.
//
// In raw mode minizip still runs crc32 over the bytes it is handed (the deflated ones) and then ignores the result;
// `crc32` below skips that work while this file writes a part (any other call goes to zlib's crc32).
//
// The theme (xl/theme/theme1.xml) is a constant text in libxlsxwriter 1.1.4 (`lxw_theme_assemble_xml_file` writes
// fixed strings, its struct holds only the FILE): it is made once per process by libxlsxwriter's own function into
// memory and then written with one fwrite per workbook.
//
// All of this applies only under libxlsxwriter 1.1.4 (memory_parts_writers_apply: the packager's layout is copied
// from its header) with the deflate and level interpositions active; otherwise every call goes to libxlsxwriter.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/packager.h>) && __has_include(<zlib.h>)

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter/packager.h>
#include <zlib.h>

typedef lxw_error (*add_function)(lxw_packager *, FILE *, const char *);
typedef int (*write_function)(zipFile, const void *, unsigned);
typedef int (*close_raw_function)(zipFile, uLong, uLong);
typedef uLong (*crc_function)(uLong, const Bytef *, uInt);
typedef void (*theme_function)(lxw_theme *);

static __thread int disabled;        // tests: this thread's parts go through libxlsxwriter's own function
static __thread int theme_disabled;  // tests: this thread's themes are written by libxlsxwriter's own function
static __thread int raw_writing;     // minizip is being handed a deflated part (its crc32 of it is thrown away)
static __thread unsigned long written;
static __thread unsigned char *part;  // the part read back whole (kept for the thread's next part, freed at its end)
static __thread size_t part_capacity;
static pthread_key_t part_key;
static pthread_once_t part_once = PTHREAD_ONCE_INIT;

static void free_part(void *pointer) {
    free(pointer);
    part = NULL;
    part_capacity = 0;
}
static void make_part_key(void) { pthread_key_create(&part_key, free_part); }

void memory_parts_whole_parts_disable(int on) { disabled = on; }
void memory_parts_theme_disable(int on) { theme_disabled = on; }
unsigned long memory_parts_whole_parts_written(void) { return written; }

static add_function library_add(void) {
    static __thread add_function found;
    return found ? found : (found = (add_function)dlsym(RTLD_NEXT, "_add_file_to_zip"));
}
static write_function minizip_write(void) {
    static __thread write_function found;
    return found ? found : (found = (write_function)dlsym(RTLD_DEFAULT, "zipWriteInFileInZip"));
}
static close_raw_function minizip_close_raw(void) {
    static __thread close_raw_function found;
    return found ? found : (found = (close_raw_function)dlsym(RTLD_DEFAULT, "zipCloseFileInZipRaw"));
}
static crc_function zlib_crc32(void) {
    static __thread crc_function found;
    return found ? found : (found = (crc_function)dlsym(RTLD_NEXT, "crc32"));
}

uLong crc32(uLong crc, const Bytef *buf, uInt len) {
    if (raw_writing) return crc;  // minizip's crc32 of an already deflated part: unused (zipCloseFileInZipRaw)
    crc_function own = zlib_crc32();
    return own ? own(crc, buf, len) : 0;
}

// Everything the fast path needs is there (asked once per thread).
static int whole_parts_ready(void) {
    static __thread int known = -1;
    if (known < 0)
        known = memory_parts_writers_apply() && memory_parts_deflate_active() && memory_parts_zip_level_active()
            && library_add() && minizip_write() && minizip_close_raw() && zlib_crc32();
    return known;
}

// Reads the part from its start into `part`; its size, or more than the limit when it is longer (or -1 on a read
// error, which libxlsxwriter's own function then meets and reports its way).
static long read_whole(FILE *file) {
    fflush(file);
    rewind(file);
    size_t size = 0;
    for (;;) {
        if (size == part_capacity) {
            if (part_capacity > MEMORY_PARTS_LIBDEFLATE_LIMIT) return (long)size;  // longer than the limit
            size_t capacity = part_capacity ? part_capacity * 2 : 16384;
            if (capacity > MEMORY_PARTS_LIBDEFLATE_LIMIT + 1) capacity = MEMORY_PARTS_LIBDEFLATE_LIMIT + 1;
            unsigned char *grown = realloc(part, capacity);
            if (!grown) return -1;
            if (!part) {
                pthread_once(&part_once, make_part_key);
                pthread_setspecific(part_key, grown);
            } else if (grown != part) {
                pthread_setspecific(part_key, grown);
            }
            part = grown;
            part_capacity = capacity;
        }
        size_t n = fread(part + size, 1, part_capacity - size, file);
        size += n;
        if (size < part_capacity) {
            if (ferror(file)) return -1;
            if (feof(file)) return (long)size;
        }
    }
}

lxw_error _add_file_to_zip(lxw_packager *self, FILE *file, const char *filename) {
    add_function own = library_add();
    if (disabled || !whole_parts_ready()) return own ? own(self, file, filename) : LXW_ERROR_ZIP_FILE_ADD;
    long size = read_whole(file);
    const unsigned char *deflated;
    size_t deflated_size;
    uint32_t crc;
    if (size < 0 || size > MEMORY_PARTS_LIBDEFLATE_LIMIT
        || memory_parts_deflate_whole(part, (size_t)size, MEMORY_PARTS_ZIP_LEVEL, &deflated, &deflated_size, &crc) != 0)
        return own(self, file, filename);  // it rewinds the part itself
    // libxlsxwriter's call, raw: zip_level.c's definition sets the level in the headers as for any part.
    int error = zipOpenNewFileInZip4_64(self->zipfile, filename, &self->zipfile_info, NULL, 0, NULL, 0, NULL,
                                        Z_DEFLATED, Z_DEFAULT_COMPRESSION, 1, -MAX_WBITS, DEF_MEM_LEVEL,
                                        Z_DEFAULT_STRATEGY, NULL, 0, 0, 0, self->use_zip64);
    if (error != ZIP_OK) RETURN_ON_ZIP_ERROR(error, LXW_ERROR_ZIP_FILE_ADD);
    raw_writing = 1;
    error = minizip_write()(self->zipfile, deflated, (unsigned)deflated_size);
    raw_writing = 0;
    if (error < 0) RETURN_ON_ZIP_ERROR(error, LXW_ERROR_ZIP_FILE_ADD);
    error = minizip_close_raw()(self->zipfile, (uLong)size, crc);
    if (error != ZIP_OK) RETURN_ON_ZIP_ERROR(error, LXW_ERROR_ZIP_FILE_ADD);
    written++;
    return LXW_NO_ERROR;
}

int memory_parts_whole_parts_active(void) {
    return dlsym(RTLD_DEFAULT, "_add_file_to_zip") == (void *)_add_file_to_zip && whole_parts_ready();
}

// The theme's XML as libxlsxwriter writes it, made once per process (NULL when it could not be made).
static char *theme_text;
static size_t theme_size;
static pthread_once_t theme_once = PTHREAD_ONCE_INIT;

static theme_function library_theme(void) {
    static __thread theme_function found;
    return found ? found : (found = (theme_function)dlsym(RTLD_NEXT, "lxw_theme_assemble_xml_file"));
}

static void make_theme_text(void) {
    theme_function own = library_theme();
    char *text = NULL;
    size_t size = 0;
    FILE *file = own ? open_memstream(&text, &size) : NULL;
    if (!file) return;
    lxw_theme theme = {file};
    own(&theme);
    if (fclose(file) == 0 && size > 0) {
        theme_text = text;
        theme_size = size;
    } else {
        free(text);
    }
}

void lxw_theme_assemble_xml_file(lxw_theme *self) {
    if (!theme_disabled && memory_parts_writers_apply()) {
        pthread_once(&theme_once, make_theme_text);
        if (theme_text) {
            fwrite_unlocked(theme_text, 1, theme_size, self->file);
            return;
        }
    }
    theme_function own = library_theme();
    if (own) own(self);
}

int memory_parts_theme_active(void) {
    return dlsym(RTLD_DEFAULT, "lxw_theme_assemble_xml_file") == (void *)lxw_theme_assemble_xml_file
        && memory_parts_writers_apply() && library_theme() != NULL;
}

#else

int memory_parts_whole_parts_active(void) { return 0; }
void memory_parts_whole_parts_disable(int on) { (void)on; }
unsigned long memory_parts_whole_parts_written(void) { return 0; }
int memory_parts_theme_active(void) { return 0; }
void memory_parts_theme_disable(int on) { (void)on; }

#endif
