// zlib against the vendored libdeflate on the same workbook parts: best of ROUNDS of each, CPU time and sizes.
// Built and run by scripts/deflate-bench/run.sh; each part is deflated alone (raw, as minizip does), zlib with one
// stream reset between parts (deflate_reuse.c's earlier way) at minizip's settings and with the knobs zlib has
// (memLevel, window, level 2), libdeflate with one compressor.
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
    // zlib as minizip sets it up (level 1, memLevel 8, window 2^15), then the knobs zlib has, then libdeflate.
    static const int zlib_settings[][3] = {{1, 8, 15}, {1, 9, 15}, {1, 6, 15}, {1, 4, 15}, {1, 8, 12}, {2, 8, 15}};
    enum { ZLIB_SETTINGS = sizeof zlib_settings / sizeof zlib_settings[0] };
    double best[ZLIB_SETTINGS + 1];
    size_t bytes[ZLIB_SETTINGS + 1];
    for (int k = 0; k <= ZLIB_SETTINGS; k++) best[k] = 1e9;
    for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < ZLIB_SETTINGS; k++) {
            z_stream z;
            memset(&z, 0, sizeof z);
            deflateInit2(&z, zlib_settings[k][0], Z_DEFLATED, -zlib_settings[k][2], zlib_settings[k][1], Z_DEFAULT_STRATEGY);
            double t0 = cpu_now();
            bytes[k] = 0;
            for (size_t i = 0; i < count; i++) {
                deflateReset(&z);
                z.next_in = parts[i].bytes;
                z.avail_in = (uInt)parts[i].size;
                z.next_out = out;
                z.avail_out = (uInt)room;
                deflate(&z, Z_FINISH);
                bytes[k] += z.total_out;
            }
            double t = cpu_now() - t0;
            if (t < best[k]) best[k] = t;
            deflateEnd(&z);
        }
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
        double t0 = cpu_now();
        bytes[ZLIB_SETTINGS] = 0;
        for (size_t i = 0; i < count; i++) {
            bytes[ZLIB_SETTINGS] += libdeflate_deflate_compress(c, parts[i].bytes, parts[i].size, out, room);
        }
        double t = cpu_now() - t0;
        if (t < best[ZLIB_SETTINGS]) best[ZLIB_SETTINGS] = t;
        libdeflate_free_compressor(c);
    }
    printf("%zu parts, %.1f MB of XML, best of %d rounds (CPU):\n", count, total / 1e6, rounds);
    for (int k = 0; k < ZLIB_SETTINGS; k++) {
        printf("  zlib %s level %d, memLevel %d, window 2^%-2d  %7.1f ms  %6.1f MB/s  deflated to %.2f %%\n", zlibVersion(),
               zlib_settings[k][0], zlib_settings[k][1], zlib_settings[k][2], best[k] * 1e3, total / best[k] / 1e6,
               100.0 * bytes[k] / total);
    }
    printf("  libdeflate %s level 1                    %7.1f ms  %6.1f MB/s  deflated to %.2f %%\n",
           LIBDEFLATE_VERSION_STRING, best[ZLIB_SETTINGS] * 1e3, total / best[ZLIB_SETTINGS] / 1e6,
           100.0 * bytes[ZLIB_SETTINGS] / total);
    printf("  zlib as minizip sets it / libdeflate: %.2fx the CPU\n", best[0] / best[ZLIB_SETTINGS]);
    return 0;
}
