#include "manifest.h"

#include <algorithm>
#include <map>
#include <set>

#include "file_util.h"
#include "sha256.h"
#include "string_table.h"
#include "text_lines.h"

namespace modseal {
namespace {

// Everything a module is loaded after: hard dependencies and softdeps alike.
std::vector<std::string> LoadAfter(const ModuleEntry& m) {
  std::vector<std::string> all = m.deps;
  all.insert(all.end(), m.softdeps.begin(), m.softdeps.end());
  return all;
}

void SortUnique(std::vector<std::string>* names) {
  std::sort(names->begin(), names->end());
  names->erase(std::unique(names->begin(), names->end()), names->end());
}

constexpr std::string_view kHeaderPrefix = "modseal-manifest ";
constexpr std::string_view kKernelPrefix = "kernel ";
constexpr std::string_view kModulePrefix = "module ";
constexpr std::string_view kShaPrefix = "sha256:";

constexpr Named<Reason> kReasons[] = {{Reason::kLoaded, "loaded"},
                                      {Reason::kAdded, "added"},
                                      {Reason::kNeededBy, "needed-by"},
                                      {Reason::kSoftdepOf, "softdep-of"}};

bool ReasonNamesModule(Reason r) { return r == Reason::kNeededBy || r == Reason::kSoftdepOf; }
constexpr size_t kMaxModuleName = 55;  // MODULE_NAME_LEN - 1
constexpr size_t kMaxPath = 512;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

class LineParser {
 public:
  LineParser(const std::string& filename, std::string* err) : filename_(filename), err_(err) {}

  bool Fail(size_t line, const std::string& problem) {
    *err_ = Where(filename_, line) + problem;
    return false;
  }

  bool ParseHeader(size_t line, std::string_view text) {
    if (text.substr(0, kHeaderPrefix.size()) != kHeaderPrefix)
      return Fail(line, "not a modseal manifest (expected \"modseal-manifest " +
                            std::to_string(kManifestVersion) + "\")");
    std::string_view version = text.substr(kHeaderPrefix.size());
    if (version != std::to_string(kManifestVersion))
      return Fail(line, "unsupported manifest version \"" + std::string(version) +
                            "\" (this modseal reads version " +
                            std::to_string(kManifestVersion) + ")");
    return true;
  }

  bool ParseKernel(size_t line, std::string_view text, std::string* kernel) {
    if (text.substr(0, kKernelPrefix.size()) != kKernelPrefix)
      return Fail(line, "expected \"kernel RELEASE\"");
    std::string_view release = text.substr(kKernelPrefix.size());
    if (!IsValidKernelRelease(release))
      return Fail(line, "invalid kernel release \"" + std::string(release) + "\"");
    *kernel = std::string(release);
    return true;
  }

  bool ParseModule(size_t line, std::string_view text, ModuleEntry* entry) {
    if (text.substr(0, kModulePrefix.size()) != kModulePrefix)
      return Fail(line, "expected \"module NAME PATH sha256:HEX WHY DEPS\"");
    std::vector<std::string_view> f = SplitOn(text.substr(kModulePrefix.size()), ' ');
    if (f.size() != 5)
      return Fail(line, "expected 5 single-space-separated fields after \"module\", found " +
                            std::to_string(f.size()));
    if (!IsValidModuleName(f[0]))
      return Fail(line, "invalid module name \"" + std::string(f[0]) + "\"");
    if (f[0].find('-') != std::string_view::npos)
      return Fail(line, "module name \"" + std::string(f[0]) +
                            "\" is not in the kernel's form (write \"" +
                            NormalizeModuleName(f[0]) + "\")");
    entry->name = std::string(f[0]);
    if (!IsValidModulePath(f[1]))
      return Fail(line, "invalid module path \"" + std::string(f[1]) +
                            "\" (must be relative, without \"..\", ending in .ko, .ko.xz, "
                            ".ko.zst or .ko.gz)");
    entry->path = std::string(f[1]);
    if (f[2].substr(0, kShaPrefix.size()) != kShaPrefix)
      return Fail(line, "hash must start with \"sha256:\"");
    std::string_view hex = f[2].substr(kShaPrefix.size());
    if (hex.size() != kSha256HexLength || !IsLowerHex(hex))
      return Fail(line, "malformed sha256 hash (need 64 lower-case hex digits)");
    entry->sha256 = std::string(hex);
    if (!ParseReason(line, f[3], entry)) return false;
    return ParseDeps(line, f[4], entry);
  }

 private:
  bool ParseReason(size_t line, std::string_view why, ModuleEntry* entry) {
    entry->reason_module.clear();
    const size_t colon = why.find(':');
    std::string_view target = colon == std::string_view::npos ? "" : why.substr(colon + 1);
    // loaded and added stand alone; needed-by and softdep-of name a module after a colon.
    if (!ValueOf(kReasons, why.substr(0, colon), &entry->reason) ||
        (colon == std::string_view::npos) != !ReasonNamesModule(entry->reason))
      return Fail(line, "unknown reason \"" + std::string(why) +
                            "\" (expected loaded, added, needed-by:X or softdep-of:X)");
    if (colon == std::string_view::npos) return true;
    if (!IsValidModuleName(target) || target.find('-') != std::string_view::npos)
      return Fail(line, "invalid module name in reason \"" + std::string(why) + "\"");
    entry->reason_module = std::string(target);
    return true;
  }

  bool ParseDeps(size_t line, std::string_view deps, ModuleEntry* entry) {
    entry->deps.clear();
    entry->softdeps.clear();
    if (deps == "-") return true;
    std::string_view previous;
    for (std::string_view token : SplitOn(deps, ',')) {
      const bool soft = token.substr(0, 4) == "pre:";
      std::string_view dep = soft ? token.substr(4) : token;
      if (!IsValidModuleName(dep) || dep.find('-') != std::string_view::npos)
        return Fail(line, "invalid dependency name \"" + std::string(token) + "\"");
      if (!previous.empty() && !(previous < dep))
        return Fail(line, "dependencies must be sorted by name and unique (\"" +
                              std::string(dep) + "\" after \"" + std::string(previous) + "\")");
      previous = dep;
      (soft ? entry->softdeps : entry->deps).emplace_back(dep);
    }
    return true;
  }

  const std::string& filename_;
  std::string* err_;
};

// Kahn's algorithm, always taking the smallest ready name: the one canonical order.
bool CanonicalOrder(const std::vector<ModuleEntry>& modules, std::vector<size_t>* order,
                    std::string* err) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < modules.size(); ++i) index[modules[i].name] = i;
  std::vector<size_t> pending(modules.size(), 0);
  std::vector<std::vector<size_t>> dependents(modules.size());
  for (size_t i = 0; i < modules.size(); ++i) {
    for (const std::string& dep : LoadAfter(modules[i])) {
      auto it = index.find(dep);
      if (it == index.end()) {
        *err = "module " + modules[i].name + " depends on " + dep + ", which is not listed";
        return false;
      }
      ++pending[i];
      dependents[it->second].push_back(i);
    }
  }
  std::set<std::pair<std::string, size_t>> ready;
  for (size_t i = 0; i < modules.size(); ++i)
    if (pending[i] == 0) ready.insert({modules[i].name, i});
  order->clear();
  while (!ready.empty()) {
    size_t i = ready.begin()->second;
    ready.erase(ready.begin());
    order->push_back(i);
    for (size_t d : dependents[i])
      if (--pending[d] == 0) ready.insert({modules[d].name, d});
  }
  if (order->size() != modules.size()) {
    std::string cycle;
    for (size_t i = 0; i < modules.size(); ++i)
      if (pending[i] != 0) cycle += (cycle.empty() ? "" : ", ") + modules[i].name;
    *err = "dependency cycle among: " + cycle;
    return false;
  }
  return true;
}

std::string ModuleLine(const ModuleEntry& m) {
  return "module " + m.name + " " + m.path + " sha256:" + m.sha256 + " " + ReasonText(m) +
         " " + DepsText(m);
}

}  // namespace

const ModuleEntry* Manifest::Find(std::string_view name) const {
  std::string wanted = NormalizeModuleName(name);
  for (const ModuleEntry& m : modules)
    if (m.name == wanted) return &m;
  return nullptr;
}

std::string CommandLineParameterModule(std::string_view word) {
  const size_t dot = word.find('.'), assign = word.find('=');
  if (dot == std::string_view::npos || dot == 0 || assign == std::string_view::npos ||
      assign < dot || word.substr(0, 3) == "rd." || word.substr(0, 8) == "systemd.")
    return "";
  const std::string_view name = word.substr(0, dot);
  return IsValidModuleName(name) ? NormalizeModuleName(name) : "";
}

std::string NormalizeModuleName(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

bool IsValidModuleName(std::string_view name) {
  if (name.empty() || name.size() > kMaxModuleName) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

bool IsValidKernelRelease(std::string_view release) {
  if (release.empty() || release.size() > 64) return false;
  return std::all_of(release.begin(), release.end(), [](char c) {
    return IsNameChar(c) || c == '.' || c == '+';
  });
}

bool IsValidModulePath(std::string_view path) {
  if (path.empty() || path.size() > kMaxPath || path.front() == '/') return false;
  for (std::string_view part : SplitOn(path, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  for (char c : path)
    if (!(IsNameChar(c) || c == '.' || c == '/' || c == '+' || c == ',')) return false;
  return HasModuleFileSuffix(path);
}

bool HasModuleFileSuffix(std::string_view path) {
  for (std::string_view ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return true;
  return false;
}

std::string DepsText(const ModuleEntry& entry) {
  std::vector<std::pair<std::string, bool>> tokens;  // name, soft
  for (const std::string& d : entry.deps) tokens.push_back({d, false});
  for (const std::string& d : entry.softdeps) tokens.push_back({d, true});
  if (tokens.empty()) return "-";
  std::sort(tokens.begin(), tokens.end());
  std::string text;
  for (const auto& [name, soft] : tokens)
    text += (text.empty() ? "" : ",") + std::string(soft ? "pre:" : "") + name;
  return text;
}

std::string ReasonText(const ModuleEntry& entry) {
  const std::string name = NameOf(kReasons, entry.reason);
  return ReasonNamesModule(entry.reason) ? name + ":" + entry.reason_module : name;
}

bool ParseManifest(std::string_view text, const std::string& filename, Manifest* out,
                   std::string* err) {
  LineParser parser(filename, err);
  if (text.size() > kManifestMaxBytes)
    return parser.Fail(1, "manifest larger than " + std::to_string(kManifestMaxBytes) + " bytes");
  if (text.empty()) return parser.Fail(1, "empty file");
  if (text.back() != '\n') {
    size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    return parser.Fail(lines, "missing newline at end of file");
  }
  Manifest manifest;
  std::map<std::string, size_t> seen;  // name -> line
  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.size() > kManifestMaxLine)
      return parser.Fail(line_no, "line longer than " + std::to_string(kManifestMaxLine) +
                                      " bytes");
    if (line.find('\r') != std::string_view::npos)
      return parser.Fail(line_no, "carriage return (the manifest uses LF line endings)");
    if (line_no == 1) {
      if (!parser.ParseHeader(line_no, line)) return false;
      continue;
    }
    if (line_no == 2) {
      if (!parser.ParseKernel(line_no, line, &manifest.kernel)) return false;
      continue;
    }
    if (manifest.modules.size() == kManifestMaxModules)
      return parser.Fail(line_no, "more than " + std::to_string(kManifestMaxModules) +
                                      " modules");
    ModuleEntry entry;
    if (!parser.ParseModule(line_no, line, &entry)) return false;
    const std::string& key = entry.name;
    auto dup = seen.find(key);
    if (dup != seen.end())
      return parser.Fail(line_no, "duplicate module \"" + entry.name + "\" (first on line " +
                                      std::to_string(dup->second) + ")");
    for (const std::string& dep : LoadAfter(entry)) {
      if (dep == key)
        return parser.Fail(line_no, "module " + entry.name + " depends on itself");
      if (!seen.count(dep))
        return parser.Fail(line_no, "dependency \"" + dep + "\" of " + entry.name +
                                        " is not listed before it");
    }
    seen[key] = line_no;
    manifest.modules.push_back(std::move(entry));
  }
  if (line_no < 2) return parser.Fail(line_no + 1, "missing \"kernel RELEASE\" line");
  for (size_t i = 0; i < manifest.modules.size(); ++i) {
    const ModuleEntry& m = manifest.modules[i];
    if (!m.reason_module.empty() && !seen.count(m.reason_module))
      return parser.Fail(i + 3, "reason names module \"" + m.reason_module +
                                    "\", which is not listed");
  }
  // Dependencies are satisfied; what is left to check is the tie-break between
  // independent modules, which the canonical order fixes.
  std::vector<size_t> order;
  if (!CanonicalOrder(manifest.modules, &order, err)) return parser.Fail(3, *err);
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] != i)
      return parser.Fail(i + 3, "module " + manifest.modules[i].name +
                                    " is out of canonical order (expected " +
                                    manifest.modules[order[i]].name + " here)");
  }
  *out = std::move(manifest);
  return true;
}

bool LoadManifest(const std::string& path, Manifest* out, std::string* err) {
  std::string text;
  if (!ReadFileBounded(path, kManifestMaxBytes, &text, err)) return false;
  return ParseManifest(text, path, out, err);
}

bool Canonicalize(Manifest* manifest, std::string* err) {
  for (ModuleEntry& m : manifest->modules) {
    SortUnique(&m.deps);
    SortUnique(&m.softdeps);
    // A module that is both a hard and a soft dependency is a hard one.
    std::vector<std::string> soft_only;
    std::set_difference(m.softdeps.begin(), m.softdeps.end(), m.deps.begin(), m.deps.end(),
                        std::back_inserter(soft_only));
    m.softdeps = std::move(soft_only);
  }
  std::vector<size_t> order;
  if (!CanonicalOrder(manifest->modules, &order, err)) return false;
  std::vector<ModuleEntry> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(manifest->modules[i]));
  manifest->modules = std::move(sorted);
  return true;
}

std::string SerializeManifest(const Manifest& manifest) {
  std::string out = "modseal-manifest " + std::to_string(kManifestVersion) + "\n";
  out += "kernel " + manifest.kernel + "\n";
  for (const ModuleEntry& m : manifest.modules) out += ModuleLine(m) + "\n";
  return out;
}

}  // namespace modseal
