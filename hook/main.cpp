// modseal-hook: runs inside the initramfs. `load` verifies the signed manifest and loads
// exactly its modules; `lock` audits and sets kernel.modules_disabled=1. Exit 1 means the
// boot must stop (policy enforce).
#include <cstdio>
#include <cstring>
#include <sodium.h>
#include <string>
#include <sys/reboot.h>
#include <unistd.h>

#include "config.h"
#include "fail_closed.h"
#include "file_util.h"
#include "kernel_ops_linux.h"
#include "loader.h"

namespace {

const char kUsage[] =
    "usage: modseal-hook [--config FILE] [--cmdline FILE] load|lock|check-config\n"
    "  load  verify the manifest, load its modules (and lock, with lock=early)\n"
    "  lock  audit loaded modules against the manifest, set modules_disabled=1\n"
    "  check-config  parse the configuration only (used when the image is built)\n"
    "defaults: --config /etc/modseal/hook.conf --cmdline /proc/cmdline\n"
    "exit: 0 boot continues; 1 boot must stop; 2 usage error\n";

// Fail closed even where the init system would ignore the hook's exit status.
int StopBoot(modseal::OnFailure how, modseal::KernelOps& ops) {
  if (how == modseal::OnFailure::kEmergency) return modseal::kStopBoot;
  ops.Log(how == modseal::OnFailure::kHalt ? "halting" : "powering off");
  sync();
  reboot(how == modseal::OnFailure::kHalt ? RB_HALT_SYSTEM : RB_POWER_OFF);
  return modseal::kStopBoot;  // reboot() failed: the caller still stops the boot
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/modseal/hook.conf";
  std::string cmdline_path = "/proc/cmdline";
  std::string stage;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "--cmdline") && i + 1 < argc) {
      (arg == "--config" ? config_path : cmdline_path) = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (stage.empty() && (arg == "load" || arg == "lock" || arg == "check-config")) {
      stage = arg;
    } else {
      fputs(kUsage, stderr);
      return 2;
    }
  }
  if (stage.empty()) {
    fputs(kUsage, stderr);
    return 2;
  }
  modseal::HookConfig config;
  std::string text, err;
  if (stage == "check-config") {
    if (modseal::ReadFileBounded(config_path, modseal::kHookConfigMaxBytes, &text, &err) &&
        modseal::ParseHookConfig(text, config_path, &config, &err))
      return 0;
    fprintf(stderr, "modseal-hook: %s\n", err.c_str());
    return 2;
  }
  modseal::LinuxKernelOps ops;
  if (sodium_init() < 0 ||
      !modseal::ReadFileBounded(config_path, modseal::kHookConfigMaxBytes, &text, &err) ||
      !modseal::ParseHookConfig(text, config_path, &config, &err)) {
    // No configuration means no trusted key: fail closed, as enforce does.
    ops.Log("FAILED: " + (err.empty() ? std::string("libsodium failed to initialise") : err));
    modseal::HookConfig strict;
    std::string lock_err;
    bool kexec_absent = false;
    if (!modseal::Lock(strict, ops, &kexec_absent, &lock_err)) ops.Log("FAILED: " + lock_err);
    ops.Log("stopping the boot: no usable configuration");
    return StopBoot(modseal::OnFailure::kPowerOff, ops);
  }
  std::string cmdline;
  if (modseal::ReadFileBounded(cmdline_path, modseal::kCmdlineMaxBytes, &cmdline, &err)) {
    std::vector<std::string> notes;
    modseal::ApplyCommandLine(cmdline, &config, &notes);
    for (const std::string& note : notes) ops.Log(note);
  }
  int result = modseal::RunStageFailClosed(
      stage == "load" ? modseal::RunLoadStage : modseal::RunLockStage, stage.c_str(), config,
      ops);
  return result == modseal::kStopBoot ? StopBoot(config.on_failure, ops) : result;
}
