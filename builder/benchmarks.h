// The modules compliance benchmarks want denied, and which item of each benchmark a
// denial satisfies: blacklist writes them in the spellings scanners match, status maps
// its findings to them as evidence.
#pragma once

#include <string>
#include <vector>

namespace modseal {

struct BenchmarkModule {
  std::string name;     // the kernel's name (underscores), as modprobe.d matches it
  std::string cis;      // CIS Debian Linux 12 Benchmark v1.1.0 item, "" if none
  std::string lynis;    // Lynis 3.0.8 test id
  std::string ssg;      // SCAP Security Guide rule id (xccdf_org.ssgproject.content_rule_...)
  // Why a node may need it: in the manifest, it is a reported exception, not a failure.
  std::string exception_use;
};

// The CIS list (file systems, usb-storage, uncommon protocols) and firewire, which
// Lynis checks.
const std::vector<BenchmarkModule>& BenchmarkModules();
const BenchmarkModule* FindBenchmarkModule(const std::string& name);

// The spellings modprobe.d lines are written in: the kernel's, then the hyphenated
// file-name form where it differs (Lynis STRG-1846 and the Ubuntu STIG grep for
// "firewire-core" and "usb-storage"; kmod reads both as the same module).
std::vector<std::string> ScannerSpellings(const std::string& name);

// A sealed kernel's sysctls, and the benchmark items they satisfy.
struct BenchmarkSysctl {
  std::string key;  // e.g. "kernel.modules_disabled"
  std::string lynis;
  std::string ssg;
};
const std::vector<BenchmarkSysctl>& BenchmarkSysctls();

}  // namespace modseal
