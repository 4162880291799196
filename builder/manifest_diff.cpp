#include "manifest_diff.h"

#include <map>

namespace modseal {
namespace {

std::map<std::string, const ModuleEntry*> ByName(const Manifest& m) {
  std::map<std::string, const ModuleEntry*> by_name;
  for (const ModuleEntry& e : m.modules) by_name[e.name] = &e;
  return by_name;
}

}  // namespace

ManifestDiff DiffManifests(const Manifest& a, const Manifest& b) {
  ManifestDiff d;
  d.same_kernel = a.kernel == b.kernel;
  const auto in_a = ByName(a), in_b = ByName(b);
  for (const auto& [name, e] : in_b)
    if (!in_a.count(name)) d.added.push_back(name);
  for (const auto& [name, e] : in_a) {
    auto it = in_b.find(name);
    if (it == in_b.end())
      d.removed.push_back(name);
    else if (it->second->sha256 != e->sha256 || it->second->path != e->path)
      d.changed.push_back(name);
  }
  return d;
}

std::vector<std::string> DiffLines(const Manifest& a, const Manifest& b, const ManifestDiff& d) {
  std::vector<std::string> lines;
  if (!d.same_kernel) lines.push_back("kernel: " + a.kernel + " -> " + b.kernel);
  for (const std::string& n : d.added)
    lines.push_back("+ " + n + " (" + ReasonText(*b.Find(n)) + ")");
  for (const std::string& n : d.removed)
    lines.push_back("- " + n + " (" + ReasonText(*a.Find(n)) + ")");
  for (const std::string& n : d.changed) {
    const ModuleEntry &x = *a.Find(n), &y = *b.Find(n);
    lines.push_back("~ " + n + ": " + x.path + " sha256:" + x.sha256.substr(0, 12) + " -> " +
                    y.path + " sha256:" + y.sha256.substr(0, 12));
  }
  return lines;
}

}  // namespace modseal
