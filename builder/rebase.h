// rebase: carries a manifest to another kernel release. Its roots (the modules loaded or
// added on the reference host) are found again in the new release's tree, by name or, for
// a renamed module, by the alias the new one carries; dependencies, softdeps and hashes are
// those of the new tree. Every difference is reported; the result is a normal manifest, to
// be signed off the node like any other.
#pragma once

#include <string>
#include <vector>

#include "capture.h"
#include "manifest.h"
#include "module_tree.h"

namespace modseal {

struct RebaseOptions {
  std::string root = "/";  // holding lib/modules/KVER of the new release
  std::string kver;        // the new release
  bool allow_missing = false;  // a root the new tree lacks is left out, not an error
  // Modules (or aliases) to add in the new release: what the old kernel had built in and
  // the new one has as a module (ext4 from Debian's cloud kernel to its generic one).
  std::vector<std::string> add;
};

// One line per difference, for people: a root renamed, now built in, or gone, then what
// the resolution changed ("+ NAME (needed-by:X)", "- NAME (softdep-of:Y)").
struct RebaseReport {
  std::vector<std::string> roots;
  std::vector<std::string> changes;
  size_t carried = 0;  // modules in both, with the new release's files and hashes
};

// `source` names the old manifest in messages.
bool RebaseFrom(ModuleTree& tree, const Manifest& old, const std::string& source,
                const RebaseOptions& options, Manifest* out, RebaseReport* report,
                std::string* err);
bool Rebase(const Manifest& old, const std::string& source, const RebaseOptions& options,
            Manifest* out, RebaseReport* report, std::string* err);

}  // namespace modseal
