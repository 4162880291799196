// An initramfs: check-image and status read images that anything with write access to
// /boot may have made. Whatever the bytes, the reader must fail with a message naming
// the image, or yield paths in rootfs form; the check must not crash on what it yields.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "check_image.h"
#include "initramfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  modseal::InitramfsFiles files;
  std::string err;
  if (!modseal::ParseInitramfs(bytes, "img", &files, &err)) {
    if (err.rfind("img: ", 0) != 0) abort();
    return 0;
  }
  for (const auto& [path, entry] : files) {
    if (path.empty() || path[0] == '/' || path.rfind("./", 0) == 0 || path == ".") abort();
    if (!modseal::IsRegular(entry) && !modseal::IsSymlink(entry) && !entry.data.empty()) abort();
  }
  // The seeds carry no signed manifest and libFuzzer cannot forge one: a sealed verdict
  // would mean the check passed an image without verifying its signature.
  if (modseal::CheckImage(files, {}, "").sealed()) abort();
  return 0;
}
