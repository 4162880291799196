#include "rebase.h"

#include <memory>

#include "kmod_context.h"
#include "manifest_diff.h"

namespace modseal {
namespace {

// Where a root of the old manifest is in the new tree: itself, a module that carries its
// name as an alias (a rename), built in, or nowhere.
enum class Found { kSame, kRenamed, kBuiltin, kGone };

Found FindRoot(ModuleTree& tree, const std::string& name, std::vector<std::string>* now,
               std::string* err) {
  KmodModule module;
  if (!tree.Resolve(name, &module, err)) return Found::kGone;
  if (!module.path.empty()) {
    now->push_back(name);
    return Found::kSame;
  }
  if (tree.IsBuiltin(name)) return Found::kBuiltin;
  std::vector<KmodModule> matches;
  if (!tree.Lookup(name, &matches, err)) return Found::kGone;
  bool builtin = false;
  for (const KmodModule& m : matches) {
    if (m.path.empty())
      builtin = true;
    else
      now->push_back(m.name);
  }
  if (!now->empty()) return Found::kRenamed;
  return builtin ? Found::kBuiltin : Found::kGone;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

bool RebaseFrom(ModuleTree& tree, const Manifest& old, const std::string& source,
                const RebaseOptions& options, Manifest* out, RebaseReport* report,
                std::string* err) {
  std::vector<std::string> loaded, gone;
  CaptureOptions capture;
  capture.root = options.root;
  capture.kver = options.kver;
  capture.loaded_file = source;
  for (const ModuleEntry& m : old.modules) {
    if (m.reason != Reason::kLoaded && m.reason != Reason::kAdded) continue;
    std::vector<std::string> now;
    err->clear();
    const Found found = FindRoot(tree, m.name, &now, err);
    if (!err->empty()) return false;
    const std::string what = m.name + " (" + ReasonText(m) + ")";
    switch (found) {
      case Found::kSame: break;
      case Found::kRenamed:
        report->roots.push_back(what + ": renamed, now " + Joined(now) + " (alias " + m.name +
                                ")");
        break;
      case Found::kBuiltin:
        report->roots.push_back(what + ": built into " + options.kver + ", nothing to load");
        break;
      case Found::kGone:
        gone.push_back(m.name);
        report->roots.push_back(what + ": not in " + tree.directory() +
                                (options.allow_missing ? ", left out (--allow-missing)" : ""));
        break;
    }
    for (const std::string& name : now)
      (m.reason == Reason::kLoaded ? loaded : capture.add).push_back(name);
  }
  if (!gone.empty() && !options.allow_missing) {
    *err = source + ": " + Joined(gone) + " not found in " + tree.directory() +
           " by name or alias (--allow-missing leaves them out)";
    return false;
  }
  capture.add.insert(capture.add.end(), options.add.begin(), options.add.end());
  CaptureReport resolved;
  if (!ResolveModules(tree, capture, loaded, out, &resolved, err)) return false;
  for (const std::string& name : resolved.builtin)
    report->roots.push_back(name + " (--add): built into " + options.kver + ", nothing to load");
  // Across releases every file differs: the changes worth reading are what joined or left.
  const ManifestDiff diff = DiffManifests(old, *out);
  for (const std::string& n : diff.added)
    report->changes.push_back("+ " + n + " (" + ReasonText(*out->Find(n)) + ")");
  for (const std::string& n : diff.removed)
    report->changes.push_back("- " + n + " (" + ReasonText(*old.Find(n)) + ")" +
                              (tree.IsBuiltin(n) ? ": built into " + options.kver : ""));
  report->carried = out->modules.size() - diff.added.size();
  return true;
}

bool Rebase(const Manifest& old, const std::string& source, const RebaseOptions& options,
            Manifest* out, RebaseReport* report, std::string* err) {
  std::unique_ptr<KmodContext> kmod;
  if (!OpenReleaseTree(options.root, options.kver, &kmod, err)) return false;
  return RebaseFrom(*kmod, old, source, options, out, report, err);
}

}  // namespace modseal
