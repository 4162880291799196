// The module manifest: which kernel modules a machine may load, pinned by hash.
//
// Text, one byte-exact canonical form (see docs in README "The manifest"):
//
//   modseal-manifest 1
//   kernel 6.1.0-28-cloud-amd64
//   module NAME PATH sha256:HEX WHY DEPS
//
// Modules come in dependency order (each after everything in its DEPS), ties broken by
// name, so two captures of the same host produce the same bytes and the same signature.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace modseal {

constexpr int kManifestVersion = 1;
constexpr size_t kManifestMaxBytes = 4 << 20;
constexpr size_t kManifestMaxLine = 4096;
constexpr size_t kManifestMaxModules = 16384;

enum class Reason { kLoaded, kAdded, kNeededBy, kSoftdepOf };

struct ModuleEntry {
  std::string name;    // as the kernel names it ("-" written "_"), at most 55 bytes
  std::string path;    // relative to /lib/modules/KVER, no "..", ends in .ko[.xz|.zst|.gz]
  std::string sha256;  // lower-case hex of the file as installed
  Reason reason = Reason::kLoaded;
  std::string reason_module;      // the X of needed-by:X / softdep-of:X
  std::vector<std::string> deps;      // hard dependencies (modules.dep), sorted
  // pre: softdeps that are not also hard deps, sorted. Loaded first when they load at all:
  // like modprobe, a softdep that fails (crc32c_intel without SSE4.2) does not hold its
  // user back. Written "pre:NAME" among the deps.
  std::vector<std::string> softdeps;
};

struct Manifest {
  std::string kernel;
  std::vector<ModuleEntry> modules;

  const ModuleEntry* Find(std::string_view name) const;
};

// Strict: anything but the canonical form is rejected with "FILE:LINE: problem".
bool ParseManifest(std::string_view text, const std::string& filename, Manifest* out,
                   std::string* err);

bool LoadManifest(const std::string& path, Manifest* out, std::string* err);

// Puts modules in canonical order and sorts deps; fails (naming the modules) on a
// dependency cycle or a dep that is not listed.
bool Canonicalize(Manifest* manifest, std::string* err);

// The canonical bytes. The manifest must be canonical (see Canonicalize).
std::string SerializeManifest(const Manifest& manifest);

std::string ReasonText(const ModuleEntry& entry);

// The DEPS field: "-" or every dependency by name, softdeps written "pre:NAME".
std::string DepsText(const ModuleEntry& entry);

// Module names compare equal with '-' and '_' exchanged, as the kernel treats them.
std::string NormalizeModuleName(std::string_view name);
bool IsValidModuleName(std::string_view name);
// The module a kernel command line word NAME.PARAM=VALUE sets a parameter for (kernel
// form), or "" for any other word (rd.* and systemd.* belong to the initramfs and init).
std::string CommandLineParameterModule(std::string_view word);
bool IsValidKernelRelease(std::string_view release);
bool IsValidModulePath(std::string_view path);
// Ends in .ko, .ko.xz, .ko.zst or .ko.gz, as the files libkmod and udev load.
bool HasModuleFileSuffix(std::string_view path);

}  // namespace modseal
