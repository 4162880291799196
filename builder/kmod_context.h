// The builder's view of a module tree and its modprobe.d, through libkmod.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "module_tree.h"

struct kmod_ctx;
struct kmod_module;

namespace modseal {

class KmodContext : public ModuleTree {
 public:
  enum class Need { kIndexes, kConfigOnly };
  // root's modprobe.d directories are read, never the host's (unless root is "/").
  static bool Open(const std::string& root, const std::string& module_dir, Need need,
                   std::unique_ptr<KmodContext>* out, std::string* err);
  ~KmodContext() override;

  const std::string& directory() const override { return module_dir_; }
  bool Resolve(const std::string& name, KmodModule* out, std::string* err) override;
  bool Lookup(const std::string& name_or_alias, std::vector<KmodModule>* out,
              std::string* err) override;
  bool IsBuiltin(const std::string& name) const override { return builtin_.count(name) != 0; }

  // Every module file in modules.dep, by name.
  const std::map<std::string, std::string>& all_modules() const { return all_modules_; }

  std::set<std::string> Blacklisted() const;
  std::map<std::string, std::string> InstallCommands() const;

 private:
  KmodContext() = default;
  bool ReadIndexes(std::string* err);

  kmod_ctx* ctx_ = nullptr;
  std::string module_dir_;
  std::vector<std::string> config_dirs_;
  std::set<std::string> builtin_;
  std::map<std::string, std::string> all_modules_;
};

}  // namespace modseal
