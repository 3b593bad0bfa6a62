// A constant-memory sheet freed without 16,384 calls for its empty row of cells (libxlsxwriter's lxw_worksheet_free).
//
// A constant-memory sheet keeps one row of cells as an array of LXW_COL_MAX (16,384) pointers, each emptied as the
// row is written out. libxlsxwriter 1.1.4 frees the sheet by calling its _free_cell (through the PLT) for every one
// of the 16,384, set or not: ~35 µs per such sheet, 3 % of a village workbook's CPU for its one constant-memory
// sheet (需更正数据), measured with `perf`. libxlsxwriter calls lxw_worksheet_free through its PLT, so the executable's
// definition below is reached first (as lxw_tmpfile in memory_parts.c): it frees the cells still set (none, once a
// workbook is closed; any left are freed by libxlsxwriter's own _free_cell) and the array, then hands the sheet to
// libxlsxwriter's lxw_worksheet_free, which skips an array that is gone. Nothing written changes.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/worksheet.h>)

#include <dlfcn.h>
#include <stdint.h>
#include <xlsxwriter/worksheet.h>

typedef void (*sheet_free_function)(lxw_worksheet *);
typedef void (*cell_free_function)(lxw_cell *);

static sheet_free_function real_sheet_free(void) {
    static __thread sheet_free_function found;
    return found ? found : (found = (sheet_free_function)dlsym(RTLD_NEXT, "lxw_worksheet_free"));
}

static cell_free_function real_cell_free(void) {
    static __thread cell_free_function found;
    return found ? found : (found = (cell_free_function)dlsym(RTLD_NEXT, "_free_cell"));
}

// Sheets whose array was freed here (tests: the interposition takes effect).
static __thread unsigned long arrays_freed;

void lxw_worksheet_free(lxw_worksheet *worksheet) {
    sheet_free_function own = real_sheet_free();
    cell_free_function free_cell = real_cell_free();
    if (worksheet && worksheet->array && free_cell && memory_parts_writers_apply()) {
        lxw_cell **cells = worksheet->array;
        // Blocks of 64 pointers OR-ed together: a block of empty slots costs a few vector instructions.
        for (size_t block = 0; block < LXW_COL_MAX; block += 64) {
            uintptr_t any = 0;
            for (size_t i = 0; i < 64; i++) any |= (uintptr_t)cells[block + i];
            if (!any) continue;
            for (size_t i = 0; i < 64; i++)
                if (cells[block + i]) free_cell(cells[block + i]);
        }
        free(cells);
        worksheet->array = NULL;
        arrays_freed++;
    }
    if (own) own(worksheet);
}

unsigned long memory_parts_sheet_arrays_freed(void) { return arrays_freed; }

int memory_parts_sheet_free_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "lxw_worksheet_free") == (void *)lxw_worksheet_free && real_sheet_free() != NULL
        && real_cell_free() != NULL;
}

#else

unsigned long memory_parts_sheet_arrays_freed(void) { return 0; }

int memory_parts_sheet_free_active(void) { return 0; }

#endif
