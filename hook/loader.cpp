#include "loader.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "signed_manifest.h"

namespace modseal {
namespace {

std::string ModuleRoot(const HookConfig& config, const std::string& kver) {
  return config.module_root.empty() ? "/lib/modules/" + kver : config.module_root;
}

void LogFailure(KernelOps& ops, const HookConfig& config, const std::string& what) {
  ops.Log(std::string(config.policy == Policy::kEnforce ? "FAILED: " : "audit: would fail: ") +
          what);
}

// The console line tests and operators read to know the seal holds.
bool LockAndReport(const HookConfig& config, KernelOps& ops) {
  std::string err;
  if (!Lock(config, ops, &err)) {
    ops.Log("FAILED: " + err);
    return false;
  }
  ops.Log(std::string("locked: kernel.modules_disabled=1") +
          (config.lock_kexec ? ", kernel.kexec_load_disabled=1" : ""));
  return true;
}

// Enforce: a failure locks at once and stops the boot. Audit: the boot goes on.
int Finish(const HookConfig& config, KernelOps& ops, bool failed) {
  if (!failed || config.policy == Policy::kAudit) return kBootContinues;
  LockAndReport(config, ops);
  ops.Log("stopping the boot (policy enforce)");
  return kStopBoot;
}

}  // namespace

bool VerifyForBoot(const HookConfig& config, KernelOps& ops, Manifest* manifest,
                   std::string* err) {
  std::vector<PublicKey> keys;
  for (const std::string& path : config.pubkeys) {
    PublicKey key;
    if (!LoadPublicKeyFile(path, &key, err)) return false;
    keys.push_back(key);
  }
  if (!VerifyManifestFile(config.manifest, config.signature, keys, manifest, nullptr, err))
    return false;
  const std::string running = ops.KernelRelease();
  if (manifest->kernel != running) {
    *err = config.manifest + ": manifest is for kernel " + manifest->kernel + ", running " +
           running;
    return false;
  }
  return true;
}

LoadCounts LoadListed(const HookConfig& config, const Manifest& manifest, KernelOps& ops,
                      std::vector<std::string>* failures) {
  LoadCounts counts;
  const std::string root = ModuleRoot(config, manifest.kernel);
  std::map<std::string, std::string> not_loaded;  // module -> why
  for (const ModuleEntry& m : manifest.modules) {
    std::string missing_dep;
    for (const std::string& dep : m.deps)
      if (not_loaded.count(dep)) missing_dep = dep;
    if (!missing_dep.empty()) {
      // A hard dependency that was skipped (absent hardware) takes its users with it; a
      // softdep does not, as with modprobe.
      not_loaded[m.name] = "dependency " + missing_dep + " not loaded";
      ++counts.skipped;
      ops.Log("skipped " + m.name + ": " + not_loaded[m.name]);
      continue;
    }
    const std::string path = root + "/" + m.path;
    std::string hex, err;
    if (!ops.HashFile(path, &hex, &err)) {
      failures->push_back(m.name + ": cannot read " + err);
    } else if (hex != m.sha256) {
      failures->push_back(m.name + ": hash mismatch for " + path + " (manifest " +
                          m.sha256.substr(0, 16) + "..., file " + hex.substr(0, 16) + "...)");
    } else {
      int rc = ops.InsertModule(path);
      if (rc == 0) {
        ++counts.loaded;
        continue;
      }
      if (rc == -EEXIST) {
        ++counts.already;
        continue;
      }
      if (rc == -ENODEV || rc == -ENXIO) {
        ++counts.skipped;
        not_loaded[m.name] = "no device";
        ops.Log("skipped " + m.name + ": no such device (" + strerror(-rc) + ")");
        continue;
      }
      failures->push_back(m.name + ": insert failed: " + strerror(-rc));
    }
    ++counts.failed;
    not_loaded[m.name] = "failed";
    LogFailure(ops, config, failures->back());
    if (config.policy == Policy::kEnforce) break;  // nothing more is loaded after a failure
  }
  return counts;
}

std::vector<std::string> UnlistedLoaded(const Manifest& manifest,
                                        const std::vector<std::string>& loaded) {
  std::vector<std::string> unlisted;
  for (const std::string& name : loaded)
    if (!manifest.Find(name)) unlisted.push_back(name);
  return unlisted;
}

bool Lock(const HookConfig& config, KernelOps& ops, std::string* err) {
  bool ok = true;
  std::string why;
  if (config.lock_kexec && !ops.WriteSysctl("kernel/kexec_load_disabled", "1", &why)) {
    *err = "cannot disable kexec_load: " + why;
    ok = false;
  }
  std::string value;
  if (!ops.WriteSysctl("kernel/modules_disabled", "1", &why)) {
    *err = "cannot set kernel.modules_disabled=1: " + why;
    return false;
  }
  if (!ops.ReadSysctl("kernel/modules_disabled", &value, &why) || value != "1") {
    *err = "kernel.modules_disabled reads back \"" + value + "\" after writing 1";
    return false;
  }
  return ok;
}

int RunLoadStage(const HookConfig& config, KernelOps& ops) {
  const uint64_t start = ops.NowMicros();
  ops.Log(std::string("load: policy ") + PolicyName(config.policy) + ", lock " +
          LockPointName(config.lock));
  Manifest manifest;
  std::string err;
  if (!VerifyForBoot(config, ops, &manifest, &err)) {
    LogFailure(ops, config, err);
    // Nothing from an unverified list is loaded, whatever the policy.
    ops.Log("summary: loaded 0, already 0, skipped 0, failed 1 (manifest not verified)");
    if (config.policy == Policy::kAudit && config.lock == LockPoint::kEarly)
      LockAndReport(config, ops);
    return Finish(config, ops, true);
  }
  std::vector<std::string> failures;
  LoadCounts c = LoadListed(config, manifest, ops, &failures);
  const uint64_t ms = (ops.NowMicros() - start) / 1000;
  ops.Log("summary: loaded " + std::to_string(c.loaded) + ", already " +
          std::to_string(c.already) + ", skipped " + std::to_string(c.skipped) + ", failed " +
          std::to_string(c.failed) + " of " + std::to_string(manifest.modules.size()) + " in " +
          std::to_string(ms) + " ms");
  if (c.failed == 0 && config.lock == LockPoint::kEarly) return RunLockStage(config, ops);
  if (config.policy == Policy::kAudit && config.lock == LockPoint::kEarly)
    return RunLockStage(config, ops);
  return Finish(config, ops, c.failed != 0);
}

int RunLockStage(const HookConfig& config, KernelOps& ops) {
  Manifest manifest;
  std::string err;
  bool failed = false;
  if (!VerifyForBoot(config, ops, &manifest, &err)) {
    LogFailure(ops, config, err);
    failed = true;
  } else {
    std::vector<std::string> loaded;
    if (!ops.LoadedModules(&loaded, &err)) {
      LogFailure(ops, config, "cannot audit loaded modules: " + err);
      failed = true;
    }
    for (const std::string& name : UnlistedLoaded(manifest, loaded)) {
      LogFailure(ops, config, "module " + name + " is loaded but not in the manifest");
      failed = true;
    }
  }
  if (!LockAndReport(config, ops)) {
    // A lock that does not hold is never acceptable, in either policy.
    ops.Log("stopping the boot: the seal could not be set");
    return kStopBoot;
  }
  if (!failed || config.policy == Policy::kAudit) return kBootContinues;
  ops.Log("stopping the boot (policy enforce)");
  return kStopBoot;
}

}  // namespace modseal
