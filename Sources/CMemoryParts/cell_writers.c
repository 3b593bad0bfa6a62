// libxlsxwriter's number and shared-string cells written without fprintf (the same bytes).
//
// libxlsxwriter 1.1.4 writes each cell of a sheet with one fprintf, e.g. `<c r="%s" s="%d"><v>%.16G</v></c>`. In
// `perf` of the town workbook, glibc's format interpretation (vfprintf, and printf_fp for "%.16G") was ~20 % of its
// CPU, beside the copying any writer needs. The two functions are called through libxlsxwriter's PLT (from its
// _write_cell), so the executable's definitions below are reached first (as lxw_tmpfile in memory_parts.c) and write
// the same text piece by piece: the format strings are libxlsxwriter's (read from its binary), and "%.16G" of an
// integral value below 10^15 is its digits (any other value still goes through snprintf).

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/worksheet.h>)

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter/worksheet.h>

#include "xml_put.h"

typedef void (*cell_writer)(lxw_worksheet *, char *, int32_t, lxw_cell *);

// Tests: while set, this thread's cells are written by libxlsxwriter's own functions (to compare the bytes).
static __thread int disabled;
// Cells written here on this thread (tests: the interposition takes effect).
static __thread unsigned long written;
// Cell names written here on this thread (tests).
static __thread unsigned long named;

void memory_parts_cells_disable(int on) { disabled = on; }
unsigned long memory_parts_cells_written(void) { return written; }

static cell_writer library_writer(const char *name, cell_writer *found) {
    return *found ? *found : (*found = (cell_writer)dlsym(RTLD_NEXT, name));
}


// "%d" at `out`; returns the end.
static char *cat_int(char *out, int32_t value) {
    char digits[12];
    int count = 0;
    uint32_t magnitude = value < 0 ? 0u - (uint32_t)value : (uint32_t)value;
    do {
        digits[11 - count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) digits[11 - count++] = '-';
    memcpy(out, digits + 12 - count, (size_t)count);
    return out + count;
}

static inline char *cat(char *out, const char *text, size_t length) {
    memcpy(out, text, length);
    return out + length;
}
#define CAT(out, literal) cat(out, literal, sizeof(literal) - 1)

// snprintf(text, 32, "%.16G", value): an integral value of fewer than 16 digits is its digits (no exponent, no point);
// any other text is remembered per thread (in static TLS, so every thread of the process carries the
// table: 12 KB, kept in this one file), the last value of each of 256 slots (by the double's bits): the same
// values come back in every workbook (column widths, row heights, page margins, rates), and glibc's printf_fp took
// ~2 % of the village workbooks' CPU on them. The text depends only on the bits, so it is the same. Returns the
// text's length (as snprintf would, capped at 31).
size_t memory_parts_format_16g(double value, char text[32]) {
    if (value == floor(value) && fabs(value) < 1e15 && !(value == 0 && signbit(value))) {
        int64_t whole = (int64_t)value;
        char digits[20];
        int count = 0;
        uint64_t magnitude = whole < 0 ? 0u - (uint64_t)whole : (uint64_t)whole;
        do {
            digits[19 - count++] = (char)('0' + magnitude % 10);
            magnitude /= 10;
        } while (magnitude);
        if (whole < 0) digits[19 - count++] = '-';
        memcpy(text, digits + 20 - count, (size_t)count);
        text[count] = '\0';
        return (size_t)count;
    }
    static __thread struct { uint64_t bits; uint8_t length; uint8_t filled; char text[32]; } slots[256];
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    unsigned slot = (unsigned)((bits * 0x9E3779B97F4A7C15ull) >> 56);
    if (!slots[slot].filled || slots[slot].bits != bits) {
        int length = snprintf(slots[slot].text, 32, "%.16G", value);
        if (length < 0) {
            text[0] = '\0';
            return 0;
        }
        slots[slot].bits = bits;
        slots[slot].length = (uint8_t)((size_t)length < 32 ? (size_t)length : 31);
        slots[slot].filled = 1;
    }
    memcpy(text, slots[slot].text, slots[slot].length + 1u);
    return slots[slot].length;
}

// A cell's text is gathered on the stack and handed to the FILE in one fwrite_unlocked (each call costs its own
// _IO_file_xsputn). Its longest: `<c r="` + a cell name (at most 14 bytes in libxlsxwriter's buffer; longer ones
// are not expected, and are written as they come) + `" s="` + 11 digits + `"><v>` + 31 bytes of "%.16G" + `</v></c>`.
enum { CELL_TEXT = 128, CELL_NAME_ROOM = 32 };

// `<c r="A1"` and ` s="3"` when the cell has a style, at `out` (`range` no longer than CELL_NAME_ROOM); returns the end.
static char *cat_start(char *out, const char *range, size_t range_length, int32_t style_index) {
    out = CAT(out, "<c r=\"");
    out = cat(out, range, range_length);
    if (style_index) {
        out = CAT(out, "\" s=\"");
        out = cat_int(out, style_index);
    }
    return out;
}

// A name past CELL_NAME_ROOM (never from libxlsxwriter 1.1.4's 14-byte buffer): the start written as it comes.
static void put_start_long(FILE *file, const char *range, size_t range_length, int32_t style_index) {
    PUT(file, "<c r=\"");
    put(file, range, range_length);
    if (style_index) {
        char digits[12];
        PUT(file, "\" s=\"");
        put(file, digits, (size_t)(cat_int(digits, style_index) - digits));
    }
}

// libxlsxwriter: `<c r="%s" s="%d"><v>%.16G</v></c>`, or without ` s="%d"` when the style index is 0.
void _write_number_cell(lxw_worksheet *self, char *range, int32_t style_index, lxw_cell *cell) {
    static __thread cell_writer own;
    if ((disabled || !memory_parts_writers_apply()) && library_writer("_write_number_cell", &own)) {
        own(self, range, style_index, cell);
        return;
    }
    written++;
    char text[CELL_TEXT], real[32];
    size_t range_length = strlen(range), real_length = memory_parts_format_16g(cell->u.number, real);
    if (range_length > CELL_NAME_ROOM) {
        put_start_long(self->file, range, range_length, style_index);
        char *end = CAT(text, "\"><v>");
        end = cat(end, real, real_length);
        end = CAT(end, "</v></c>");
        put(self->file, text, (size_t)(end - text));
        return;
    }
    char *end = cat_start(text, range, range_length, style_index);
    end = CAT(end, "\"><v>");
    end = cat(end, real, real_length);
    end = CAT(end, "</v></c>");
    put(self->file, text, (size_t)(end - text));
}

// libxlsxwriter: `<c r="%s" s="%d" t="s"><v>%d</v></c>` (the shared string's index), or without ` s="%d"`.
void _write_string_cell(lxw_worksheet *self, char *range, int32_t style_index, lxw_cell *cell) {
    static __thread cell_writer own;
    if ((disabled || !memory_parts_writers_apply()) && library_writer("_write_string_cell", &own)) {
        own(self, range, style_index, cell);
        return;
    }
    written++;
    char text[CELL_TEXT];
    size_t range_length = strlen(range);
    char *end = text;
    if (range_length > CELL_NAME_ROOM) put_start_long(self->file, range, range_length, style_index);
    else end = cat_start(text, range, range_length, style_index);
    end = CAT(end, "\" t=\"s\"><v>");
    end = cat_int(end, cell->u.string_id);
    end = CAT(end, "</v></c>");
    put(self->file, text, (size_t)(end - text));
}

// libxlsxwriter 1.1.4's lxw_rowcol_to_cell (its public API, called through its PLT by _write_cell for every cell, and
// by the functions that name a cell or range) writes the column's letters (lxw_col_to_name, then a strlen) and the
// row with snprintf "%d" into 9 bytes: ~5 % of the town workbook's CPU and ~2 % of the village workbooks'. The same
// text is written here for every cell inside the sheet's limits; anything else (which the library would cut or wrap)
// goes to libxlsxwriter's own function.
typedef void (*cell_name_function)(char *, lxw_row_t, lxw_col_t);

static cell_name_function library_cell_name(void) {
    static __thread cell_name_function found;
    return found ? found : (found = (cell_name_function)dlsym(RTLD_NEXT, "lxw_rowcol_to_cell"));
}

void lxw_rowcol_to_cell(char *cell_name, lxw_row_t row, lxw_col_t col) {
    if ((disabled || !memory_parts_writers_apply() || row >= LXW_ROW_MAX || col >= LXW_COL_MAX) && library_cell_name()) {
        library_cell_name()(cell_name, row, col);
        return;
    }
    named++;
    // Letters in base 26 without a zero (A = 1 … Z = 26), most significant first: at most three below column 16,384.
    char letters[3];
    int count = 0;
    for (unsigned number = (unsigned)col + 1; number; number = (number - 1) / 26) {
        unsigned remainder = number % 26;
        letters[count++] = (char)('A' + (remainder ? remainder : 26) - 1);
    }
    char *out = cell_name;
    while (count) *out++ = letters[--count];
    char digits[8];
    int length = 0;
    for (uint32_t number = row + 1; number; number /= 10) digits[length++] = (char)('0' + number % 10);
    while (length) *out++ = digits[--length];
    *out = '\0';
}

// Tests: the name of a cell as libxlsxwriter's own function (`own` 1) or the one above writes it.
void memory_parts_cell_name_for_tests(int own, uint32_t row, uint16_t col, char out[32]) {
    memset(out, 0, 32);
    if (own && library_cell_name()) library_cell_name()(out, row, col);
    else lxw_rowcol_to_cell(out, row, col);
}

unsigned long memory_parts_cells_named(void) { return named; }

// Not interposed: _write_inline_string_cell (the text cells of constant-memory sheets). Written here without its
// escaped copy, it saved ≈ 0.03 s of the town workbook's thread CPU at 2,000 × 12 but raised a cold run's peak RSS by
// ≈ 2 MB (77.4–77.8 → 79.2–80.5 MB, every one of eight alternating runs, 2026-11-30): without libxlsxwriter's malloc
// and free of that copy per cell, glibc returned less of the town workbook thread's freed memory meanwhile. The peak
// is a goal of issue 5 (≤ 80 MB); 1 % of the CPU is not worth it.

int memory_parts_cells_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "_write_number_cell") == (void *)_write_number_cell
        && dlsym(RTLD_DEFAULT, "_write_string_cell") == (void *)_write_string_cell
        && dlsym(RTLD_DEFAULT, "lxw_rowcol_to_cell") == (void *)lxw_rowcol_to_cell;
}

#else

void memory_parts_cells_disable(int on) { (void)on; }
unsigned long memory_parts_cells_written(void) { return 0; }
int memory_parts_cells_active(void) { return 0; }
void memory_parts_cell_name_for_tests(int own, uint32_t row, uint16_t col, char out[32]) {
    (void)own; (void)row; (void)col;
    out[0] = '\0';
}
unsigned long memory_parts_cells_named(void) { return 0; }

#endif
