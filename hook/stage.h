// What the hook does at each stage, and the one rule every stage ends by.
//
// load: verify the manifest, refuse module files it does not list, then load the listed
//       modules (loader.h); with lock=early, the lock stage follows at once.
// lock: verify again, set modules_disabled=1 (and kexec_load_disabled=1), read it back,
//       then audit what is loaded and the kernel's taint, when nothing can load any more.
//       Runs before the real root is mounted.
// finish: the lock stage once more right before switch_root, then the measured seal: the
//       manifest, key, kernel, settings and outcome extended into the TPM (measure.h).
// measure-shell: a shell is about to start (the fail-safe sealed already): measured, so
//       the PCR never reads as a clean seal after it.
#pragma once

#include <string>

#include "hook_config.h"
#include "kernel_ops.h"

namespace modseal {

constexpr char kSealedSysctlPath[] = "/run/sysctl.d/50-modseal.conf";

enum HookResult { kBootContinues = 0, kStopBoot = 1 };

// Where the seal stands when a stage decides.
enum class Seal { kNotDue, kHeld, kBroken };

// Every stage's outcome: a seal that could not be set stops the boot in either policy; a
// failure stops it under enforce, sealed first; anything else boots on.
int DecideStage(const HookConfig& config, KernelOps& ops, bool failed, Seal seal);
// Sets the lock and logs "locked: ..." (the line operators and tests read), or why not.
Seal SealNow(const HookConfig& config, KernelOps& ops);

int RunLoadStage(const HookConfig& config, KernelOps& ops);
int RunLockStage(const HookConfig& config, KernelOps& ops);
int RunFinishStage(const HookConfig& config, KernelOps& ops);
// kStopBoot when the shell must not start: a TPM that is there did not take the event, or
// tpm=required and there is none.
int RunMeasureShell(const HookConfig& config, KernelOps& ops, const std::string& who);

// How a stopped boot ends: the hook powers off or halts the machine itself, so no init
// system can ignore it; emergency leaves it to dracut. Always kStopBoot.
int StopBoot(OnFailure how, KernelOps& ops);
// No usable configuration means no trusted key: seal with the strictest settings, power off.
int StopWithoutConfig(KernelOps& ops, const std::string& why);
// main()'s load, lock and finish: configuration, command line, the stage run fail-closed, and the
// machine stopped when the stage says so.
int RunHook(const std::string& stage, const std::string& config_path,
            const std::string& cmdline_path, KernelOps& ops);

}  // namespace modseal
