#include "loaded_modules.h"

#include <set>

#include "file_util.h"
#include "manifest.h"
#include "text_lines.h"

namespace modseal {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
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

bool IsNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

bool ParseLoadedModules(std::string_view text, const std::string& filename,
                        std::vector<std::string>* names, std::string* err) {
  std::vector<std::string_view> lines = SplitLines(text);
  bool lsmod = !lines.empty() && StartsWith(lines[0], "Module") &&
               lines[0].find("Size") != std::string_view::npos;
  // /proc/modules: name size refcount deps state address; lsmod: name size used [by].
  const size_t min_fields = lsmod ? 3 : 6;
  std::set<std::string> seen;
  names->clear();
  for (size_t i = lsmod ? 1 : 0; i < lines.size(); ++i) {
    const std::string where = filename + ":" + std::to_string(i + 1) + ": ";
    std::vector<std::string_view> f = Fields(lines[i]);
    if (f.empty()) continue;
    if (f.size() < min_fields || !IsNumber(f[1])) {
      *err = where + "not a " + (lsmod ? "lsmod" : "/proc/modules") + " line";
      return false;
    }
    if (!IsValidModuleName(f[0])) {
      *err = where + "invalid module name \"" + std::string(f[0]) + "\"";
      return false;
    }
    std::string name = NormalizeModuleName(f[0]);
    if (!seen.insert(name).second) {
      *err = where + "module " + name + " listed twice";
      return false;
    }
    names->push_back(name);
  }
  return true;
}

bool ReadLoadedModules(const std::string& path, std::vector<std::string>* names,
                       std::string* err) {
  std::string text;
  if (!ReadFileBounded(path, kLoadedListMaxBytes, &text, err)) return false;
  return ParseLoadedModules(text, path, names, err);
}

}  // namespace modseal
