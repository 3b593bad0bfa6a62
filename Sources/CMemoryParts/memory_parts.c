// libxlsxwriter's temporary parts of a workbook kept in memory (up to a limit) instead of temporary files.
//
// libxlsxwriter 1.1.4 writes every XML part of a workbook to a temporary file (about 14 per village workbook,
// each created, unlinked, written, rewound, read back and closed) before zipping it; it has no in-memory mode.
// This file defines lxw_tmpfile, which libxlsxwriter calls through its PLT, so the executable's definition wins:
// for a workbook whose tmpdir carries the marker below it returns a stdio stream over a growing heap buffer
// (fopencookie), otherwise it calls libxlsxwriter's own. The bytes libxlsxwriter reads back are the bytes it
// wrote, so the workbook is byte-identical either way.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

// fopencookie and symbol interposition through the PLT are glibc/ELF; elsewhere (macOS binds libxlsxwriter's calls
// to its own lxw_tmpfile) nothing is interposed and every part goes to a temporary file, as without this file.
#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

// A tmpdir starting with this (the real folder follows it) asks for parts in memory. It starts with a control
// character so that no real folder name can be mistaken for it.
static const char marker[] = "\x01safety-report-memory-parts:";

// A part larger than this moves to a real temporary file (in the folder after the marker), so a long
// constant-memory sheet costs no more memory than with temporary files.
#define MEMORY_PART_LIMIT (1 << 20)

typedef FILE *(*tmpfile_function)(char *);

// libxlsxwriter checks none of its reads, writes or seeks on a temporary part, so a part that could not be kept
// (memory, or the temporary folder full) would be zipped short — or, for a constant-memory sheet, as a sheet with
// rows missing in the middle and its end intact. Every such failure is counted here, per thread: a workbook is
// written start to finish on one thread, and `Workbook.close` asks for the count (`memory_parts_failures`).
static __thread int failures;
static __thread int first_errno;
// Parts of this thread's workbook that moved to a temporary file (see `memory_parts_spills`).
static __thread int spills;

static void note_failure(void) {
    if (failures++ == 0) first_errno = errno ? errno : EIO;
}

void memory_parts_reset(void) {
    failures = 0;
    first_errno = 0;
    spills = 0;
}

void memory_parts_note_failure(int error) {
    errno = error;
    note_failure();
}

int memory_parts_spills(void) { return spills; }

int memory_parts_failures(int *error) {
    if (error) *error = first_errno;
    return failures;
}

static tmpfile_function libxlsxwriters_tmpfile(void) {
    return (tmpfile_function)dlsym(RTLD_NEXT, "lxw_tmpfile");
}

typedef struct {
    char *bytes;
    size_t size, capacity, position;
    char *folder;  // where the part spills to; NULL: libxlsxwriter's default
    FILE *spill;   // once spilled, every call goes to this file
} memory_part;

// Moves the part to a temporary file; 0 on success. Afterwards the buffer is gone and `spill` holds the bytes.
static __thread int simulate_full_folder;

void memory_parts_simulate_full_folder(int on) { simulate_full_folder = on; }

static int spill_part(memory_part *part) {
    if (simulate_full_folder) {
        errno = ENOSPC;
        return -1;
    }
    spills++;
    tmpfile_function own = libxlsxwriters_tmpfile();
    FILE *file = own ? own(part->folder) : NULL;
    if (!file) return -1;
    // Unbuffered: the stream over this part already buffers, and a failed write must fail here, not at a later
    // flush whose error nobody sees.
    setvbuf(file, NULL, _IONBF, 0);
    if ((part->size && fwrite(part->bytes, 1, part->size, file) != part->size)
        || fseeko(file, (off_t)part->position, SEEK_SET) != 0) {
        fclose(file);
        return -1;
    }
    free(part->bytes);
    part->bytes = NULL;
    part->size = part->capacity = 0;
    part->spill = file;
    return 0;
}

static ssize_t part_read(void *cookie, char *buffer, size_t count) {
    memory_part *part = cookie;
    if (part->spill) {
        size_t n = fread(buffer, 1, count, part->spill);
        if (n == 0 && ferror(part->spill)) {
            note_failure();
            return -1;
        }
        return (ssize_t)n;
    }
    if (part->position >= part->size) return 0;
    size_t n = part->size - part->position;
    if (n > count) n = count;
    memcpy(buffer, part->bytes + part->position, n);
    part->position += n;
    return (ssize_t)n;
}

// A failed allocation or spill is a failed write (-1): stdio marks the stream in error and, as with a full
// temporary folder, libxlsxwriter zips the part cut short, which the written-workbook check then refuses.
static ssize_t part_write(void *cookie, const char *buffer, size_t count) {
    memory_part *part = cookie;
    int over = count > MEMORY_PART_LIMIT || part->position > MEMORY_PART_LIMIT - count;
    if (!part->spill && over && spill_part(part) != 0) {
        note_failure();
        return -1;
    }
    if (part->spill) {
        if (fwrite(buffer, 1, count, part->spill) == count) return (ssize_t)count;
        note_failure();
        return -1;
    }
    size_t end = part->position + count;
    if (end > part->capacity) {
        size_t capacity = part->capacity ? part->capacity : 16384;
        while (capacity < end) capacity *= 2;
        char *grown = realloc(part->bytes, capacity);
        if (!grown) {
            note_failure();
            return -1;
        }
        part->bytes = grown;
        part->capacity = capacity;
    }
    if (part->position > part->size) memset(part->bytes + part->size, 0, part->position - part->size);
    memcpy(part->bytes + part->position, buffer, count);
    part->position = end;
    if (end > part->size) part->size = end;
    return (ssize_t)count;
}

static int part_seek(void *cookie, off64_t *offset, int whence) {
    memory_part *part = cookie;
    if (part->spill) {
        off_t at = fseeko(part->spill, (off_t)*offset, whence) == 0 ? ftello(part->spill) : -1;
        if (at < 0) {
            note_failure();
            return -1;
        }
        *offset = (off64_t)at;
        return 0;
    }
    off64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (off64_t)part->position; break;
    case SEEK_END: base = (off64_t)part->size; break;
    default: return -1;
    }
    if (*offset < -base) {
        note_failure();
        return -1;
    }
    part->position = (size_t)(base + *offset);
    *offset = (off64_t)part->position;
    return 0;
}

static int part_close(void *cookie) {
    memory_part *part = cookie;
    int result = part->spill ? fclose(part->spill) : 0;
    if (result != 0) note_failure();
    free(part->bytes);
    free(part->folder);
    free(part);
    return result;
}

FILE *lxw_tmpfile(char *tmpdir) {
    size_t marked = sizeof marker - 1;
    if (tmpdir && strncmp(tmpdir, marker, marked) == 0) {
        tmpdir = tmpdir[marked] ? tmpdir + marked : NULL;
        memory_part *part = calloc(1, sizeof *part);
        if (part && (!tmpdir || (part->folder = strdup(tmpdir)))) {
            cookie_io_functions_t io = {part_read, part_write, part_seek, part_close};
            FILE *file = fopencookie(part, "w+", io);
            if (file) return file;
        }
        if (part) free(part->folder);
        free(part);
        // No memory for a stream: counted as a failure, so the workbook is written again or the run fails.
        note_failure();
        return NULL;
    }
    tmpfile_function own = libxlsxwriters_tmpfile();
    return own ? own(tmpdir) : NULL;
}

char *memory_parts_tmpdir(const char *folder) {
    size_t marked = sizeof marker - 1, length = folder ? strlen(folder) : 0;
    char *text = malloc(marked + length + 1);
    if (!text) return NULL;
    memcpy(text, marker, marked);
    if (length) memcpy(text + marked, folder, length);
    text[marked + length] = 0;
    return text;
}

// libxlsxwriter writes a workbook's creation time (docProps/core.xml) through gmtime(3), whose result lives in
// one static buffer per process: two workbooks closed at once on two threads with different times could each
// read the other's (seen as a flaky test: parallel tests write workbooks of different periods). One buffer per
// thread, as gmtime_r with the caller's own, is what libxlsxwriter needs; glibc's gmtime is otherwise the same.
// Interposed like lxw_tmpfile (the executable's definition wins for every caller in the process).
struct tm *gmtime(const time_t *timer) {
    static __thread struct tm result;
    return gmtime_r(timer, &result);
}

int memory_parts_active(void) {
    void *found = dlsym(RTLD_DEFAULT, "lxw_tmpfile");
    return found == (void *)lxw_tmpfile && libxlsxwriters_tmpfile() != NULL;
}

#else

char *memory_parts_tmpdir(const char *folder) { return folder ? strdup(folder) : NULL; }

int memory_parts_active(void) { return 0; }

void memory_parts_reset(void) {}

void memory_parts_simulate_full_folder(int on) { (void)on; }

int memory_parts_failures(int *error) {
    if (error) *error = 0;
    return 0;
}

void memory_parts_note_failure(int error) { (void)error; }

int memory_parts_spills(void) { return 0; }

#endif
