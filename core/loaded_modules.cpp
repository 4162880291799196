#include "loaded_modules.h"

#include <set>

#include "file_util.h"
#include "manifest.h"
#include "text_lines.h"

namespace modseal {
namespace {

// lsmod pads its columns with runs of spaces.
std::vector<std::string_view> Columns(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// The kernel writes /proc/modules with exactly one space between fields.
std::vector<std::string_view> SingleSpaced(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ') {
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

bool IsNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool IsHexAddress(std::string_view s) {
  if (s.size() < 3 || s.substr(0, 2) != "0x") return false;
  for (char c : s.substr(2))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// "-", or users each followed by a comma ("[permanent]," for a module that cannot unload).
bool IsUsedBy(std::string_view s) {
  if (s == "-") return true;
  if (s.empty() || s.back() != ',') return false;
  s.remove_suffix(1);
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      std::string_view user = s.substr(start, i - start);
      if (user != "[permanent]" && !IsValidModuleName(user)) return false;
      start = i + 1;
    }
  }
  return true;
}

// "(OE)", "(+)" while loading, "(OE-)" while unloading.
bool IsTaint(std::string_view s, std::string* letters) {
  if (s.size() < 3 || s.front() != '(' || s.back() != ')') return false;
  letters->clear();
  for (char c : s.substr(1, s.size() - 2)) {
    if (c >= 'A' && c <= 'Z') letters->push_back(c);
    else if (c != '+' && c != '-') return false;
  }
  return true;
}

// name size refcount used-by state address [taint]; refcount is "-" without module unload.
bool ParseProcLine(std::string_view line, LoadedModule* out, std::string* problem) {
  std::vector<std::string_view> f = SingleSpaced(line);
  if (f.size() != 6 && f.size() != 7) {
    *problem = "not a /proc/modules line (" + std::to_string(f.size()) + " fields, not 6 or 7)";
    return false;
  }
  const bool state_ok = f[4] == "Live" || f[4] == "Loading" || f[4] == "Unloading";
  const bool refs_ok = f[2] == "-" || IsNumber(f[2]) ||
                       (f[2].size() > 1 && f[2][0] == '-' && IsNumber(f[2].substr(1)));
  if (!IsNumber(f[1]) || !refs_ok || !IsUsedBy(f[3]) || !state_ok || !IsHexAddress(f[5]) ||
      (f.size() == 7 && !IsTaint(f[6], &out->taint))) {
    *problem = "not a /proc/modules line";
    return false;
  }
  if (f.size() == 6) out->taint.clear();
  out->name = std::string(f[0]);
  return true;
}

bool ParseLsmodLine(std::string_view line, LoadedModule* out, std::string* problem) {
  std::vector<std::string_view> f = Columns(line);
  if (f.size() < 3 || f.size() > 4 || !IsNumber(f[1]) || !IsNumber(f[2])) {
    *problem = "not a lsmod line";
    return false;
  }
  out->name = std::string(f[0]);
  out->taint.clear();
  return true;
}

bool IsLsmodHeader(std::string_view line) {
  return Columns(line) == std::vector<std::string_view>{"Module", "Size", "Used", "by"};
}

}  // namespace

bool ParseLoadedModules(std::string_view text, const std::string& filename, LoadedFormat format,
                        std::vector<LoadedModule>* modules, std::string* err, bool* was_lsmod) {
  std::vector<std::string_view> lines = SplitLines(text);
  const bool lsmod = format == LoadedFormat::kProcModulesOrLsmod && !lines.empty() &&
                     IsLsmodHeader(lines[0]);
  if (was_lsmod) *was_lsmod = lsmod;
  std::set<std::string> seen;
  modules->clear();
  for (size_t i = lsmod ? 1 : 0; i < lines.size(); ++i) {
    const std::string where = Where(filename, i + 1);
    // lsmod may end with blank lines; the kernel never writes one.
    if (lsmod && Columns(lines[i]).empty()) continue;
    LoadedModule m;
    std::string problem;
    if (!(lsmod ? ParseLsmodLine(lines[i], &m, &problem) : ParseProcLine(lines[i], &m, &problem))) {
      *err = where + problem;
      return false;
    }
    if (!IsValidModuleName(m.name)) {
      *err = where + "invalid module name \"" + m.name + "\"";
      return false;
    }
    m.name = NormalizeModuleName(m.name);
    if (!seen.insert(m.name).second) {
      *err = where + "module " + m.name + " listed twice";
      return false;
    }
    modules->push_back(std::move(m));
  }
  return true;
}

bool ReadLoadedModules(const std::string& path, LoadedFormat format,
                       std::vector<LoadedModule>* modules, std::string* err, bool* was_lsmod) {
  std::string text;
  if (!ReadFileBounded(path, kLoadedListMaxBytes, &text, err)) return false;
  return ParseLoadedModules(text, path, format, modules, err, was_lsmod);
}

std::vector<std::string> ModuleNames(const std::vector<LoadedModule>& modules) {
  std::vector<std::string> names;
  for (const LoadedModule& m : modules) names.push_back(m.name);
  return names;
}

}  // namespace modseal
