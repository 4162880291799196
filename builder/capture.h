// Builds a manifest from a list of loaded modules, resolved through libkmod against a
// module tree: every dependency and every "pre:" softdep follows, built-ins are skipped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "manifest.h"
#include "module_tree.h"

namespace modseal {

class KmodContext;

struct CaptureOptions {
  std::string root = "/";  // image root holding lib/modules/KVER
  std::string kver;        // empty: uname -r for "/", else the only one under the root
  std::string loaded_file = "/proc/modules";
  std::vector<std::string> add;
  std::vector<std::string> drop;
  bool allow_missing = false;
  // Keep loaded modules that a reference host should not have loaded (CIS-listed, or
  // tainted O/E/F) with a warning, instead of refusing them unless named with --add.
  bool allow_risky = false;
};

struct CaptureReport {
  std::vector<std::string> warnings;
  std::vector<std::string> builtin;  // requested but built into the kernel
};

// Opens options.root's tree for options.kver (detected when empty) through libkmod.
bool Capture(const CaptureOptions& options, Manifest* out, CaptureReport* report,
             std::string* err);
// The same against a tree already open; options.kver must be set.
bool CaptureFrom(ModuleTree& tree, const CaptureOptions& options, Manifest* out,
                 CaptureReport* report, std::string* err);

// What capture does once it has names: `loaded` (described as from options.loaded_file)
// and options.add (names or aliases), with every dependency and pre: softdep, hashed, for
// options.kver. Shared with rebase.
bool ResolveModules(ModuleTree& tree, const CaptureOptions& options,
                    const std::vector<std::string>& loaded, Manifest* out,
                    CaptureReport* report, std::string* err);

// Why a loaded module should not be sealed in without being asked for by name: it is on
// the CIS deny list (an unprivileged socket() or mount auto-loads these), or the kernel
// marked it out-of-tree (O), unsigned (E) or force-loaded (F). Empty if neither.
std::string RiskOfLoaded(const std::string& name, const std::string& taint);

// libkmod on ROOT's tree for release KVER (validated), with its depmod indexes.
bool OpenReleaseTree(const std::string& root, const std::string& kver,
                     std::unique_ptr<KmodContext>* kmod, std::string* err);

// ROOT/lib/modules/KVER (or ROOT/usr/lib/modules/KVER where only that exists).
std::string ModuleDirectory(const std::string& root, const std::string& kver);

// The kernel release to use for `root` when none was given.
bool DetectKernelRelease(const std::string& root, std::string* kver, std::string* err);

}  // namespace modseal
