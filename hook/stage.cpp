#include "stage.h"

#include <string>
#include <vector>

#include "blocked_autoloads.h"
#include "fail_closed.h"
#include "file_util.h"
#include "loader.h"
#include "measure.h"
#include "taint.h"

namespace modseal {
namespace {

// Only once the lock read back 1, so the line exists on sealed boots alone: scanners that
// want the setting in a sysctl file (OpenSCAP's sysctl_kernel_modules_disabled) find it,
// and systemd-sysctl applying it on the real root changes nothing.
void WriteSealedSysctl(const HookConfig& config, KernelOps& ops, bool kexec_absent) {
  std::string text =
      "# Written by modseal-hook: this boot is sealed (kernel.modules_disabled read back 1).\n"
      "kernel.modules_disabled = 1\n";
  if (config.lock_kexec && !kexec_absent) text += "kernel.kexec_load_disabled = 1\n";
  std::string err;
  if (!ops.WriteRuntimeFile(kSealedSysctlPath, text, &err))
    ops.Log("cannot write " + std::string(kSealedSysctlPath) + ": " + err +
            " (the seal holds; scanners reading sysctl.d will not see it)");
}

// Every request_module after the lock fails; where it goes decides whether anyone hears.
void RouteBlockedAutoloads(const HookConfig& config, KernelOps& ops) {
  if (config.blocked_autoload == BlockedAutoload::kModprobe) return;
  std::string helper;
  if (config.blocked_autoload == BlockedAutoload::kLog) {
    if (!ops.IsExecutable(kBlockedModprobePath)) {
      ops.Log(std::string("no ") + kBlockedModprobePath +
              ": blocked auto-loads go unrecorded to kernel.modprobe as it is");
      return;
    }
    helper = kBlockedModprobePath;
  }
  std::string err;
  if (!ops.WriteSysctl("kernel/modprobe", helper, &err))
    ops.Log("cannot point kernel.modprobe at \"" + helper + "\": " + err +
            " (the seal holds; blocked auto-loads go unrecorded)");
}

}  // namespace

Seal SealNow(const HookConfig& config, KernelOps& ops) {
  std::string err;
  bool kexec_absent = false;
  if (!Lock(config, ops, &kexec_absent, &err)) {
    ops.Log("FAILED: " + err);
    return Seal::kBroken;
  }
  // The console line tests and operators read to know the seal holds.
  ops.Log(std::string("locked: kernel.modules_disabled=1") +
          (!config.lock_kexec ? ""
           : kexec_absent     ? " (this kernel has no kexec_load to disable)"
                              : ", kernel.kexec_load_disabled=1"));
  WriteSealedSysctl(config, ops, kexec_absent);
  RouteBlockedAutoloads(config, ops);
  return Seal::kHeld;
}

int DecideStage(const HookConfig& config, KernelOps& ops, bool failed, Seal seal) {
  const bool stop = failed && config.policy == Policy::kEnforce;
  // A boot that stops is sealed first, wherever the kernel lets it be.
  if (stop && seal == Seal::kNotDue) seal = SealNow(config, ops);
  if (seal == Seal::kBroken) {
    // A lock that does not hold is never acceptable, in either policy.
    ops.Log("stopping the boot: the seal could not be set");
    return kStopBoot;
  }
  if (!stop) return kBootContinues;
  ops.Log("stopping the boot (policy enforce)");
  return kStopBoot;
}

namespace {

// Module taint that appeared while the hook inserted listed, hash-checked files: a listed
// out-of-tree or unsigned driver taints the kernel even when its init then finds no device.
constexpr char kTaintByOwnInserts[] = "taint-by-own-inserts";

// After the load stage: enforce stops a failed boot at once (sealed by DecideStage);
// lock=early then seals through the lock stage's audit; pre-mount leaves that to it.
int EndLoadStage(const HookConfig& config, KernelOps& ops, bool failed) {
  if (config.lock == LockPoint::kEarly && !(failed && config.policy == Policy::kEnforce))
    return RunLockStage(config, ops);
  return DecideStage(config, ops, failed, Seal::kNotDue);
}

}  // namespace

int RunLoadStage(const HookConfig& config, KernelOps& ops) {
  const uint64_t start = ops.NowMicros();
  ops.Log(std::string("load: policy ") + PolicyName(config.policy) + ", lock " +
          LockPointName(config.lock) + ", decompress " + DecompressName(config.decompress));
  Manifest manifest;
  std::string err;
  if (!VerifyForBoot(config, ops, &manifest, &err)) {
    LogFailure(ops, config, err);
    // Nothing from an unverified list is loaded, whatever the policy.
    ops.Log("summary: loaded 0, already 0, skipped 0, failed 1 (manifest not verified)");
    return EndLoadStage(config, ops, true);
  }
  // Before any insert, so an unlisted file is never loaded by anyone under enforce.
  const bool image_ok = CheckImageModuleFiles(config, manifest, ops);
  if (!image_ok && config.policy == Policy::kEnforce) {
    ops.Log("summary: loaded 0, already 0, skipped 0, failed 1 (unlisted module files)");
    return EndLoadStage(config, ops, true);
  }
  std::vector<std::string> failures;
  uint64_t taint_before = 0, taint_after = 0;
  const bool taint_read = ReadTaint(ops, &taint_before, &err);
  LoadCounts c = LoadListed(config, manifest, ops, &failures);
  // Unread, nothing is excused: the lock stage then holds every module taint to account.
  const uint64_t own = taint_read && ReadTaint(ops, &taint_after, &err)
                           ? taint_after & ~taint_before & ModuleTaintMask()
                           : 0;
  if (!ops.SaveState(kTaintByOwnInserts, std::to_string(own), &err))
    ops.Log("cannot record the taint of the hook's own inserts: " + err);
  const uint64_t ms = (ops.NowMicros() - start) / 1000;
  ops.Log("summary: loaded " + std::to_string(c.loaded) + ", already " +
          std::to_string(c.already) + ", skipped " + std::to_string(c.skipped) + ", failed " +
          std::to_string(c.failed) + " of " + std::to_string(manifest.modules.size()) + " in " +
          std::to_string(ms) + " ms");
  // For benchmarks: time inside the kernel's insert calls is the floor of any loader.
  ops.Log("timing: wall_us=" + std::to_string(ops.NowMicros() - start) +
          " insert_us=" + std::to_string(c.insert_us) + " hash_us=" + std::to_string(c.hash_us) +
          " wait_us=" + std::to_string(c.wait_us) + " waves=" + std::to_string(c.waves) +
          " threads=" + std::to_string(c.threads) +
          " decompressed=" + std::to_string(c.decompressed));
  return EndLoadStage(config, ops, !image_ok || c.failed != 0);
}

namespace {

// The lock stage's work: verify, seal, audit. *failed says whether anything failed; *facts
// gets what the measured seal binds (placeholders when the manifest did not verify).
Seal SealAndAudit(const HookConfig& config, KernelOps& ops, std::vector<std::string>* failures,
                  SealFacts* facts) {
  Manifest manifest;
  std::string err;
  failures->clear();
  // Kept here as well as in /run/modseal/failures: a record that could not be written
  // must not make the outcome read "sealed".
  auto fail = [&](const std::string& what) {
    LogFailure(ops, config, what);
    failures->push_back(what);
  };
  const bool verified = VerifyForBoot(config, ops, &manifest, &err, facts);
  if (!verified) {
    fail(err);
    *facts = {"unverified", "none", ops.KernelRelease(), PolicyName(config.policy),
              LockPointName(config.lock), config.lock_kexec};
  }
  // Lock first: the audit below then reads a set that nothing can add to any more.
  if (SealNow(config, ops) == Seal::kBroken) return Seal::kBroken;
  std::vector<LoadedModule> loaded;
  if (!ops.LoadedModules(&loaded, &err)) {
    fail("cannot audit loaded modules: " + err);
  }
  if (verified) {
    for (const std::string& name : UnlistedLoaded(manifest, ModuleNames(loaded))) {
      fail("module " + name + " is loaded but not in the manifest");
    }
  }
  uint64_t tainted = 0, own = 0;
  if (!ReadTaint(ops, &tainted, &err)) {
    fail("cannot read kernel.tainted: " + err);
  }
  std::string saved;
  if (ops.LoadState(kTaintByOwnInserts, &saved, &err) && !ParseTaint(saved, &own)) own = 0;
  for (const std::string& what : UnexplainedTaint(tainted & ~own, loaded)) {
    fail(what);
  }
  return Seal::kHeld;
}

}  // namespace

int RunLockStage(const HookConfig& config, KernelOps& ops) {
  std::vector<std::string> failures;
  SealFacts facts;
  const Seal seal = SealAndAudit(config, ops, &failures, &facts);
  return DecideStage(config, ops, !failures.empty(), seal);
}

int RunFinishStage(const HookConfig& config, KernelOps& ops) {
  std::vector<std::string> failures;
  SealFacts facts;
  const Seal seal = SealAndAudit(config, ops, &failures, &facts);
  bool failed = !failures.empty();
  // Measured only when the boot goes on sealed: a stopped boot has no outcome to prove.
  if (seal == Seal::kHeld && !(failed && config.policy == Policy::kEnforce)) {
    std::vector<std::string> events = SealEvents(facts);
    std::vector<std::string> all = RecordedFailures(ops);
    all.insert(all.end(), failures.begin(), failures.end());
    events.push_back(OutcomeEvent(all));
    std::string err;
    if (!MeasureForStage(config, ops, events, &err)) {
      LogFailure(ops, config, err);
      failed = true;
    }
  }
  return DecideStage(config, ops, failed, seal);
}

int RunMeasureShell(const HookConfig& config, KernelOps& ops, const std::string& who) {
  std::string err;
  const Measured m = MeasureEvents(config, ops, {ShellEvent(who)}, &err);
  if (m == Measured::kFailed) ops.Log("FAILED: tpm: the shell could not be measured: " + err);
  // A shell the PCR does not show is refused wherever a TPM takes measurements.
  if (m == Measured::kFailed || (m == Measured::kSkipped && config.tpm == TpmMode::kRequired))
    return kStopBoot;
  return kBootContinues;
}

int StopBoot(OnFailure how, KernelOps& ops) {
  if (how == OnFailure::kEmergency) return kStopBoot;
  ops.Log(how == OnFailure::kHalt ? "halting" : "powering off");
  ops.StopMachine(how == OnFailure::kHalt);
  return kStopBoot;  // the kernel refused: the caller still stops the boot
}

int StopWithoutConfig(KernelOps& ops, const std::string& why) {
  // No configuration means no trusted key: fail closed, as enforce does, with the
  // strictest settings.
  ops.Log("FAILED: " + why);
  const HookConfig strict;
  SealNow(strict, ops);
  ops.Log("stopping the boot: no usable configuration");
  return StopBoot(OnFailure::kPowerOff, ops);
}

int RunHook(const std::string& stage, const std::string& config_path,
            const std::string& cmdline_path, KernelOps& ops) {
  HookConfig config;
  std::string text, err;
  if (!ReadFileBounded(config_path, kHookConfigMaxBytes, &text, &err) ||
      !ParseHookConfig(text, config_path, &config, &err))
    return StopWithoutConfig(ops, err);
  std::string cmdline;
  if (ReadFileBounded(cmdline_path, kCmdlineMaxBytes, &cmdline, &err)) {
    std::vector<std::string> notes;
    ApplyCommandLine(cmdline, &config, &notes);
    for (const std::string& note : notes) ops.Log(note);
  }
  const StageFunction run = stage == "load"   ? RunLoadStage
                           : stage == "lock" ? RunLockStage
                                             : RunFinishStage;
  const int result = RunStageFailClosed(run, stage.c_str(), config, ops);
  return result == kStopBoot ? StopBoot(config.on_failure, ops) : result;
}

}  // namespace modseal
