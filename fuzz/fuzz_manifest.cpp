// The manifest is what the hook trusts once its signature checks out, so its parser sees
// whatever an attacker who can edit an image (or a careless signer) hands it. Besides not
// crashing, anything it accepts must be in the one canonical form: written back, the same
// bytes, and already in canonical order (signatures are over bytes, so two byte forms of
// one manifest would be two different signed objects).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  modseal::Manifest manifest;
  std::string err;
  if (!modseal::ParseManifest(text, "fuzz.manifest", &manifest, &err)) {
    // Operators act on "file:line: problem"; a bare message would be a regression.
    if (err.rfind("fuzz.manifest:", 0) != 0) abort();
    return 0;
  }
  if (modseal::SerializeManifest(manifest) != text) abort();
  modseal::Manifest again = manifest;
  if (!modseal::Canonicalize(&again, &err)) abort();
  if (modseal::SerializeManifest(again) != text) abort();
  // Paths are joined to /lib/modules/KVER by the hook: no way out of that tree.
  for (const modseal::ModuleEntry& m : manifest.modules) {
    const std::string path = "/" + m.path + "/";
    if (m.path.empty() || m.path[0] == '/' || path.find("/../") != std::string::npos ||
        path.find("/./") != std::string::npos || path.find("//") != std::string::npos)
      abort();
  }
  return 0;
}
