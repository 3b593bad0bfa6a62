// Parts whose XML is the same from workbook to workbook written from a copy instead of being made anew.
//
// libxlsxwriter 1.1.4 makes every part of every workbook afresh, tag by tag. Three of a village workbook's parts are
// pure functions of little: the theme (xl/theme/theme1.xml, 7 KB) is a fixed text (`lxw_theme_assemble_xml_file`
// writes constant strings; its struct holds only the FILE); a relationships part (_rels/.rels,
// xl/_rels/workbook.xml.rels) is a function of its list of (type, target, target mode) and of the first rId; the
// content types part ([Content_Types].xml) is a function of its two lists of (key, value). Their assemble functions
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
#include <xlsxwriter/relationships.h>
#include <xlsxwriter/theme.h>

typedef void (*theme_function)(lxw_theme *);
typedef void (*relationships_function)(lxw_relationships *);
typedef void (*content_types_function)(lxw_content_types *);

static __thread int disabled;  // tests: this thread's parts are made by libxlsxwriter's own functions
static __thread unsigned long copied;  // themes written from the copy
static __thread unsigned long reused;  // relationships and content types parts written from memory

void memory_parts_theme_disable(int on) { disabled = on; }
unsigned long memory_parts_themes_copied(void) { return copied; }
unsigned long memory_parts_constant_parts_reused(void) { return reused; }

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

// ---- Texts remembered per thread, by key ----

#define MEMO_SLOTS 4  // per kind of part: a village workbook has two relationships parts and one content types part

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
    memo relationships, content_types;
    unsigned char *key;  // the key being built
    size_t key_size, key_capacity;
    int failed;  // no memory for the key: libxlsxwriter's own function, nothing remembered
} memo_state;

static __thread memo_state *memos;
static pthread_key_t memos_key;
static pthread_once_t memos_once = PTHREAD_ONCE_INIT;

static void free_memos(void *pointer) {
    memo_state *m = pointer;
    memo *kinds[] = {&m->relationships, &m->content_types};
    for (int k = 0; k < 2; k++)
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
    memo_state *m = !disabled && own && memory_parts_writers_apply() ? memos_now() : NULL;
    if (!m || !self->relationships) {
        if (own) own(self);
        return;
    }
    m->key_size = 0;
    m->failed = 0;
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
    memo_slot *s = remembered(&m->relationships, m);
    if (s) {
        fwrite_unlocked(s->text, 1, s->text_size, self->file);
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
    memo_state *m = !disabled && own && memory_parts_writers_apply() ? memos_now() : NULL;
    if (!m) {
        if (own) own(self);
        return;
    }
    m->key_size = 0;
    m->failed = 0;
    key_add_tuples(m, self->default_types);
    key_add_tuples(m, self->overrides);
    if (m->failed) {
        own(self);
        return;
    }
    memo_slot *s = remembered(&m->content_types, m);
    if (s) {
        fwrite_unlocked(s->text, 1, s->text_size, self->file);
        reused++;
        return;
    }
    make_and_remember(&m->content_types, m, &self->file, self, assemble_content_types, restore_nothing, 0);
}

int memory_parts_theme_active(void) {
    return memory_parts_writers_apply()
        && dlsym(RTLD_DEFAULT, "lxw_theme_assemble_xml_file") == (void *)lxw_theme_assemble_xml_file
        && dlsym(RTLD_DEFAULT, "lxw_relationships_assemble_xml_file") == (void *)lxw_relationships_assemble_xml_file
        && dlsym(RTLD_DEFAULT, "lxw_content_types_assemble_xml_file") == (void *)lxw_content_types_assemble_xml_file
        && library_theme() && library_relationships() && library_content_types();
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

#else

int memory_parts_theme_active(void) { return 0; }
void memory_parts_theme_disable(int on) { (void)on; }
unsigned long memory_parts_themes_copied(void) { return 0; }
unsigned long memory_parts_constant_parts_reused(void) { return 0; }
int memory_parts_constant_parts_check_for_tests(void) { return -1; }

#endif
