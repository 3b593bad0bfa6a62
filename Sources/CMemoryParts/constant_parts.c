// Parts whose XML is the same from workbook to workbook written from a copy instead of being made anew.
//
// libxlsxwriter 1.1.4 makes every part of every workbook afresh, tag by tag. Four of a village workbook's parts are
// pure functions of little: the theme (xl/theme/theme1.xml, 7 KB) is a fixed text (`lxw_theme_assemble_xml_file`
// writes constant strings; its struct holds only the FILE); a relationships part (_rels/.rels,
// xl/_rels/workbook.xml.rels) is a function of its list of (type, target, target mode) and of the first rId; the
// content types part ([Content_Types].xml) is a function of its two lists of (key, value); the styles part
// (xl/styles.xml) is a function of its counts and of the formats the workbook used (8 variants among 2,000 village
// workbooks; see "Styles" below). Their assemble functions
// are called through libxlsxwriter's PLT, so the executable's definitions below are reached first (as lxw_tmpfile in
// memory_parts.c): each part's inputs are put in a key, and a key met before on this thread gets the text
// libxlsxwriter's own function wrote for it then, with one fwrite; a new key has libxlsxwriter's own function write
// into memory, and that text is written and remembered. The bytes are libxlsxwriter's
// (LibxlsxwriterInterpositionTests: `constantPartsAreTheLibrarysOwn` against libxlsxwriter's functions, and whole
// workbooks with this switched off). Applies only under libxlsxwriter 1.1.4 (memory_parts_writers_apply: the structs
// are copied from its headers); otherwise every call goes to libxlsxwriter's own.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<xlsxwriter/theme.h>)

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter/content_types.h>
#include <stddef.h>
#include <xlsxwriter/format.h>
#include <xlsxwriter/relationships.h>
#include <xlsxwriter/styles.h>
#include <xlsxwriter/theme.h>

typedef void (*theme_function)(lxw_theme *);
typedef void (*relationships_function)(lxw_relationships *);
typedef void (*content_types_function)(lxw_content_types *);
typedef void (*styles_function)(lxw_styles *);

static __thread int disabled;  // tests: this thread's parts are made by libxlsxwriter's own functions
static __thread unsigned long copied;  // themes written from the copy
static __thread unsigned long reused;  // relationships and content types parts written from memory
static __thread unsigned long styles_reused;  // styles parts written from memory

void memory_parts_theme_disable(int on) { disabled = on; }
unsigned long memory_parts_themes_copied(void) { return copied; }
unsigned long memory_parts_constant_parts_reused(void) { return reused; }
unsigned long memory_parts_styles_reused(void) { return styles_reused; }

static theme_function library_theme(void) {
    static __thread theme_function found;
    return found ? found : (found = (theme_function)dlsym(RTLD_NEXT, "lxw_theme_assemble_xml_file"));
}
static relationships_function library_relationships(void) {
    static __thread relationships_function found;
    return found ? found : (found = (relationships_function)dlsym(RTLD_NEXT, "lxw_relationships_assemble_xml_file"));
}
static content_types_function library_content_types(void) {
    static __thread content_types_function found;
    return found ? found : (found = (content_types_function)dlsym(RTLD_NEXT, "lxw_content_types_assemble_xml_file"));
}
static styles_function library_styles(void) {
    static __thread styles_function found;
    return found ? found : (found = (styles_function)dlsym(RTLD_NEXT, "lxw_styles_assemble_xml_file"));
}

// ---- Texts remembered per thread, by key ----

// Per kind of part: a village workbook has two relationships parts and one content types part, all alike from
// village to village, and one styles part of a few variants (8 among 200 or 2,000 villages: which formats a village's
// sheets use, a few hundred bytes of key and ~3.7 KB of text each).
#define MEMO_SLOTS 8

typedef struct {
    unsigned char *key;
    size_t key_size;
    char *text;
    size_t text_size;
} memo_slot;

typedef struct {
    memo_slot slot[MEMO_SLOTS];
    unsigned next;  // the slot a new key replaces (round robin)
} memo;

typedef struct {
    memo relationships, content_types, styles;
    unsigned char *key;  // the key being built
    size_t key_size, key_capacity;
    int failed;  // no memory for the key: libxlsxwriter's own function, nothing remembered
} memo_state;

static __thread memo_state *memos;
static pthread_key_t memos_key;
static pthread_once_t memos_once = PTHREAD_ONCE_INIT;

static void free_memos(void *pointer) {
    memo_state *m = pointer;
    memo *kinds[] = {&m->relationships, &m->content_types, &m->styles};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < MEMO_SLOTS; i++) {
            free(kinds[k]->slot[i].key);
            free(kinds[k]->slot[i].text);
        }
    free(m->key);
    free(m);
    memos = NULL;
}

static void make_memos_key(void) { pthread_key_create(&memos_key, free_memos); }

static memo_state *memos_now(void) {
    if (memos) return memos;
    pthread_once(&memos_once, make_memos_key);
    memos = calloc(1, sizeof *memos);
    if (memos) pthread_setspecific(memos_key, memos);
    return memos;
}

static void key_add(memo_state *m, const void *bytes, size_t size) {
    if (m->failed) return;
    if (m->key_size + size > m->key_capacity) {
        size_t capacity = m->key_capacity ? m->key_capacity : 1024;
        while (capacity < m->key_size + size) capacity *= 2;
        unsigned char *grown = realloc(m->key, capacity);
        if (!grown) {
            m->failed = 1;
            return;
        }
        m->key = grown;
        m->key_capacity = capacity;
    }
    memcpy(m->key + m->key_size, bytes, size);
    m->key_size += size;
}

// A string with its terminator (so that no two lists of strings give the same key), or a mark for NULL.
static void key_add_text(memo_state *m, const char *text) {
    static const unsigned char absent = 1, present = 2;
    if (!text) {
        key_add(m, &absent, 1);
        return;
    }
    key_add(m, &present, 1);
    key_add(m, text, strlen(text) + 1);
}

static memo_slot *remembered(memo *kind, const memo_state *m) {
    for (int i = 0; i < MEMO_SLOTS; i++) {
        memo_slot *s = &kind->slot[i];
        if (s->text && s->key_size == m->key_size && memcmp(s->key, m->key, m->key_size) == 0) return s;
    }
    return NULL;
}

// The thread's memo state with an empty key, or NULL when parts are not to be remembered (memos off, libxlsxwriter's
// own writer not found, another libxlsxwriter version, or no memory for the state).
static memo_state *memo_begin(int own_found) {
    memo_state *m = !disabled && own_found && memory_parts_writers_apply() ? memos_now() : NULL;
    if (m) {
        m->key_size = 0;
        m->failed = 0;
    }
    return m;
}

// Writes the text remembered under the key built in `m` to `file`; 0 when there is none.
static int write_remembered(memo *kind, memo_state *m, FILE *file) {
    memo_slot *s = remembered(kind, m);
    if (!s) return 0;
    fwrite_unlocked(s->text, 1, s->text_size, file);
    return 1;
}

// Has libxlsxwriter's own function (`assemble(self)`, writing to `*file`) write the part into memory, then writes
// that text to the part and remembers it under the key built in `m`. When memory cannot be had, `assemble` writes
// to the part itself (after `restore(self)` undoes what a first try changed in the struct).
static void make_and_remember(memo *kind, memo_state *m, FILE **file, void *self, void (*assemble)(void *),
                              void (*restore)(void *, long), long saved) {
    FILE *part = *file;
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream(&text, &size);
    if (!memory) {
        assemble(self);
        return;
    }
    *file = memory;
    assemble(self);
    *file = part;
    if (fclose(memory) != 0 || !text) {
        free(text);
        restore(self, saved);
        assemble(self);
        return;
    }
    fwrite_unlocked(text, 1, size, part);
    unsigned char *key = malloc(m->key_size ? m->key_size : 1);
    if (!key) {
        free(text);
        return;
    }
    memcpy(key, m->key, m->key_size);
    memo_slot *s = &kind->slot[kind->next];
    kind->next = (kind->next + 1) % MEMO_SLOTS;
    free(s->key);
    free(s->text);
    *s = (memo_slot){key, m->key_size, text, size};
}

// ---- The theme: one text for the process ----

static char *theme_text;
static size_t theme_size;
static pthread_once_t theme_once = PTHREAD_ONCE_INIT;

static void make_theme_text(void) {
    theme_function own = library_theme();
    char *text = NULL;
    size_t size = 0;
    FILE *file = own ? open_memstream(&text, &size) : NULL;
    if (!file) return;
    lxw_theme theme = {file};
    own(&theme);
    if (fclose(file) == 0 && size > 0) {
        theme_text = text;  // kept for the process's life
        theme_size = size;
    } else {
        free(text);
    }
}

void lxw_theme_assemble_xml_file(lxw_theme *self) {
    if (!disabled && memory_parts_writers_apply()) {
        pthread_once(&theme_once, make_theme_text);
        if (theme_text) {
            // A short write is counted by the part's stream itself (memory_parts.c), as for libxlsxwriter's writes.
            fwrite_unlocked(theme_text, 1, theme_size, self->file);
            copied++;
            return;
        }
    }
    theme_function own = library_theme();
    if (own) own(self);
}

// ---- Relationships: a function of the first rId and the list ----

static void assemble_relationships(void *self) { library_relationships()(self); }
static void restore_rel_id(void *self, long rel_id) { ((lxw_relationships *)self)->rel_id = (uint32_t)rel_id; }

void lxw_relationships_assemble_xml_file(lxw_relationships *self) {
    relationships_function own = library_relationships();
    memo_state *m = memo_begin(own != NULL);
    if (!m || !self->relationships) {
        if (own) own(self);
        return;
    }
    uint32_t first = self->rel_id, count = 0;
    key_add(m, &first, sizeof first);
    lxw_rel_tuple *rel;
    STAILQ_FOREACH(rel, self->relationships, list_pointers) {
        key_add_text(m, rel->type);
        key_add_text(m, rel->target);
        key_add_text(m, rel->target_mode);
        count++;
    }
    if (m->failed) {
        own(self);
        return;
    }
    if (write_remembered(&m->relationships, m, self->file)) {
        self->rel_id = first + count;  // libxlsxwriter numbers each relationship as it writes it
        reused++;
        return;
    }
    make_and_remember(&m->relationships, m, &self->file, self, assemble_relationships, restore_rel_id, first);
}

// ---- Content types: a function of its two lists ----

static void assemble_content_types(void *self) { library_content_types()(self); }
static void restore_nothing(void *self, long saved) { (void)self; (void)saved; }

static void key_add_tuples(memo_state *m, struct lxw_tuples *tuples) {
    static const unsigned char end = 3;
    lxw_tuple *tuple;
    if (tuples) {
        STAILQ_FOREACH(tuple, tuples, list_pointers) {
            key_add_text(m, tuple->key);
            key_add_text(m, tuple->value);
        }
    }
    key_add(m, &end, 1);
}

void lxw_content_types_assemble_xml_file(lxw_content_types *self) {
    content_types_function own = library_content_types();
    memo_state *m = memo_begin(own != NULL);
    if (!m) {
        if (own) own(self);
        return;
    }
    key_add_tuples(m, self->default_types);
    key_add_tuples(m, self->overrides);
    if (m->failed) {
        own(self);
        return;
    }
    if (write_remembered(&m->content_types, m, self->file)) {
        reused++;
        return;
    }
    make_and_remember(&m->content_types, m, &self->file, self, assemble_content_types, restore_nothing, 0);
}

// ---- Styles: a function of its counts and of its two lists of formats ----
//
// libxlsxwriter's _write_styles_file copies the workbook's used formats (memcpy of each lxw_format) into the styles
// struct's xf and dxf lists and calls lxw_styles_assemble_xml_file, which writes the counts and, format by format,
// fields held in the struct itself (indices, flags, colors, sizes; the number format, font name and font scheme as
// inline arrays); the lists' pointers and the formats' hash tables, FILE and counters are not read. So the key is
// the counts, then each format's bytes from xf_index to its list pointer, the three inline texts up to their NUL.
// Bytes a writer does not read (padding, which calloc and memcpy leave alike) can only make two equal parts look
// different, never the other way round.

static void assemble_styles(void *self) { library_styles()(self); }

static void key_add_field(memo_state *m, const char *text) {
    size_t length = strnlen(text, LXW_FORMAT_FIELD_LEN);
    key_add(m, &length, sizeof length);
    key_add(m, text, length);
}

static void key_add_formats(memo_state *m, struct lxw_formats *formats) {
    static const unsigned char absent = 1, next = 2, end = 3;
    if (!formats) {
        key_add(m, &absent, 1);
        return;
    }
    lxw_format *f;
    STAILQ_FOREACH(f, formats, list_pointers) {
        key_add(m, &next, 1);
        key_add(m, &f->xf_index, offsetof(lxw_format, num_format) - offsetof(lxw_format, xf_index));
        key_add_field(m, f->num_format);
        key_add_field(m, f->font_name);
        key_add_field(m, f->font_scheme);
        key_add(m, &f->num_format_index, offsetof(lxw_format, list_pointers) - offsetof(lxw_format, num_format_index));
    }
    key_add(m, &end, 1);
}

void lxw_styles_assemble_xml_file(lxw_styles *self) {
    styles_function own = library_styles();
    memo_state *m = memo_begin(own != NULL);
    if (!m) {
        if (own) own(self);
        return;
    }
    uint32_t counts[] = {self->font_count,    self->xf_count,    self->dxf_count,         self->num_format_count,
                         self->border_count,  self->fill_count,  self->has_hyperlink,     self->hyperlink_font_id,
                         self->has_comments};
    key_add(m, counts, sizeof counts);
    key_add_formats(m, self->xf_formats);
    key_add_formats(m, self->dxf_formats);
    if (m->failed) {
        own(self);
        return;
    }
    if (write_remembered(&m->styles, m, self->file)) {
        // libxlsxwriter's writer also normalizes some fields of the formats it writes (a diagonal border's style, an
        // alignment's exclusive flags) before writing them; those formats are the styles struct's own copies, which
        // _write_styles_file frees right after this call, so a text from memory leaves nothing else to do.
        styles_reused++;
        return;
    }
    make_and_remember(&m->styles, m, &self->file, self, assemble_styles, restore_nothing, 0);
}

int memory_parts_theme_active(void) {
    return memory_parts_writers_apply()
        && dlsym(RTLD_DEFAULT, "lxw_theme_assemble_xml_file") == (void *)lxw_theme_assemble_xml_file
        && dlsym(RTLD_DEFAULT, "lxw_relationships_assemble_xml_file") == (void *)lxw_relationships_assemble_xml_file
        && dlsym(RTLD_DEFAULT, "lxw_content_types_assemble_xml_file") == (void *)lxw_content_types_assemble_xml_file
        && dlsym(RTLD_DEFAULT, "lxw_styles_assemble_xml_file") == (void *)lxw_styles_assemble_xml_file
        && library_theme() && library_relationships() && library_content_types() && library_styles();
}

// Tests: relationships and content types parts of many shapes, each written by libxlsxwriter's own function and by
// the ones above (twice: made, then from memory), compared; returns the number of parts that differed (or -1).
int memory_parts_constant_parts_check_for_tests(void) {
    static const char *types[] = {"/officeDocument", "/worksheet", "/styles", "/hyperlink", "/a&b<c>\"d\""};
    static const char *targets[] = {"xl/workbook.xml", "worksheets/sheet1.xml", "styles.xml", "https://例子.cn/?a=1&b=2",
                                    "sheet\"2\".xml"};
    int differing = 0;
    int was_disabled = disabled;
    char *expected[2] = {NULL, NULL};
    size_t expected_sizes[2] = {0, 0};
    uint32_t expected_rel_id = 0;
    for (int shape = 0; shape < 40; shape++) {
        for (int round = 0; round < 3; round++) {  // round 0: libxlsxwriter's; 1: made here; 2: from memory
            disabled = round == 0;
            char *texts[2] = {NULL, NULL};
            size_t sizes[2] = {0, 0};
            FILE *files[2] = {open_memstream(&texts[0], &sizes[0]), open_memstream(&texts[1], &sizes[1])};
            lxw_relationships *rels = lxw_relationships_new();
            lxw_content_types *types_part = lxw_content_types_new();
            if (!files[0] || !files[1] || !rels || !types_part) {
                disabled = was_disabled;
                return -1;
            }
            rels->file = files[0];
            rels->rel_id = (uint32_t)(shape % 3);
            for (int i = 0; i < shape % 7; i++) {
                int t = (shape + i) % 5;
                if ((shape + i) % 4 == 0)
                    lxw_add_worksheet_relationship(rels, types[t], targets[t], "External");
                else if ((shape + i) % 4 == 1)
                    lxw_add_package_relationship(rels, types[t], targets[t]);
                else
                    lxw_add_document_relationship(rels, types[t], targets[t]);
            }
            types_part->file = files[1];
            for (int i = 0; i < shape % 5; i++) lxw_ct_add_default(types_part, targets[(shape + i) % 5], types[i]);
            for (int i = 0; i < shape % 6; i++) lxw_ct_add_override(types_part, targets[i % 5], types[(shape + i) % 5]);
            lxw_relationships_assemble_xml_file(rels);
            uint32_t rel_id = rels->rel_id;
            lxw_content_types_assemble_xml_file(types_part);
            fclose(files[0]);
            fclose(files[1]);
            if (round == 0) {
                for (int k = 0; k < 2; k++) {
                    free(expected[k]);
                    expected[k] = texts[k];
                    expected_sizes[k] = sizes[k];
                    texts[k] = NULL;
                }
                expected_rel_id = rel_id;
            } else {
                for (int k = 0; k < 2; k++)
                    if (sizes[k] != expected_sizes[k] || memcmp(texts[k], expected[k], sizes[k]) != 0) differing++;
                if (rel_id != expected_rel_id) differing++;
            }
            free(texts[0]);
            free(texts[1]);
            rels->file = NULL;
            types_part->file = NULL;
            lxw_free_relationships(rels);
            lxw_content_types_free(types_part);
        }
    }
    disabled = was_disabled;
    free(expected[0]);
    free(expected[1]);
    return differing;
}

// Tests: styles parts of 240 shapes — up to 11 cell formats and 3 conditional (dxf) formats, their fields drawn from
// a fixed sequence, every odd shape its predecessor with one field changed in every format (so a key that missed a
// field would find the predecessor's text) — each written by libxlsxwriter's own function and by the one above, twice (made, then
// from memory); the texts are compared. Returns how many differed (or -1).
static uint32_t styles_draw(uint32_t *state, uint32_t below) {
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) % below;
}

static void styles_fill_format(lxw_format *f, uint32_t *r, int dxf) {
    static const char *numbers[] = {"yyyy-mm-dd", "0.00%", "\"元\"#,##0", "0;[Red]-0", "@"};
    static const char *fonts[] = {"", "Calibri", "宋体", "a&b<c>\"d\"", "Microsoft YaHei"};
    static const double sizes[] = {0, 11, 10.5, 14, 9};
    static const lxw_color_t colors[] = {LXW_COLOR_UNSET, 0xFF0000, 0x00B050, 0x1F4E79, 0xFFF2CC};
    static const int16_t rotations[] = {0, 45, -45, 90, 270};
    f->xf_index = (int32_t)styles_draw(r, 20);
    f->dxf_index = (int32_t)styles_draw(r, 5);
    f->xf_id = (int32_t)styles_draw(r, 2);
    int number = (int)styles_draw(r, 6);
    if (number < 5) {
        lxw_snprintf(f->num_format, LXW_FORMAT_FIELD_LEN, "%s", numbers[number]);
        f->num_format_index = (uint16_t)(164 + number);
    } else {
        f->num_format_index = (uint16_t)styles_draw(r, 50);
    }
    lxw_snprintf(f->font_name, LXW_FORMAT_FIELD_LEN, "%s", fonts[styles_draw(r, 5)]);
    if (styles_draw(r, 3) == 0) lxw_snprintf(f->font_scheme, LXW_FORMAT_FIELD_LEN, "%s", "major");
    f->font_index = (uint16_t)styles_draw(r, 6);
    f->has_font = (uint8_t)styles_draw(r, 2);
    f->has_dxf_font = (uint8_t)(dxf && styles_draw(r, 2));
    f->font_size = sizes[styles_draw(r, 5)];
    f->bold = (uint8_t)styles_draw(r, 2);
    f->italic = (uint8_t)styles_draw(r, 2);
    f->font_color = colors[styles_draw(r, 5)];
    f->underline = (uint8_t)styles_draw(r, 5);
    f->font_strikeout = (uint8_t)styles_draw(r, 2);
    f->font_outline = (uint8_t)styles_draw(r, 2);
    f->font_shadow = (uint8_t)styles_draw(r, 2);
    f->font_script = (uint8_t)styles_draw(r, 3);
    f->font_family = (uint8_t)styles_draw(r, 3);
    f->font_charset = (uint8_t)styles_draw(r, 2) * 134;
    f->font_condense = (uint8_t)styles_draw(r, 2);
    f->font_extend = (uint8_t)styles_draw(r, 2);
    f->theme = (uint8_t)styles_draw(r, 3);
    f->hyperlink = (uint8_t)(styles_draw(r, 4) == 0);
    f->hidden = (uint8_t)styles_draw(r, 2);
    f->locked = (uint8_t)styles_draw(r, 2);
    f->text_h_align = (uint8_t)styles_draw(r, 8);
    f->text_wrap = (uint8_t)styles_draw(r, 2);
    f->text_v_align = (uint8_t)styles_draw(r, 6);
    f->text_justlast = (uint8_t)styles_draw(r, 2);
    f->rotation = rotations[styles_draw(r, 5)];
    f->fg_color = colors[styles_draw(r, 5)];
    f->bg_color = colors[styles_draw(r, 5)];
    f->dxf_fg_color = colors[styles_draw(r, 5)];
    f->dxf_bg_color = colors[styles_draw(r, 5)];
    f->pattern = (uint8_t)styles_draw(r, 19);
    f->has_fill = (uint8_t)styles_draw(r, 2);
    f->has_dxf_fill = (uint8_t)(dxf && styles_draw(r, 2));
    f->fill_index = (int32_t)styles_draw(r, 5);
    f->border_index = (int32_t)styles_draw(r, 5);
    f->has_border = (uint8_t)styles_draw(r, 2);
    f->has_dxf_border = (uint8_t)(dxf && styles_draw(r, 2));
    f->bottom = (uint8_t)styles_draw(r, 14);
    f->diag_border = (uint8_t)(styles_draw(r, 2) ? 0 : styles_draw(r, 14));
    f->diag_type = (uint8_t)styles_draw(r, 4);
    f->left = (uint8_t)styles_draw(r, 14);
    f->right = (uint8_t)styles_draw(r, 14);
    f->top = (uint8_t)styles_draw(r, 14);
    f->bottom_color = colors[styles_draw(r, 5)];
    f->diag_color = colors[styles_draw(r, 5)];
    f->left_color = colors[styles_draw(r, 5)];
    f->right_color = colors[styles_draw(r, 5)];
    f->top_color = colors[styles_draw(r, 5)];
    f->indent = (uint8_t)styles_draw(r, 3);
    f->shrink = (uint8_t)styles_draw(r, 2);
    f->reading_order = (uint8_t)styles_draw(r, 3);
    f->just_distrib = (uint8_t)styles_draw(r, 2);
    f->color_indexed = (uint8_t)styles_draw(r, 2);
    f->font_only = (uint8_t)styles_draw(r, 2);
}

// One field of a format changed, which one chosen by `which` (the odd shapes of the test), with the flag that has
// libxlsxwriter write it.
static void styles_change_one_field(lxw_format *f, uint32_t which) {
    switch (which % 12) {
    case 0: f->bold ^= 1; f->has_font = 1; break;
    case 1: f->font_name[0] = f->font_name[0] ? 0 : 'X'; f->has_font = 1; break;
    case 2: f->num_format_index = (uint16_t)(f->num_format_index == 165 ? 166 : 165);
            lxw_snprintf(f->num_format, LXW_FORMAT_FIELD_LEN, "%s", "0.000"); break;
    case 3: f->font_size = f->font_size == 12 ? 13 : 12; f->has_font = 1; break;
    case 4: f->has_border = 1; f->diag_type = 3; f->diag_border = 0; break;
    case 5: f->fg_color ^= 0x000101; f->has_fill = 1; break;
    case 6: f->text_h_align = (uint8_t)((f->text_h_align + 1) % 8); break;
    case 7: f->rotation = (int16_t)(f->rotation == 30 ? 31 : 30); break;
    case 8: f->font_scheme[0] = f->font_scheme[0] ? 0 : 'm'; f->has_font = 1; f->font_name[0] = 0; f->hyperlink = 0; break;
    case 9: f->top_color ^= 0x010000; f->has_border = 1; f->top = 1; break;
    case 10: f->locked ^= 1; break;
    default:  // the number format's text alone, where libxlsxwriter writes it
        if (f->num_format_index >= 164) f->num_format[0] = f->num_format[0] == 'Q' ? 'R' : 'Q';
        else f->xf_id ^= 1;
        break;
    }
}

static lxw_styles *styles_shape(int shape) {
    lxw_styles *styles = lxw_styles_new();
    if (!styles) return NULL;
    uint32_t r = 7u + (uint32_t)(shape / 2) * 7919u;
    int xfs = (int)styles_draw(&r, 12), dxfs = (int)styles_draw(&r, 4);
    styles->font_count = styles_draw(&r, 8);
    styles->xf_count = (uint32_t)xfs;
    styles->dxf_count = (uint32_t)dxfs;
    styles->num_format_count = styles_draw(&r, 3);
    styles->border_count = styles_draw(&r, 5);
    styles->fill_count = 2 + styles_draw(&r, 4);
    styles->has_hyperlink = (uint8_t)(styles_draw(&r, 3) == 0);
    styles->hyperlink_font_id = (uint16_t)styles_draw(&r, 4);
    styles->has_comments = (uint8_t)styles_draw(&r, 2);
    if (!styles->dxf_formats) dxfs = 0;
    for (int list = 0; list < 2; list++) {
        int count = list ? dxfs : xfs;
        for (int i = 0; i < count; i++) {
            lxw_format *f = lxw_format_new();
            if (!f) {
                lxw_styles_free(styles);
                return NULL;
            }
            styles_fill_format(f, &r, list);
            if (shape % 2 == 1) styles_change_one_field(f, (uint32_t)shape / 2);
            STAILQ_INSERT_TAIL(list ? styles->dxf_formats : styles->xf_formats, f, list_pointers);
        }
    }
    if (shape % 2 == 1 && xfs + dxfs == 0) styles->font_count++;
    return styles;
}

#define STYLES_SHAPES 240

int memory_parts_styles_check_for_tests(void) {
    int differing = 0;
    int was_disabled = disabled;
    for (int shape = 0; shape < STYLES_SHAPES; shape++) {
        char *expected = NULL;
        size_t expected_size = 0;
        for (int round = 0; round < 3; round++) {  // round 0: libxlsxwriter's; 1: made here; 2: from memory
            disabled = round == 0;
            char *text = NULL;
            size_t size = 0;
            FILE *file = open_memstream(&text, &size);
            lxw_styles *styles = styles_shape(shape);
            if (!file || !styles) {
                disabled = was_disabled;
                return -1;
            }
            styles->file = file;
            lxw_styles_assemble_xml_file(styles);
            fclose(file);
            styles->file = NULL;
            lxw_styles_free(styles);
            if (round == 0) {
                expected = text;
                expected_size = size;
                continue;
            }
            if (size != expected_size || memcmp(text, expected, size) != 0) differing++;
            free(text);
        }
        free(expected);
    }
    disabled = was_disabled;
    return differing;
}

#else

int memory_parts_theme_active(void) { return 0; }
void memory_parts_theme_disable(int on) { (void)on; }
unsigned long memory_parts_themes_copied(void) { return 0; }
unsigned long memory_parts_constant_parts_reused(void) { return 0; }
unsigned long memory_parts_styles_reused(void) { return 0; }
int memory_parts_constant_parts_check_for_tests(void) { return -1; }
int memory_parts_styles_check_for_tests(void) { return -1; }

#endif
