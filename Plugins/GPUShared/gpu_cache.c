// Writing the GPU delegates' kernel-cache files (Vulkan's SPIR-V and pipeline cache, GLES's
// program binaries): missing folders created, the file written under a temporary name unique to
// this write and renamed over the entry, so that a reader never sees a partial file and writers in
// other threads or processes neither truncate nor delete one another's temporary files (the last
// rename wins; every entry it can leave is complete).
#include "gpu_shared.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int gpu_cache_make_folders(const char *file_path) {
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", file_path) >= (int)sizeof(path)) return ENAMETOOLONG;
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        const int failed = mkdir(path, 0755) != 0 && errno != EEXIST ? errno : 0;
        *slash = '/';
        if (failed) return failed;
    }
    return 0;
}

static bool write_all(int fd, const void *bytes, size_t size) {
    const char *p = bytes;
    while (size > 0) {
        const ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

int gpu_cache_write_file(const char *path, const void *header, size_t header_size, const void *payload,
                         size_t payload_size) {
    int error = gpu_cache_make_folders(path);
    if (error) return error;
    char temporary[4200];
    if (snprintf(temporary, sizeof(temporary), "%s.XXXXXX.tmp", path) >= (int)sizeof(temporary))
        return ENAMETOOLONG;
    // mkstemps: a name no other writer has (mode 0600; the cache is the user's own).
    const int fd = mkstemps(temporary, 4);
    if (fd < 0) return errno;
    bool ok = write_all(fd, header, header_size) && write_all(fd, payload, payload_size);
    error = ok ? 0 : (errno ? errno : EIO);
    if (close(fd) != 0 && ok) {
        ok = false;
        error = errno;
    }
    if (ok && rename(temporary, path) != 0) {
        ok = false;
        error = errno;
    }
    if (!ok) unlink(temporary); // ours alone
    return ok ? 0 : error;
}
