// show and diff: reading manifests for people and for fleet tooling.
#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "commands.h"
#include "manifest_diff.h"
#include "json.h"

namespace modseal {
namespace {

std::string ModuleJson(const ModuleEntry& m) {
  return "{\"name\":" + JsonString(m.name) + ",\"path\":" + JsonString(m.path) +
         ",\"sha256\":" + JsonString(m.sha256) + ",\"reason\":" + JsonString(ReasonText(m)) +
         ",\"deps\":" + JsonStringArray(m.deps) +
         ",\"softdeps\":" + JsonStringArray(m.softdeps) + "}";
}

// One module's value of a --fields name; false for an unknown name.
bool ModuleField(const ModuleEntry& m, const std::string& field, std::string* value) {
  if (field == "name") *value = m.name;
  else if (field == "path") *value = m.path;
  else if (field == "sha256") *value = m.sha256;
  else if (field == "reason") *value = ReasonText(m);
  else if (field == "deps") *value = DepsText(m);
  else return false;
  return true;
}

// For scripts (the dracut module, the tests): the manifest read by the one parser.
int PrintFields(const Manifest& m, const std::string& list) {
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    const size_t comma = list.find(',', start);
    fields.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (fields == std::vector<std::string>{"kernel"}) {
    printf("%s\n", m.kernel.c_str());
    return kExitOk;
  }
  std::string value;
  for (const std::string& f : fields)
    if (!ModuleField(ModuleEntry(), f, &value))
      return Fail("--fields: unknown field \"" + f + "\" (name, path, sha256, reason, deps; or "
                  "kernel alone)", kExitUsage);
  std::string out;
  for (const ModuleEntry& e : m.modules)
    for (size_t i = 0; i < fields.size(); ++i) {
      ModuleField(e, fields[i], &value);
      out += value + (i + 1 < fields.size() ? "\t" : "\n");
    }
  fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

int RunShow(const std::string& path, bool json, const std::string& fields) {
  Manifest m;
  std::string err;
  if (!LoadManifest(path, &m, &err)) return Fail(err);
  if (!fields.empty()) return PrintFields(m, fields);
  if (json) {
    std::string out = "{\"kernel\":" + JsonString(m.kernel) + ",\"modules\":[";
    for (size_t i = 0; i < m.modules.size(); ++i) out += (i ? "," : "") + ModuleJson(m.modules[i]);
    printf("%s]}\n", out.c_str());
    return kExitOk;
  }
  size_t name_w = 6, why_w = 6;
  for (const ModuleEntry& e : m.modules) {
    name_w = std::max(name_w, e.name.size());
    why_w = std::max(why_w, ReasonText(e).size());
  }
  printf("kernel %s, %zu modules (load order)\n\n", m.kernel.c_str(), m.modules.size());
  printf("%4s  %-*s  %-*s  %-12s  %s\n", "#", int(name_w), "MODULE", int(why_w), "REASON",
         "SHA256", "PATH / DEPS");
  for (size_t i = 0; i < m.modules.size(); ++i) {
    const ModuleEntry& e = m.modules[i];
    printf("%4zu  %-*s  %-*s  %.12s  %s\n", i + 1, int(name_w), e.name.c_str(), int(why_w),
           ReasonText(e).c_str(), e.sha256.c_str(), e.path.c_str());
    if (!e.deps.empty() || !e.softdeps.empty())
      printf("%4s  %-*s  %-*s  %12s  after: %s\n", "", int(name_w), "", int(why_w), "", "",
             DepsText(e).c_str());
  }
  return kExitOk;
}

int RunDiff(const std::string& path_a, const std::string& path_b, bool json) {
  Manifest a, b;
  std::string err;
  if (!LoadManifest(path_a, &a, &err) || !LoadManifest(path_b, &b, &err)) return Fail(err);
  const ManifestDiff d = DiffManifests(a, b);
  if (json) {
    printf("{\"kernel_a\":%s,\"kernel_b\":%s,\"added\":%s,\"removed\":%s,\"changed\":%s,"
           "\"identical\":%s}\n",
           JsonString(a.kernel).c_str(), JsonString(b.kernel).c_str(),
           JsonStringArray(d.added).c_str(), JsonStringArray(d.removed).c_str(),
           JsonStringArray(d.changed).c_str(), d.Identical() ? "true" : "false");
    return d.Identical() ? kExitOk : kExitCheckFailed;
  }
  for (const std::string& line : DiffLines(a, b, d)) printf("%s\n", line.c_str());
  if (d.Identical()) printf("identical module sets\n");
  return d.Identical() ? kExitOk : kExitCheckFailed;
}

}  // namespace modseal
