// Keeps the zip of a workbook being closed in memory, then writes it to its file with one write, and hands its bytes
// to the caller (to check and hash them without reading the file back).
//
// minizip writes a workbook's zip through a stdio FILE it opens with fopen64: a part's header, its deflated bytes,
// then a seek back to the header to fill in the CRC and sizes and a seek forward again — each seek flushes the FILE
// (a write and an lseek system call), about 60 of each per village workbook (58,000 lseeks and 61,000 writes in a
// cold 2,000-village run). libminizip is a shared library under libxlsxwriter, so its call to fopen64 reaches the
// executable's definition below first (as lxw_tmpfile does in memory_parts.c). Only the file named by
// `memory_zip_begin` on this thread, opened for writing, is kept in memory (a stdio stream over a heap buffer, as
// memory_parts.c does for the parts); every other fopen64 goes to glibc's. When minizip closes it, the buffer is
// written to the file in one go (every byte or an error: minizip then fails zipClose, and libxlsxwriter
// workbook_close), its writeback started, and the bytes kept for `memory_zip_take`. The file is opened (and
// truncated) when minizip opens it, as "wb" would, so a name that cannot be written fails at once. A zip that grows past
// ZIP_MEMORY_LIMIT moves to its file and goes on there: the bytes are then not kept.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <errno.h>
#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

// A zip larger than this goes on in its file (the town workbook: 4 MB at 2,000 villages, read back as before), so the
// run's peak memory does not hold it twice (here and as the bytes checked); a village workbook is tens of KB.
#define ZIP_MEMORY_LIMIT (1 << 20)

typedef FILE *(*fopen_function)(const char *, const char *);

static fopen_function real_fopen64(void) {
    static __thread fopen_function found;
    return found ? found : (found = (fopen_function)dlsym(RTLD_NEXT, "fopen64"));
}

typedef struct {
    char *path;
    unsigned char *bytes;
    size_t size, capacity;
    off64_t position;
    int fd;         // the file, opened (and truncated) by fopen64 as "wb" does
    int in_memory;  // 0 once the zip outgrew memory and went on in its file
} zip_stream;

static __thread char *expected;          // the file to keep in memory when opened on this thread (memory_zip_begin)
static __thread char *kept_path;         // the last zip closed in memory on this thread, and its bytes
static __thread unsigned char *kept;
static __thread size_t kept_size;
static __thread int opened_in_memory;    // tests: how many zips this thread kept in memory
static __thread int simulate_short_write;  // tests: the final write of the file fails as on a full disk
static __thread size_t test_limit;         // tests: a smaller ZIP_MEMORY_LIMIT (0: the real one)

static void drop_kept(void) {
    free(kept_path);
    free(kept);
    kept_path = NULL;
    kept = NULL;
    kept_size = 0;
}

// Bytes kept and never taken are freed when their thread ends.
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void thread_ends(void *unused) {
    (void)unused;
    drop_kept();
    free(expected);
    expected = NULL;
}

static void make_key(void) { pthread_key_create(&kept_key, thread_ends); }

static void note_thread(void) {
    pthread_once(&kept_once, make_key);
    pthread_setspecific(kept_key, (void *)1);  // any non-NULL value: the destructor runs at the thread's end
}

void memory_zip_begin(const char *path) {
    note_thread();
    drop_kept();
    free(expected);
    expected = path ? strdup(path) : NULL;
}

void memory_zip_end(void) {
    free(expected);
    expected = NULL;
}

int memory_zip_take(const char *path, unsigned char **bytes, size_t *size) {
    if (!kept_path || !path || strcmp(kept_path, path) != 0) {
        drop_kept();
        return 0;
    }
    *bytes = kept;
    *size = kept_size;
    kept = NULL;
    drop_kept();
    return 1;
}

int memory_zip_count(void) { return opened_in_memory; }

void memory_zip_simulate_short_write(int on) { simulate_short_write = on; }

void memory_zip_limit_for_tests(size_t limit) { test_limit = limit; }

// Writes all of `bytes` at `offset` of `fd`; 0 on success, -1 with errno.
static int write_at(int fd, const unsigned char *bytes, size_t size, off64_t offset) {
    while (size) {
        ssize_t n = simulate_short_write ? (errno = ENOSPC, -1) : pwrite64(fd, bytes, size, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        bytes += n;
        size -= (size_t)n;
        offset += n;
    }
    return 0;
}

static int open_file(const char *path) {
    // As fopen64(path, "wb") would: created with 0666 less the umask, or truncated.
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

// The zip outgrew memory: what is in memory goes to the file, and the stream goes on there.
static int move_to_file(zip_stream *z) {
    if (write_at(z->fd, z->bytes, z->size, 0) != 0) return -1;
    free(z->bytes);
    z->bytes = NULL;
    z->capacity = 0;
    z->in_memory = 0;
    return 0;
}

static ssize_t zip_write(void *cookie, const char *buffer, size_t size) {
    zip_stream *z = cookie;
    size_t end = (size_t)z->position + size;
    if (z->in_memory && end > (test_limit ? test_limit : ZIP_MEMORY_LIMIT) && move_to_file(z) != 0) return -1;
    if (!z->in_memory) {
        if (write_at(z->fd, (const unsigned char *)buffer, size, z->position) != 0) return -1;
    } else {
        if (end > z->capacity) {
            size_t capacity = z->capacity ? z->capacity : 64 << 10;
            while (capacity < end) capacity *= 2;
            unsigned char *grown = realloc(z->bytes, capacity);
            if (!grown) {
                errno = ENOMEM;
                return -1;
            }
            z->bytes = grown;
            z->capacity = capacity;
        }
        if ((size_t)z->position > z->size) memset(z->bytes + z->size, 0, (size_t)z->position - z->size);
        memcpy(z->bytes + z->position, buffer, size);
    }
    z->position += (off64_t)size;
    if ((size_t)z->position > z->size) z->size = (size_t)z->position;
    return (ssize_t)size;
}

static ssize_t zip_read(void *cookie, char *buffer, size_t size) {
    (void)cookie, (void)buffer, (void)size;
    errno = EBADF;  // opened for writing only, as "wb"
    return -1;
}

static int zip_seek(void *cookie, off64_t *offset, int whence) {
    zip_stream *z = cookie;
    off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? z->position : whence == SEEK_END ? (off64_t)z->size : -1;
    if (base < 0 || base + *offset < 0) {
        errno = EINVAL;
        return -1;
    }
    z->position = base + *offset;
    *offset = z->position;
    return 0;
}

static void start_writeback(int fd) {
    // Started now, waited for with every other output before the swap (as OutputStore.startWriteback does).
    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static int zip_close(void *cookie) {
    zip_stream *z = cookie;
    int status = 0, error = 0;
    if (z->in_memory && write_at(z->fd, z->bytes, z->size, 0) != 0) {
        status = -1;
        error = errno;
    }
    if (status == 0) start_writeback(z->fd);
    if (close(z->fd) != 0 && status == 0) {
        status = -1;
        error = errno;
    }
    if (z->in_memory && status == 0) {
        // Kept for memory_zip_take; the path too, so that bytes are never taken for another file.
        drop_kept();
        kept_path = z->path;
        kept = z->bytes;
        kept_size = z->size;
        z->path = NULL;
        z->bytes = NULL;
    }
    free(z->path);
    free(z->bytes);
    free(z);
    if (status != 0) errno = error;
    return status;
}

FILE *fopen64(const char *path, const char *mode) {
    fopen_function real = real_fopen64();
    int wanted = expected && path && mode && strcmp(path, expected) == 0 && strcmp(mode, "wb") == 0;
    if (!wanted) {
        if (!real) {
            errno = ENOSYS;
            return NULL;
        }
        return real(path, mode);
    }
    // Once: a second open of the same name on this thread is minizip's business, not ours.
    free(expected);
    expected = NULL;
    zip_stream *z = calloc(1, sizeof *z);
    if (!z || !(z->path = strdup(path))) {
        free(z);
        errno = ENOMEM;
        return NULL;
    }
    z->in_memory = 1;
    // Opened and truncated at once, as "wb" does: a name that cannot be written fails here, not at the end.
    z->fd = open_file(path);
    if (z->fd < 0) {
        int error = errno;
        free(z->path);
        free(z);
        errno = error;
        return NULL;
    }
    FILE *file = fopencookie(z, "wb", (cookie_io_functions_t){zip_read, zip_write, zip_seek, zip_close});
    if (!file) {
        close(z->fd);
        free(z->path);
        free(z);
        errno = ENOMEM;
        return NULL;
    }
    opened_in_memory++;
    return file;
}

int memory_zip_active(void) {
    return dlsym(RTLD_DEFAULT, "fopen64") == (void *)fopen64 && real_fopen64() != NULL;
}

#else

void memory_zip_begin(const char *path) { (void)path; }

void memory_zip_end(void) {}

int memory_zip_take(const char *path, unsigned char **bytes, size_t *size) {
    (void)path, (void)bytes, (void)size;
    return 0;
}

int memory_zip_count(void) { return 0; }

void memory_zip_simulate_short_write(int on) { (void)on; }

void memory_zip_limit_for_tests(size_t limit) { (void)limit; }

int memory_zip_active(void) { return 0; }

#endif
