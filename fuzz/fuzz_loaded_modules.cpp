// /proc/modules and lsmod output: the builder reads saved copies from other machines and
// the hook audits the live one against the manifest. A name that gets through must be a
// valid module name in the kernel's form, listed once, or the audit could be sidestepped.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "loaded_modules.h"
#include "manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> names;
  std::string err;
  if (!modseal::ParseLoadedModules(text, "modules", &names, &err)) {
    if (err.rfind("modules:", 0) != 0) abort();
    return 0;
  }
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!modseal::IsValidModuleName(name) || name.find('-') != std::string::npos) abort();
    if (!seen.insert(name).second) abort();
  }
  return 0;
}
