// The initramfs each installed kernel boots with, as Debian lays /boot out
// (vmlinuz-KVER beside initrd.img-KVER): what `status` checks for the next boot.
#pragma once

#include <string>
#include <vector>

namespace modseal {

struct BootImage {
  std::string release;
  std::string image;  // ROOT/boot/initrd.img-KVER, whether it exists or not
  bool newest = false;  // the highest release by version sort (not read from any boot loader)
};

// Highest release first. Empty when ROOT/boot holds no vmlinuz-* (a UKI, a container).
std::vector<BootImage> FindBootImages(const std::string& root);

}  // namespace modseal
