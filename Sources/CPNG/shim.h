// Fovea decodes PNG files (fovea predict, and tests that read back the pictures Fovea writes)
// with the system's libpng through this system-library target, using libpng's "simplified API"
// (png_image_*), which reports errors as return values instead of longjmp.
// Debian/Ubuntu: libpng-dev.
#include <png.h>
