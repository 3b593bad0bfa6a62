// Deflates each part of a workbook up to 64 KB with libdeflate, once per distinct small content and thread.
//
// libxlsxwriter zips every part through minizip, which calls zlib's deflateInit2_ / deflate / deflateEnd for each
// part: 13 parts per village workbook, 26,000 for 2,000 villages, each setting up ~256 KB of zlib state (and
// clearing its 64 KB hash table), and five of the thirteen (theme, content types, the two relationship parts,
// app.xml: 11.5 of 38 KB) are the same bytes in every village workbook. libminizip and libz are shared libraries, so
// minizip's calls reach the executable's definitions below first (as lxw_tmpfile does in memory_parts.c).
//
// A part minizip deflates as raw deflate (its only way) is collected as its pieces arrive and, when minizip asks
// for Z_FINISH, deflated in one call by libdeflate (vendored: CLibdeflate) at the level minizip asked for: 2.6×
// less CPU than zlib's level 1 on the village workbooks' parts, and 3 % smaller (docs/performance-log.md, *Output
// side, seventh pass*). A part under 16 KB (libxlsxwriter's read buffer: it arrives in one piece) is deflated once
// per distinct content and thread and then reused from this thread's cache. A part that grows past 64 KB (the town
// workbook's long sheets, up to ~10 MB of XML each) is deflated by libdeflate in 128 KB pieces as it arrives, each
// piece at a fixed offset of the part and deflated independently of the ones before it, every piece but the last
// ending with an empty stored block as zlib's Z_SYNC_FLUSH does (libdeflate_deflate_compress_piece, added to the
// vendored copy): holding such parts whole, or even their first megabyte, raised the run's peak by 1–2 MB for ~5 ms
// of CPU, and libdeflate has no streaming API. Until the thirteenth session these parts went on to zlib's level 1
// (≈ 35 instructions a byte against libdeflate's ≈ 21 on the town's sheets), and the pieces come out 2–9 % smaller
// than zlib's stream though no match reaches into an earlier piece (64 KB pieces were as large as zlib's, 16 KB ones
// larger). How a part is deflated depends only on its size and bytes, so a workbook's bytes depend only on its parts,
// not on the thread, the cache, how minizip feeds them or where its parts were kept. Only streams minizip sets up
// while opening a part for libxlsxwriter are taken (zip_level.c
// marks that moment); every other caller of zlib in the process (ZIPFoundation, the tests) gets zlib itself. On a taken
// stream minizip's calls (Z_NO_FLUSH, Z_FINISH, deflateEnd, on one thread) keep zlib's contract; other flush modes and
// zlib's other deflate functions are refused there with Z_STREAM_ERROR (minizip uses none of them), and a few return
// codes differ from zlib's in corners minizip never reaches (a call with no output room takes the input and returns
// Z_OK; deflateEnd of an unfinished part returns Z_OK; input after Z_FINISH gets Z_STREAM_ERROR).
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

#include <libdeflate.h>

// A part smaller than this arrives whole: libxlsxwriter reads a part in 16 KB pieces (LXW_ZIP_BUFFER_SIZE). Only such
// parts are cached (a few KB each; most repeat from workbook to workbook).
#define WHOLE_PART_LIMIT 16384
// A part that grows past this is deflated in pieces (streamed: the town workbook's sheets are up to ~10 MB of XML).
#define COLLECT_LIMIT MEMORY_PARTS_LIBDEFLATE_LIMIT
// The pieces of such a part (the first holds what was collected). The part's bytes at the same offsets whatever
// pieces minizip hands over; 128 KB: 64 KB pieces deflated as large as zlib's stream (docs/performance-log.md).
#define PIECE_SIZE MEMORY_PARTS_PIECE_SIZE
// Distinct parts remembered per thread, the least recently met replaced first (see `evictable`).
#define CACHE_SLOTS 32

typedef int (*init_function)(z_streamp, int, int, int, int, int, const char *, int);
typedef int (*deflate_function)(z_streamp, int);
typedef int (*end_function)(z_streamp);

// zlib's own functions, looked up once per thread (a lookup per call would cost more than a small part's deflate).
static __thread init_function found_init;
static __thread deflate_function found_deflate;
static __thread end_function found_end;

static init_function real_init(void) {
    return found_init ? found_init : (found_init = (init_function)dlsym(RTLD_NEXT, "deflateInit2_"));
}
static deflate_function real_deflate(void) {
    return found_deflate ? found_deflate : (found_deflate = (deflate_function)dlsym(RTLD_NEXT, "deflate"));
}
static end_function real_end(void) {
    return found_end ? found_end : (found_end = (end_function)dlsym(RTLD_NEXT, "deflateEnd"));
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
    unsigned stamp;  // when last met (`evictable`)
    int met_again;   // found in the cache at least once since it was deflated (`evictable`)
} cached_part;

// IN_PIECES: past COLLECT_LIMIT, deflated a piece at a time; PIECES_DONE: its last piece deflated (maybe not all
// emitted yet).
enum { UNDECIDED, COLLECTING, EMITTING, IN_PIECES, PIECES_DONE };

// The one stream minizip has open on this thread (it deflates one part at a time).
typedef struct {
    z_streamp stream;  // NULL: none tracked
    int state;
    settings with;
    unsigned char *bytes;  // the part (COLLECTING), then its deflated form (EMITTING); IN_PIECES: the piece
    size_t size, capacity, emitted;
    int data_type;
    unsigned char *piece_out;  // IN_PIECES, PIECES_DONE: the last piece deflated, `piece_emitted` of it handed over
    size_t piece_out_size, piece_out_capacity, piece_emitted;
} tracked_stream;

typedef struct {
    cached_part parts[CACHE_SLOTS];
    unsigned clock;
    struct libdeflate_compressor *fast;  // the thread's libdeflate compressor, at `fast_level`
    int fast_level;
    tracked_stream tracked;
    unsigned long hits, misses;
} thread_state;

static __thread int disabled;         // tests: no part comes from the cache (each is deflated afresh)
static __thread int minizip_opening;  // zip_level.c: minizip is opening a part of a libxlsxwriter zip on this thread
static __thread thread_state *state;  // created on first use, freed when the thread ends
static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

static void free_state(void *pointer) {
    thread_state *s = pointer;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(s->parts[i].input);
        free(s->parts[i].output);
    }
    libdeflate_free_compressor(s->fast);
    free(s->tracked.bytes);
    free(s->tracked.piece_out);
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
}

void memory_parts_deflate_end(void) {
    if (state) forget(&state->tracked);
}

void memory_parts_deflate_disable(int on) { disabled = on; }

void memory_parts_minizip_opening(int on) { minizip_opening = on; }

void memory_parts_deflate_counts(unsigned long *hits, unsigned long *misses) {
    *hits = state ? state->hits : 0;
    *misses = state ? state->misses : 0;
}

int memory_parts_deflate_active(void) {
    return dlsym(RTLD_DEFAULT, "deflate") == (void *)deflate && real_deflate() != NULL && real_init() != NULL
        && real_end() != NULL;
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

// Settings libdeflate can stand in for: raw deflate (no zlib or gzip wrapper), the default strategy, a level 0–9
// (or zlib's default, -1, which is 6 in both). minizip asks for exactly this.
static int libdeflate_takes(settings with) {
    return with.method == Z_DEFLATED && with.window_bits == -MAX_WBITS && with.strategy == Z_DEFAULT_STRATEGY
        && with.level >= -1 && with.level <= 9 && with.mem_level >= 1 && with.mem_level <= MAX_MEM_LEVEL;
}

// The thread's libdeflate compressor at the stream's level (made or remade as needed); NULL without memory.
static struct libdeflate_compressor *compressor_for(thread_state *s, const tracked_stream *t) {
    int level = t->with.level < 0 ? 6 : t->with.level;
    if (s->fast && s->fast_level != level) {
        libdeflate_free_compressor(s->fast);
        s->fast = NULL;
    }
    if (!s->fast) {
        s->fast = libdeflate_alloc_compressor(level);
        if (!s->fast) return NULL;
        s->fast_level = level;
    }
    return s->fast;
}

// Deflates the collected part into a new buffer, with libdeflate; 0 on success.
static int deflate_here(thread_state *s, const tracked_stream *t, unsigned char **output, size_t *output_size,
                        int *data_type) {
    if (!compressor_for(s, t)) return -1;
    size_t capacity = libdeflate_deflate_compress_bound(s->fast, t->size);
    unsigned char *out = malloc(capacity);
    if (!out) return -1;
    size_t produced = libdeflate_deflate_compress(s->fast, t->bytes, t->size, out, capacity);
    if (produced == 0) {  // cannot happen with the bound's room; refused rather than written short
        free(out);
        return -1;
    }
    *output = out;
    *output_size = produced;
    *data_type = Z_UNKNOWN;  // minizip never reads it
    return 0;
}

// The slot a new part replaces: an empty one, else, while at most half of the slots hold parts met again since they
// were deflated, the part met least recently among those never met again, else the least recent of the parts met
// again (a segmented LRU). A village workbook brings six or seven parts met once (its sheets, shared strings,
// core.xml) that pushed the styles variants and the workbook.xml shapes that do recur out of a plain LRU before they
// came back (callgrind, cold 200 × 12: 1,515 parts deflated for 2,600; replaying those villages' parts through both
// policies, 1,483 → 1,417 of the 2,600, against ~1,360 with unlimited slots). Parts met in every workbook (theme,
// content types, relationships, app.xml) are always recent; ranking by hit counts instead let parts met often by an
// earlier workbook on a long-lived thread (tests, any caller reusing threads) hold the slots for ever, so a new
// workbook's constant parts evicted each other: here such parts are the least recent of the met-again half and go
// first once it is over half.
static cached_part *evictable(thread_state *s) {
    cached_part *oldest_met_again = NULL, *oldest_met_once = NULL;
    int met_again = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_part *p = &s->parts[i];
        if (!p->input && !p->output) return p;
        cached_part **oldest = p->met_again ? &oldest_met_again : &oldest_met_once;
        if (!*oldest || p->stamp < (*oldest)->stamp) *oldest = p;
        met_again += p->met_again;
    }
    if (met_again > CACHE_SLOTS / 2 || !oldest_met_once) return oldest_met_again;
    return oldest_met_once;
}

// Replaces the collected part in `t->bytes` by its deflated form; 0 on success.
static int finish_part(thread_state *s, tracked_stream *t) {
    int cached = !disabled && t->size < WHOLE_PART_LIMIT;
    uint64_t h = cached ? hash_bytes(t->bytes, t->size) : 0;
    for (int i = 0; cached && i < CACHE_SLOTS; i++) {
        cached_part *p = &s->parts[i];
        if (p->output && p->hash == h && p->input_size == t->size && same_settings(p->with, t->with)
            && (t->size == 0 || memcmp(p->input, t->bytes, t->size) == 0)) {
            if (reserve(t, p->output_size > t->size ? p->output_size - t->size : 0) != 0) return -1;
            memcpy(t->bytes, p->output, p->output_size);
            t->size = p->output_size;
            t->data_type = p->data_type;
            p->stamp = ++s->clock;
            p->met_again = 1;
            s->hits++;
            return 0;
        }
    }
    unsigned char *output;
    size_t output_size;
    int data_type;
    if (deflate_here(s, t, &output, &output_size, &data_type) != 0) return -1;
    s->misses++;
    cached_part *slot = cached ? evictable(s) : NULL;
    unsigned char *input = cached ? malloc(t->size ? t->size : 1) : NULL;
    if (input) {
        // Remembered for the next workbook; when there is no memory for it, only this part is not remembered.
        if (t->size) memcpy(input, t->bytes, t->size);  // an empty first part has no buffer yet (NULL)
        free(slot->input);
        free(slot->output);
        *slot = (cached_part){input, output, t->size, output_size, h, t->with, data_type, ++s->clock, 0};
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
    // The buffer is kept for the next part unless it grew past what a part collected whole needs; a long part's
    // deflated piece is not kept (a few parts per town workbook need it).
    if (t->capacity > COLLECT_LIMIT) {
        free(t->bytes);
        t->bytes = NULL;
        t->capacity = 0;
    }
    free(t->piece_out);
    t->piece_out = NULL;
    t->piece_out_size = t->piece_out_capacity = t->piece_emitted = 0;
}

int deflateInit2_(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy,
                  const char *version, int stream_size) {
    init_function init = real_init();
    if (!init) return Z_STREAM_ERROR;
    settings with = {level, method, windowBits, memLevel, strategy};
    // Only the stream minizip sets up while opening a part for libxlsxwriter (zip_level.c says when): any other
    // caller of zlib in the process gets zlib itself, with all of its API. A stream minizip left tracked (a
    // workbook whose close failed half-way) is forgotten here: minizip writes one part at a time per thread.
    thread_state *s = strm && minizip_opening && libdeflate_takes(with) ? thread_state_now() : NULL;
    if (!s) {
        if (state && strm && state->tracked.stream == strm) forget(&state->tracked);
        return init(strm, level, method, windowBits, memLevel, strategy, version, stream_size);
    }
    // zlib is never set up for it: libdeflate deflates the part whole or in pieces.
    tracked_stream *t = &s->tracked;
    t->stream = strm;
    t->state = UNDECIDED;
    t->with = with;
    t->size = t->emitted = 0;
    strm->total_in = strm->total_out = 0;
    strm->msg = Z_NULL;
    strm->adler = 1;
    strm->data_type = Z_UNKNOWN;
    strm->state = Z_NULL;  // zlib refuses the stream (Z_STREAM_ERROR) should it ever reach zlib untracked
    return Z_OK;
}

// Deflates the piece in `t->bytes` into `t->piece_out` (the part's last piece when `final`) and empties the piece;
// 0 on success. Every piece is deflated whole before any of it is handed over, so the previous one must be out.
static int deflate_piece(thread_state *s, tracked_stream *t, int final) {
    struct libdeflate_compressor *c = compressor_for(s, t);
    if (!c) return -1;
    size_t room = libdeflate_deflate_compress_bound(c, t->size) + 5;  // + the empty stored block
    if (room > t->piece_out_capacity) {
        free(t->piece_out);  // nothing of it is left to hand over
        t->piece_out = malloc(room);
        t->piece_out_capacity = t->piece_out ? room : 0;
        if (!t->piece_out) return -1;
    }
    size_t produced = libdeflate_deflate_compress_piece(c, t->bytes, t->size, t->piece_out, room, final);
    if (produced == 0) return -1;  // cannot happen with the bound's room; refused rather than written short
    t->piece_out_size = produced;
    t->piece_emitted = 0;
    t->size = 0;
    return 0;
}

// A long part (IN_PIECES, PIECES_DONE), keeping zlib's contract as zlib's manual allows callers to rely on it: when
// the call returns with output room left, all of the caller's input has been taken, and Z_FINISH returns
// Z_STREAM_END or a full output buffer. A full piece is deflated only once more input shows it is not the last; the
// last is deflated at Z_FINISH.
static int deflate_in_pieces(thread_state *s, tracked_stream *t, z_streamp strm, int flush) {
    if (flush != Z_NO_FLUSH && flush != Z_FINISH) {
        memory_parts_note_failure(EINVAL);
        return Z_STREAM_ERROR;
    }
    int progress = 0;
    for (;;) {
        size_t left = t->piece_out_size - t->piece_emitted;
        if (left) {
            size_t n = left < strm->avail_out ? left : strm->avail_out;
            memcpy(strm->next_out, t->piece_out + t->piece_emitted, n);
            t->piece_emitted += n;
            strm->next_out += n;
            strm->avail_out -= (uInt)n;
            strm->total_out += n;
            progress |= n > 0;
            if (n < left) return progress ? Z_OK : Z_BUF_ERROR;
        }
        if (t->state == PIECES_DONE) {
            if (strm->avail_in) return Z_STREAM_ERROR;  // zlib too refuses more input after Z_FINISH
            return flush == Z_FINISH ? Z_STREAM_END : Z_OK;
        }
        size_t room = PIECE_SIZE - t->size, n = strm->avail_in < room ? strm->avail_in : room;
        if (n) {
            memcpy(t->bytes + t->size, strm->next_in, n);
            t->size += n;
            strm->next_in += n;
            strm->avail_in -= (uInt)n;
            strm->total_in += n;
            progress = 1;
        }
        int last = strm->avail_in == 0 && flush == Z_FINISH;
        if (strm->avail_in == 0 && !last) return Z_OK;
        if (deflate_piece(s, t, last) != 0) {
            memory_parts_note_failure(ENOMEM);
            return Z_MEM_ERROR;
        }
        if (last) t->state = PIECES_DONE;
    }
}

int deflate(z_streamp strm, int flush) {
    deflate_function real = real_deflate();
    if (!real) return Z_STREAM_ERROR;
    thread_state *s = state;
    tracked_stream *t = s && strm && s->tracked.stream == strm ? &s->tracked : NULL;
    if (!t) return real(strm, flush);
    if (t->state == UNDECIDED) t->state = COLLECTING;
    if (t->state == IN_PIECES || t->state == PIECES_DONE) return deflate_in_pieces(s, t, strm, flush);
    if (t->state == COLLECTING) {
        if (flush != Z_NO_FLUSH && flush != Z_FINISH) {
            memory_parts_note_failure(EINVAL);
            return Z_STREAM_ERROR;
        }
        size_t n = strm->avail_in;
        if (n && t->size + n > COLLECT_LIMIT) {
            // A long part: in pieces from here on, what was collected the start of the first (nothing has been
            // output yet).
            if (reserve(t, PIECE_SIZE - t->size) != 0) {
                memory_parts_note_failure(ENOMEM);
                return Z_MEM_ERROR;
            }
            t->state = IN_PIECES;
            return deflate_in_pieces(s, t, strm, flush);
        }
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
    forget(&s->tracked);  // zlib never set the stream up
    return Z_OK;
}

// Tests: a raw stream at `level` set up as minizip sets up a part for libxlsxwriter, so this file takes it.
static int start_part(z_stream *z, int level) {
    memset(z, 0, sizeof *z);
    minizip_opening = 1;
    int status = deflateInit2_(z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, (int)sizeof *z);
    minizip_opening = 0;
    return status;
}

// Tests: the full output buffer "written" (kept) and `room` more bytes given to the stream, as minizip empties its buffer.
static int more_room(z_stream *z, unsigned char **out, size_t *capacity, size_t room) {
    unsigned char *grown = realloc(*out, *capacity + room);
    if (!grown) return -1;
    *out = grown;
    z->next_out = grown + *capacity;
    z->avail_out = (uInt)room;
    *capacity += room;
    return 0;
}

// Tests: a part deflated as zlib's manual allows (ZIPFoundation's way): each piece given once, deflate called again
// only while the output buffer comes back full, Z_FINISH given with the last piece.
static int pieces_as_zlib_documents(const unsigned char *input, size_t size, size_t piece, size_t room, int level,
                                    unsigned char **output, size_t *output_size) {
    z_stream z;
    int status = start_part(&z, level);
    if (status != Z_OK) return status;
    unsigned char *out = NULL;
    size_t capacity = 0, at = 0;
    int flush;
    do {
        size_t n = size - at < piece ? size - at : piece;
        flush = at + n >= size ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = (Bytef *)input + at;
        z.avail_in = (uInt)n;
        do {
            if (z.avail_out == 0 && more_room(&z, &out, &capacity, room) != 0) {
                free(out);
                deflateEnd(&z);
                return Z_MEM_ERROR;
            }
            status = deflate(&z, flush);
            if (status < 0 && status != Z_BUF_ERROR) { free(out); deflateEnd(&z); return status; }
        } while (z.avail_out == 0);
        if (z.avail_in != 0) { free(out); deflateEnd(&z); return Z_DATA_ERROR; }  // input left with room to spare
        at += n;
    } while (flush != Z_FINISH);
    int ended = deflateEnd(&z);
    if (status != Z_STREAM_END || ended != Z_OK) { free(out); return Z_STREAM_ERROR; }
    *output = out;
    *output_size = capacity - z.avail_out;
    return Z_OK;
}

// Tests: a part deflated the way minizip does it (see the header).
int memory_parts_deflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, size_t room,
                                          int level, int strict, unsigned char **output, size_t *output_size) {
    if (strict) return pieces_as_zlib_documents(input, size, piece, room, level, output, output_size);
    z_stream z;
    int status = start_part(&z, level);
    if (status != Z_OK) return status;
    size_t capacity = room;
    unsigned char *out = malloc(capacity);
    if (!out) return Z_MEM_ERROR;
    z.next_out = out;
    z.avail_out = (uInt)room;
    // Like zipWriteInFileInZip: each piece until taken, a full buffer "written" (kept) and room made; then
    // like zipCloseFileInZipRaw64: Z_FINISH until the stream ends.
    for (size_t at = 0; status == Z_OK && at < size; at += piece) {
        z.next_in = (Bytef *)input + at;
        z.avail_in = (uInt)(size - at < piece ? size - at : piece);
        while (status == Z_OK && z.avail_in > 0) {
            if (z.avail_out == 0 && more_room(&z, &out, &capacity, room) != 0) { status = Z_MEM_ERROR; break; }
            status = deflate(&z, Z_NO_FLUSH);
        }
    }
    while (status == Z_OK) {
        if (z.avail_out == 0 && more_room(&z, &out, &capacity, room) != 0) { status = Z_MEM_ERROR; break; }
        status = deflate(&z, Z_FINISH);
    }
    size_t total = capacity - z.avail_out;
    int ended = deflateEnd(&z);
    if (status != Z_STREAM_END || ended != Z_OK || total != z.total_out) {
        free(out);
        return status != Z_STREAM_END ? (status == Z_OK ? Z_STREAM_ERROR : status) : Z_STREAM_ERROR;
    }
    *output = out;
    *output_size = total;
    return Z_OK;
}

size_t memory_parts_libdeflate_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                         size_t room) {
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (!c) return 0;
    size_t n = libdeflate_deflate_compress(c, input, size, output, room);
    libdeflate_free_compressor(c);
    return n;
}

size_t memory_parts_libdeflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, int level,
                                                unsigned char *output, size_t room) {
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (!c || piece == 0) {
        libdeflate_free_compressor(c);
        return 0;
    }
    size_t at = 0, produced = 0;
    for (;;) {
        size_t n = size - at < piece ? size - at : piece;
        int final = at + n == size;
        size_t got = libdeflate_deflate_compress_piece(c, input + at, n, output + produced, room - produced, final);
        if (got == 0) {
            produced = 0;
            break;
        }
        produced += got;
        at += n;
        if (final) break;
    }
    libdeflate_free_compressor(c);
    return produced;
}

size_t memory_parts_zlib_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                   size_t room) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (real_init()(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, (int)sizeof z) != Z_OK) return 0;
    z.next_in = (Bytef *)input;
    z.avail_in = (uInt)size;
    z.next_out = output;
    z.avail_out = (uInt)room;
    int status = real_deflate()(&z, Z_FINISH);
    size_t n = z.total_out;
    real_end()(&z);
    return status == Z_STREAM_END ? n : 0;
}

#else

void memory_parts_deflate_begin(void) {}

void memory_parts_deflate_end(void) {}

void memory_parts_deflate_disable(int on) { (void)on; }

void memory_parts_minizip_opening(int on) { (void)on; }

void memory_parts_deflate_counts(unsigned long *hits, unsigned long *misses) {
    *hits = 0;
    *misses = 0;
}

int memory_parts_deflate_active(void) { return 0; }

int memory_parts_deflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, size_t room,
                                          int level, int strict, unsigned char **output, size_t *output_size) {
    (void)input; (void)size; (void)piece; (void)room; (void)level; (void)strict; (void)output; (void)output_size;
    return -2;
}

size_t memory_parts_libdeflate_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                         size_t room) {
    (void)input; (void)size; (void)level; (void)output; (void)room;
    return 0;
}

size_t memory_parts_libdeflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, int level,
                                                unsigned char *output, size_t room) {
    (void)input; (void)size; (void)piece; (void)level; (void)output; (void)room;
    return 0;
}

size_t memory_parts_zlib_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                   size_t room) {
    (void)input; (void)size; (void)level; (void)output; (void)room;
    return 0;
}

#endif
