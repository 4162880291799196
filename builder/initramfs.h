// An initramfs read as the kernel unpacks it (init/initramfs.c): newc cpio archives one
// after another, each plain or compressed (gzip, xz, zstd), zero padding between them; a
// later entry for a path replaces an earlier one. dracut's images are an early microcode
// archive followed by the compressed main one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace modseal {

struct InitramfsEntry {
  uint32_t mode = 0;  // st_mode as the archive stores it
  std::string data;   // a regular file's bytes, a symlink's target; empty otherwise
};

// Paths as unpacked into rootfs, without a leading "./" or "/".
using InitramfsFiles = std::map<std::string, InitramfsEntry>;

constexpr size_t kInitramfsMaxBytes = size_t{1} << 30;  // unpacked, all archives together

// Fails on a truncated or corrupt archive or stream, a compression it cannot read, or more
// than kInitramfsMaxBytes unpacked; err names the file, the offset and the problem.
bool ReadInitramfs(const std::string& path, InitramfsFiles* out, std::string* err);
bool ParseInitramfs(std::string_view bytes, const std::string& name, InitramfsFiles* out,
                    std::string* err);

bool IsRegular(const InitramfsEntry& e);
bool IsSymlink(const InitramfsEntry& e);

}  // namespace modseal
