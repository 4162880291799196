#include "taint.h"

namespace modseal {
namespace {

// Set by the kernel when it loads such a module (before the module's init runs), and
// never cleared.
const struct {
  int bit;
  char letter;
  const char* what;
} kModuleTaints[] = {{1, 'F', "a force-loaded module"},
                     {12, 'O', "an out-of-tree module"},
                     {13, 'E', "an unsigned module"}};

}  // namespace

uint64_t ModuleTaintMask() {
  uint64_t mask = 0;
  for (const auto& t : kModuleTaints) mask |= uint64_t{1} << t.bit;
  return mask;
}

bool ParseTaint(const std::string& text, uint64_t* value) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *value = std::stoull(text);
  return true;
}

bool ReadTaint(KernelOps& ops, uint64_t* tainted, std::string* err) {
  std::string text;
  if (!ops.ReadSysctl("kernel/tainted", &text, err)) return false;
  if (ParseTaint(text, tainted)) return true;
  *err = text;
  return false;
}

std::vector<std::string> UnexplainedTaint(uint64_t tainted,
                                          const std::vector<LoadedModule>& loaded) {
  std::vector<std::string> unexplained;
  for (const auto& t : kModuleTaints) {
    if (!(tainted >> t.bit & 1)) continue;
    bool carried = false;
    for (const LoadedModule& m : loaded) carried |= m.taint.find(t.letter) != std::string::npos;
    if (!carried)
      unexplained.push_back(std::string("kernel taint ") + t.letter + " says " + t.what +
                            " was loaded, but no loaded module carries it: it ran and is gone "
                            "(unloaded, or its init failed)");
  }
  return unexplained;
}

}  // namespace modseal
