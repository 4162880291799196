#include "capture.h"

#include "benchmarks.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <map>
#include <memory>
#include <set>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "file_util.h"
#include "kmod_context.h"
#include "loaded_modules.h"
#include "sha256.h"

namespace modseal {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct Pending {
  std::string name;
  Reason reason;
  std::string reason_module;
};

class Resolver {
 public:
  Resolver(ModuleTree* tree, const CaptureOptions& options, CaptureReport* report)
      : tree_(tree), options_(options), report_(report) {
    for (const std::string& d : options.drop) dropped_.insert(NormalizeModuleName(d));
  }

  bool Run(const std::vector<std::string>& loaded, Manifest* out, std::string* err) {
    std::vector<std::string> roots = loaded;
    std::sort(roots.begin(), roots.end());
    for (const std::string& name : roots)
      if (!dropped_.count(name)) queue_.push_back({name, Reason::kLoaded, ""});
    std::vector<std::string> added = options_.add;
    std::sort(added.begin(), added.end());
    for (const std::string& name : added)
      if (!ExpandAdded(name, err)) return false;
    while (!queue_.empty()) {
      Pending next = queue_.front();
      queue_.pop_front();
      if (!Visit(next, err)) return false;
    }
    for (auto& [name, entry] : entries_) out->modules.push_back(std::move(entry));
    return Canonicalize(out, err);
  }

 private:
  // --add takes names or aliases (e.g. crypto-crc32c), as modprobe does.
  bool ExpandAdded(const std::string& wanted, std::string* err) {
    std::vector<KmodModule> found;
    if (!tree_->Lookup(wanted, &found, err)) return false;
    if (found.empty()) {
      *err = "--add " + wanted + ": no such module or alias in " + tree_->directory();
      return false;
    }
    for (const KmodModule& m : found) queue_.push_back({m.name, Reason::kAdded, ""});
    return true;
  }

  bool Visit(const Pending& item, std::string* err) {
    if (entries_.count(item.name) || builtin_.count(item.name)) return true;
    KmodModule module;
    if (!tree_->Resolve(item.name, &module, err)) return false;
    if (module.path.empty()) return HandleNoFile(item, err);
    ModuleEntry entry;
    entry.name = module.name;
    entry.reason = item.reason;
    entry.reason_module = item.reason_module;
    if (!RelativePath(module.path, &entry.path, err)) return false;
    if (!Sha256File(module.path, &entry.sha256, err)) return false;
    for (const KmodModule& dep : module.dependencies) {
      if (dropped_.count(dep.name)) {
        *err = "cannot drop " + dep.name + ": " + module.name + " needs it";
        return false;
      }
      entry.deps.push_back(dep.name);
      queue_.push_back({dep.name, Reason::kNeededBy, module.name});
    }
    for (const KmodModule& pre : module.softdeps_pre) {
      // Like modprobe, a softdep that is built in or dropped is simply not loaded.
      if (pre.path.empty() || dropped_.count(pre.name)) continue;
      entry.softdeps.push_back(pre.name);
      queue_.push_back({pre.name, Reason::kSoftdepOf, module.name});
    }
    entries_[module.name] = std::move(entry);
    return true;
  }

  bool HandleNoFile(const Pending& item, std::string* err) {
    if (tree_->IsBuiltin(item.name)) {
      builtin_.insert(item.name);
      report_->builtin.push_back(item.name);
      return true;
    }
    std::string problem = "module " + item.name + " (" + Describe(item) + ") is not in " +
                          tree_->directory();
    if (options_.allow_missing && item.reason == Reason::kLoaded) {
      report_->warnings.push_back(problem + "; left out (--allow-missing)");
      return true;
    }
    *err = problem + (item.reason == Reason::kLoaded ? " (--allow-missing to leave it out)" : "");
    return false;
  }

  std::string Describe(const Pending& item) const {
    switch (item.reason) {
      case Reason::kLoaded: return "loaded according to " + options_.loaded_file;
      case Reason::kAdded: return "given with --add";
      case Reason::kNeededBy: return "needed by " + item.reason_module;
      case Reason::kSoftdepOf: return "softdep of " + item.reason_module;
    }
    return "";
  }

  bool RelativePath(const std::string& path, std::string* rel, std::string* err) const {
    const std::string prefix = tree_->directory() + "/";
    if (path.compare(0, prefix.size(), prefix) != 0 ||
        !IsValidModulePath(path.substr(prefix.size()))) {
      *err = "module file " + path + " is not a plain path inside " + tree_->directory();
      return false;
    }
    *rel = path.substr(prefix.size());
    return true;
  }

  ModuleTree* tree_;
  const CaptureOptions& options_;
  CaptureReport* report_;
  std::set<std::string> dropped_;
  std::set<std::string> builtin_;
  std::deque<Pending> queue_;
  std::map<std::string, ModuleEntry> entries_;
};

}  // namespace

std::string ModuleDirectory(const std::string& root, const std::string& kver) {
  std::string base = root == "/" ? "" : root;
  std::string dir = base + "/lib/modules/" + kver;
  std::string usr_dir = base + "/usr/lib/modules/" + kver;
  if (!IsDirectory(dir) && IsDirectory(usr_dir)) return usr_dir;
  return dir;
}

bool DetectKernelRelease(const std::string& root, std::string* kver, std::string* err) {
  if (root == "/") {
    struct utsname u;
    uname(&u);
    *kver = u.release;
    return true;
  }
  std::set<std::string> found;
  for (const char* sub : {"/lib/modules", "/usr/lib/modules"}) {
    std::string dir = root + sub;
    DIR* d = opendir(dir.c_str());
    if (!d) continue;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && IsDirectory(dir + "/" + name)) found.insert(name);
    }
    closedir(d);
  }
  if (found.size() == 1) {
    *kver = *found.begin();
    return true;
  }
  if (found.empty()) {
    *err = root + ": no kernel module tree under lib/modules";
    return false;
  }
  std::string list;
  for (const std::string& k : found) list += (list.empty() ? "" : ", ") + k;
  *err = root + ": several kernels under lib/modules (" + list + "): pick one with --kver";
  return false;
}

bool Capture(const CaptureOptions& options, Manifest* out, CaptureReport* report,
             std::string* err) {
  CaptureOptions resolved = options;
  if (resolved.kver.empty() && !DetectKernelRelease(options.root, &resolved.kver, err))
    return false;
  std::unique_ptr<KmodContext> kmod;
  if (!OpenReleaseTree(options.root, resolved.kver, &kmod, err)) return false;
  return CaptureFrom(*kmod, resolved, out, report, err);
}

bool OpenReleaseTree(const std::string& root, const std::string& kver,
                     std::unique_ptr<KmodContext>* kmod, std::string* err) {
  if (!IsValidKernelRelease(kver)) {
    *err = "invalid kernel release \"" + kver + "\"";
    return false;
  }
  return KmodContext::Open(root, ModuleDirectory(root, kver), KmodContext::Need::kIndexes,
                           kmod, err);
}

bool CaptureFrom(ModuleTree& tree, const CaptureOptions& options, Manifest* out,
                 CaptureReport* report, std::string* err) {
  if (!IsValidKernelRelease(options.kver)) {
    *err = "invalid kernel release \"" + options.kver + "\"";
    return false;
  }
  std::vector<LoadedModule> listed;
  bool lsmod = false;
  if (!ReadLoadedModules(options.loaded_file, LoadedFormat::kProcModulesOrLsmod, &listed, err,
                         &lsmod))
    return false;
  std::set<std::string> asked;
  for (const std::string& name : options.add) {
    if (!IsValidModuleName(name)) {
      *err = "--add: invalid module name \"" + name + "\"";
      return false;
    }
    asked.insert(NormalizeModuleName(name));
  }
  for (const std::string& name : options.drop) asked.insert(NormalizeModuleName(name));
  std::vector<std::string> refused;
  if (lsmod)
    report->warnings.push_back(options.loaded_file + " is lsmod output, which shows no taint: "
                               "out-of-tree, unsigned or forced modules cannot be told apart; "
                               "save /proc/modules instead");
  for (const LoadedModule& m : listed) {
    const std::string risk = RiskOfLoaded(m.name, m.taint);
    if (risk.empty() || asked.count(m.name)) continue;
    const std::string what = "loaded module " + m.name + " " + risk;
    if (options.allow_risky)
      report->warnings.push_back(what);
    else
      refused.push_back(what);
  }
  if (!refused.empty()) {
    std::string list;
    for (const std::string& r : refused) list += "\n  " + r;
    *err = options.loaded_file + ": refusing to seal in what the reference host should not "
           "have loaded (--add NAME keeps one, --drop NAME leaves it out, --allow-risky "
           "keeps them all):" + list;
    return false;
  }
  return ResolveModules(tree, options, ModuleNames(listed), out, report, err);
}

bool ResolveModules(ModuleTree& tree, const CaptureOptions& options,
                    const std::vector<std::string>& loaded, Manifest* out,
                    CaptureReport* report, std::string* err) {
  Manifest manifest;
  manifest.kernel = options.kver;
  Resolver resolver(&tree, options, report);
  if (!resolver.Run(loaded, &manifest, err)) return false;
  *out = std::move(manifest);
  return true;
}

std::string RiskOfLoaded(const std::string& name, const std::string& taint) {
  // overlay and squashfs are on the CIS list too, but a node that loaded one needs it: the
  // manifest keeps it and blacklist and status report it as an exception.
  const BenchmarkModule* b = FindBenchmarkModule(name);
  if (b && b->exception_use.empty())
    return b->cis.empty()
               ? "is on Lynis's deny list (a FireWire controller reaches memory by DMA)"
               : "is on the CIS deny list (auto-loaded by an unprivileged socket() or mount)";
  std::string why;
  for (char c : taint) {
    const char* what = c == 'O' ? "out-of-tree" : c == 'E' ? "unsigned" : c == 'F' ? "force-loaded"
                                                                                  : nullptr;
    if (what) why += std::string(why.empty() ? "" : ", ") + what;
  }
  return why.empty() ? "" : "is tainted (" + taint + ": " + why + ")";
}

}  // namespace modseal
