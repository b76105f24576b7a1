// The compiled-kernel cache under the `cache_dir` option, in cache_dir/vulkan/:
//   spirv/KEY.spv         SPIR-V of one assembled kernel source; KEY hashes the source text, the
//                         compiler settings and the plugin version.
//   pipelines-KEY.bin     the VkPipelineCache of one device; KEY hashes vendor, device, driver
//                         version and info, pipelineCacheUUID and the plugin version.
// Every file starts with a header holding its key, size and a checksum; a file whose header does
// not match (stale, truncated, from another device or plugin) is ignored and later overwritten,
// never trusted. Files are written through gpu_cache_write_file: a temporary name unique to each
// write, renamed over the entry, so readers never see a partial file and delegates writing the
// same entry at once (threads or processes) do not disturb one another.
#include "vulkan_delegate.h"

typedef struct CacheHeader {
    char magic[8];
    uint64_t key;
    uint64_t size;
    uint64_t checksum;
} CacheHeader;

static bool entry_path(const VkDelegateState *delegate, const char *folder, const char *prefix,
                       uint64_t key, const char *extension, char *path, size_t capacity) {
    if (!delegate->base.cache_dir) return false;
    int n = snprintf(path, capacity, "%s/vulkan%s%s/%s%016llx%s", delegate->base.cache_dir,
                     folder[0] ? "/" : "", folder, prefix, (unsigned long long)key, extension);
    return n > 0 && (size_t)n < capacity;
}

/* Reads a cache file; returns its payload (malloc'd) when the header matches `magic` and `key`. */
static void *read_entry(const char *path, const char *magic, uint64_t key, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    CacheHeader header;
    void *payload = NULL;
    if (fread(&header, sizeof(header), 1, file) == 1 && memcmp(header.magic, magic, 8) == 0 &&
        header.key == key && header.size > 0 && header.size < ((uint64_t)1 << 30)) {
        payload = malloc((size_t)header.size);
        if (payload && (fread(payload, 1, (size_t)header.size, file) != header.size ||
                        gpu_hash(GPU_HASH_SEED, payload, (size_t)header.size) != header.checksum)) {
            free(payload);
            payload = NULL;
        }
    }
    fclose(file);
    if (payload) *size = (size_t)header.size;
    return payload;
}

static void write_entry(VkDelegateState *delegate, const char *path, const char *magic, uint64_t key,
                        const void *payload, size_t size) {
    CacheHeader header = {.key = key, .size = size, .checksum = gpu_hash(GPU_HASH_SEED, payload, size)};
    memcpy(header.magic, magic, 8);
    const int error = gpu_cache_write_file(path, &header, sizeof(header), payload, size);
    if (error) gpu_log_cache_write_failure(&delegate->base, "cache file", path, error);
}

uint32_t *vk_cache_load_spirv(const VkDelegateState *delegate, uint64_t key, size_t *size) {
    char path[4096];
    if (!entry_path(delegate, "spirv", "", key, ".spv", path, sizeof(path))) return NULL;
    uint32_t *words = read_entry(path, "LITESPV1", key, size);
    if (words && (*size % 4 != 0 || words[0] != 0x07230203u)) { // SPIR-V magic number
        free(words);
        return NULL;
    }
    return words;
}

void vk_cache_store_spirv(VkDelegateState *delegate, uint64_t key, const void *spirv, size_t size) {
    char path[4096];
    if (entry_path(delegate, "spirv", "", key, ".spv", path, sizeof(path)))
        write_entry(delegate, path, "LITESPV1", key, spirv, size);
}

/* The header every VkPipelineCache blob starts with (Vulkan spec, "Pipeline Cache"). */
static bool pipeline_header_matches(const VkContext *c, const void *data, size_t size) {
    if (size < 16 + VK_UUID_SIZE) return false;
    uint32_t words[4];
    memcpy(words, data, sizeof(words));
    return words[0] >= 16 + VK_UUID_SIZE && words[1] == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
           words[2] == c->properties.vendorID && words[3] == c->properties.deviceID &&
           memcmp((const char *)data + 16, c->properties.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

VkResult vk_cache_open_pipelines(VkDelegateState *delegate) {
    VkContext *c = &delegate->context;
    char path[4096];
    void *data = NULL;
    size_t size = 0;
    if (entry_path(delegate, "", "pipelines-", delegate->device_key, ".bin", path, sizeof(path))) {
        data = read_entry(path, "LITEPCC1", delegate->device_key, &size);
        if (data && !pipeline_header_matches(c, data, size)) {
            free(data);
            data = NULL;
        }
    }
    VkPipelineCacheCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = data ? size : 0,
        .pInitialData = data,
    };
    VkResult result = c->api.vkCreatePipelineCache(c->device, &info, NULL, &delegate->pipeline_cache);
    if (result != VK_SUCCESS && data) {
        // The driver refused the data: start empty.
        info.initialDataSize = 0;
        info.pInitialData = NULL;
        result = c->api.vkCreatePipelineCache(c->device, &info, NULL, &delegate->pipeline_cache);
    }
    free(data);
    return result;
}

void vk_cache_save_pipelines(VkDelegateState *delegate) {
    VkContext *c = &delegate->context;
    if (!delegate->pipeline_cache_dirty || !delegate->pipeline_cache) return;
    char path[4096];
    if (!entry_path(delegate, "", "pipelines-", delegate->device_key, ".bin", path, sizeof(path))) return;
    size_t size = 0;
    if (c->api.vkGetPipelineCacheData(c->device, delegate->pipeline_cache, &size, NULL) != VK_SUCCESS ||
        size == 0)
        return;
    void *data = malloc(size);
    if (!data) return;
    if (c->api.vkGetPipelineCacheData(c->device, delegate->pipeline_cache, &size, data) == VK_SUCCESS)
        write_entry(delegate, path, "LITEPCC1", delegate->device_key, data, size);
    free(data);
    delegate->pipeline_cache_dirty = false;
}
