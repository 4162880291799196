// A module tree described in text, for capture's unit tests: each module is a small file
// under a temporary lib/modules/KVER, the relations are what modules.dep, modules.alias,
// modules.softdep and modules.builtin would say. Lines:
//   kernel/fs/ext4.ko: kernel/fs/jbd2.ko kernel/lib/crc16.ko   (as in modules.dep)
//   alias crypto-crc32c crc32c_generic
//   softdep ext4 pre: crypto-crc32c
//   builtin kernel/fs/mbcache.ko
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "manifest.h"
#include "module_tree.h"
#include "test_util.h"

namespace modseal_test {

class FakeModuleTree : public modseal::ModuleTree {
 public:
  FakeModuleTree(const std::string& dir, const std::string& text) : dir_(dir) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string first;
      if (!(words >> first)) continue;
      std::string a, b;
      if (first == "alias" && words >> a >> b) {
        aliases_[a].push_back(b);
      } else if (first == "softdep" && words >> a >> b && b == "pre:") {
        for (std::string w; words >> w;) softdeps_[a].push_back(w);
      } else if (first == "builtin" && words >> a) {
        builtin_.insert(modseal::ModuleNameFromPath(a));
      } else if (first.back() == ':') {
        const std::string path = first.substr(0, first.size() - 1);
        const std::string name = modseal::ModuleNameFromPath(path);
        paths_[name] = dir_ + "/" + path;
        for (std::string dep; words >> dep;) deps_[name].push_back(modseal::ModuleNameFromPath(dep));
        std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + path).parent_path());
        WriteText(dir_ + "/" + path, "ELF bytes of " + name);
      }
    }
  }

  const std::string& directory() const override { return dir_; }
  bool IsBuiltin(const std::string& name) const override { return builtin_.count(name) != 0; }

  bool Resolve(const std::string& name, modseal::KmodModule* out, std::string*) override {
    *out = Plain(name);
    if (out->path.empty()) return true;
    for (const std::string& dep : deps_[name]) out->dependencies.push_back(Plain(dep));
    for (const std::string& pre : softdeps_[name]) {
      std::vector<modseal::KmodModule> found;
      Lookup(pre, &found, nullptr);
      for (const modseal::KmodModule& m : found) out->softdeps_pre.push_back(m);
    }
    return true;
  }

  bool Lookup(const std::string& name_or_alias, std::vector<modseal::KmodModule>* out,
              std::string*) override {
    out->clear();
    auto alias = aliases_.find(name_or_alias);
    if (alias != aliases_.end()) {
      for (const std::string& name : alias->second) out->push_back(Plain(name));
    } else if (const std::string name = modseal::NormalizeModuleName(name_or_alias);
               paths_.count(name) || builtin_.count(name)) {
      out->push_back(Plain(name));
    }
    return true;
  }

  // A module whose file the tree says is outside its directory (a broken modules.dep).
  void MisplaceFile(const std::string& name, const std::string& path) { paths_[name] = path; }

 private:
  modseal::KmodModule Plain(const std::string& name) {
    modseal::KmodModule m;
    m.name = name;
    auto it = paths_.find(name);
    if (it != paths_.end()) m.path = it->second;
    return m;
  }

  std::string dir_;
  std::map<std::string, std::string> paths_;
  std::map<std::string, std::vector<std::string>> deps_, aliases_, softdeps_;
  std::set<std::string> builtin_;
};

}  // namespace modseal_test
