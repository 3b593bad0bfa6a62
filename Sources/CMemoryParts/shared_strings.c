// libxlsxwriter's shared strings part (xl/sharedStrings.xml) written without a calloc'd copy and five calls per string.
//
// libxlsxwriter 1.1.4's _write_sst_strings calls _write_si for every plain string of the workbook, which writes
// `<si>` (lxw_xml_start_tag), asks lxw_has_control_characters whether the string holds a control character (in
// 1.1.4 it answers yes for every string: its loop stops at the terminating zero, which it counts as one), so every
// string goes through lxw_escape_control_characters (strlen, a calloc of seven times its length, zero-filled, a
// copy byte by byte with snprintf "_x%04X_" for the bytes 0x01–0x08 and 0x0B–0x1F, then a free); then _write_t
// tests the first and last byte of that copy with isspace, pushes `xml:space="preserve"` (an attribute block) when
// either is a space, and hands it to lxw_xml_data_element (`<t …>`, the data with & < > escaped, `</t>`); then
// `</si>` (lxw_xml_end_tag). _write_sst_strings is called through libxlsxwriter's PLT (from
// lxw_sst_assemble_xml_file), so the executable's definition below is reached first (as lxw_tmpfile in
// memory_parts.c): the same text for every plain string, escaped in one pass into a buffer on the stack that goes to
// the FILE in large fwrite_unlocked calls. Rich strings (none in our workbooks) and an empty string (which
// libxlsxwriter 1.1.4 never puts in the table: worksheet_write_string writes a blank cell instead; its _write_t would
// read the byte before it) are written by libxlsxwriter's own _write_rich_si and _write_si. Applies only under
// libxlsxwriter 1.1.4 (memory_parts_writers_apply); otherwise every call goes to libxlsxwriter's own functions.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/shared_strings.h>)

#include <ctype.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter/shared_strings.h>

typedef void (*sst_function)(lxw_sst *);
typedef void (*si_function)(lxw_sst *, char *);

// Tests: while set, this thread's shared strings parts are written by libxlsxwriter's own function.
static __thread int disabled;
// Strings written here on this thread (tests: the interposition takes effect).
static __thread unsigned long strings_written;

void memory_parts_shared_strings_disable(int on) { disabled = on; }
unsigned long memory_parts_shared_strings_written(void) { return strings_written; }

static sst_function library_strings(void) {
    static __thread sst_function found;
    return found ? found : (found = (sst_function)dlsym(RTLD_NEXT, "_write_sst_strings"));
}
static si_function library_si(void) {
    static __thread si_function found;
    return found ? found : (found = (si_function)dlsym(RTLD_NEXT, "_write_si"));
}
static si_function library_rich_si(void) {
    static __thread si_function found;
    return found ? found : (found = (si_function)dlsym(RTLD_NEXT, "_write_rich_si"));
}

// What a byte becomes: 0 as it is; 1 a control character libxlsxwriter 1.1.4's lxw_escape_control_characters
// writes as `_x%04X_` (0x01–0x08, 0x0B–0x1F: not the tab nor the line feed); 2 an entity lxw_escape_data writes
// (& < >). Bytes from 0x80 are copied as they are (the library tests its signed char against the same ranges).
static const unsigned char kind_of[256] = {
    [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1,
    [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
    [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, [0x1C] = 1,
    [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, ['&'] = 2, ['<'] = 2, ['>'] = 2,
};

// The part's text gathered on the stack and handed to the FILE whenever the buffer fills: the same bytes whatever
// its size.
struct sst_buffer {
    FILE *file;
    size_t used;
    char bytes[16384];
};

static void sb_flush(struct sst_buffer *b) {
    if (b->used) fwrite_unlocked(b->bytes, 1, b->used, b->file);
    b->used = 0;
}

static inline void sb_put(struct sst_buffer *b, const char *text, size_t length) {
    if (length > sizeof b->bytes - b->used) {
        sb_flush(b);
        if (length > sizeof b->bytes) {
            fwrite_unlocked(text, 1, length, b->file);
            return;
        }
    }
    memcpy(b->bytes + b->used, text, length);
    b->used += length;
}
#define SB_PUT(b, literal) sb_put(b, literal, sizeof(literal) - 1)

// The byte that starts or ends the string once its control characters are escaped (`_x…_` starts and ends with
// `_`), as _write_t tests it.
static inline int escaped_edge_is_space(unsigned char c) { return isspace(kind_of[c] == 1 ? '_' : c); }

static const char hex_digits[] = "0123456789ABCDEF";

// `<si><t>…</t></si>`, with ` xml:space="preserve"` when the escaped text starts or ends with a space (isspace, as
// _write_t; in the process's locale), the control characters as `_x00HH_` and & < > as entities.
static void write_si(struct sst_buffer *b, const char *string, size_t length) {
    if (escaped_edge_is_space((unsigned char)string[0]) || escaped_edge_is_space((unsigned char)string[length - 1]))
        SB_PUT(b, "<si><t xml:space=\"preserve\">");
    else
        SB_PUT(b, "<si><t>");
    const unsigned char *p = (const unsigned char *)string, *end = p + length, *run = p;
    for (; p < end; p++) {
        unsigned kind = kind_of[*p];
        if (!kind) continue;
        sb_put(b, (const char *)run, (size_t)(p - run));
        run = p + 1;
        if (kind == 1) {
            char escaped[7] = {'_', 'x', '0', '0', hex_digits[*p >> 4], hex_digits[*p & 15], '_'};
            sb_put(b, escaped, sizeof escaped);
        } else if (*p == '&') {
            SB_PUT(b, "&amp;");
        } else if (*p == '<') {
            SB_PUT(b, "&lt;");
        } else {
            SB_PUT(b, "&gt;");
        }
    }
    sb_put(b, (const char *)run, (size_t)(end - run));
    SB_PUT(b, "</t></si>");
}

void _write_sst_strings(lxw_sst *self) {
    if ((disabled || !memory_parts_writers_apply()) && library_strings()) {
        library_strings()(self);
        return;
    }
    struct sst_buffer b;
    b.file = self->file, b.used = 0;  // bytes left unset
    struct sst_element *element;
    STAILQ_FOREACH(element, self->order_list, sst_order_pointers) {
        const char *string = element->string;
        if (!element->is_rich_string && string && *string) {
            strings_written++;
            write_si(&b, string, strlen(string));
            continue;
        }
        // Written by libxlsxwriter itself, after what is gathered so far.
        sb_flush(&b);
        si_function own = element->is_rich_string ? library_rich_si() : library_si();
        if (own) own(self, element->string);
    }
    sb_flush(&b);
}

// libxlsxwriter 1.1.4's lxw_utf8_strlen (its public API: a string's length in UTF-8 characters, i.e. its bytes that are
// not continuation bytes 10xxxxxx; called through its PLT by worksheet_write_string for every text cell, against
// Excel's limit) looks at one byte per loop of nine instructions: ~1 % of the village workbooks' instructions. The
// same count, over strlen's length, in a loop the compiler vectorizes.
size_t lxw_utf8_strlen(const char *string) {
    const unsigned char *p = (const unsigned char *)string;
    size_t length = strlen(string), count = 0;
    for (size_t i = 0; i < length; i++) count += (p[i] & 0xC0) != 0x80;
    return count;
}

typedef size_t (*utf8_strlen_function)(const char *);

// Tests: lxw_utf8_strlen against libxlsxwriter's own on every prefix of random and edge-case byte strings (valid and
// invalid UTF-8, every byte value); how many differed, or -1 when libxlsxwriter's is not found.
int memory_parts_utf8_strlen_check_for_tests(void) {
    utf8_strlen_function own = (utf8_strlen_function)dlsym(RTLD_NEXT, "lxw_utf8_strlen");
    if (!own || dlsym(RTLD_DEFAULT, "lxw_utf8_strlen") != (void *)lxw_utf8_strlen) return -1;
    unsigned char text[700];
    int differed = 0;
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < sizeof text - 1; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            unsigned char byte = (unsigned char)(state >> 56);
            // Rounds of all bytes, of CJK-like text (E4-E9 lead bytes, 80-BF continuations) and of ASCII.
            if (round % 3 == 1) byte = (i % 3 == 0) ? (unsigned char)(0xE4 + byte % 6) : (unsigned char)(0x80 | (byte & 0x3F));
            else if (round % 3 == 2) byte = (unsigned char)(0x20 + byte % 0x5F);
            text[i] = byte ? byte : 'x';
        }
        for (size_t n = 0; n < sizeof text; n += (n < 80 ? 1 : 37)) {
            text[n] = '\0';
            if (lxw_utf8_strlen((const char *)text) != own((const char *)text)) differed++;
            text[n] = 'y';
        }
    }
    for (int byte = 1; byte < 256; byte++) {
        char one[2] = {(char)byte, '\0'};
        if (lxw_utf8_strlen(one) != own(one)) differed++;
    }
    return differed;
}

int memory_parts_shared_strings_active(void) {
    return memory_parts_writers_apply() && library_si() && library_rich_si()
        && dlsym(RTLD_DEFAULT, "_write_sst_strings") == (void *)_write_sst_strings;
}

#else

// Elsewhere libxlsxwriter's own writers and its own lxw_utf8_strlen run.
void memory_parts_shared_strings_disable(int on) { (void)on; }
unsigned long memory_parts_shared_strings_written(void) { return 0; }
int memory_parts_shared_strings_active(void) { return 0; }
int memory_parts_utf8_strlen_check_for_tests(void) { return -1; }

#endif
