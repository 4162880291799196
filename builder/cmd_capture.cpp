// capture and merge: the commands that produce manifests.
#include <cstdio>
#include <map>

#include "commands.h"
#include "file_util.h"
#include "manifest_diff.h"

namespace modseal {

int Fail(const std::string& message, int code) {
  fprintf(stderr, "modseal: %s\n", message.c_str());
  return code;
}

bool WriteOutput(const std::string& path, const std::string& content, std::string* err) {
  if (path == "-") {
    fwrite(content.data(), 1, content.size(), stdout);
    return fflush(stdout) == 0;
  }
  return WriteFileAtomic(path, content, 0644, Overwrite::kReplace, err);
}

int RunCapture(const CaptureArgs& args) {
  Manifest manifest, previous;
  CaptureReport report;
  std::string err;
  if (!args.previous.empty() && !LoadManifest(args.previous, &previous, &err)) return Fail(err);
  if (!Capture(args.options, &manifest, &report, &err)) return Fail("capture: " + err);
  for (const std::string& w : report.warnings) fprintf(stderr, "modseal: warning: %s\n", w.c_str());
  if (!WriteOutput(args.output, SerializeManifest(manifest), &err)) return Fail(err);
  std::string builtin;
  for (const std::string& b : report.builtin) builtin += " " + b;
  fprintf(stderr, "modseal: captured %zu modules for kernel %s%s%s\n", manifest.modules.size(),
          manifest.kernel.c_str(), builtin.empty() ? "" : "; built in, skipped:",
          builtin.c_str());
  if (!args.previous.empty()) {
    // What signing this capture would newly allow is what a reviewer must look at.
    const ManifestDiff d = DiffManifests(previous, manifest);
    fprintf(stderr, "modseal: since %s: %s\n", args.previous.c_str(),
            d.Identical() ? "no change" : (std::to_string(d.added.size()) + " added, " +
                                           std::to_string(d.removed.size()) + " removed, " +
                                           std::to_string(d.changed.size()) + " changed").c_str());
    for (const std::string& line : DiffLines(previous, manifest, d))
      fprintf(stderr, "  %s\n", line.c_str());
  }
  return kExitOk;
}

int RunMerge(const MergeArgs& args) {
  Manifest merged;
  std::map<std::string, std::pair<ModuleEntry, std::string>> by_name;  // entry, source file
  std::string err;
  for (const std::string& path : args.inputs) {
    Manifest m;
    if (!LoadManifest(path, &m, &err)) return Fail(err);
    if (merged.kernel.empty()) merged.kernel = m.kernel;
    if (m.kernel != merged.kernel)
      return Fail("merge: " + path + " is for kernel " + m.kernel + " but " + args.inputs[0] +
                  " is for " + merged.kernel + "; manifests of different kernels cannot merge");
    for (ModuleEntry& e : m.modules) {
      auto it = by_name.find(e.name);
      if (it == by_name.end()) {
        by_name.emplace(e.name, std::make_pair(e, path));
        continue;
      }
      ModuleEntry& have = it->second.first;
      if (have.sha256 != e.sha256 || have.path != e.path)
        return Fail("merge: module " + e.name + " differs between " + it->second.second +
                    " and " + path + " (path or hash): same kernel, different module trees?");
      // The strongest reason wins: loaded beats added beats dependency.
      if (e.reason < have.reason) {
        have.reason = e.reason;
        have.reason_module = e.reason_module;
      }
      have.deps.insert(have.deps.end(), e.deps.begin(), e.deps.end());
      have.softdeps.insert(have.softdeps.end(), e.softdeps.begin(), e.softdeps.end());
    }
  }
  for (auto& [name, entry] : by_name) merged.modules.push_back(std::move(entry.first));
  if (!Canonicalize(&merged, &err)) return Fail("merge: " + err);
  if (!WriteOutput(args.output, SerializeManifest(merged), &err)) return Fail(err);
  fprintf(stderr, "modseal: merged %zu manifests: %zu modules for kernel %s\n",
          args.inputs.size(), merged.modules.size(), merged.kernel.c_str());
  return kExitOk;
}

}  // namespace modseal
