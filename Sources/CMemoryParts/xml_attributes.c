// libxlsxwriter's XML attributes made without zero-filling 4 KB each, and its tags written without fprintf.
//
// libxlsxwriter 1.1.4 builds every XML attribute it writes (three per cell, dozens per part: ~1,500 per village
// workbook) as a `struct xml_attribute` of two 2,080-byte buffers, filled with strncpy, which pads each buffer
// with zeros to its end: ~4 KB written per attribute, 3.4 % of the village workbooks' CPU in `perf`. Every reader
// of an attribute stops at its terminating zero (fprintf "%s", the escaping functions), so the bytes after it are
// never read. libxlsxwriter calls these three functions through its PLT, so the executable's definitions below
// are reached first (as lxw_tmpfile in memory_parts.c): the same allocation, the same text up to the same limit
// and the same terminator, without the padding. The XML written is the same, byte for byte.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/xmlwriter.h>)

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter/xmlwriter.h>

#include "xml_put.h"

// LXW_ATTRIBUTE_COPY without strncpy's padding: at most LXW_MAX_ATTRIBUTE_LENGTH - 1 bytes, then a zero.
static void copy_text(char *destination, const char *source) {
    size_t length = strnlen(source, LXW_MAX_ATTRIBUTE_LENGTH - 1);
    memcpy(destination, source, length);
    destination[length] = '\0';
}

// These definitions copy what libxlsxwriter 1.1.4 does, with its struct layouts and the formats read from its
// binary; another version may differ (its internal functions are not its API), so they apply only under 1.1.4 and
// pass every call to libxlsxwriter's own functions otherwise (as do those of cell_writers.c and sheet_free.c).
#define WRITERS_VERSION "1.1.4"

int memory_parts_writers_apply(void) {
    static __thread int known = -1;
    if (known < 0) {
        const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "lxw_version");
        known = version && strcmp(version(), WRITERS_VERSION) == 0;
    }
    return known;
}

// Attributes made here on this thread (tests: the interposition takes effect).
static __thread unsigned long made;
// Tests: while set, this thread's attributes are made by libxlsxwriter's own functions (to compare the bytes).
static __thread int disabled;

void memory_parts_attributes_disable(int on) { disabled = on; }

typedef struct xml_attribute *(*str_function)(const char *, const char *);
typedef struct xml_attribute *(*int_function)(const char *, uint32_t);
typedef struct xml_attribute *(*dbl_function)(const char *, double);

static str_function library_str(void) {
    static __thread str_function found;
    return found ? found : (found = (str_function)dlsym(RTLD_NEXT, "lxw_new_attribute_str"));
}
static int_function library_int(void) {
    static __thread int_function found;
    return found ? found : (found = (int_function)dlsym(RTLD_NEXT, "lxw_new_attribute_int"));
}
static dbl_function library_dbl(void) {
    static __thread dbl_function found;
    return found ? found : (found = (dbl_function)dlsym(RTLD_NEXT, "lxw_new_attribute_dbl"));
}

// Attribute blocks kept for reuse on this thread. Each attribute is a 4,168-byte block: past glibc's per-thread cache
// (1,032 bytes), so every malloc and free of one took the arena's lock and its large-chunk path, which first merges
// every small freed chunk (malloc_consolidate): ~6 % of the village workbooks' CPU. libxlsxwriter 1.1.4 builds a
// list of attributes on the stack, hands it to lxw_xml_start_tag or lxw_xml_empty_tag, then frees whatever the list
// still holds (LXW_FREE_ATTRIBUTES) and starts the next list afresh (LXW_INIT_ATTRIBUTES). So once the tag is
// written, lxw_xml_start_tag, lxw_xml_empty_tag and lxw_xml_data_element below take the blocks off the list into this pool (the list is left empty, as after
// LXW_FREE_ATTRIBUTES, which then frees nothing), and the attributes above come from it. Lists handed to its other
// writers (lxw_xml_start_tag_unencoded, …) are freed by libxlsxwriter as before; lxw_xml_data_element, below, takes
// them back too. At most POOL_SIZE blocks are kept; they
// are freed when the thread ends.
#define POOL_SIZE 32
static __thread struct xml_attribute *pool[POOL_SIZE];
static __thread int pooled;
static __thread int pool_registered;
// Blocks taken back into the pool on this thread (tests).
static __thread unsigned long recycled;
// Data elements written here on this thread (tests).
static __thread unsigned long data_elements;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

static void pool_release(void *unused) {
    (void)unused;
    while (pooled) free(pool[--pooled]);
}

static void pool_key_make(void) { pthread_key_create(&pool_key, pool_release); }

static struct xml_attribute *new_attribute(void) {
    if (pooled) return pool[--pooled];
    return malloc(sizeof(struct xml_attribute));
}

// After a tag is written: the list's blocks into the pool (freed when it is full), the list left empty.
static void take_back(struct xml_attribute_list *attributes) {
    if (!attributes || STAILQ_EMPTY(attributes)) return;
    if (!pool_registered) {
        // The thread's pool is freed at its end by the key's destructor (which runs for a non-NULL value only).
        pthread_once(&pool_key_once, pool_key_make);
        pthread_setspecific(pool_key, (void *)1);
        pool_registered = 1;
    }
    while (!STAILQ_EMPTY(attributes)) {
        struct xml_attribute *attribute = STAILQ_FIRST(attributes);
        STAILQ_REMOVE_HEAD(attributes, list_entries);
        recycled++;
        if (pooled < POOL_SIZE) pool[pooled++] = attribute;
        else free(attribute);
    }
}

struct xml_attribute *lxw_new_attribute_str(const char *key, const char *value) {
    if ((disabled || !memory_parts_writers_apply()) && library_str()) return library_str()(key, value);
    struct xml_attribute *attribute = new_attribute();
    if (!attribute) return NULL;
    made++;
    copy_text(attribute->key, key);
    copy_text(attribute->value, value);
    return attribute;
}

// libxlsxwriter formats the value with "%d" (its uint32_t read as an int): the same digits, written directly.
struct xml_attribute *lxw_new_attribute_int(const char *key, uint32_t value) {
    if ((disabled || !memory_parts_writers_apply()) && library_int()) return library_int()(key, value);
    struct xml_attribute *attribute = new_attribute();
    if (!attribute) return NULL;
    made++;
    copy_text(attribute->key, key);
    int32_t signed_value = (int32_t)value;
    uint32_t magnitude = signed_value < 0 ? 0u - (uint32_t)signed_value : (uint32_t)signed_value;
    char digits[12];
    int count = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    char *out = attribute->value;
    if (signed_value < 0) *out++ = '-';
    while (count) *out++ = digits[--count];
    *out = '\0';
    return attribute;
}

// libxlsxwriter writes "%.16G" into a 32-byte budget (page margins, column widths, row heights: the same few values
// in every workbook, so their text is remembered, see memory_parts_format_16g).
struct xml_attribute *lxw_new_attribute_dbl(const char *key, double value) {
    if ((disabled || !memory_parts_writers_apply()) && library_dbl()) return library_dbl()(key, value);
    struct xml_attribute *attribute = new_attribute();
    if (!attribute) return NULL;
    made++;
    copy_text(attribute->key, key);
    memory_parts_format_16g(value, attribute->value);
    return attribute;
}

// The tags around the attributes, written piece by piece instead of with fprintf (two calls per attribute, one or
// two per tag: ~10 % of the village workbooks' CPU went to glibc's format interpretation there). Each writes what
// libxlsxwriter 1.1.4's own function writes (formats read from its binary): `<%s`, then each attribute as ` %s=` and
// `"%s"` with its value escaped as its _escape_attributes escapes it (& < > " and a line feed) when it holds one of
// those, then `>` or `/>`; an end tag `</%s>`. libxlsxwriter calls them through its PLT, like the attributes above.


typedef void (*attributes_function)(FILE *, struct xml_attribute_list *);
typedef void (*tag_function)(FILE *, const char *, struct xml_attribute_list *);
typedef void (*end_tag_function)(FILE *, const char *);

// A tag's pieces gathered in a buffer on the stack and handed to the FILE in one fwrite_unlocked (each call costs
// its own _IO_file_xsputn: five per attribute and three per tag took ~3.5 % of the village workbooks' CPU). What
// does not fit is written as it comes, so the bytes are the same whatever the buffer's size.
struct tag_buffer {
    FILE *file;
    size_t used;
    char bytes[1024];
};

static inline void tb_put(struct tag_buffer *b, const char *text, size_t length) {
    if (length > sizeof b->bytes - b->used) {
        if (b->used) fwrite_unlocked(b->bytes, 1, b->used, b->file);
        b->used = 0;
        if (length > sizeof b->bytes) {
            fwrite_unlocked(text, 1, length, b->file);
            return;
        }
    }
    memcpy(b->bytes + b->used, text, length);
    b->used += length;
}
#define TB_PUT(b, literal) tb_put(b, literal, sizeof(literal) - 1)

static inline void tb_flush(struct tag_buffer *b) {
    if (b->used) fwrite_unlocked(b->bytes, 1, b->used, b->file);
    b->used = 0;
}

// The bytes of an attribute's value that _escape_attributes replaces (attribute_entity: & < > " and a line feed).
static const unsigned char attribute_special[256] = {['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\n'] = 1};

// ` key="value"` for each attribute, the value escaped as put_escaped (xml_put.h) escapes it. The key and the value
// are copied byte by byte straight into the buffer, in one pass each (a strlen, a scan and a memcpy call per piece
// cost ~84 instructions an attribute, 3.4 % of the village workbooks'); an entity goes through tb_put, and a full
// buffer is flushed, so the bytes are the same whatever the buffer's size.
static void tb_attributes(struct tag_buffer *b, struct xml_attribute_list *attributes) {
    if (!attributes) return;
    char *const end = b->bytes + sizeof b->bytes;
    struct xml_attribute *attribute;
    STAILQ_FOREACH(attribute, attributes, list_entries) {
        TB_PUT(b, " ");
        const unsigned char *p = (const unsigned char *)attribute->key;
        char *out = b->bytes + b->used;
        for (unsigned char c; (c = *p); p++) {
            if (out == end) {
                b->used = (size_t)(out - b->bytes);
                tb_flush(b);
                out = b->bytes;
            }
            *out++ = (char)c;
        }
        b->used = (size_t)(out - b->bytes);
        TB_PUT(b, "=\"");
        p = (const unsigned char *)attribute->value;
        out = b->bytes + b->used;
        for (unsigned char c; (c = *p); p++) {
            if (attribute_special[c]) {
                const char *entity;
                size_t size = attribute_entity((char)c, &entity);
                b->used = (size_t)(out - b->bytes);
                tb_put(b, entity, size);
                out = b->bytes + b->used;
                continue;
            }
            if (out == end) {
                b->used = (size_t)(out - b->bytes);
                tb_flush(b);
                out = b->bytes;
            }
            *out++ = (char)c;
        }
        b->used = (size_t)(out - b->bytes);
        TB_PUT(b, "\"");
    }
}

void _fprint_escaped_attributes(FILE *file, struct xml_attribute_list *attributes) {
    static __thread attributes_function own;
    if ((disabled || !memory_parts_writers_apply()) && (own || (own = (attributes_function)dlsym(RTLD_NEXT, "_fprint_escaped_attributes")))) {
        own(file, attributes);
        return;
    }
    struct tag_buffer b;
    b.file = file, b.used = 0;  // bytes left unset: a memset of 1 KB per tag would cost more than it saves
    tb_attributes(&b, attributes);
    tb_flush(&b);
}

// `<tag attributes` and then `close` (`>` for a start tag, `/>` for an empty one), written with one fwrite; the
// attributes' blocks then go back to the pool.
static void write_tag(FILE *file, const char *tag, struct xml_attribute_list *attributes, const char *close, size_t close_length) {
    struct tag_buffer b;
    b.file = file, b.used = 0;  // bytes left unset: a memset of 1 KB per tag would cost more than it saves
    TB_PUT(&b, "<");
    tb_put(&b, tag, strlen(tag));
    tb_attributes(&b, attributes);
    tb_put(&b, close, close_length);
    tb_flush(&b);
    take_back(attributes);
}

void lxw_xml_start_tag(FILE *file, const char *tag, struct xml_attribute_list *attributes) {
    static __thread tag_function own;
    if ((disabled || !memory_parts_writers_apply()) && (own || (own = (tag_function)dlsym(RTLD_NEXT, "lxw_xml_start_tag")))) {
        own(file, tag, attributes);
        return;
    }
    write_tag(file, tag, attributes, ">", 1);
}

void lxw_xml_empty_tag(FILE *file, const char *tag, struct xml_attribute_list *attributes) {
    static __thread tag_function own;
    if ((disabled || !memory_parts_writers_apply()) && (own || (own = (tag_function)dlsym(RTLD_NEXT, "lxw_xml_empty_tag")))) {
        own(file, tag, attributes);
        return;
    }
    write_tag(file, tag, attributes, "/>", 2);
}

void lxw_xml_end_tag(FILE *file, const char *tag) {
    static __thread end_tag_function own;
    if ((disabled || !memory_parts_writers_apply()) && (own || (own = (end_tag_function)dlsym(RTLD_NEXT, "lxw_xml_end_tag")))) {
        own(file, tag);
        return;
    }
    struct tag_buffer b;
    b.file = file, b.used = 0;  // bytes left unset: a memset of 1 KB per tag would cost more than it saves
    TB_PUT(&b, "</");
    tb_put(&b, tag, strlen(tag));
    TB_PUT(&b, ">");
    tb_flush(&b);
}

// libxlsxwriter 1.1.4's lxw_xml_data_element writes `<%s` with fprintf, the attributes, `>`, the data (fputs, or when
// it holds & < or > a calloc'd copy of five times its length escaped by lxw_escape_data, then freed), and `</%s>` with
// fprintf: every shared string of a sheet (`<t>`), and the document properties. The same text, piece by piece; the
// data escaped as lxw_escape_data escapes it (& < > only).
typedef void (*data_element_function)(FILE *, const char *, const char *, struct xml_attribute_list *);

void lxw_xml_data_element(FILE *file, const char *tag, const char *data, struct xml_attribute_list *attributes) {
    static __thread data_element_function own;
    if ((disabled || !memory_parts_writers_apply())
        && (own || (own = (data_element_function)dlsym(RTLD_NEXT, "lxw_xml_data_element")))) {
        own(file, tag, data, attributes);
        return;
    }
    data_elements++;
    struct tag_buffer b;
    b.file = file, b.used = 0;  // bytes left unset: a memset of 1 KB per tag would cost more than it saves
    TB_PUT(&b, "<");
    size_t tag_length = strlen(tag);
    tb_put(&b, tag, tag_length);
    tb_attributes(&b, attributes);
    TB_PUT(&b, ">");
    const char *run = data;
    for (const char *p = data; *p; p++) {
        const char *entity;
        size_t size;
        switch (*p) {
        case '&': entity = "&amp;"; size = 5; break;
        case '<': entity = "&lt;"; size = 4; break;
        case '>': entity = "&gt;"; size = 4; break;
        default: continue;
        }
        tb_put(&b, run, (size_t)(p - run));
        tb_put(&b, entity, size);
        run = p + 1;
    }
    tb_put(&b, run, strlen(run));
    TB_PUT(&b, "</");
    tb_put(&b, tag, tag_length);
    TB_PUT(&b, ">");
    tb_flush(&b);
    take_back(attributes);
}

unsigned long memory_parts_data_elements_written(void) { return data_elements; }

unsigned long memory_parts_attributes_made(void) { return made; }

unsigned long memory_parts_attributes_recycled(void) { return recycled; }

int memory_parts_attribute_for_tests(int kind, int own, const char *key, const char *text, uint32_t number,
                                     double real, char *key_out, char *value_out) {
    struct xml_attribute *attribute = NULL;
    if (kind == 0) {
        str_function f = own ? library_str() : lxw_new_attribute_str;
        if (f) attribute = f(key, text);
    } else if (kind == 1) {
        int_function f = own ? library_int() : lxw_new_attribute_int;
        if (f) attribute = f(key, number);
    } else {
        dbl_function f = own ? library_dbl() : lxw_new_attribute_dbl;
        if (f) attribute = f(key, real);
    }
    if (!attribute) return 0;
    memcpy(key_out, attribute->key, strnlen(attribute->key, LXW_MAX_ATTRIBUTE_LENGTH) + 1);
    memcpy(value_out, attribute->value, strnlen(attribute->value, LXW_MAX_ATTRIBUTE_LENGTH) + 1);
    free(attribute);
    return 1;
}

int memory_parts_tag_for_tests(int own, int kind, const char *tag, const char *key, const char *value, size_t count,
                               char *out, size_t room) {
    char *text = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&text, &size);
    if (!file) return -1;
    int was = disabled;
    disabled = own;
    struct xml_attribute_list attributes;
    STAILQ_INIT(&attributes);
    for (size_t i = 0; i < count; i++) {
        struct xml_attribute *attribute = lxw_new_attribute_str(key, value);
        if (attribute) STAILQ_INSERT_TAIL(&attributes, attribute, list_entries);
    }
    switch (kind) {
    case 0: lxw_xml_start_tag(file, tag, &attributes); break;
    case 1: lxw_xml_empty_tag(file, tag, &attributes); break;
    case 2: lxw_xml_end_tag(file, tag); break;
    default: lxw_xml_data_element(file, tag, value, &attributes); break;
    }
    disabled = was;
    while (!STAILQ_EMPTY(&attributes)) {  // what the writer left on the list, as LXW_FREE_ATTRIBUTES frees it
        struct xml_attribute *attribute = STAILQ_FIRST(&attributes);
        STAILQ_REMOVE_HEAD(&attributes, list_entries);
        free(attribute);
    }
    fclose(file);
    int written = (int)size;
    if (size >= room) written = -1; else memcpy(out, text, size + 1);
    free(text);
    return written;
}

int memory_parts_attributes_active(void) {
    return memory_parts_writers_apply() && dlsym(RTLD_DEFAULT, "lxw_new_attribute_str") == (void *)lxw_new_attribute_str
        && dlsym(RTLD_DEFAULT, "_fprint_escaped_attributes") == (void *)_fprint_escaped_attributes
        && dlsym(RTLD_DEFAULT, "lxw_xml_start_tag") == (void *)lxw_xml_start_tag
        && dlsym(RTLD_DEFAULT, "lxw_xml_data_element") == (void *)lxw_xml_data_element;
}

#else

int memory_parts_writers_apply(void) { return 0; }

void memory_parts_attributes_disable(int on) { (void)on; }

unsigned long memory_parts_attributes_made(void) { return 0; }

unsigned long memory_parts_data_elements_written(void) { return 0; }

unsigned long memory_parts_attributes_recycled(void) { return 0; }

int memory_parts_attribute_for_tests(int kind, int own, const char *key, const char *text, uint32_t number,
                                     double real, char *key_out, char *value_out) {
    (void)kind; (void)own; (void)key; (void)text; (void)number; (void)real; (void)key_out; (void)value_out;
    return 0;
}

int memory_parts_attributes_active(void) { return 0; }

int memory_parts_tag_for_tests(int own, int kind, const char *tag, const char *key, const char *value, size_t count,
                               char *out, size_t room) {
    (void)own; (void)kind; (void)tag; (void)key; (void)value; (void)count; (void)out; (void)room;
    return -1;
}

#endif
