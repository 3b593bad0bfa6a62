// Pieces of XML text written with fwrite_unlocked, shared by the interposed writers (xml_attributes.c, cell_writers.c).
#ifndef XML_PUT_H
#define XML_PUT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline void put(FILE *file, const char *text, size_t length) { fwrite_unlocked(text, 1, length, file); }
#define PUT(file, literal) put(file, literal, sizeof(literal) - 1)

// The entity libxlsxwriter 1.1.4's _escape_attributes writes for `c` (& < > " and a line feed) and its length, or 0
// for a byte written as it is. Shared by put_escaped and xml_attributes.c's buffered writer.
static inline size_t attribute_entity(char c, const char **entity) {
    switch (c) {
    case '&': *entity = "&amp;"; return 5;
    case '<': *entity = "&lt;"; return 4;
    case '>': *entity = "&gt;"; return 4;
    case '"': *entity = "&quot;"; return 6;
    case '\n': *entity = "&#xA;"; return 5;
    default: return 0;
    }
}

// `length` bytes of an attribute's value escaped as libxlsxwriter 1.1.4's _escape_attributes escapes them.
static inline void put_escaped(FILE *file, const char *text, size_t length) {
    const char *run = text, *end = text + length;
    for (const char *p = text; p < end; p++) {
        const char *entity;
        size_t size = attribute_entity(*p, &entity);
        if (!size) continue;
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
