// Fovea reaches zlib (inflate for .gz IDX files, deflate and crc32 for PNG and
// checkpoints) through this system-library target. Debian/Ubuntu: zlib1g-dev.
#include <zlib.h>
