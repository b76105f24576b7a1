/*
 * lite_image.h — decoding PNG and JPEG files (Debian's libpng and libjpeg) into model input tensors:
 * RGB or grayscale, resized bilinearly to the input's height and width, normalised as
 * (value - mean) / std. Used by `lite run --image` and the C API's lite_tensor_set_image.
 */
#ifndef LITE_IMAGE_H
#define LITE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A decoded image: `height` x `width` x `channels` (1 or 3) bytes, row-major. */
typedef struct LiteImage {
    uint8_t *pixels;
    int32_t width, height, channels;
} LiteImage;

/**
 * Decodes the PNG or JPEG file at `path` (chosen by its signature, not its name) as RGB (or gray when
 * `channels` is 1). Returns 0, or -1 with a one-line reason in `error`. Free with lite_image_free.
 */
int lite_image_read(const char *path, int32_t channels, LiteImage *image, char *error, size_t error_size);

void lite_image_free(LiteImage *image);

/**
 * Resizes `image` bilinearly (half-pixel centres, as TFLite's RESIZE_BILINEAR with
 * half_pixel_centers) to `height` x `width` and writes (value - mean) / std as float32 NHWC into `out`
 * (height * width * image->channels floats).
 */
void lite_image_to_floats(const LiteImage *image, int32_t height, int32_t width, float mean, float std, float *out);

/**
 * Fills a float32 tensor of shape `dims` (`rank` extents: [1, height, width, 1 or 3]) from the image
 * at `path`: reads it with the tensor's channel count, resizes it to the tensor's height and width and
 * normalises it. Returns 0, or -1 with a one-line reason in `error` (a shape that is not an image's,
 * an unreadable file, ...).
 */
int lite_image_fill(const char *path, const int64_t *dims, int32_t rank, float mean, float std, float *out, char *error,
                    size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* LITE_IMAGE_H */
