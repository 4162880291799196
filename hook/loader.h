// Loading the listed modules: the manifest verified for this boot, the initramfs checked
// for module files it does not list, then every listed module inserted wave by wave from
// copies a reader thread hash-checks ahead of the inserts (read_ahead.h): a wave holds
// modules that do not depend on each other, inserted by parallel threads. Under enforce
// any failure stops further inserts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hook_config.h"
#include "kernel_ops.h"
#include "manifest.h"

namespace modseal {

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

// Indexes into manifest.modules, grouped so that each module comes in a later wave than
// everything it is loaded after (hard dependencies and softdeps).
std::vector<std::vector<size_t>> LoadWaves(const Manifest& manifest);
// Where given, *seal gets what the measured seal binds: the verified bytes' SHA-256, the
// key that signed them, the kernel and the settings.
bool VerifyForBoot(const HookConfig& config, KernelOps& ops, Manifest* manifest,
                   std::string* err, SealFacts* seal = nullptr);
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
// "FAILED: " under enforce, "audit: would fail: " under audit; recorded for the measured
// outcome either way.
void LogFailure(KernelOps& ops, const HookConfig& config, const std::string& what);

}  // namespace modseal
