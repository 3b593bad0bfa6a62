// A fast path for the few printf formats libxlsxwriter writes its XML with; anything else goes to glibc unchanged.
//
// libxlsxwriter 1.1.4 writes every tag, attribute and cell through fprintf (fortified: __fprintf_chk) and copies
// every attribute and cell name through snprintf: `<c r="%s" s="%d"><v>%.16G</v></c>`, ` %s="%s"`, `<%s`, "%s",
// "%d". glibc's vfprintf sets up a whole conversion machine per call (13 % of the village workbooks' CPU, 27 % of
// the town workbook's, in `perf`). Both are called through libxlsxwriter's PLT, so the executable's definitions
// below come first (as lxw_tmpfile does in memory_parts.c). A format made only of text and %s, %d, %u, %ld, %lu,
// %zu, %c, %% and %.16G is written here, with glibc's exact output: %.16G of a whole number below 10^15 is its
// digits (glibc's rule: a decimal exponent below the precision means fixed notation, trailing zeros and the point
// dropped); any other double goes to glibc's vsnprintf for that one conversion. Any other format (a width, a flag,
// %n, %x, %g …) goes to glibc's vfprintf / vsnprintf whole, so nothing is ever formatted differently.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

int __vfprintf_chk(FILE *stream, int flag, const char *format, va_list ap);

// 1 when every conversion of `format` is one the fast path writes.
static int fast_format(const char *format) {
    for (const char *p = format; *p; p++) {
        if (*p != '%') continue;
        p++;
        if (*p == 's' || *p == 'd' || *p == 'u' || *p == 'c' || *p == '%') continue;
        if ((*p == 'l' || *p == 'z') && (p[1] == 'd' || p[1] == 'u')) {
            p++;
            continue;
        }
        if (p[0] == '.' && p[1] == '1' && p[2] == '6' && p[3] == 'G') {
            p += 3;
            continue;
        }
        return 0;
    }
    return 1;
}

// The digits of `magnitude`, with a '-' before when `negative`, at the end of `buffer` (24 bytes); returns the start.
static char *digits(char *end, unsigned long long magnitude, int negative) {
    char *p = end;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (negative) *--p = '-';
    return p;
}

static int glibc_format(char *buffer, size_t size, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buffer, size, format, ap);
    va_end(ap);
    return n;
}

// Where the fast path's pieces go: a FILE (gathered in `pending` and handed over in one fwrite, as most outputs
// are a tag or a cell of well under its size), or a buffer of `size` bytes (snprintf's truncation rules).
typedef struct {
    FILE *file;
    char *buffer;
    size_t size;
    size_t length;  // what the whole output takes (snprintf's result)
    int failed;
    size_t pending_length;
    char pending[512];
} sink;

static void flush_pending(sink *s) {
    if (s->pending_length && !s->failed && fwrite_unlocked(s->pending, 1, s->pending_length, s->file) != s->pending_length)
        s->failed = 1;
    s->pending_length = 0;
}

static void put(sink *s, const char *bytes, size_t n) {
    if (s->file) {
        if (s->pending_length + n > sizeof s->pending) {
            flush_pending(s);
            if (n > sizeof s->pending) {
                if (!s->failed && fwrite_unlocked(bytes, 1, n, s->file) != n) s->failed = 1;
                s->length += n;
                return;
            }
        }
        memcpy(s->pending + s->pending_length, bytes, n);
        s->pending_length += n;
    } else if (s->length + 1 < s->size) {
        size_t room = s->size - 1 - s->length;
        memcpy(s->buffer + s->length, bytes, n < room ? n : room);
    }
    s->length += n;
}

// Writes `format` (fast_format said yes) with `ap` to `s`.
static void format_into(sink *s, const char *format, va_list ap) {
    const char *text = format;
    char number[40];
    for (const char *p = format; *p; p++) {
        if (*p != '%') continue;
        put(s, text, (size_t)(p - text));
        p++;
        char *end = number + sizeof number;
        switch (*p) {
        case 's': {
            const char *string = va_arg(ap, const char *);
            if (!string) string = "(null)";
            put(s, string, strlen(string));
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put(s, &c, 1);
            break;
        }
        case '%':
            put(s, "%", 1);
            break;
        case 'd': {
            long long v = va_arg(ap, int);
            char *start = digits(end, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
            put(s, start, (size_t)(end - start));
            break;
        }
        case 'u': {
            char *start = digits(end, va_arg(ap, unsigned int), 0);
            put(s, start, (size_t)(end - start));
            break;
        }
        case 'l':
        case 'z': {
            int is_long = *p == 'l';
            p++;
            char *start;
            if (*p == 'd') {
                long long v = is_long ? va_arg(ap, long) : (long long)va_arg(ap, ssize_t);
                start = digits(end, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
            } else {
                start = digits(end, is_long ? va_arg(ap, unsigned long) : va_arg(ap, size_t), 0);
            }
            put(s, start, (size_t)(end - start));
            break;
        }
        default: {  // ".16G"
            p += 3;
            double v = va_arg(ap, double);
            if (isfinite(v) && fabs(v) < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v))) {
                long long whole = (long long)v;
                char *start = digits(end, whole < 0 ? 0ull - (unsigned long long)whole : (unsigned long long)whole,
                                     whole < 0);
                put(s, start, (size_t)(end - start));
            } else {
                int n = glibc_format(number, sizeof number, "%.16G", v);
                if (n > 0) put(s, number, (size_t)n < sizeof number ? (size_t)n : sizeof number - 1);
            }
            break;
        }
        }
        text = p + 1;
    }
    put(s, text, strlen(text));
}

int memory_parts_vsnprintf(char *buffer, size_t size, const char *format, va_list ap) {
    if (!format || !fast_format(format)) return vsnprintf(buffer, size, format, ap);
    sink s;  // `pending` unused: no need to clear it
    s.file = NULL, s.buffer = buffer, s.size = size, s.length = 0, s.failed = 0, s.pending_length = 0;
    format_into(&s, format, ap);
    if (size) buffer[s.length < size ? s.length : size - 1] = 0;
    return s.length > INT32_MAX ? -1 : (int)s.length;
}

int memory_parts_vfprintf(FILE *file, int flag, const char *format, va_list ap) {
    if (!file || !format || !fast_format(format)) return __vfprintf_chk(file, flag, format, ap);
    sink s;  // `pending` is filled before it is read
    s.file = file, s.buffer = NULL, s.size = 0, s.length = 0, s.failed = 0, s.pending_length = 0;
    flockfile(file);
    format_into(&s, format, ap);
    flush_pending(&s);
    funlockfile(file);
    return s.failed || s.length > INT32_MAX ? -1 : (int)s.length;
}

int snprintf(char *buffer, size_t size, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = memory_parts_vsnprintf(buffer, size, format, ap);
    va_end(ap);
    return n;
}

int __fprintf_chk(FILE *file, int flag, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = memory_parts_vfprintf(file, flag, format, ap);
    va_end(ap);
    return n;
}

int memory_parts_printf_active(void) {
    return dlsym(RTLD_DEFAULT, "__fprintf_chk") == (void *)__fprintf_chk
        && dlsym(RTLD_DEFAULT, "snprintf") == (void *)snprintf;
}

#else

int memory_parts_vsnprintf(char *buffer, size_t size, const char *format, va_list ap) {
    return vsnprintf(buffer, size, format, ap);
}

int memory_parts_vfprintf(FILE *file, int flag, const char *format, va_list ap) {
    (void)flag;
    return vfprintf(file, format, ap);
}

int memory_parts_printf_active(void) { return 0; }

#endif
