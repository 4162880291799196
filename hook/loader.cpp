#include "loader.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <new>
#include <pthread.h>
#include <set>
#include <sys/sysinfo.h>

#include "measure.h"
#include "read_ahead.h"
#include "signed_manifest.h"

namespace modseal {
namespace {

std::string ModuleRoot(const HookConfig& config, const std::string& kver) {
  return config.module_root.empty() ? "/lib/modules/" + kver : config.module_root;
}

}  // namespace

void LogFailure(KernelOps& ops, const HookConfig& config, const std::string& what) {
  ops.Log(std::string(config.policy == Policy::kEnforce ? "FAILED: " : "audit: would fail: ") +
          what);
  RecordFailure(ops, what);
}

bool VerifyForBoot(const HookConfig& config, KernelOps& ops, Manifest* manifest,
                   std::string* err, SealFacts* seal) {
  std::vector<PublicKey> keys;
  if (!LoadPublicKeyFiles(config.pubkeys, &keys, err)) return false;
  Signature sig;
  std::string sha256;
  if (!VerifyManifestFile(config.manifest, config.signature, keys, manifest, &sig, err, &sha256))
    return false;
  const std::string running = ops.KernelRelease();
  if (manifest->kernel != running) {
    *err = config.manifest + ": manifest is for kernel " + manifest->kernel + ", running " +
           running;
    return false;
  }
  if (seal) *seal = {sha256, KeyIdText(sig.key_id), running, PolicyName(config.policy),
                     LockPointName(config.lock), config.lock_kexec};
  return true;
}

std::vector<std::vector<size_t>> LoadWaves(const Manifest& manifest) {
  std::map<std::string, size_t> wave_of;
  std::vector<std::vector<size_t>> waves;
  for (size_t i = 0; i < manifest.modules.size(); ++i) {
    const ModuleEntry& m = manifest.modules[i];
    size_t wave = 0;
    // Canonical order lists every dependency first, so its wave is known.
    for (const auto* list : {&m.deps, &m.softdeps})
      for (const std::string& dep : *list) wave = std::max(wave, wave_of[dep] + 1);
    wave_of[m.name] = wave;
    if (waves.size() <= wave) waves.resize(wave + 1);
    waves[wave].push_back(i);
  }
  return waves;
}

namespace {

// One module's turn, as carried out on a worker thread: its checked copy taken from the
// reader, then inserted from exactly those bytes unless it was refused or is to be skipped.
struct Attempt {
  size_t index = 0;    // into manifest.modules
  size_t read = 0;     // into the reader's items
  std::string name;
  std::string skip;    // why it is not inserted even if its bytes match (decided before)
  bool started = false;
  std::string refused; // why its bytes may not be inserted (read, hash, prepare)
  bool decompressed = false;
  int rc = 0;
  uint64_t insert_us = 0;
  const char* aborted = nullptr;       // why an exception cut the insert short
  const char* read_aborted = nullptr;  // why one cut the reader's check short
};

bool IsFailure(const Attempt& a) {
  return !a.refused.empty() || a.aborted || a.read_aborted ||
         (a.rc != 0 && a.rc != -EEXIST && a.rc != -ENODEV && a.rc != -ENXIO);
}

void Insert(KernelOps& ops, ReadAhead& reader, Attempt* a) {
  a->started = true;
  // An exception leaving a worker thread ends the hook at once, before the lock is set: it
  // becomes this module's failure instead, reported without allocating here.
  try {
    const CheckedImage image = reader.Take(a->read);
    a->decompressed = image.decompressed;
    if (image.aborted) {
      a->read_aborted = image.aborted;
    } else if (!image.refused.empty()) {
      a->refused = image.refused;
    } else if (a->skip.empty()) {
      const uint64_t t0 = ops.NowMicros();
      a->rc = ops.InsertModule(a->name, image.handle);
      a->insert_us = ops.NowMicros() - t0;
    }
  } catch (const std::bad_alloc&) {
    a->aborted = "out of memory";
  } catch (...) {
    a->aborted = "unexpected exception";
  }
  reader.Done(a->read);
}

// Runs a wave's attempts on up to `threads` threads. Under enforce the first failure stops
// new attempts (serially: nothing after it is loaded; in parallel: nothing not yet begun).
// Plain pthreads: std::thread's machinery would cost the static hook ~100 KiB.
class WaveRunner {
 public:
  WaveRunner(KernelOps& ops, ReadAhead& reader, bool stop_on_failure,
             std::vector<Attempt>* attempts)
      : ops_(ops), reader_(reader), stop_on_failure_(stop_on_failure), attempts_(attempts) {}

  void Run(unsigned threads) {
    // A wave whose modules were all skipped has nothing to run; the count below would wrap
    // around and start threads until pthread_create failed (tens of thousands).
    if (attempts_->empty()) return;
    const size_t extra = std::min<size_t>(threads, attempts_->size()) - 1;
    // Reserved first: no allocation may throw while threads use the attempts.
    std::vector<pthread_t> pool;
    pool.reserve(extra);
    JoinAll join(&pool);
    for (size_t t = 0; t < extra; ++t) {
      pthread_t id;
      if (pthread_create(&id, nullptr, &WaveRunner::Thread, this) != 0) break;  // fewer, same result
      pool.push_back(id);
    }
    Work();
  }

 private:
  // Joins on every way out of Run, so no worker outlives the attempts it works on.
  struct JoinAll {
    explicit JoinAll(std::vector<pthread_t>* pool) : pool(pool) {}
    ~JoinAll() {
      for (pthread_t id : *pool) pthread_join(id, nullptr);
    }
    std::vector<pthread_t>* pool;
  };

  static void* Thread(void* self) {
    static_cast<WaveRunner*>(self)->Work();
    return nullptr;
  }

  void Work() {
    for (size_t i; !stop_ && (i = next_++) < attempts_->size();) {
      Attempt& a = (*attempts_)[i];
      Insert(ops_, reader_, &a);
      if (stop_on_failure_ && IsFailure(a)) stop_ = true;
    }
  }

  KernelOps& ops_;
  ReadAhead& reader_;
  const bool stop_on_failure_;
  std::vector<Attempt>* attempts_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
};

// While files not yet checked sit in the initramfs, nothing may load them from there: a
// module's init can ask the kernel for another (request_module), and the kernel then runs
// kernel.modprobe. An empty kernel.modprobe turns that off for the load stage's inserts;
// the old value comes back after them.
class AutoloadOff {
 public:
  explicit AutoloadOff(KernelOps& ops) : ops_(ops) {
    static const char kKey[] = "kernel/modprobe";
    if (!ops.HasSysctl(kKey)) {  // no helper the kernel could run
      off_ = true;
      return;
    }
    std::string err, now;
    if (!ops.ReadSysctl(kKey, &saved_, &err)) {
      ops.Log("cannot read kernel.modprobe: " + err + "; every file is checked before the "
              "first insert");
      return;
    }
    changed_ = ops.WriteSysctl(kKey, "", &err);
    off_ = changed_ && ops.ReadSysctl(kKey, &now, &err) && now.empty();
    if (!off_)
      ops.Log("cannot turn off kernel.modprobe while loading (" +
              (err.empty() ? "it reads back \"" + now + "\"" : err) +
              "); every file is checked before the first insert");
  }
  ~AutoloadOff() {
    if (!changed_) return;
    try {
      std::string err;
      if (!ops_.WriteSysctl("kernel/modprobe", saved_, &err))
        ops_.Log("cannot restore kernel.modprobe=" + saved_ + ": " + err +
                 " (module auto-loading stays off)");
    } catch (...) {
    }
  }
  bool off() const { return off_; }

 private:
  KernelOps& ops_;
  std::string saved_;
  bool changed_ = false;
  bool off_ = false;
};

unsigned LoadThreads(const HookConfig& config) {
  if (config.load_threads != 0) return config.load_threads;
  // get_nprocs, not sysconf: sysconf drags the resolver into the static hook.
  return static_cast<unsigned>(std::clamp(get_nprocs(), 1, static_cast<int>(kMaxLoadThreads)));
}

}  // namespace

LoadCounts LoadListed(const HookConfig& config, const Manifest& manifest, KernelOps& ops,
                      std::vector<std::string>* failures) {
  LoadCounts counts;
  counts.threads = LoadThreads(config);
  const std::string root = ModuleRoot(config, manifest.kernel);
  const bool enforce = config.policy == Policy::kEnforce;
  std::map<std::string, std::string> not_loaded;  // module -> why
  auto fail = [&](const ModuleEntry& m, const std::string& what) {
    failures->push_back(m.name + ": " + what);
    ++counts.failed;
    not_loaded[m.name] = "failed";
    LogFailure(ops, config, failures->back());
  };
  // Under audit a file that does not match is removed, so that no one (udev, modprobe)
  // loads it later.
  auto refuse = [&](const ModuleEntry& m, std::string why) {
    if (!enforce && why.rfind("hash mismatch", 0) == 0) {
      std::string err;
      why += ops.RemoveFile(root + "/" + m.path, &err) ? "; removed" : "; cannot remove: " + err;
    }
    fail(m, why);
  };
  for (const ModuleEntry& m : manifest.modules)
    for (const std::string& word : config.cmdline_module_params)
      if (CommandLineParameterModule(word) == m.name)
        ops.Log("kernel command line sets " + word + " for " + m.name);
  // Every listed file is read and checked, those that will be skipped too, in the order of
  // the inserts, by a reader running ahead of them; each insert uses the bytes that were
  // read, never the file.
  const std::vector<std::vector<size_t>> waves = LoadWaves(manifest);
  std::vector<size_t> read_order;  // the reader's items, as indexes into manifest.modules
  std::vector<ReadItem> items;
  for (const std::vector<size_t>& wave : waves)
    for (size_t i : wave) {
      read_order.push_back(i);
      items.push_back({root + "/" + manifest.modules[i].path, manifest.modules[i].sha256});
    }
  const size_t listed = items.size();
  AutoloadOff autoload(ops);
  ReadAhead reader(ops, std::move(items), config.decompress == Decompress::kHook,
                   autoload.off() ? ReadAhead::kWindow : listed + 1);
  reader.Start();
  size_t next_read = 0;
  bool stopped = false;
  if (!autoload.off()) {
    // Then every file is checked before the first insert, and under enforce one failure
    // means nothing is inserted (each failure is still named, below).
    reader.WaitForAll();
    for (size_t k = 0; k < listed; ++k) {
      const CheckedImage image = reader.Take(k);
      stopped |= enforce && (image.aborted || !image.refused.empty());
    }
  }
  std::vector<size_t> unread;  // under enforce, after a failure: never taken by an insert
  for (const std::vector<size_t>& wave : waves) {
    if (stopped) {
      for (size_t k = 0; k < wave.size(); ++k) unread.push_back(next_read++);
      continue;
    }
    ++counts.waves;
    std::vector<Attempt> attempts;
    for (size_t i : wave) {
      const ModuleEntry& m = manifest.modules[i];
      Attempt a;
      a.index = i;
      a.read = next_read++;
      a.name = m.name;
      // A hard dependency that was skipped (absent hardware) takes its users with it; a
      // softdep does not, as with modprobe.
      for (const std::string& dep : m.deps)
        if (not_loaded.count(dep)) a.skip = "dependency " + dep + " not loaded";
      attempts.push_back(std::move(a));
    }
    WaveRunner(ops, reader, enforce, &attempts).Run(counts.threads);
    // Results are counted and logged in manifest order, whatever the threads did.
    for (const Attempt& a : attempts) {
      const ModuleEntry& m = manifest.modules[a.index];
      if (!a.started) {
        unread.push_back(a.read);
        stopped |= enforce;  // the runner stopped the wave after a failure
        continue;
      }
      counts.insert_us += a.insert_us;
      if (!a.refused.empty()) {
        refuse(m, a.refused);
        stopped |= enforce;
        continue;
      }
      // Before the skip: an attempt cut short is a failure whatever it was to do.
      if (a.read_aborted || a.aborted) {
        fail(m, a.read_aborted ? std::string(a.read_aborted)
                               : std::string("insert aborted: ") + a.aborted);
        stopped |= enforce;
        continue;
      }
      if (!a.skip.empty()) {
        not_loaded[m.name] = a.skip;
        ++counts.skipped;
        ops.Log("skipped " + m.name + ": " + a.skip);
        continue;
      }
      if (!IsFailure(a)) {
        if (a.rc == 0 || a.rc == -EEXIST) counts.decompressed += a.decompressed;
        if (a.rc == 0) {
          ++counts.loaded;
        } else if (a.rc == -EEXIST) {
          ++counts.already;
        } else {
          ++counts.skipped;
          not_loaded[m.name] = "no device";
          ops.Log("skipped " + m.name + ": no such device (" + strerror(-a.rc) + ")");
        }
        continue;
      }
      std::string why = a.aborted ? std::string("insert aborted: ") + a.aborted
                                  : std::string("insert failed: ") + strerror(-a.rc);
      // The hook decompresses what /sys/module/compression does not name, so this is the
      // kernel's own refusal.
      if (a.rc == -ENOPKG)
        why += " (the kernel lacks the decompressor /sys/module/compression names, or the "
               "module signature's algorithm)";
      fail(m, why);
      stopped |= enforce;  // nothing more is loaded after a failure
    }
  }
  // What enforce never inserted is still checked, so every tampered file is named.
  for (size_t k : unread) {
    const CheckedImage image = reader.Take(k);
    reader.Done(k);
    if (image.aborted) fail(manifest.modules[read_order[k]], image.aborted);
    if (!image.refused.empty()) refuse(manifest.modules[read_order[k]], image.refused);
  }
  counts.hash_us = reader.read_us();
  counts.wait_us = reader.wait_us();
  return counts;
}

std::vector<std::string> UnlistedLoaded(const Manifest& manifest,
                                        const std::vector<std::string>& loaded) {
  std::vector<std::string> unlisted;
  for (const std::string& name : loaded)
    if (!manifest.Find(name)) unlisted.push_back(name);
  return unlisted;
}

bool Lock(const HookConfig& config, KernelOps& ops, bool* kexec_absent, std::string* err) {
  bool ok = true;
  std::string why;
  // A kernel built without kexec has nothing to disable: that is not a failure.
  *kexec_absent = config.lock_kexec && !ops.HasSysctl("kernel/kexec_load_disabled");
  if (config.lock_kexec && !*kexec_absent &&
      !ops.WriteSysctl("kernel/kexec_load_disabled", "1", &why)) {
    *err = "cannot disable kexec_load: " + why;
    ok = false;
  }
  std::string value;
  if (!ops.WriteSysctl("kernel/modules_disabled", "1", &why)) {
    *err = "cannot set kernel.modules_disabled=1: " + why;
    return false;
  }
  if (!ops.ReadSysctl("kernel/modules_disabled", &value, &why)) {
    *err = "cannot read back kernel.modules_disabled: " + why;
    return false;
  }
  if (value != "1") {
    *err = "kernel.modules_disabled reads back \"" + value + "\" after writing 1";
    return false;
  }
  return ok;
}

std::vector<ModuleFile> UnlistedModuleFiles(const HookConfig& config, const Manifest& manifest,
                                            KernelOps& ops, std::string* err) {
  std::string root;
  std::vector<ModuleFile> found;
  if (!ops.ResolvePath(ModuleRoot(config, manifest.kernel), &root, err) ||
      !ops.FindModuleFiles(&found, err))
    return {};
  std::set<std::string> listed;
  for (const ModuleEntry& m : manifest.modules) listed.insert(root + "/" + m.path);
  std::vector<ModuleFile> unlisted;
  for (const ModuleFile& f : found)
    if (!f.regular || !listed.count(f.path)) unlisted.push_back(f);
  return unlisted;
}

bool CheckImageModuleFiles(const HookConfig& config, const Manifest& manifest, KernelOps& ops) {
  std::string err;
  const std::vector<ModuleFile> unlisted = UnlistedModuleFiles(config, manifest, ops, &err);
  if (!err.empty()) {
    LogFailure(ops, config, "cannot check the initramfs for unlisted modules: " + err);
    return false;
  }
  for (const ModuleFile& f : unlisted) {
    std::string what = "module file " + f.path + (f.regular ? "" : " (not a regular file)") +
                       " in the initramfs is not in the manifest";
    if (config.policy == Policy::kAudit) {
      // Audit boots on, but nothing (udev, modprobe) may load it from here.
      std::string why;
      what += ops.RemoveFile(f.path, &why) ? "; removed" : "; cannot remove: " + why;
    }
    LogFailure(ops, config, what);
  }
  return unlisted.empty();
}

}  // namespace modseal
