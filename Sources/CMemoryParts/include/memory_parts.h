// libxlsxwriter under the workbooks: its temporary parts kept in memory, its zips kept in memory and their deflate level.

#ifndef SAFETY_REPORT_MEMORY_PARTS_H
#define SAFETY_REPORT_MEMORY_PARTS_H

#include <stddef.h>
#include <stdint.h>

/// The tmpdir to pass to libxlsxwriter so that the workbook's temporary parts are kept in memory; `folder` (or
/// NULL for libxlsxwriter's default) is where a part goes when memory cannot be had. A new string from
/// malloc, owned by the caller (libxlsxwriter keeps the pointer for the workbook's life); NULL when out of memory.
char *memory_parts_tmpdir(const char *folder);

/// 1 when this process's lxw_tmpfile is the one in this file (the executable exports it, so libxlsxwriter's
/// calls through its PLT reach it); 0 when libxlsxwriter would see the marker as a folder name.
int memory_parts_active(void);

/// Forgets the failures counted on this thread: call before writing a workbook whose parts are in memory.
void memory_parts_reset(void);

/// How many reads, writes, seeks or closes of this thread's in-memory parts (or of the files they moved to)
/// failed since `memory_parts_reset`; `*error` (when not NULL) gets the first failure's errno. libxlsxwriter
/// ignores these failures, so a workbook written with any is missing data.
int memory_parts_failures(int *error);

/// For tests: while `on`, a part of this thread that outgrows memory fails to move to a file (ENOSPC), as in a
/// full temporary folder, which a test cannot otherwise make without mounting one.
void memory_parts_simulate_full_folder(int on);

/// How many of this thread's parts moved to a temporary file (outgrew memory) since `memory_parts_reset`; such a
/// part passed through the temporary folder, so its workbook is read back and inflated in full.
int memory_parts_spills(void);

/// Counts a failure (with its errno) as a failed write to a part: the workbook is refused (deflate_reuse.c).
void memory_parts_note_failure(int error);

/// deflate_reuse.c: every part minizip deflates is collected and, up to MEMORY_PARTS_LIBDEFLATE_LIMIT bytes, deflated
/// whole by libdeflate (a part under 16 KB once per distinct content and thread, then from this thread's cache); a
/// longer one is deflated by libdeflate in MEMORY_PARTS_PIECE_SIZE pieces as it arrives, each independent of the
/// pieces before it (the town workbook's long sheets; thirteenth session). `begin` and `end` (around workbook_close)
/// forget a part that a failed close left half-way on this thread.
#define MEMORY_PARTS_LIBDEFLATE_LIMIT (64 * 1024)
#define MEMORY_PARTS_PIECE_SIZE (128 * 1024)
void memory_parts_deflate_begin(void);
void memory_parts_deflate_end(void);

/// zip_level.c, around minizip's opening of a part for libxlsxwriter: the deflate stream set up meanwhile on this
/// thread is the one deflate_reuse.c takes (any other stream in the process goes to zlib itself).
void memory_parts_minizip_opening(int on);

/// For tests: while `on`, no part of this thread comes from the cache (each is deflated afresh, to compare the bytes).
void memory_parts_deflate_disable(int on);

/// Parts of this thread taken from the cache (`hits`) and deflated by libdeflate (`misses`) since the thread began.
void memory_parts_deflate_counts(unsigned long *hits, unsigned long *misses);

/// For tests: deflates `size` bytes the way minizip does (deflateInit2_ at `level`, raw; `piece` bytes per
/// deflate(Z_NO_FLUSH) call, an output buffer of `room` bytes emptied whenever full, then Z_FINISH until the end),
/// or with `strict` as zlib's manual allows (ZIPFoundation's way: deflate called again only while the output comes
/// back full, Z_FINISH with the last piece), through deflate_reuse.c; on Z_OK `*output` (malloc'd) holds the
/// `*output_size` deflated bytes.
int memory_parts_deflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, size_t room,
                                          int level, int strict, unsigned char **output, size_t *output_size);
/// For tests: libdeflate's raw deflate of `input` at `level` into `output` (0: no room or no libdeflate).
size_t memory_parts_libdeflate_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                         size_t room);
/// For tests: libdeflate's raw deflate of `input` at `level` in pieces of `piece` bytes (the last one final), one call
/// of libdeflate_deflate_compress_piece per piece, into `output` (0: no room or no libdeflate).
size_t memory_parts_libdeflate_pieces_for_tests(const unsigned char *input, size_t size, size_t piece, int level,
                                                unsigned char *output, size_t room);
/// For tests: zlib's own raw deflate (minizip's settings) of `input` at `level`, past deflate_reuse.c (0: failed).
size_t memory_parts_zlib_for_tests(const unsigned char *input, size_t size, int level, unsigned char *output,
                                   size_t room);

/// constant_parts.c: 1 when libxlsxwriter's calls to its theme, relationships, content types and styles assemble functions
/// reach the definitions there (the theme's constant XML written from one copy; a relationships or content types part
/// whose inputs this thread met before written from the text made then), 0 otherwise.
int memory_parts_theme_active(void);

/// For tests: while `on`, this thread's theme, relationships and content types parts are made by libxlsxwriter's own
/// functions.
void memory_parts_theme_disable(int on);

/// How many themes constant_parts.c wrote from its copy on this thread (tests).
unsigned long memory_parts_themes_copied(void);

/// How many relationships and content types parts constant_parts.c wrote from memory on this thread (tests).
unsigned long memory_parts_constant_parts_reused(void);

/// For tests: relationships and content types parts of 40 shapes written by libxlsxwriter's own functions and by
/// constant_parts.c (made, then from memory); the number that differed (texts or the next rId), or -1.
int memory_parts_constant_parts_check_for_tests(void);

/// How many styles parts constant_parts.c wrote from memory on this thread (tests): a workbook whose counts and used
/// formats this thread met before gets the text libxlsxwriter's own writer made for them then.
unsigned long memory_parts_styles_reused(void);

/// For tests: styles parts of 48 shapes written by libxlsxwriter's own function and by constant_parts.c's (made,
/// then from memory); how many texts differed, or -1.
int memory_parts_styles_check_for_tests(void);

/// 1 when minizip's calls to deflate reach deflate_reuse.c (the executable exports it), 0 otherwise.
int memory_parts_deflate_active(void);

/// zip_crc.c: 1 when minizip's calls to zlib's crc32 reach the executable's definition (libdeflate's CRC-32, the same
/// value), 0 otherwise.
int memory_parts_crc32_active(void);

/// For tests: while `on`, this thread's calls to crc32 go to zlib's own.
void memory_parts_crc32_disable(int on);

/// How many bytes this thread's calls to crc32 summed with libdeflate's CRC-32 (tests).
unsigned long long memory_parts_crc32_bytes(void);

/// For tests: crc32 (libdeflate's) against zlib's own on random and edge-case inputs; how many differed, or -1.
int memory_parts_crc32_check_for_tests(void);

/// The deflate level of every part libxlsxwriter zips (zip_level.c; libxlsxwriter always asks for zlib's default, 6).
#define MEMORY_PARTS_ZIP_LEVEL 1

/// 1 when libxlsxwriter's calls to minizip's zipOpenNewFileInZip4_64 reach zip_level.c (the executable exports it),
/// so its parts are deflated at MEMORY_PARTS_ZIP_LEVEL; 0 when they get zlib's default level.
int memory_parts_zip_level_active(void);

/// zip_memory.c: while `path` is set on this thread (around workbook_close), minizip's fopen64 of that file for
/// writing gets a stream over a heap buffer; on close the zip is written to the file in one go and its bytes kept
/// for `memory_zip_take`. `begin` also drops bytes kept and not taken. A path of NULL keeps nothing in memory.
void memory_zip_begin(const char *path);
void memory_zip_end(void);

/// Hands over (1) the bytes of the zip last closed in memory on this thread when it was written to `path`; the
/// caller frees them with free(). 0 when there are none for that path (a zip that outgrew memory, or none kept).
int memory_zip_take(const char *path, unsigned char **bytes, size_t *size);

/// How many zips this thread has opened in memory (tests).
int memory_zip_count(void);

/// For tests: while `on`, writing a zip kept in memory to its file fails with ENOSPC, as on a full disk.
void memory_zip_simulate_short_write(int on);

/// For tests: a zip kept in memory moves to its file once it grows past `limit` bytes on this thread (0: 1 MB).
void memory_zip_limit_for_tests(size_t limit);

/// 1 when minizip's fopen64 reaches zip_memory.c (the executable exports it), 0 otherwise.
int memory_zip_active(void);

/// 1 when the libxlsxwriter below is the version whose internals xml_attributes.c, cell_writers.c and sheet_free.c
/// copy (1.1.4); otherwise their definitions pass every call to libxlsxwriter's own functions.
int memory_parts_writers_apply(void);

/// xml_attributes.c: 1 when libxlsxwriter's calls to its lxw_new_attribute_str/_int/_dbl reach the definitions there
/// (the same attributes without zero-filling their 4 KB), 0 otherwise.
int memory_parts_attributes_active(void);

/// For tests: while `on`, this thread's attributes are made by libxlsxwriter's own functions.
void memory_parts_attributes_disable(int on);

/// How many XML attributes xml_attributes.c made on this thread (tests).
unsigned long memory_parts_attributes_made(void);

/// How many XML elements with data (lxw_xml_data_element) xml_attributes.c wrote on this thread (tests).
unsigned long memory_parts_data_elements_written(void);

/// How many XML attributes' blocks xml_attributes.c took back for reuse after writing their tag, on this thread (tests).
unsigned long memory_parts_attributes_recycled(void);

/// For tests: the key and value of the attribute that libxlsxwriter's own function (`own` 1) or xml_attributes.c's
/// (`own` 0) makes of `key` and `text` (`kind` 0), `number` (1) or `real` (2), copied into `key_out` and `value_out`
/// (2,080 bytes each). 0 when there is no such function here.
int memory_parts_attribute_for_tests(int kind, int own, const char *key, const char *text, uint32_t number,
                                     double real, char *key_out, char *value_out);

/// For tests: the text that libxlsxwriter's own writer (`own` 1) or xml_attributes.c's (`own` 0) writes for `tag` with
/// `count` attributes `key`="`value`": a start tag (`kind` 0), an empty tag (1), an end tag (2) or an element with
/// `value` as its data (3), copied with its NUL into `out`. Its length, or -1 when it does not fit in `room` bytes or
/// there is no such writer here.
int memory_parts_tag_for_tests(int own, int kind, const char *tag, const char *key, const char *value, size_t count,
                               char *out, size_t room);

/// sheet_free.c: 1 when libxlsxwriter's calls to its lxw_worksheet_free reach the definition there (a constant-memory
/// sheet's row of 16,384 cell slots freed without a call per empty slot), 0 otherwise.
int memory_parts_sheet_free_active(void);

/// How many constant-memory sheets' cell arrays sheet_free.c freed on this thread (tests).
unsigned long memory_parts_sheet_arrays_freed(void);

/// For tests: while `on`, every constant-memory sheet's cell array on this thread is calloc'ed and freed by
/// libxlsxwriter's own lxw_worksheet_new and sheet_free.c, none kept for the next sheet.
void memory_parts_sheet_array_pool_disable(int on);

/// How many constant-memory sheets on this thread got the cell array kept from the one before (tests).
unsigned long memory_parts_sheet_arrays_reused(void);

/// cell_writers.c: 1 when libxlsxwriter's calls to its _write_number_cell and _write_string_cell reach the
/// definitions there (the same XML without fprintf), 0 otherwise.
int memory_parts_cells_active(void);

/// For tests: while `on`, this thread's cells are written by libxlsxwriter's own functions.
void memory_parts_cells_disable(int on);

/// How many cells cell_writers.c wrote on this thread (tests).
unsigned long memory_parts_cells_written(void);

/// hash_key.c: 1 when libxlsxwriter's hash tables' keys are hashed there (eight bytes a step), 0 otherwise.
int memory_parts_hash_active(void);

/// For tests: while `on`, this thread's hash keys are hashed by libxlsxwriter's own function (switch only between
/// workbooks: a table must see one hash).
void memory_parts_hash_disable(int on);

/// How many keys hash_key.c hashed on this thread (tests).
unsigned long memory_parts_keys_hashed(void);

/// How many cell names (lxw_rowcol_to_cell) cell_writers.c wrote on this thread (tests).
unsigned long memory_parts_cells_named(void);

/// For tests: the name of the cell at `row`, `col` (zero-based) as libxlsxwriter's own lxw_rowcol_to_cell (`own` 1) or
/// cell_writers.c's writes it into `out`.
void memory_parts_cell_name_for_tests(int own, uint32_t row, uint16_t col, char out[32]);

/// shared_strings.c: 1 when libxlsxwriter's call to its _write_sst_strings reaches the definition there (the shared
/// strings part's plain strings escaped in one pass, without a calloc'd copy of each), 0 otherwise.
int memory_parts_shared_strings_active(void);

/// For tests: while `on`, this thread's shared strings parts are written by libxlsxwriter's own function.
void memory_parts_shared_strings_disable(int on);

/// How many shared strings shared_strings.c wrote on this thread (tests).
unsigned long memory_parts_shared_strings_written(void);

/// shared_strings.c also defines libxlsxwriter's lxw_utf8_strlen (the same count, vectorized). For tests: it against
/// libxlsxwriter's own on random and edge-case strings; how many differed, or -1 when it is not interposed.
int memory_parts_utf8_strlen_check_for_tests(void);

/// small_calloc.c: 1 when the process's calls to calloc reach the definition there (a block of up to 1 KB malloc'd,
/// through glibc's per-thread cache, and zeroed; larger ones glibc's own calloc), 0 otherwise (other platforms,
/// sanitizer builds).
int memory_parts_calloc_active(void);

/// How many blocks this thread's calls to calloc got from malloc (tests).
unsigned long memory_parts_small_callocs(void);

/// This file also defines gmtime(3) with one result buffer per thread (see memory_parts.c): libxlsxwriter
/// formats each workbook's creation time through it, on whichever thread closes the workbook.

#endif
