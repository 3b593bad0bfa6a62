// The interposed libxlsxwriter writers (Sources/CMemoryParts) under AddressSanitizer and UBSan, from C.
//
// gcc -g -O1 -fsanitize=address,undefined -I Sources/CMemoryParts/include scripts/xlsx-baseline/asan-writers.c \
//     Sources/CMemoryParts/{xml_attributes,cell_writers,sheet_free,hash_key}.c $(pkg-config --cflags --libs xlsxwriter) -ldl -lm \
//     -o /tmp/asan-writers && /tmp/asan-writers "$(mktemp -d)"     (writes a.xlsx and b.xlsx there)
// Writes a normal and a constant-memory workbook with every kind of cell the writers see (texts needing escapes and
// longer than an attribute, -0, 1e15, 1e16, 1e300, the last column), attributes that need escaping, and frees a
// constant-memory workbook that still holds a row of cells; the sanitizers report any overflow or leak.

#include <stdio.h>
#include <xlsxwriter.h>
#include <string.h>
#include <stdlib.h>
int memory_parts_writers_apply(void);
unsigned long memory_parts_attributes_made(void);
unsigned long memory_parts_cells_written(void);
unsigned long memory_parts_sheet_arrays_freed(void);
static void fill(lxw_worksheet *ws, lxw_format *f) {
    char big[5000]; memset(big, 'x', sizeof big - 1); big[sizeof big - 1] = 0; big[10] = '&'; big[4000] = '<';
    const char *texts[] = {" lead", "trail ", "a&b<c>d", "青石镇", big, "\t", "x"};
    for (int r = 0; r < 7; r++) { worksheet_write_string(ws, r, 0, texts[r], f); worksheet_write_string(ws, r, 1, texts[r], NULL); }
    double nums[] = {0, -0.0, 1e15, 1e16, 0.1, -7, 1e300};
    for (int r = 0; r < 7; r++) { worksheet_write_number(ws, 7 + r, 0, nums[r], f); worksheet_write_number(ws, 7 + r, 16383, nums[r], NULL); }
    lxw_data_validation dv = {0}; dv.validate = LXW_VALIDATION_TYPE_LIST; const char *list[] = {"a&b", "<c>", "\"d\"", NULL};
    dv.value_list = (char **)list; dv.input_message = "line1\nline2 \"q\" <a> & b"; worksheet_data_validation_cell(ws, 20, 0, &dv);
    worksheet_set_header(ws, "&LTown &&&CTitle");
}
static const char *folder = "/tmp";
static const char *path(const char *name) {
    static char buffer[4][4096];
    static int next;
    char *p = buffer[next++ % 4];
    snprintf(p, 4096, "%s/%s", folder, name);
    return p;
}
int main(int argc, char **argv) {
    if (argc > 1) folder = argv[1];
    printf("apply %d\n", memory_parts_writers_apply());
    lxw_workbook_options o = {0};
    lxw_workbook *wb = workbook_new_opt(path("a.xlsx"), &o);
    lxw_format *f = workbook_add_format(wb); format_set_bold(f);
    lxw_worksheet *normal = workbook_add_worksheet(wb, "N&<\">");
    fill(normal, f);
    o.constant_memory = 1;
    lxw_workbook *cm = workbook_new_opt(path("b.xlsx"), &o);
    lxw_format *g = workbook_add_format(cm); format_set_italic(g);
    fill(workbook_add_worksheet(cm, "CM"), g);
    workbook_close(wb); workbook_close(cm);
    lxw_workbook *dropped = workbook_new_opt(path("c.xlsx"), &o);
    lxw_worksheet *ws = workbook_add_worksheet(dropped, "D");
    worksheet_write_string(ws, 0, 0, "held", NULL); worksheet_write_number(ws, 0, 9000, 3, NULL); worksheet_write_string(ws, 0, 16383, "end", NULL);
    lxw_workbook_free(dropped);
    printf("attrs %lu cells %lu arrays %lu\n", memory_parts_attributes_made(), memory_parts_cells_written(), memory_parts_sheet_arrays_freed());
    return 0;
}
