// A constant-memory sheet freed without 16,384 calls for its empty row of cells (libxlsxwriter's lxw_worksheet_free).
//
// A constant-memory sheet keeps one row of cells as an array of LXW_COL_MAX (16,384) pointers, each emptied as the
// row is written out. libxlsxwriter 1.1.4 frees the sheet by calling its _free_cell (through the PLT) for every one
// of the 16,384, set or not: ~35 µs per such sheet, 3 % of a village workbook's CPU for its one constant-memory
// sheet (需更正数据), measured with `perf`. libxlsxwriter calls lxw_worksheet_free through its PLT, so the executable's
// definition below is reached first (as lxw_tmpfile in memory_parts.c): it frees the cells still set (none, once a
// workbook is closed; any left are freed by libxlsxwriter's own _free_cell) and the array, then hands the sheet to
// libxlsxwriter's lxw_worksheet_free, which skips an array that is gone. Nothing written changes. The array, empty
// again, is kept for the thread's next constant-memory sheet (below).

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/worksheet.h>)

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <xlsxwriter/utility.h>
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

// ---- The cell array of a constant-memory sheet, kept for the thread's next one ----
//
// libxlsxwriter 1.1.4's lxw_worksheet_new callocs a constant-memory sheet's array of LXW_COL_MAX (16,384) cell
// pointers, 128 KB, and the sheet's free gives it back: per village workbook a 128 KB calloc and its memset, and a
// free large enough to make glibc consolidate its fast bins (callgrind, cold 200 × 12: lxw_worksheet_new 31.8 M of
// the village workbooks' 676 M instructions, 4.7 %; `perf`, cold 2,000 × 12: malloc's samples under
// lxw_worksheet_new and lxw_worksheet_free 4 % of the village workbooks'). A thread's array is empty again once its sheet is freed (the free above empties it), so
// the next constant-memory sheet on the thread takes it instead: lxw_worksheet_new below has libxlsxwriter's own
// make the sheet without the constant-memory parts (init_data's `optimize` read in three places in 1.1.4: the
// array's calloc, the temporary file, and the sheet's own `optimize`) and then gives it those three itself, in the
// same state libxlsxwriter leaves them.

typedef lxw_worksheet *(*sheet_new_function)(lxw_worksheet_init_data *);

static sheet_new_function real_sheet_new(void) {
    static __thread sheet_new_function found;
    return found ? found : (found = (sheet_new_function)dlsym(RTLD_NEXT, "lxw_worksheet_new"));
}

static __thread int pool_disabled;          // tests: every array calloc'ed and freed as libxlsxwriter does
static __thread lxw_cell **kept_array;      // this thread's empty array, or NULL
static __thread unsigned long arrays_reused;  // sheets given the kept array (tests)
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void free_kept(void *array) {
    free(array);
    kept_array = NULL;
}

static void make_kept_key(void) { pthread_key_create(&kept_key, free_kept); }

void memory_parts_sheet_array_pool_disable(int on) { pool_disabled = on; }
unsigned long memory_parts_sheet_arrays_reused(void) { return arrays_reused; }

// Keeps `cells` (every slot NULL) for this thread's next constant-memory sheet; 0 when it is not kept.
static int keep_array(lxw_cell **cells) {
    if (pool_disabled || kept_array) return 0;
    pthread_once(&kept_once, make_kept_key);
    if (pthread_setspecific(kept_key, cells) != 0) return 0;
    kept_array = cells;
    return 1;
}

lxw_worksheet *lxw_worksheet_new(lxw_worksheet_init_data *init_data) {
    sheet_new_function own = real_sheet_new();
    if (!own) return NULL;
    if (!init_data || !init_data->optimize || !kept_array || pool_disabled || !memory_parts_writers_apply())
        return own(init_data);
    lxw_worksheet_init_data plain = *init_data;
    plain.optimize = 0;
    lxw_worksheet *worksheet = own(&plain);
    if (!worksheet) return NULL;
    FILE *file = lxw_tmpfile(init_data->tmpdir);
    if (!file) {  // libxlsxwriter's own reports the error and returns NULL
        lxw_worksheet_free(worksheet);
        return own(init_data);
    }
    worksheet->array = kept_array;
    kept_array = NULL;
    pthread_setspecific(kept_key, NULL);
    worksheet->optimize_tmpfile = file;
    worksheet->file = file;
    worksheet->optimize = 1;
    arrays_reused++;
    return worksheet;
}

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
                if (cells[block + i]) {
                    free_cell(cells[block + i]);
                    cells[block + i] = NULL;  // empty again, for keep_array
                }
        }
        if (!keep_array(cells)) free(cells);
        worksheet->array = NULL;
        arrays_freed++;
    }
    if (own) own(worksheet);
}

unsigned long memory_parts_sheet_arrays_freed(void) { return arrays_freed; }

int memory_parts_sheet_free_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "lxw_worksheet_free") == (void *)lxw_worksheet_free && real_sheet_free() != NULL
        && real_cell_free() != NULL && dlsym(RTLD_DEFAULT, "lxw_worksheet_new") == (void *)lxw_worksheet_new
        && real_sheet_new() != NULL;
}

#else

unsigned long memory_parts_sheet_arrays_freed(void) { return 0; }
void memory_parts_sheet_array_pool_disable(int on) { (void)on; }
unsigned long memory_parts_sheet_arrays_reused(void) { return 0; }

int memory_parts_sheet_free_active(void) { return 0; }

#endif
