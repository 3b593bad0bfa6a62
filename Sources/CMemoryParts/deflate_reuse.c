// Deflates each small part of a workbook once per distinct content and thread, and reuses one zlib stream per thread.
//
// libxlsxwriter zips every part through minizip, which calls zlib's deflateInit2_ / deflate / deflateEnd for each
// part: 13 parts per village workbook, 26,000 for 2,000 villages, each setting up ~256 KB of zlib state (and
// clearing its 64 KB hash table), and five of the thirteen (theme, content types, the two relationship parts,
// app.xml: 11.5 of 38 KB) are the same bytes in every village workbook. libminizip and libz are shared libraries, so
// minizip's calls reach the executable's definitions below first (as lxw_tmpfile does in memory_parts.c).
//
// While a workbook whose parts are in memory is being closed on this thread (`memory_parts_deflate_begin`), a part
// whose bytes arrive in one piece smaller than libxlsxwriter's 16 KB read buffer (so the whole part) is collected
// and deflated when minizip asks for Z_FINISH: from this thread's cache when the same bytes with the same settings
// were deflated before, else by one zlib stream kept for the thread (deflateReset between parts: the same state as
// a new one). zlib's output depends only on the bytes and the settings, so the zip is byte-identical either way.
// Anything else (a larger part, another caller, another thread, no workbook being closed) goes to zlib untouched.

#define _GNU_SOURCE
#include "memory_parts.h"

#include <errno.h>
#include <stdlib.h>  // defines __GLIBC__, which the test below needs

#if defined(__linux__) && defined(__GLIBC__) && __has_include(<zlib.h>)

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

// A first piece smaller than this is the whole part: libxlsxwriter reads a part in 16 KB pieces (LXW_ZIP_BUFFER_SIZE).
#define WHOLE_PART_LIMIT 16384
// Distinct parts remembered per thread; the ones met again stay (see `evictable`).
#define CACHE_SLOTS 32

typedef int (*init_function)(z_streamp, int, int, int, int, int, const char *, int);
typedef int (*deflate_function)(z_streamp, int);
typedef int (*end_function)(z_streamp);
typedef int (*reset_function)(z_streamp);

// zlib's own functions, looked up once per thread (a lookup per call would cost more than a small part's deflate).
static __thread init_function found_init;
static __thread deflate_function found_deflate;
static __thread end_function found_end;
static __thread reset_function found_reset;

static init_function real_init(void) {
    return found_init ? found_init : (found_init = (init_function)dlsym(RTLD_NEXT, "deflateInit2_"));
}
static deflate_function real_deflate(void) {
    return found_deflate ? found_deflate : (found_deflate = (deflate_function)dlsym(RTLD_NEXT, "deflate"));
}
static end_function real_end(void) {
    return found_end ? found_end : (found_end = (end_function)dlsym(RTLD_NEXT, "deflateEnd"));
}
static reset_function real_reset(void) {
    return found_reset ? found_reset : (found_reset = (reset_function)dlsym(RTLD_NEXT, "deflateReset"));
}

typedef struct {
    int level, method, window_bits, mem_level, strategy;
} settings;

typedef struct {
    unsigned char *input, *output;
    size_t input_size, output_size;
    uint64_t hash;
    settings with;
    int data_type;
    unsigned hits, stamp;
} cached_part;

enum { UNDECIDED, COLLECTING, EMITTING, PASSED_ON };

// The one stream minizip has open on this thread (it deflates one part at a time).
typedef struct {
    z_streamp stream;  // NULL: none tracked
    int state;
    settings with;
    const char *version;
    int stream_size;
    unsigned char *bytes;  // the part (COLLECTING), then its deflated form (EMITTING)
    size_t size, capacity, emitted;
    int data_type;
} tracked_stream;

typedef struct {
    cached_part parts[CACHE_SLOTS];
    unsigned clock;
    z_stream own;  // the thread's zlib stream for parts deflated here
    settings own_with;
    int own_ready;
    tracked_stream tracked;
    unsigned long hits, misses;
} thread_state;

static __thread int active;           // a workbook with parts in memory is being closed on this thread
static __thread int disabled;         // tests: every part goes to zlib as minizip asks
static __thread thread_state *state;  // created on first use, freed when the thread ends
static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

static void free_state(void *pointer) {
    thread_state *s = pointer;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(s->parts[i].input);
        free(s->parts[i].output);
    }
    if (s->own_ready) {
        end_function end = real_end();
        if (end) end(&s->own);
    }
    free(s->tracked.bytes);
    free(s);
    state = NULL;
}

static void make_key(void) { pthread_key_create(&state_key, free_state); }

static thread_state *thread_state_now(void) {
    if (state) return state;
    pthread_once(&state_once, make_key);
    state = calloc(1, sizeof *state);
    if (state) pthread_setspecific(state_key, state);
    return state;
}

static void forget(tracked_stream *t);

// Both forget any stream left tracked by a workbook whose close failed half-way (minizip then ends no stream).
void memory_parts_deflate_begin(void) {
    if (state) forget(&state->tracked);
    active = !disabled;
}

void memory_parts_deflate_end(void) {
    if (state) forget(&state->tracked);
    active = 0;
}

void memory_parts_deflate_disable(int on) { disabled = on; }

void memory_parts_deflate_counts(unsigned long *hits, unsigned long *misses) {
    *hits = state ? state->hits : 0;
    *misses = state ? state->misses : 0;
}

int memory_parts_deflate_active(void) {
    return dlsym(RTLD_DEFAULT, "deflate") == (void *)deflate && real_deflate() != NULL && real_init() != NULL
        && real_end() != NULL && real_reset() != NULL;
}

static uint64_t hash_bytes(const unsigned char *bytes, size_t size) {
    uint64_t h = 0x9E3779B97F4A7C15u ^ size;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, 8);
        h = (h ^ word) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 32;
    }
    for (; i < size; i++) h = (h ^ bytes[i]) * 0x100000001B3u;
    return h;
}

static int same_settings(settings a, settings b) {
    return a.level == b.level && a.method == b.method && a.window_bits == b.window_bits
        && a.mem_level == b.mem_level && a.strategy == b.strategy;
}

// Grows `t->bytes` to hold `more` bytes after `t->size`; 0 on success.
static int reserve(tracked_stream *t, size_t more) {
    if (t->size + more <= t->capacity) return 0;
    size_t capacity = t->capacity ? t->capacity : 8192;
    while (capacity < t->size + more) capacity *= 2;
    unsigned char *grown = realloc(t->bytes, capacity);
    if (!grown) return -1;
    t->bytes = grown;
    t->capacity = capacity;
    return 0;
}

// Deflates the collected part with the thread's own stream into a new buffer; 0 on success.
static int deflate_here(thread_state *s, const tracked_stream *t, unsigned char **output, size_t *output_size,
                        int *data_type) {
    if (s->own_ready && !same_settings(s->own_with, t->with)) {
        real_end()(&s->own);
        s->own_ready = 0;
    }
    if (!s->own_ready) {
        memset(&s->own, 0, sizeof s->own);
        if (real_init()(&s->own, t->with.level, t->with.method, t->with.window_bits, t->with.mem_level,
                        t->with.strategy, t->version, t->stream_size) != Z_OK) return -1;
        s->own_with = t->with;
        s->own_ready = 1;
    } else if (real_reset()(&s->own) != Z_OK) {
        return -1;
    }
    size_t capacity = t->size + t->size / 8 + 256, produced = 0;
    unsigned char *out = malloc(capacity);
    if (!out) return -1;
    s->own.next_in = t->bytes;
    s->own.avail_in = (uInt)t->size;
    for (;;) {
        if (produced == capacity) {
            unsigned char *grown = realloc(out, capacity * 2);
            if (!grown) {
                free(out);
                return -1;
            }
            out = grown;
            capacity *= 2;
        }
        s->own.next_out = out + produced;
        s->own.avail_out = (uInt)(capacity - produced);
        int status = real_deflate()(&s->own, Z_FINISH);
        produced = capacity - s->own.avail_out;
        if (status == Z_STREAM_END) break;
        // Z_BUF_ERROR only when the buffer was full (it grows above); with room left it could never end.
        if (status != Z_OK && !(status == Z_BUF_ERROR && produced == capacity)) {
            free(out);
            return -1;
        }
    }
    *output = out;
    *output_size = produced;
    *data_type = s->own.data_type;
    return 0;
}

// The slot a new part replaces: an empty one, else the least met, oldest first (parts met in every workbook stay).
static cached_part *evictable(thread_state *s) {
    cached_part *pick = &s->parts[0];
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_part *p = &s->parts[i];
        if (!p->input && !p->output) return p;
        if (p->hits < pick->hits || (p->hits == pick->hits && p->stamp < pick->stamp)) pick = p;
    }
    return pick;
}

// Replaces the collected part in `t->bytes` by its deflated form; 0 on success.
static int finish_part(thread_state *s, tracked_stream *t) {
    uint64_t h = hash_bytes(t->bytes, t->size);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_part *p = &s->parts[i];
        if (p->output && p->hash == h && p->input_size == t->size && same_settings(p->with, t->with)
            && (t->size == 0 || memcmp(p->input, t->bytes, t->size) == 0)) {
            if (reserve(t, p->output_size > t->size ? p->output_size - t->size : 0) != 0) return -1;
            memcpy(t->bytes, p->output, p->output_size);
            t->size = p->output_size;
            t->data_type = p->data_type;
            p->hits++;
            p->stamp = ++s->clock;
            s->hits++;
            return 0;
        }
    }
    unsigned char *output;
    size_t output_size;
    int data_type;
    if (deflate_here(s, t, &output, &output_size, &data_type) != 0) return -1;
    s->misses++;
    cached_part *slot = evictable(s);
    unsigned char *input = malloc(t->size ? t->size : 1);
    if (input) {
        // Remembered for the next workbook; when there is no memory for it, only this part is not remembered.
        if (t->size) memcpy(input, t->bytes, t->size);  // an empty first part has no buffer yet (NULL)
        free(slot->input);
        free(slot->output);
        *slot = (cached_part){input, output, t->size, output_size, h, t->with, data_type, 0, ++s->clock};
        if (reserve(t, output_size > t->size ? output_size - t->size : 0) != 0) return -1;
        memcpy(t->bytes, output, output_size);
    } else {
        free(t->bytes);
        t->bytes = output;
        t->capacity = output_size;
    }
    t->size = output_size;
    t->data_type = data_type;
    return 0;
}

static void forget(tracked_stream *t) {
    t->stream = NULL;
    t->state = UNDECIDED;
    t->size = t->emitted = 0;
    // The buffer is kept for the next part unless it grew large.
    if (t->capacity > (1 << 20)) {
        free(t->bytes);
        t->bytes = NULL;
        t->capacity = 0;
    }
}

int deflateInit2_(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy,
                  const char *version, int stream_size) {
    init_function init = real_init();
    if (!init) return Z_STREAM_ERROR;
    thread_state *s = active ? thread_state_now() : NULL;
    if (!s || !strm || (s->tracked.stream && s->tracked.stream != strm)) return init(strm, level, method, windowBits, memLevel, strategy, version, stream_size);
    // The real set-up waits for the first piece: a part that arrives whole never needs it.
    tracked_stream *t = &s->tracked;
    t->stream = strm;
    t->state = UNDECIDED;
    t->with = (settings){level, method, windowBits, memLevel, strategy};
    t->version = version;
    t->stream_size = stream_size;
    t->size = t->emitted = 0;
    strm->total_in = strm->total_out = 0;
    strm->msg = Z_NULL;
    strm->adler = 1;
    strm->data_type = Z_UNKNOWN;
    return Z_OK;
}

int deflate(z_streamp strm, int flush) {
    deflate_function real = real_deflate();
    if (!real) return Z_STREAM_ERROR;
    thread_state *s = state;
    tracked_stream *t = s && strm && s->tracked.stream == strm ? &s->tracked : NULL;
    if (!t) return real(strm, flush);
    if (t->state == UNDECIDED) {
        if (flush == Z_FINISH || (flush == Z_NO_FLUSH && strm->avail_in < WHOLE_PART_LIMIT)) {
            t->state = COLLECTING;
        } else {
            // A large part: zlib as minizip asked, set up now (nothing has been deflated yet).
            t->state = PASSED_ON;
            int status = real_init()(strm, t->with.level, t->with.method, t->with.window_bits, t->with.mem_level,
                                     t->with.strategy, t->version, t->stream_size);
            if (status != Z_OK) return status;
        }
    }
    if (t->state == PASSED_ON) return real(strm, flush);
    if (t->state == COLLECTING) {
        if (flush != Z_NO_FLUSH && flush != Z_FINISH) {
            memory_parts_note_failure(EINVAL);
            return Z_STREAM_ERROR;
        }
        size_t n = strm->avail_in;
        if (n) {
            if (reserve(t, n) != 0) {
                memory_parts_note_failure(ENOMEM);
                return Z_MEM_ERROR;
            }
            memcpy(t->bytes + t->size, strm->next_in, n);
            t->size += n;
            strm->next_in += n;
            strm->avail_in = 0;
            strm->total_in += n;
        }
        if (flush == Z_NO_FLUSH) return Z_OK;
        if (finish_part(s, t) != 0) {
            memory_parts_note_failure(ENOMEM);
            return Z_MEM_ERROR;
        }
        t->state = EMITTING;
        strm->data_type = t->data_type;
    }
    // EMITTING: the deflated part, as far as minizip's buffer takes it.
    if (strm->avail_in) return Z_STREAM_ERROR;  // zlib too refuses more input after Z_FINISH
    size_t left = t->size - t->emitted, n = left < strm->avail_out ? left : strm->avail_out;
    memcpy(strm->next_out, t->bytes + t->emitted, n);
    t->emitted += n;
    strm->next_out += n;
    strm->avail_out -= (uInt)n;
    strm->total_out += n;
    if (t->emitted < t->size) return n ? Z_OK : Z_BUF_ERROR;
    return flush == Z_FINISH ? Z_STREAM_END : Z_OK;
}

int deflateEnd(z_streamp strm) {
    end_function end = real_end();
    if (!end) return Z_STREAM_ERROR;
    thread_state *s = state;
    if (!s || !strm || s->tracked.stream != strm) return end(strm);
    int passed = s->tracked.state == PASSED_ON;
    forget(&s->tracked);
    return passed ? end(strm) : Z_OK;
}

#else

void memory_parts_deflate_begin(void) {}

void memory_parts_deflate_end(void) {}

void memory_parts_deflate_disable(int on) { (void)on; }

void memory_parts_deflate_counts(unsigned long *hits, unsigned long *misses) {
    *hits = 0;
    *misses = 0;
}

int memory_parts_deflate_active(void) { return 0; }

#endif
