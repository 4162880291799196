// Whether an initramfs will seal the machine it boots: modseal's hook and its triggers
// are in it, the manifest it carries verifies, and its module files are exactly the listed
// ones with the listed hashes. What `modseal check-image`, the kernel postinst check and
// `modseal status` (for the next boot) report.
#pragma once

#include <string>
#include <vector>

#include "initramfs.h"
#include "minisign.h"

namespace modseal {

struct ImageVerdict {
  std::vector<std::string> problems;  // empty: sealed
  std::string kernel;                 // the manifest's release
  std::string flavour;                // "systemd" or "shell": how the hook is started
  std::string policy, lock;
  std::string manifest_sha256;
  std::string key_id;
  size_t modules = 0;
  bool sealed() const { return problems.empty(); }
};

// keys: what the signature must verify with; empty means the keys the image itself
// trusts (what its hook will use). kver: the release the image is for, "" for the
// manifest's.
ImageVerdict CheckImage(const InitramfsFiles& files, const std::vector<PublicKey>& keys,
                        const std::string& kver);

// The release in a file name dracut or Debian gives an image ("initrd.img-KVER",
// "initramfs-KVER.img"), or "".
std::string ReleaseFromImageName(const std::string& path);

// Whether the image holds lib/modules/KVER (through lib -> usr/lib and the like).
bool HoldsRelease(const InitramfsFiles& files, const std::string& kver);

}  // namespace modseal
