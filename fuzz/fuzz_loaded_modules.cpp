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
#include "text_lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (modseal::LoadedFormat format :
       {modseal::LoadedFormat::kProcModules, modseal::LoadedFormat::kProcModulesOrLsmod}) {
    std::vector<modseal::LoadedModule> modules;
    std::string err;
    if (!modseal::ParseLoadedModules(text, "modules", format, &modules, &err)) {
      if (err.rfind("modules:", 0) != 0) abort();
      continue;
    }
    std::set<std::string> seen;
    for (const modseal::LoadedModule& m : modules) {
      if (!modseal::IsValidModuleName(m.name) || m.name.find('-') != std::string::npos) abort();
      if (!seen.insert(m.name).second) abort();
    }
    // The strict reader never skips a line (a header): every line is one module.
    if (format == modseal::LoadedFormat::kProcModules &&
        modules.size() != modseal::SplitLines(text).size())
      abort();
  }
  return 0;
}
