// Pieces of XML text written with fwrite_unlocked, shared by the interposed writers (xml_attributes.c, cell_writers.c).
#ifndef XML_PUT_H
#define XML_PUT_H

#include <math.h>
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

// snprintf(text, 32, "%.16G", value): an integral value of fewer than 16 digits is its digits (no exponent, no point);
// any other text is remembered per thread, the last value of each of 256 slots (by the double's bits): the same
// values come back in every workbook (column widths, row heights, page margins, rates), and glibc's printf_fp took
// ~2 % of the village workbooks' CPU on them. The text depends only on the bits, so it is the same. Returns the
// text's length (as snprintf would, capped at 31).
static inline size_t format_16g(double value, char text[32]) {
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

#endif
