// What the hook does at each stage, decided here and carried out through KernelOps.
//
// load: verify the manifest, refuse module files it does not list, then insert the modules
//       wave by wave from copies a reader thread hash-checks ahead of them (read_ahead.h): a
//       wave holds modules that do not depend on each other, inserted by parallel threads;
//       with lock=early, lock right after.
// lock: verify again, set modules_disabled=1 (and kexec_load_disabled=1), read it back,
//       then audit what is loaded and the kernel's taint, when nothing can load any more.
//       Runs before the real root is mounted.
// Under the enforce policy any failure locks at once and returns kStopBoot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.h"
#include "kernel_ops.h"
#include "manifest.h"

namespace modseal {

enum HookResult { kBootContinues = 0, kStopBoot = 1 };

struct LoadCounts {
  size_t loaded = 0;
  size_t already = 0;
  size_t skipped = 0;
  size_t failed = 0;
  size_t waves = 0;
  unsigned threads = 1;
  uint64_t insert_us = 0;  // summed over threads
  uint64_t hash_us = 0;  // the reader's: read, hash and prepare, beside the inserts
  uint64_t wait_us = 0;  // inserts waiting for the reader, summed over threads
  size_t decompressed = 0;  // inserted from a copy the hook decompressed
};

int RunLoadStage(const HookConfig& config, KernelOps& ops);
int RunLockStage(const HookConfig& config, KernelOps& ops);

// Parts, exposed for tests.
// Indexes into manifest.modules, grouped so that each module comes in a later wave than
// everything it is loaded after (hard dependencies and softdeps).
std::vector<std::vector<size_t>> LoadWaves(const Manifest& manifest);
bool VerifyForBoot(const HookConfig& config, KernelOps& ops, Manifest* manifest,
                   std::string* err);
LoadCounts LoadListed(const HookConfig& config, const Manifest& manifest, KernelOps& ops,
                      std::vector<std::string>* failures);
// Module files in the initramfs that are not a listed module's regular file: put in by
// dracut's install_items or --include after the module's build checks, or a symlink.
// Empty with *err set if the image cannot be walked.
std::vector<ModuleFile> UnlistedModuleFiles(const HookConfig& config, const Manifest& manifest,
                                            KernelOps& ops, std::string* err);
// Logs each as a failure; under audit also removes it. False if any was found.
bool CheckImageModuleFiles(const HookConfig& config, const Manifest& manifest, KernelOps& ops);
std::vector<std::string> UnlistedLoaded(const Manifest& manifest,
                                        const std::vector<std::string>& loaded);
// Sets the lock; *kexec_absent when the kernel has no kexec_load to disable.
bool Lock(const HookConfig& config, KernelOps& ops, bool* kexec_absent, std::string* err);
// F, O and E bits of kernel.tainted that no loaded module accounts for: a module of that
// kind was loaded and is gone, so the audit of what is loaded cannot see it.
std::vector<std::string> UnexplainedTaint(uint64_t tainted,
                                          const std::vector<LoadedModule>& loaded);
// "FAILED: " under enforce, "audit: would fail: " under audit.
void LogFailure(KernelOps& ops, const HookConfig& config, const std::string& what);
// Sets the lock after checks whose outcome is `failed` and decides the boot: a lock that
// does not hold stops it in either policy, a failure stops it under enforce.
int LockAndDecide(const HookConfig& config, KernelOps& ops, bool failed);

}  // namespace modseal
