// SHA-256 block compression with the x86 SHA extensions (SHA-NI), used by the Swift SHA256 when the CPU has them.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU can run `csha256_compress_ni` (x86-64 with SHA, SSSE3 and SSE4.1, checked with CPUID);
/// 0 otherwise, and always 0 on other architectures.
int csha256_ni_available(void);

/// Compresses `blocks` whole 64-byte blocks at `data` into `state` (FIPS 180-4 §6.2.2, the eight working
/// words H0…H7 in order). Call only when `csha256_ni_available()` returned 1.
void csha256_compress_ni(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
