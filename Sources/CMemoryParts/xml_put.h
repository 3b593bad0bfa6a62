// Pieces of XML text written with fwrite_unlocked, shared by the interposed writers (xml_attributes.c, cell_writers.c).
#ifndef XML_PUT_H
#define XML_PUT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline void put(FILE *file, const char *text, size_t length) { fwrite_unlocked(text, 1, length, file); }
#define PUT(file, literal) put(file, literal, sizeof(literal) - 1)

// `length` bytes of an attribute's value escaped as libxlsxwriter 1.1.4's _escape_attributes escapes them: & < > " and
// a line feed.
static inline void put_escaped(FILE *file, const char *text, size_t length) {
    const char *run = text, *end = text + length;
    for (const char *p = text; p < end; p++) {
        const char *entity;
        size_t size;
        switch (*p) {
        case '&': entity = "&amp;"; size = 5; break;
        case '<': entity = "&lt;"; size = 4; break;
        case '>': entity = "&gt;"; size = 4; break;
        case '"': entity = "&quot;"; size = 6; break;
        case '\n': entity = "&#xA;"; size = 5; break;
        default: continue;
        }
        put(file, run, (size_t)(p - run));
        put(file, entity, size);
        run = p + 1;
    }
    put(file, run, (size_t)(end - run));
}

// snprintf(text, 32, "%.16G", value), for the attributes (xml_attributes.c) and the number cells (cell_writers.c,
// which defines it: one remembered table per thread, see there). Returns the text's length.
size_t memory_parts_format_16g(double value, char text[32]);

#endif
