// modseal-hook: runs inside the initramfs. `load` verifies the signed manifest and loads
// exactly its modules; `lock` audits and sets kernel.modules_disabled=1; `finish` audits
// once more and measures the seal. Exit 1 means the boot must stop (policy enforce). What each stage does is in stage.h; this only reads the
// arguments.
#include <cstdio>
#include <sodium.h>
#include <string>

#include "blocked_modprobe.h"
#include "hook_config.h"
#include "file_util.h"
#include "kernel_ops_linux.h"
#include "stage.h"

namespace {

const char kUsage[] =
    "usage: modseal-hook [--config FILE] [--cmdline FILE] load|lock|finish|check-config\n"
    "       modseal-hook [--config FILE] measure-shell WHO\n"
    "  load  verify the manifest, load its modules (and lock, with lock=early)\n"
    "  lock  audit loaded modules against the manifest, set modules_disabled=1\n"
    "  finish  lock's audit once more, then measure the seal into the TPM\n"
    "  measure-shell  measure a shell about to start (after the fail-safe sealed)\n"
    "  check-config  parse the configuration only (used when the image is built)\n"
    "defaults: --config /etc/modseal/hook.conf --cmdline /proc/cmdline\n"
    "started as blocked-modprobe (kernel.modprobe once sealed): records and logs the\n"
    "  auto-load request, loads nothing, exits 1\n"
    "exit: 0 boot continues; 1 boot must stop; 2 usage error\n";

int CheckConfig(const std::string& config_path) {
  modseal::HookConfig config;
  std::string text, err;
  if (modseal::ReadFileBounded(config_path, modseal::kHookConfigMaxBytes, &text, &err) &&
      modseal::ParseHookConfig(text, config_path, &config, &err))
    return 0;
  fprintf(stderr, "modseal-hook: %s\n", err.c_str());
  return 2;
}

// The fail-safe calls this with the kernel sealed already: a bad configuration stops the
// shell (exit 1), nothing else.
int MeasureShell(const std::string& config_path, const std::string& who,
                 modseal::KernelOps& ops) {
  modseal::HookConfig config;
  std::string text, err;
  if (!modseal::ReadFileBounded(config_path, modseal::kHookConfigMaxBytes, &text, &err) ||
      !modseal::ParseHookConfig(text, config_path, &config, &err)) {
    ops.Log("FAILED: " + err);
    return modseal::kStopBoot;
  }
  try {
    return modseal::RunMeasureShell(config, ops, who);
  } catch (...) {
    ops.Log("FAILED: measuring the shell aborted");
    return modseal::kStopBoot;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // kernel.modprobe after the lock: started by the kernel as blocked-modprobe -q -- NAME.
  const std::string invoked = argc > 0 ? argv[0] : "";
  if (invoked.substr(invoked.rfind('/') + 1) == modseal::kBlockedModprobeName)
    return modseal::RunBlockedModprobe(argc, argv);
  std::string config_path = "/etc/modseal/hook.conf";
  std::string cmdline_path = "/proc/cmdline";
  std::string stage, who;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "--cmdline") && i + 1 < argc) {
      (arg == "--config" ? config_path : cmdline_path) = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (stage.empty() && (arg == "load" || arg == "lock" || arg == "finish" ||
                                  arg == "check-config")) {
      stage = arg;
    } else if (stage.empty() && arg == "measure-shell" && i + 1 < argc) {
      stage = arg;
      who = argv[++i];
    } else {
      fputs(kUsage, stderr);
      return 2;
    }
  }
  if (stage.empty()) {
    fputs(kUsage, stderr);
    return 2;
  }
  if (stage == "check-config") return CheckConfig(config_path);
  modseal::LinuxKernelOps ops;
  if (sodium_init() < 0) return modseal::StopWithoutConfig(ops, "libsodium failed to initialise");
  if (stage == "measure-shell") return MeasureShell(config_path, who, ops);
  return modseal::RunHook(stage, config_path, cmdline_path, ops);
}
