// zlib against the vendored libdeflate on the same workbook parts: best of ROUNDS of each, CPU time and sizes.
// Built and run by scripts/deflate-bench/run.sh; each part is deflated alone (raw, as minizip does), zlib with one
// stream reset between parts (deflate_reuse.c's earlier way), libdeflate with one compressor.
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

typedef struct { unsigned char *bytes; size_t size; } part;

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: deflate-bench LIST ROUNDS\n"); return 2; }
    FILE *list = fopen(argv[1], "r");
    int rounds = atoi(argv[2]);
    if (!list || rounds < 1) return 2;
    size_t count = 0, capacity = 1024, total = 0, largest = 0;
    part *parts = malloc(capacity * sizeof *parts);
    char path[4096];
    while (fgets(path, sizeof path, list)) {
        path[strcspn(path, "\n")] = 0;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        rewind(f);
        if (count == capacity) parts = realloc(parts, (capacity *= 2) * sizeof *parts);
        parts[count].bytes = malloc(size ? size : 1);
        parts[count].size = fread(parts[count].bytes, 1, size, f);
        fclose(f);
        total += parts[count].size;
        if (parts[count].size > largest) largest = parts[count].size;
        count++;
    }
    size_t room = largest + largest / 8 + 1024;
    unsigned char *out = malloc(room);
    double best_zlib = 1e9, best_fast = 1e9;
    size_t zlib_bytes = 0, fast_bytes = 0;
    for (int round = 0; round < rounds; round++) {
        z_stream z;
        memset(&z, 0, sizeof z);
        deflateInit2(&z, 1, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        double t0 = cpu_now();
        zlib_bytes = 0;
        for (size_t i = 0; i < count; i++) {
            deflateReset(&z);
            z.next_in = parts[i].bytes;
            z.avail_in = (uInt)parts[i].size;
            z.next_out = out;
            z.avail_out = (uInt)room;
            deflate(&z, Z_FINISH);
            zlib_bytes += z.total_out;
        }
        double t = cpu_now() - t0;
        if (t < best_zlib) best_zlib = t;
        deflateEnd(&z);
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
        t0 = cpu_now();
        fast_bytes = 0;
        for (size_t i = 0; i < count; i++) fast_bytes += libdeflate_deflate_compress(c, parts[i].bytes, parts[i].size, out, room);
        t = cpu_now() - t0;
        if (t < best_fast) best_fast = t;
        libdeflate_free_compressor(c);
    }
    printf("%zu parts, %.1f MB of XML, best of %d rounds (CPU):\n", count, total / 1e6, rounds);
    printf("  zlib %s level 1        %7.1f ms  %6.1f MB/s  deflated to %.2f %%\n", zlibVersion(), best_zlib * 1e3,
           total / best_zlib / 1e6, 100.0 * zlib_bytes / total);
    printf("  libdeflate %s level 1  %7.1f ms  %6.1f MB/s  deflated to %.2f %%\n", LIBDEFLATE_VERSION_STRING,
           best_fast * 1e3, total / best_fast / 1e6, 100.0 * fast_bytes / total);
    printf("  zlib / libdeflate: %.2fx the CPU\n", best_zlib / best_fast);
    return 0;
}
