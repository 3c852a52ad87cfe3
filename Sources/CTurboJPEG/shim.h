// Fovea decodes JPEG files (fovea predict) with the system's libjpeg-turbo through its TurboJPEG
// API, which reports errors as return values instead of libjpeg's setjmp/longjmp error manager.
// Debian/Ubuntu: libturbojpeg0-dev.
#include <turbojpeg.h>
