// What changed from one manifest to another: for `diff`, and for `capture --previous`.
#pragma once

#include <string>
#include <vector>

#include "manifest.h"

namespace modseal {

struct ManifestDiff {
  std::vector<std::string> added, removed, changed;  // names, sorted
  bool same_kernel = true;
  bool Identical() const {
    return same_kernel && added.empty() && removed.empty() && changed.empty();
  }
};

ManifestDiff DiffManifests(const Manifest& a, const Manifest& b);

// "+ NAME (why)", "- NAME (why)", "~ NAME: PATH sha256:... -> PATH sha256:...", one a line.
std::vector<std::string> DiffLines(const Manifest& a, const Manifest& b, const ManifestDiff& d);

}  // namespace modseal
