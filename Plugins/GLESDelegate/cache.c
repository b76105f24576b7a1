// Programs: compiled from the assembled GLSL ES source, or loaded from a program binary stored on
// disk under `cache_dir`/gles. A cache file is named by the identity (GL vendor, renderer, version
// and plugin version) and the source hash, and repeats both in its header, so a driver update or
// a new plugin reads other files and a stale entry is never trusted. The header also holds a
// checksum of the binary: a file torn or corrupted on disk is recompiled and replaced without
// being handed to the driver, which need not notice (llvmpipe linked every binary with a flipped
// byte that Plugins/GLESDelegate/tests/gpu_cache.c wrote before this checksum existed). A
// binary the driver refuses (glProgramBinary leaves the program unlinked) is recompiled and its
// file replaced too. Files are written through gpu_cache_write_file (a temporary name unique to
// each write, renamed), so concurrent delegates and processes never read a torn entry.
#include "gles_delegate.h"

/* LITEGLB1 files (no checksum) are simply other files' format: refused, recompiled, replaced. */
#define CACHE_MAGIC "LITEGLB2"

typedef struct CacheHeader {
    char magic[8];
    uint64_t identity;
    uint64_t source_hash;
    uint64_t checksum; /* gpu_hash of the binary */
    uint32_t format;   /* the binary format glGetProgramBinary named */
    uint32_t length;   /* bytes of binary after the header */
} CacheHeader;

uint64_t gles_cache_identity(const GlesContext *c) {
    uint64_t hash = GPU_HASH_SEED;
    const char *parts[] = {"gles", c->vendor, c->renderer, c->version, GLES_PLUGIN_VERSION};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        hash = gpu_hash(hash, parts[i], strlen(parts[i]) + 1);
    return hash;
}

static bool cache_path(const GlesDelegateState *d, uint64_t source_hash, char *path, size_t capacity) {
    if (!d->base.cache_dir || d->context.binary_formats < 1) return false;
    int n = snprintf(path, capacity, "%s/gles/%016llx-%016llx.bin", d->base.cache_dir,
                     (unsigned long long)d->identity, (unsigned long long)source_hash);
    return n > 0 && (size_t)n < capacity;
}

/* The program from the cache file, linked; 0 when there is none or the driver refused it. */
static GLuint load_binary(GlesDelegateState *d, const char *path, uint64_t source_hash, bool *rejected) {
    const GlesApi *gl = d->context.gl;
    FILE *file = fopen(path, "rb");
    if (!file) return 0;
    CacheHeader header;
    void *binary = NULL;
    GLuint program = 0;
    if (fread(&header, sizeof(header), 1, file) == 1 && memcmp(header.magic, CACHE_MAGIC, 8) == 0 &&
        header.identity == d->identity && header.source_hash == source_hash && header.length > 0 &&
        header.length < (1u << 30) && (binary = malloc(header.length)) &&
        fread(binary, 1, header.length, file) == header.length &&
        gpu_hash(GPU_HASH_SEED, binary, header.length) == header.checksum) {
        program = gl->glCreateProgram();
        gl->glProgramBinary(program, (GLenum)header.format, binary, (GLsizei)header.length);
        GLint linked = GL_FALSE;
        gl->glGetProgramiv(program, GL_LINK_STATUS, &linked);
        gles_take_error(&d->context); // an unknown format is GL_INVALID_ENUM: a refusal too
        if (!linked) {
            gl->glDeleteProgram(program);
            program = 0;
            *rejected = true;
        }
    } else {
        *rejected = true; // torn, corrupted, foreign or truncated
    }
    free(binary);
    fclose(file);
    return program;
}

static void store_binary(GlesDelegateState *d, const char *path, GLuint program, uint64_t source_hash) {
    const GlesApi *gl = d->context.gl;
    GLint length = 0;
    gl->glGetProgramiv(program, GL_PROGRAM_BINARY_LENGTH, &length);
    if (length <= 0) return;
    void *binary = malloc((size_t)length);
    if (!binary) return;
    GLenum format = 0;
    GLsizei written = 0;
    gl->glGetProgramBinary(program, length, &written, &format, binary);
    if (gles_take_error(&d->context) != GL_NO_ERROR || written <= 0) {
        free(binary);
        return;
    }
    CacheHeader header = {.identity = d->identity, .source_hash = source_hash,
                          .checksum = gpu_hash(GPU_HASH_SEED, binary, (size_t)written),
                          .format = (uint32_t)format, .length = (uint32_t)written};
    memcpy(header.magic, CACHE_MAGIC, 8);
    const int error = gpu_cache_write_file(path, &header, sizeof(header), binary, (size_t)written);
    free(binary);
    if (error) gpu_log_cache_write_failure(&d->base, "program cache entry", path, error);
}

static GLuint compile(GlesDelegateState *d, const char *source, bool retrievable, char *error,
                      size_t capacity) {
    const GlesApi *gl = d->context.gl;
    GLuint shader = gl->glCreateShader(GL_COMPUTE_SHADER);
    if (!shader) {
        snprintf(error, capacity, "glCreateShader failed (0x%x)", gles_take_error(&d->context));
        return 0;
    }
    gl->glShaderSource(shader, 1, &source, NULL);
    gl->glCompileShader(shader);
    GLint ok = GL_FALSE;
    gl->glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[768] = "";
        gl->glGetShaderInfoLog(shader, sizeof(log), NULL, log);
        snprintf(error, capacity, "does not compile: %s", log);
        gl->glDeleteShader(shader);
        return 0;
    }
    GLuint program = gl->glCreateProgram();
    gl->glAttachShader(program, shader);
    if (retrievable) gl->glProgramParameteri(program, GL_PROGRAM_BINARY_RETRIEVABLE_HINT, GL_TRUE);
    gl->glLinkProgram(program);
    gl->glDetachShader(program, shader);
    gl->glDeleteShader(shader);
    gl->glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[768] = "";
        gl->glGetProgramInfoLog(program, sizeof(log), NULL, log);
        snprintf(error, capacity, "does not link: %s", log);
        gl->glDeleteProgram(program);
        return 0;
    }
    return program;
}

GLuint gles_program_for(GlesDelegateState *d, const char *source, uint64_t hash, char *error,
                        size_t capacity) {
    char path[4096];
    const bool cached = cache_path(d, hash, path, sizeof(path));
    bool rejected = false;
    if (cached) {
        GLuint program = load_binary(d, path, hash, &rejected);
        if (program) {
            d->from_cache++;
            return program;
        }
        if (rejected) d->rejected++;
    }
    GLuint program = compile(d, source, cached, error, capacity);
    if (!program) return 0;
    d->compiled++;
    if (cached) store_binary(d, path, program, hash);
    return program;
}
