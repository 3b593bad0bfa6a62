/* libxlsxwriter driven from C for the same cells as our workbooks (from cells.py's TSV), timed: the floor for issue 5's 1.2× goal. */
/* Usage: xlsx-baseline OUT_DIR FILE.tsv...   writes OUT_DIR/<name>.xlsx for each; prints the seconds spent.
   Built with -DMEMORY_PARTS and Sources/CMemoryParts/memory_parts.c, libxlsxwriter's temporary parts are kept in
   memory exactly as ours are (Workbook(…, partsInMemory: true)), so both sides pay the same for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>
#ifdef MEMORY_PARTS
#include "memory_parts.h"
#endif

static char *unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) { r++; *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r; }
        else *w++ = *r;
    }
    *w = 0;
    return s;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static lxw_color_t color(const char *s) { return (lxw_color_t)atol(s); }

static uint8_t halign(const char *s) {
    return !strcmp(s, "left") ? LXW_ALIGN_LEFT : !strcmp(s, "center") ? LXW_ALIGN_CENTER : !strcmp(s, "right") ? LXW_ALIGN_RIGHT : 0;
}

static uint8_t valign(const char *s) {
    return !strcmp(s, "top") ? LXW_ALIGN_VERTICAL_TOP : !strcmp(s, "center") ? LXW_ALIGN_VERTICAL_CENTER
         : !strcmp(s, "bottom") ? LXW_ALIGN_VERTICAL_BOTTOM : 0;
}

/* The same calls our Swift wrapper makes: sheets in their constant-memory mode, formats with fonts, fills, borders
   and alignment, merges, row heights, conditional formats, print setup, charts. */
static int write_one(const char *tsv, const char *out) {
    FILE *in = fopen(tsv, "r");
    if (!in) { perror(tsv); return 1; }
    lxw_workbook_options options = {0};
    options.tmpdir = getenv("TMPDIR");
#ifdef MEMORY_PARTS
    options.tmpdir = memory_parts_tmpdir(options.tmpdir);
#endif
    lxw_workbook *wb = workbook_new_opt(out, &options);
    lxw_worksheet *ws = NULL;
    lxw_chart *chart = NULL;
    int chart_row = 0, chart_col = 0;
    lxw_format *formats[512] = {0}, *dxfs[64] = {0};
    static char *hf_text[2];
    lxw_row_t repeat_first = 0, repeat_last = 0; int repeat = 0;
    lxw_row_t breaks[64]; int nbreaks = 0;
    char *line = NULL; size_t cap = 0; ssize_t n;
    #define FLUSH_CHART() do { if (chart) { worksheet_insert_chart(ws, chart_row, chart_col, chart); chart = NULL; } } while (0)
    while ((n = getline(&line, &cap, in)) > 0) {
        if (line[n - 1] == '\n') line[n - 1] = 0;
        char *f[16] = {0}; int k = 0;
        for (char *p = line; k < 16; ) { f[k++] = p; char *t = strchr(p, '\t'); if (!t) break; *t = 0; p = t + 1; }
        #define ARG(i) (f[i] ? f[i] : "")
        switch (line[0]) {
        case 'F': {
            int i = atoi(f[1]);
            if (i < 512) {
                lxw_format *fmt = workbook_add_format(wb);
                const char *num = unescape(f[2]);
                if (!strcmp(num, "@")) format_set_num_format_index(fmt, 49);
                else if (strcmp(num, "General")) format_set_num_format(fmt, num);
                if (atoi(f[3])) format_set_bold(fmt);
                if (atoi(f[4])) format_set_text_wrap(fmt);
                if (*ARG(5) && strcmp(f[5], "Calibri")) format_set_font_name(fmt, unescape(f[5]));
                if (atof(ARG(6)) > 0 && atof(f[6]) != 11) format_set_font_size(fmt, atof(f[6]));
                if (atol(ARG(7)) >= 0 && *ARG(7)) format_set_font_color(fmt, color(f[7]));
                if (atol(ARG(8)) >= 0 && *ARG(8)) { format_set_pattern(fmt, LXW_PATTERN_SOLID); format_set_bg_color(fmt, color(f[8])); }
                if (atoi(ARG(9))) { format_set_border(fmt, LXW_BORDER_THIN); if (atol(ARG(10)) >= 0) format_set_border_color(fmt, color(f[10])); }
                if (halign(ARG(11))) format_set_align(fmt, halign(f[11]));
                if (valign(ARG(12))) format_set_align(fmt, valign(f[12]));
                formats[i] = fmt;
            }
            break;
        }
        case 'D': {
            int i = atoi(f[1]);
            if (i < 64) {
                lxw_format *fmt = workbook_add_format(wb);
                if (atol(f[2]) >= 0) format_set_font_color(fmt, color(f[2]));
                if (atoi(f[3])) format_set_bold(fmt);
                if (atol(f[4]) >= 0) format_set_bg_color(fmt, color(f[4]));
                dxfs[i] = fmt;
            }
            break;
        }
        case 'S': {
            if (ws) { FLUSH_CHART(); }
            uint8_t saved = wb->options.constant_memory;
            wb->options.constant_memory = (uint8_t)atoi(f[2]);
            ws = workbook_add_worksheet(wb, unescape(f[1]));
            wb->options.constant_memory = saved;
            if (atoi(f[3])) worksheet_hide(ws);
            if (atoi(f[4])) worksheet_activate(ws);
            break;
        }
        case 'W': worksheet_set_column(ws, atoi(f[1]), atoi(f[2]), atof(f[3]), NULL); break;
        case 'Z': worksheet_freeze_panes(ws, atoi(f[1]), atoi(f[2])); break;
        case 'A': worksheet_autofilter(ws, atoi(f[1]), atoi(f[2]), atoi(f[3]), atoi(f[4])); break;
        case 'C': {
            lxw_conditional_format cf = {0};
            cf.format = dxfs[atoi(f[5]) & 63];
            char *formula = unescape(f[8]);
            if (!strcmp(f[6], "expression")) { cf.type = LXW_CONDITIONAL_TYPE_FORMULA; cf.value_string = formula; }
            else {
                cf.type = LXW_CONDITIONAL_TYPE_CELL;
                static const uint8_t crit[] = {LXW_CONDITIONAL_CRITERIA_EQUAL_TO, LXW_CONDITIONAL_CRITERIA_NOT_EQUAL_TO,
                    LXW_CONDITIONAL_CRITERIA_GREATER_THAN, LXW_CONDITIONAL_CRITERIA_LESS_THAN,
                    LXW_CONDITIONAL_CRITERIA_GREATER_THAN_OR_EQUAL_TO, LXW_CONDITIONAL_CRITERIA_LESS_THAN_OR_EQUAL_TO};
                cf.criteria = crit[atoi(f[7]) % 6];
                if (formula[0] == '"') cf.value_string = formula; else cf.value = atof(formula);
            }
            worksheet_conditional_format_range(ws, atoi(f[1]), atoi(f[2]), atoi(f[3]), atoi(f[4]), &cf);
            break;
        }
        case 'P': {
            if (atoi(f[1])) worksheet_set_landscape(ws); else worksheet_set_portrait(ws);
            worksheet_set_paper(ws, atoi(f[2]));
            if (atoi(f[3]) >= 0) worksheet_fit_to_pages(ws, atoi(f[3]), atoi(f[4]));
            if (atoi(f[5])) worksheet_center_horizontally(ws);
            if (atoi(f[6])) worksheet_gridlines(ws, LXW_HIDE_ALL_GRIDLINES);
            worksheet_set_margins(ws, atof(f[7]), atof(f[8]), atof(f[9]), atof(f[10]));
            break;
        }
        case 'H': case 'O': {
            int i = line[0] == 'O';
            free(hf_text[i]); hf_text[i] = strdup(unescape(f[1]));
            if (i) worksheet_set_footer(ws, hf_text[i]); else worksheet_set_header(ws, hf_text[i]);
            break;
        }
        case 'Q': repeat_first = atoi(f[1]); repeat_last = atoi(f[2]); repeat = 1; worksheet_repeat_rows(ws, repeat_first, repeat_last); break;
        case 'K': {
            nbreaks = 0;
            for (int i = 1; i < k && nbreaks < 63; i++) breaks[nbreaks++] = atoi(f[i]);
            breaks[nbreaks] = 0;
            worksheet_set_h_pagebreaks(ws, breaks);
            break;
        }
        case 'X': {
            FLUSH_CHART();
            uint8_t type = !strcmp(f[1], "bar") ? LXW_CHART_BAR : !strcmp(f[1], "column") ? LXW_CHART_COLUMN : LXW_CHART_LINE;
            chart = workbook_add_chart(wb, type);
            chart_row = atoi(f[2]); chart_col = atoi(f[3]);
            chart_title_set_name(chart, unescape(f[4]));
            break;
        }
        case 'Y': {
            lxw_chart_series *s = chart_add_series(chart, *f[2] ? unescape(f[2]) : NULL, unescape(f[3]));
            if (*f[1]) chart_series_set_name(s, unescape(f[1]));
            break;
        }
        case 'R': FLUSH_CHART(); worksheet_set_row(ws, atoi(f[1]), atof(f[2]), NULL); break;
        case 'G': {
            FLUSH_CHART();
            worksheet_merge_range(ws, atoi(f[1]), atoi(f[2]), atoi(f[3]), atoi(f[4]), "", formats[atoi(f[5]) & 511]);
            break;
        }
        case 'B': FLUSH_CHART(); worksheet_write_blank(ws, atoi(f[1]), atoi(f[2]), formats[atoi(f[3]) & 511]); break;
        case 'T': FLUSH_CHART(); worksheet_write_string(ws, atoi(f[1]), atoi(f[2]), unescape(f[4]), formats[atoi(f[3]) & 511]); break;
        case 'N': FLUSH_CHART(); worksheet_write_number(ws, atoi(f[1]), atoi(f[2]), atof(f[4]), formats[atoi(f[3]) & 511]); break;
        }
    }
    if (ws) FLUSH_CHART();
    (void)repeat;
    free(line);
    fclose(in);
    lxw_error err = workbook_close(wb);
    if (err) { fprintf(stderr, "%s: %s\n", out, lxw_strerror(err)); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s OUT_DIR FILE.tsv...\n", argv[0]); return 2; }
    double start = now();
    clock_t cpu = clock();
    for (int i = 2; i < argc; i++) {
        const char *base = strrchr(argv[i], '/'); base = base ? base + 1 : argv[i];
        char out[4096];
        snprintf(out, sizeof out, "%s/%.*s.xlsx", argv[1], (int)(strlen(base) - 4), base);
        if (write_one(argv[i], out)) return 1;
    }
    printf("%d workbooks: %.3f s wall, %.3f s cpu\n", argc - 2, now() - start, (double)(clock() - cpu) / CLOCKS_PER_SEC);
    return 0;
}
