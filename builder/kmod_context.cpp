#include "kmod_context.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <libkmod.h>
#include <sys/stat.h>

#include "file_util.h"
#include "manifest.h"
#include "text_lines.h"

namespace modseal {
namespace {

constexpr size_t kIndexTextMax = 64 << 20;

KmodModule Describe(kmod_module* mod) {
  KmodModule out;
  out.name = kmod_module_get_name(mod);
  const char* path = kmod_module_get_path(mod);
  if (path) out.path = path;
  return out;
}

std::vector<KmodModule> DescribeList(kmod_list* list) {
  std::vector<KmodModule> out;
  kmod_list* l;
  kmod_list_foreach(l, list) {
    kmod_module* mod = kmod_module_get_module(l);
    out.push_back(Describe(mod));
    kmod_module_unref(mod);
  }
  return out;
}

template <typename Fn>
void ForEachConfig(kmod_config_iter* iter, Fn fn) {
  if (!iter) return;
  while (kmod_config_iter_next(iter))
    fn(kmod_config_iter_get_key(iter), kmod_config_iter_get_value(iter));
  kmod_config_iter_free_iter(iter);
}

}  // namespace

std::string ModuleNameFromPath(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  size_t ko = base.find(".ko");
  return NormalizeModuleName(base.substr(0, ko));
}

bool KmodContext::Open(const std::string& root, const std::string& module_dir, Need need,
                       std::unique_ptr<KmodContext>* out, std::string* err) {
  std::unique_ptr<KmodContext> k(new KmodContext());
  // libkmod reports absolute paths; an absolute directory lets us strip it back off.
  char* real = realpath(module_dir.c_str(), nullptr);
  if (real == nullptr && need == Need::kIndexes) {
    *err = module_dir + ": " + strerror(errno);
    return false;
  }
  k->module_dir_ = real ? real : module_dir;
  free(real);
  std::string base = root == "/" ? "" : root;
  for (const char* d : {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
                        "/lib/modprobe.d", "/usr/lib/modprobe.d"})
    k->config_dirs_.push_back(base + d);
  std::vector<const char*> paths;
  for (const std::string& d : k->config_dirs_) paths.push_back(d.c_str());
  paths.push_back(nullptr);
  if (need == Need::kIndexes && !k->ReadIndexes(err)) return false;
  k->ctx_ = kmod_new(k->module_dir_.c_str(), paths.data());
  if (!k->ctx_) {
    *err = module_dir + ": libkmod could not open the module tree";
    return false;
  }
  if (need == Need::kIndexes && kmod_load_resources(k->ctx_) != 0) {
    *err = module_dir + ": cannot load module indexes (run: depmod -b ROOT KVER)";
    return false;
  }
  *out = std::move(k);
  return true;
}

KmodContext::~KmodContext() {
  if (ctx_) kmod_unref(ctx_);
}

bool KmodContext::ReadIndexes(std::string* err) {
  std::string dep;
  if (!ReadFileBounded(module_dir_ + "/modules.dep", kIndexTextMax, &dep, err)) {
    *err += " (is this a module tree? run: depmod -b ROOT KVER)";
    return false;
  }
  for (std::string_view line : SplitLines(dep)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string path(line.substr(0, colon));
    all_modules_[ModuleNameFromPath(path)] = path;
  }
  std::string builtin;
  std::string ignored;
  if (ReadFileBounded(module_dir_ + "/modules.builtin", kIndexTextMax, &builtin, &ignored)) {
    for (std::string_view line : SplitLines(builtin))
      if (!line.empty()) builtin_.insert(ModuleNameFromPath(std::string(line)));
  }
  return true;
}

bool KmodContext::Resolve(const std::string& name, KmodModule* out, std::string* err) {
  kmod_module* mod = nullptr;
  if (kmod_module_new_from_name(ctx_, name.c_str(), &mod) != 0) {
    *err = "libkmod cannot create module " + name;
    return false;
  }
  *out = Describe(mod);
  if (!out->path.empty()) {
    kmod_list* deps = kmod_module_get_dependencies(mod);
    out->dependencies = DescribeList(deps);
    kmod_module_unref_list(deps);
    kmod_list* pre = nullptr;
    kmod_list* post = nullptr;
    if (kmod_module_get_softdeps(mod, &pre, &post) == 0) {
      out->softdeps_pre = DescribeList(pre);
      kmod_module_unref_list(pre);
      kmod_module_unref_list(post);
    }
  }
  kmod_module_unref(mod);
  return true;
}

bool KmodContext::Lookup(const std::string& name_or_alias, std::vector<KmodModule>* out,
                         std::string* err) {
  kmod_list* list = nullptr;
  if (kmod_module_new_from_lookup(ctx_, name_or_alias.c_str(), &list) != 0) {
    *err = "libkmod lookup of " + name_or_alias + " failed";
    return false;
  }
  *out = DescribeList(list);
  kmod_module_unref_list(list);
  return true;
}

std::set<std::string> KmodContext::Blacklisted() const {
  std::set<std::string> names;
  ForEachConfig(kmod_config_get_blacklists(ctx_), [&](const char* key, const char*) {
    names.insert(NormalizeModuleName(key));
  });
  return names;
}

std::map<std::string, std::string> KmodContext::InstallCommands() const {
  std::map<std::string, std::string> commands;
  ForEachConfig(kmod_config_get_install_commands(ctx_), [&](const char* key, const char* value) {
    commands[NormalizeModuleName(key)] = value ? value : "";
  });
  return commands;
}

}  // namespace modseal
