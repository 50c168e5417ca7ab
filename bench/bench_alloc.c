/* SPDX-License-Identifier: MIT */
/*
 * The allocator interposer of bench_alloc.h. glibc lets a program replace malloc by defining malloc,
 * free, calloc, realloc and the aligned variants itself (glibc manual, "Replacing malloc"); every
 * caller in the process (the static libsgp32, the asn1c runtime, libwolfssl, libcjson, libc itself)
 * then comes here. The blocks come from glibc's own allocator (__libc_malloc ...) with a 16-byte
 * header: the requested size, the owner and the distance back to the real block. The benchmarks are
 * single-threaded, so the counters need no lock.
 */
#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>

#include "bench_alloc.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_SANITIZED 1
#endif
#endif

static enum bench_owner current_owner = BENCH_OWNER_OTHER;
static struct bench_heap heaps[BENCH_OWNER_COUNT];

enum bench_owner bench_alloc_owner(enum bench_owner owner)
{
    enum bench_owner previous = current_owner;
    current_owner = owner;
    return previous;
}

void bench_alloc_stats(enum bench_owner owner, struct bench_heap *out)
{
    *out = heaps[owner];
}

void bench_alloc_reset(enum bench_owner owner)
{
    heaps[owner].allocations = 0;
    heaps[owner].frees = 0;
    heaps[owner].bytes = 0;
    heaps[owner].peak = heaps[owner].live;
}

#ifdef BENCH_SANITIZED

int bench_alloc_enabled(void)
{
    return 0;
}

#else

int bench_alloc_enabled(void)
{
    return 1;
}

/* glibc's own allocator (exported by libc.so.6 for exactly this use). */
void *__libc_malloc(size_t size);
void __libc_free(void *ptr);
void *__libc_realloc(void *ptr, size_t size);
void *__libc_memalign(size_t alignment, size_t size);

#define BENCH_MAGIC 0x5B3Cu
#define HEADER_SIZE 16u

struct header {
    size_t size;
    uint16_t magic;
    uint16_t owner;
    uint32_t offset; /* from the real block to the user pointer */
};

static struct header *header_of(void *ptr)
{
    return (struct header *)(void *)((unsigned char *)ptr - HEADER_SIZE);
}

static void charge(struct header *h, size_t size, uint32_t offset)
{
    struct bench_heap *heap = &heaps[current_owner];
    h->size = size;
    h->magic = BENCH_MAGIC;
    h->owner = (uint16_t)current_owner;
    h->offset = offset;
    heap->allocations++;
    heap->bytes += size;
    heap->live += size;
    if (heap->live > heap->peak)
        heap->peak = heap->live;
}

static void discharge(const struct header *h)
{
    struct bench_heap *heap = &heaps[h->owner];
    heap->frees++;
    heap->live -= h->size;
}

void *malloc(size_t size)
{
    unsigned char *base;
    if (size > SIZE_MAX - HEADER_SIZE)
        return NULL;
    base = __libc_malloc(size + HEADER_SIZE);
    if (base == NULL)
        return NULL;
    charge((struct header *)(void *)base, size, HEADER_SIZE);
    return base + HEADER_SIZE;
}

void free(void *ptr)
{
    struct header *h;
    if (ptr == NULL)
        return;
    h = header_of(ptr);
    if (h->magic != BENCH_MAGIC) { /* not ours (cannot happen: every allocator entry is replaced) */
        __libc_free(ptr);
        return;
    }
    discharge(h);
    h->magic = 0;
    __libc_free((unsigned char *)ptr - h->offset);
}

void *calloc(size_t count, size_t size)
{
    void *ptr;
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    ptr = malloc(count * size);
    if (ptr != NULL)
        memset(ptr, 0, count * size);
    return ptr;
}

void *realloc(void *ptr, size_t size)
{
    struct header *h;
    unsigned char *base;
    void *moved;
    if (ptr == NULL)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    h = header_of(ptr);
    if (h->offset != HEADER_SIZE || size > SIZE_MAX - HEADER_SIZE) { /* an aligned block: copy */
        moved = malloc(size);
        if (moved != NULL) {
            memcpy(moved, ptr, h->size < size ? h->size : size);
            free(ptr);
        }
        return moved;
    }
    discharge(h);
    base = __libc_realloc((unsigned char *)ptr - HEADER_SIZE, size + HEADER_SIZE);
    if (base == NULL) { /* the old block stays: charge it back to its owner */
        heaps[h->owner].frees--;
        heaps[h->owner].live += h->size;
        return NULL;
    }
    charge((struct header *)(void *)base, size, HEADER_SIZE);
    return base + HEADER_SIZE;
}

void *memalign(size_t alignment, size_t size)
{
    unsigned char *base;
    if (alignment <= HEADER_SIZE)
        return malloc(size);
    if ((alignment & (alignment - 1)) != 0 || alignment > UINT32_MAX || size > SIZE_MAX - alignment)
        return NULL;
    base = __libc_memalign(alignment, size + alignment);
    if (base == NULL)
        return NULL;
    charge((struct header *)(void *)(base + alignment - HEADER_SIZE), size, (uint32_t)alignment);
    return base + alignment;
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *ptr;
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return 22; /* EINVAL */
    ptr = memalign(alignment, size);
    if (ptr == NULL)
        return 12; /* ENOMEM */
    *out = ptr;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

void *valloc(size_t size)
{
    return memalign(4096u, size);
}

void *pvalloc(size_t size)
{
    return memalign(4096u, (size + 4095u) & ~(size_t)4095u);
}

size_t malloc_usable_size(void *ptr)
{
    return ptr == NULL ? 0 : header_of(ptr)->size;
}

#endif
