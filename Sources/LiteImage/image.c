#include "lite_image.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE without including it */

#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

/* The most pixels an image may have: larger files are refused rather than allocated. */
#define LITE_IMAGE_MAX_PIXELS (1 << 28)

static int fail(char *error, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
    return -1;
}

static int read_png(const char *path, int32_t channels, LiteImage *image, char *error, size_t size) {
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&png, path)) return fail(error, size, "%s: not a readable PNG: %s", path, png.message);
    if ((uint64_t)png.width * png.height > LITE_IMAGE_MAX_PIXELS) {
        png_image_free(&png);
        return fail(error, size, "%s: %ux%u pixels is over the limit of %d", path, png.width, png.height, LITE_IMAGE_MAX_PIXELS);
    }
    png.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    uint8_t *pixels = malloc(PNG_IMAGE_SIZE(png));
    if (!pixels) {
        png_image_free(&png);
        return fail(error, size, "%s: out of memory", path);
    }
    if (!png_image_finish_read(&png, NULL, pixels, 0, NULL)) {
        free(pixels);
        return fail(error, size, "%s: PNG decoding failed: %s", path, png.message);
    }
    *image = (LiteImage){pixels, (int32_t)png.width, (int32_t)png.height, channels};
    return 0;
}

/* libjpeg reports errors through error_exit, which must not return: it jumps back to the reader. */
struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf back;
    char message[JMSG_LENGTH_MAX];
};

static void jpeg_failed(j_common_ptr info) {
    struct jpeg_failure *failure = (struct jpeg_failure *)info->err;
    info->err->format_message(info, failure->message);
    longjmp(failure->back, 1);
}

static int read_jpeg(FILE *file, const char *path, int32_t channels, LiteImage *image, char *error, size_t size) {
    struct jpeg_decompress_struct info;
    struct jpeg_failure failure;
    uint8_t *volatile pixels = NULL;
    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_failed;
    failure.manager.output_message = jpeg_failed;
    if (setjmp(failure.back)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return fail(error, size, "%s: JPEG decoding failed: %s", path, failure.message);
    }
    jpeg_create_decompress(&info);
    jpeg_stdio_src(&info, file);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    if ((uint64_t)info.output_width * info.output_height > LITE_IMAGE_MAX_PIXELS) {
        jpeg_destroy_decompress(&info);
        return fail(error, size, "%s: %ux%u pixels is over the limit of %d", path, info.output_width, info.output_height,
                    LITE_IMAGE_MAX_PIXELS);
    }
    size_t row = (size_t)info.output_width * (size_t)info.output_components;
    pixels = malloc(row * info.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&info);
        return fail(error, size, "%s: out of memory", path);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW line = pixels + row * info.output_scanline;
        jpeg_read_scanlines(&info, &line, 1);
    }
    jpeg_finish_decompress(&info);
    *image = (LiteImage){pixels, (int32_t)info.output_width, (int32_t)info.output_height, channels};
    jpeg_destroy_decompress(&info);
    return 0;
}

int lite_image_read(const char *path, int32_t channels, LiteImage *image, char *error, size_t error_size) {
    memset(image, 0, sizeof *image);
    if (channels != 1 && channels != 3) return fail(error, error_size, "%s: images have 1 or 3 channels, not %d", path, channels);
    FILE *file = fopen(path, "rb");
    if (!file) return fail(error, error_size, "cannot open %s", path);
    uint8_t signature[8] = {0};
    size_t got = fread(signature, 1, sizeof signature, file);
    int result;
    if (got == 8 && png_sig_cmp(signature, 0, 8) == 0) {
        fclose(file);
        result = read_png(path, channels, image, error, error_size);
    } else if (got >= 3 && signature[0] == 0xff && signature[1] == 0xd8 && signature[2] == 0xff) {
        rewind(file);
        result = read_jpeg(file, path, channels, image, error, error_size);
        fclose(file);
    } else {
        fclose(file);
        result = fail(error, error_size, "%s: not a PNG or JPEG file", path);
    }
    return result;
}

void lite_image_free(LiteImage *image) {
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

void lite_image_to_floats(const LiteImage *image, int32_t height, int32_t width, float mean, float std, float *out) {
    const int32_t c = image->channels;
    const float scale_y = (float)image->height / (float)height, scale_x = (float)image->width / (float)width;
    for (int32_t y = 0; y < height; y++) {
        float sy = ((float)y + 0.5f) * scale_y - 0.5f;
        if (sy < 0) sy = 0;
        int32_t y0 = (int32_t)sy, y1 = y0 + 1 < image->height ? y0 + 1 : image->height - 1;
        float fy = sy - (float)y0;
        for (int32_t x = 0; x < width; x++) {
            float sx = ((float)x + 0.5f) * scale_x - 0.5f;
            if (sx < 0) sx = 0;
            int32_t x0 = (int32_t)sx, x1 = x0 + 1 < image->width ? x0 + 1 : image->width - 1;
            float fx = sx - (float)x0;
            for (int32_t k = 0; k < c; k++) {
                const uint8_t *p = image->pixels;
                float top = p[((size_t)y0 * image->width + x0) * c + k] * (1 - fx) + p[((size_t)y0 * image->width + x1) * c + k] * fx;
                float bottom = p[((size_t)y1 * image->width + x0) * c + k] * (1 - fx) + p[((size_t)y1 * image->width + x1) * c + k] * fx;
                out[((size_t)y * width + x) * c + k] = (top * (1 - fy) + bottom * fy - mean) / std;
            }
        }
    }
}

int lite_image_fill(const char *path, const int64_t *dims, int32_t rank, float mean, float std, float *out, char *error,
                    size_t error_size) {
    if (rank != 4 || dims[0] != 1 || (dims[3] != 1 && dims[3] != 3) || dims[1] <= 0 || dims[2] <= 0 || dims[1] > 65536 ||
        dims[2] > 65536) {
        char shape[96] = "";
        for (int32_t i = 0; i < rank && i < 8; i++) {
            size_t used = strlen(shape);
            snprintf(shape + used, sizeof shape - used, "%s%lld", i ? ", " : "", (long long)dims[i]);
        }
        return fail(error, error_size, "an image fills a float32 input of shape [1, height, width, 1 or 3], not [%s]", shape);
    }
    if (!(std != 0)) return fail(error, error_size, "image normalisation: std must not be 0");
    LiteImage image;
    if (lite_image_read(path, (int32_t)dims[3], &image, error, error_size) != 0) return -1;
    lite_image_to_floats(&image, (int32_t)dims[1], (int32_t)dims[2], mean, std, out);
    lite_image_free(&image);
    return 0;
}
