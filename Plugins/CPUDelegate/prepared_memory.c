// Memory that lives from one prepare_partition to the next: the packed weights and the arena of
// intermediate tensors, freed all at once by release_prepared.
//
// Why not one heap block each: a model's packed weights are megabytes (hand_landmark_full: 10 MB
// in 35 matrices of up to 864 KiB), and malloc serves each from fresh mmap'd pages, so writing
// them costs one page fault per 4 KiB: about 2,500 faults, several milliseconds of prepare, and the
// arena's first touch costs the same again in the first invoke. Here large requests are carved
// from blocks aligned to 2 MiB and marked MADV_HUGEPAGE, so the kernel backs them with transparent
// huge pages (where it offers them: "madvise" or "always" in
// /sys/kernel/mm/transparent_hugepage/enabled): one fault per 2 MiB. The cost is the unused part
// of a block's last huge page, up to 2 MiB resident per partition (peak RSS +0.2 MB on
// face_landmark, +1.3 MB on hand_landmark_full); small requests stay on the heap, so a partition
// with little to pack does not take a 2 MiB page for it.
#include "cpu_delegate.h"

#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define CPU_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CPU_UNDER_ASAN 1
#endif
#endif
#ifndef CPU_UNDER_ASAN
#define CPU_UNDER_ASAN 0
#endif

#define HUGE_PAGE_BYTES ((size_t)2 << 20)
/* Requests of at least this many bytes share the huge-page blocks; smaller ones are heap blocks. */
#define SHARED_MIN_BYTES ((size_t)64 << 10)
/* A new block holds at least this much (address space only: untouched pages cost nothing). */
#define BLOCK_MIN_BYTES ((size_t)8 << 20)

/* One mapping carved by a bump pointer, or (mapped == 0) one heap block of one request. */
struct CpuMemoryBlock {
    struct CpuMemoryBlock *next;
    void *mapping;  /* what munmap or cpu_aligned_free takes */
    size_t mapped;  /* bytes mapped; 0 for a heap block */
    char *start;    /* first byte handed out: 2 MiB aligned */
    size_t capacity, used;
};

static CpuMemoryBlock *push_block(CpuPartitionState *p, CpuMemoryBlock *block) {
    block->next = p->prepared_blocks;
    p->prepared_blocks = block;
    return block;
}

static void *heap_request(CpuPartitionState *p, size_t bytes) {
    CpuMemoryBlock *block = calloc(1, sizeof(*block));
    void *memory = block ? cpu_aligned_alloc(bytes) : NULL;
    if (!memory) {
        free(block);
        return NULL;
    }
    block->mapping = block->start = memory;
    block->capacity = block->used = bytes;
    push_block(p, block);
    return memory;
}

static CpuMemoryBlock *map_block(CpuPartitionState *p, size_t bytes) {
    const size_t capacity = bytes > BLOCK_MIN_BYTES ? (bytes + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1)
                                                    : BLOCK_MIN_BYTES;
    CpuMemoryBlock *block = calloc(1, sizeof(*block));
    if (!block) return NULL;
    // One huge page more than needed, so that a 2 MiB aligned start fits; the slack is address
    // space only.
    block->mapped = capacity + HUGE_PAGE_BYTES;
    block->mapping = mmap(NULL, block->mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block->mapping == MAP_FAILED) {
        free(block);
        return NULL;
    }
    block->start = (char *)(((uintptr_t)block->mapping + HUGE_PAGE_BYTES - 1) & ~(uintptr_t)(HUGE_PAGE_BYTES - 1));
    block->capacity = capacity;
#ifdef MADV_HUGEPAGE
    (void)madvise(block->start, capacity, MADV_HUGEPAGE); // advice only: 4 KiB pages still work
#endif
    return push_block(p, block);
}

void *cpu_prepare_alloc(CpuPartitionState *p, size_t bytes) {
    if (bytes == 0) bytes = 64;
    if (bytes > SIZE_MAX / 2) return NULL;
    bytes = (bytes + 63) & ~(size_t)63;
    // Under AddressSanitizer every request is its own heap block, so that an overrun of one is
    // reported rather than landing in the next.
    if (CPU_UNDER_ASAN || bytes < SHARED_MIN_BYTES) return heap_request(p, bytes);
    CpuMemoryBlock *block = p->prepared_blocks;
    while (block && block->mapped == 0) block = block->next; // the newest mapping
    if (!block || block->capacity - block->used < bytes) block = map_block(p, bytes);
    if (!block) return NULL;
    void *memory = block->start + block->used;
    block->used += bytes;
    return memory;
}

void cpu_prepare_free_all(CpuPartitionState *p) {
    CpuMemoryBlock *block = p->prepared_blocks;
    while (block) {
        CpuMemoryBlock *next = block->next;
        if (block->mapped) munmap(block->mapping, block->mapped);
        else cpu_aligned_free(block->mapping);
        free(block);
        block = next;
    }
    p->prepared_blocks = NULL;
}

void cpu_prepare_fault_in(void *memory, size_t bytes) {
    volatile char *bytes_ = memory; // volatile: the stores must happen although nothing reads them
    for (size_t offset = 0; offset < bytes; offset += 4096) bytes_[offset] = 0;
}
