/* libxlsxwriter driven from C for the same cells as our workbooks (from cells.py's TSV), timed: the floor for issue 5's 1.2× goal. */
/* Usage: xlsx-baseline OUT_DIR FILE.tsv...   writes OUT_DIR/<name>.xlsx for each; prints the seconds spent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

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

static int write_one(const char *tsv, const char *out) {
    FILE *in = fopen(tsv, "r");
    if (!in) { perror(tsv); return 1; }
    lxw_workbook *wb = workbook_new(out);
    lxw_worksheet *ws = NULL;
    lxw_format *formats[512] = {0};
    char *line = NULL; size_t cap = 0; ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        if (line[n - 1] == '\n') line[n - 1] = 0;
        char *f[6] = {0}; int k = 0;
        for (char *p = line; k < 6; ) { f[k++] = p; char *t = strchr(p, '\t'); if (!t || k == 5) break; *t = 0; p = t + 1; }
        switch (line[0]) {
        case 'F': {
            int i = atoi(f[1]);
            if (i < 512) {
                lxw_format *fmt = workbook_add_format(wb);
                format_set_num_format(fmt, unescape(f[2]));
                if (atoi(f[3])) format_set_bold(fmt);
                if (atoi(f[4])) format_set_text_wrap(fmt);
                formats[i] = fmt;
            }
            break;
        }
        case 'S': ws = workbook_add_worksheet(wb, unescape(f[1])); break;
        case 'W': worksheet_set_column(ws, atoi(f[1]), atoi(f[2]), atof(f[3]), NULL); break;
        case 'B': worksheet_write_blank(ws, atoi(f[1]), atoi(f[2]), formats[atoi(f[3]) & 511]); break;
        case 'T': worksheet_write_string(ws, atoi(f[1]), atoi(f[2]), unescape(f[4]), formats[atoi(f[3]) & 511]); break;
        case 'N': worksheet_write_number(ws, atoi(f[1]), atoi(f[2]), atof(f[4]), formats[atoi(f[3]) & 511]); break;
        }
    }
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
