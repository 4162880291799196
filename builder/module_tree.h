// What capture asks of a kernel's module tree. KmodContext answers from libkmod and the
// tree's depmod indexes; the unit tests answer from a small tree described in text
// (fake_module_tree.h), so capture's logic is tested without a downloaded kernel.
#pragma once

#include <string>
#include <vector>

namespace modseal {

struct KmodModule {
  std::string name;
  std::string path;  // absolute; empty when built in or absent
  std::vector<KmodModule> dependencies;  // from modules.dep, for Resolve() only
  std::vector<KmodModule> softdeps_pre;  // modprobe.d and modinfo "pre:", aliases expanded
};

class ModuleTree {
 public:
  virtual ~ModuleTree() = default;
  // The tree's lib/modules/KVER; every module file is below it.
  virtual const std::string& directory() const = 0;
  // A module by its name; no path when it is built in or not in the tree.
  virtual bool Resolve(const std::string& name, KmodModule* out, std::string* err) = 0;
  // Names or aliases, as modprobe resolves them; built-ins come back with no path.
  virtual bool Lookup(const std::string& name_or_alias, std::vector<KmodModule>* out,
                      std::string* err) = 0;
  virtual bool IsBuiltin(const std::string& name) const = 0;
};

// "kernel/fs/ext4/ext4.ko.xz" -> "ext4"; "usb-storage.ko" -> "usb_storage".
std::string ModuleNameFromPath(const std::string& path);

}  // namespace modseal
