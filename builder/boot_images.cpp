#include "boot_images.h"

#include <dirent.h>
#include <string.h>

#include <algorithm>

#include "manifest.h"

namespace modseal {

std::vector<BootImage> FindBootImages(const std::string& root) {
  const std::string boot = (root == "/" ? "" : root) + "/boot";
  std::vector<BootImage> images;
  DIR* dir = opendir(boot.c_str());
  if (!dir) return images;
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name.compare(0, 8, "vmlinuz-") != 0) continue;
    const std::string release = name.substr(8);
    if (IsValidKernelRelease(release)) images.push_back({release, boot + "/initrd.img-" + release});
  }
  closedir(dir);
  // strverscmp, as sort -V orders releases; which entry a boot loader boots is not read.
  std::sort(images.begin(), images.end(), [](const BootImage& a, const BootImage& b) {
    return strverscmp(a.release.c_str(), b.release.c_str()) > 0;
  });
  if (!images.empty()) images.front().newest = true;
  return images;
}

}  // namespace modseal
