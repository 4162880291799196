// The list of loaded modules, as /proc/modules or `lsmod` prints it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modseal {

constexpr size_t kLoadedListMaxBytes = 4 << 20;

struct LoadedModule {
  std::string name;   // the kernel's form ('-' written '_')
  std::string taint;  // the module's taint letters from /proc/modules ("OE"); lsmod has none
};

enum class LoadedFormat {
  // The live kernel's list, strictly: what the hook audits and `status` judges must never
  // be read as something else (an unlisted module named "ModuleSize" is a module).
  kProcModules,
  // A saved list for `capture --loaded`: lsmod output if, and only if, its first line is
  // lsmod's header "Module Size Used by"; /proc/modules otherwise.
  kProcModulesOrLsmod,
};

// Names in file order; every malformed line is an error naming file:line. *was_lsmod, if
// given, says whether the text was read as lsmod output (which carries no taint letters).
bool ParseLoadedModules(std::string_view text, const std::string& filename, LoadedFormat format,
                        std::vector<LoadedModule>* modules, std::string* err,
                        bool* was_lsmod = nullptr);

bool ReadLoadedModules(const std::string& path, LoadedFormat format,
                       std::vector<LoadedModule>* modules, std::string* err,
                       bool* was_lsmod = nullptr);

std::vector<std::string> ModuleNames(const std::vector<LoadedModule>& modules);

}  // namespace modseal
