// hook.conf is written by the dracut module, but the kernel command line is typed by
// whoever reaches the boot loader. Each input is read both ways. Beyond not crashing:
// a configuration that parses always has a key and absolute paths, and the command line
// can never weaken a seal the image did not allow it to weaken, nor touch anything else.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hook_config.h"

namespace {

bool AbsoluteOrEmpty(const std::string& path) { return path.empty() || path[0] == '/'; }

void CheckCommandLine(std::string_view cmdline, const modseal::HookConfig& base) {
  modseal::HookConfig config = base;
  std::vector<std::string> notes;
  modseal::ApplyCommandLine(cmdline, &config, &notes);
  if (config.manifest != base.manifest || config.signature != base.signature ||
      config.pubkeys != base.pubkeys || config.module_root != base.module_root ||
      config.cmdline_may_weaken != base.cmdline_may_weaken ||
      config.on_failure != base.on_failure || config.load_threads != base.load_threads)
    abort();
  if (base.cmdline_may_weaken) return;
  if (base.policy == modseal::Policy::kEnforce && config.policy != modseal::Policy::kEnforce)
    abort();
  if (base.lock == modseal::LockPoint::kEarly && config.lock != modseal::LockPoint::kEarly)
    abort();
  if (base.lock_kexec && !config.lock_kexec) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  modseal::HookConfig parsed;
  std::string err;
  if (modseal::ParseHookConfig(text, "hook.conf", &parsed, &err)) {
    if (parsed.pubkeys.empty() || parsed.signature.empty()) abort();
    if (parsed.load_threads > modseal::kMaxLoadThreads) abort();
    if (parsed.manifest[0] != '/' || parsed.signature[0] != '/' ||
        !AbsoluteOrEmpty(parsed.module_root))
      abort();
    for (const std::string& key : parsed.pubkeys)
      if (key.empty() || key[0] != '/') abort();
    CheckCommandLine(text, parsed);
  } else if (err.rfind("hook.conf:", 0) != 0) {
    abort();
  }
  modseal::HookConfig strict;  // the defaults: enforce, lock early, kexec locked
  CheckCommandLine(text, strict);
  strict.lock = modseal::LockPoint::kPreMount;
  CheckCommandLine(text, strict);
  modseal::HookConfig weakable;
  weakable.cmdline_may_weaken = true;
  CheckCommandLine(text, weakable);
  return 0;
}
