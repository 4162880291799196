#include "benchmarks.h"

namespace modseal {

const std::vector<BenchmarkModule>& BenchmarkModules() {
  static const std::vector<BenchmarkModule> kModules = {
      {"cramfs", "1.1.1.1", "", "kernel_module_cramfs_disabled", ""},
      {"freevxfs", "1.1.1.2", "", "kernel_module_freevxfs_disabled", ""},
      {"hfs", "1.1.1.3", "", "kernel_module_hfs_disabled", ""},
      {"hfsplus", "1.1.1.4", "", "kernel_module_hfsplus_disabled", ""},
      {"jffs2", "1.1.1.5", "", "kernel_module_jffs2_disabled", ""},
      {"overlay", "1.1.1.6", "", "kernel_module_overlay_disabled",
       "container runtimes (containerd, CRI-O, Docker) need overlayfs"},
      {"squashfs", "1.1.1.7", "", "kernel_module_squashfs_disabled",
       "snap packages and live images mount squashfs"},
      {"udf", "1.1.1.8", "", "kernel_module_udf_disabled", ""},
      {"usb_storage", "1.1.1.9", "USB-1000", "kernel_module_usb-storage_disabled", ""},
      {"dccp", "3.2.1", "NETW-3200", "kernel_module_dccp_disabled", ""},
      {"tipc", "3.2.2", "NETW-3200", "kernel_module_tipc_disabled", ""},
      {"rds", "3.2.3", "NETW-3200", "kernel_module_rds_disabled", ""},
      {"sctp", "3.2.4", "NETW-3200", "kernel_module_sctp_disabled", ""},
      {"firewire_core", "", "STRG-1846", "kernel_module_firewire-core_disabled", ""},
      {"firewire_ohci", "", "STRG-1846", "", ""},
  };
  return kModules;
}

const BenchmarkModule* FindBenchmarkModule(const std::string& name) {
  for (const BenchmarkModule& m : BenchmarkModules())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> ScannerSpellings(const std::string& name) {
  std::string hyphens = name;
  for (char& c : hyphens)
    if (c == '_') c = '-';
  if (hyphens == name) return {name};
  return {name, hyphens};
}

const std::vector<BenchmarkSysctl>& BenchmarkSysctls() {
  static const std::vector<BenchmarkSysctl> kSysctls = {
      {"kernel.modules_disabled", "KRNL-6000", "sysctl_kernel_modules_disabled"},
      {"kernel.kexec_load_disabled", "", "sysctl_kernel_kexec_load_disabled"},
  };
  return kSysctls;
}

}  // namespace modseal
