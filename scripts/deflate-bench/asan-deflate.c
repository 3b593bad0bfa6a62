// deflate_reuse.c under ASan/UBSan/LSan, three threads: every size around 16 KB and 64 KB, fed as minizip and as zlib's
// manual allows, into output buffers of 1 byte to 64 KB, inflated back and compared. Run from the repository:
//   S=Sources; gcc -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -I $S/CMemoryParts/include \
//     -I $S/CLibdeflate/include scripts/deflate-bench/asan-deflate.c $S/CMemoryParts/deflate_reuse.c \
//     $S/CMemoryParts/memory_parts.c $(find $S/CLibdeflate -name '*.c') -lz -ldl -lpthread -rdynamic -o /tmp/asan-deflate && /tmp/asan-deflate
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <zlib.h>
#include "memory_parts.h"
static unsigned char *sample(size_t n, int noise) {
    unsigned char *b = malloc(n ? n : 1); unsigned long long s = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; b[i] = noise ? (unsigned char)s : "<row r=\"1\"><c t=\"s\"><v>12</v></c></row>"[i % 40] ; }
    return b;
}
static int inflate_eq(const unsigned char *z, size_t zn, const unsigned char *want, size_t n) {
    unsigned char *out = malloc(n + 16); z_stream s; memset(&s, 0, sizeof s); inflateInit2(&s, -15);
    s.next_in = (Bytef *)z; s.avail_in = zn; s.next_out = out; s.avail_out = n + 16; int st = inflate(&s, Z_FINISH);
    int ok = st == Z_STREAM_END && s.total_out == n && memcmp(out, want, n) == 0; inflateEnd(&s); free(out); return ok;
}
static void *run(void *arg) {
    long k = (long)arg; int bad = 0;
    size_t sizes[] = {0, 1, 100, 16383, 16384, 16385, 65535, 65536, 65537, 200000, 1500000};
    size_t pieces[] = {16384, 1000, 3, 5000000};
    size_t rooms[] = {1, 7, 4096, 65536};
    for (int si = 0; si < 11; si++) for (int noise = 0; noise < 2; noise++) {
        unsigned char *b = sample(sizes[si], noise);
        for (int pi = 0; pi < 4; pi++) for (int ri = 0; ri < 4; ri++) for (int strict = 0; strict < 2; strict++) {
            if (rooms[ri] < 4096 && sizes[si] > 70000) continue;
            if (pieces[pi] == 3 && sizes[si] > 70000) continue;
            unsigned char *o = NULL; size_t on = 0;
            int st = memory_parts_deflate_pieces_for_tests(b, sizes[si], pieces[pi], rooms[ri], (int)(k % 2) ? 1 : 6, strict, &o, &on);
            if (st != 0 || !inflate_eq(o, on, b, sizes[si])) { bad++; fprintf(stderr, "bad size %zu noise %d piece %zu room %zu strict %d st %d\n", sizes[si], noise, pieces[pi], rooms[ri], strict, st); }
            free(o);
        }
        free(b);
    }
    return (void *)(long)bad;
}
int main(void) {
    pthread_t t[3]; long bad = 0;
    for (long i = 0; i < 3; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < 3; i++) { void *r; pthread_join(t[i], &r); bad += (long)r; }
    printf("bad: %ld\n", bad); return bad != 0;
}
