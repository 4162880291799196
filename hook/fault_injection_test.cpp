// Faults injected through the hook's kernel seam. For each one the hook must say clearly
// what went wrong and, under the enforce policy, fail closed: the lock set wherever the
// kernel lets it be set, the boot stopped, and never a "locked:" line that is not true.
#include "catch.h"
#include <cerrno>
#include <mutex>
#include <new>
#include <string>
#include <unistd.h>

#include "fail_closed.h"
#include "fake_kernel_ops.h"
#include "signed_image_test_util.h"
#include "loader.h"
#include "stage.h"
#include "taint.h"
#include "manifest.h"
#include "signed_manifest.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::FakeKernelOps;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

const std::string& kRoot = modseal_test::kImageModuleRoot;
const std::string kLockedLine = "locked: kernel.modules_disabled=1";

// The fake kernel plus the faults this file needs; FakeKernelOps keeps its own behaviour
// for everything not switched on here.
// The loader may call InsertModule from several threads (load_threads).
class FaultyKernelOps : public FakeKernelOps {
 public:
  bool kmsg_missing = false;          // every log line goes nowhere
  size_t lines_lost = 0;
  bool modules_disabled_unreadable = false;
  std::string vanishes_after_check;   // this file disappears once it has been read
  size_t bad_alloc_at_hash = 0;       // the Nth ReadModule call throws std::bad_alloc
  size_t enomem_at_insert = 0;        // the Nth InsertModule call fails with -ENOMEM
  size_t bad_alloc_at_insert = 0;     // the Nth InsertModule call throws std::bad_alloc
  bool bad_alloc_listing_loaded = false;  // LoadedModules throws std::bad_alloc
  size_t hashes = 0;
  size_t inserts = 0;

  bool ReadModule(const std::string& path, size_t* handle, std::string* hex,
                  std::string* err) override {
    std::lock_guard<std::mutex> hold(fault_mu_);
    if (++hashes == bad_alloc_at_hash) throw std::bad_alloc();
    const bool ok = FakeKernelOps::ReadModule(path, handle, hex, err);
    if (ok && path == vanishes_after_check) files.erase(path);
    return ok;
  }
  int InsertModule(const std::string& name, size_t handle) override {
    std::lock_guard<std::mutex> hold(fault_mu_);
    if (++inserts == enomem_at_insert) return -ENOMEM;
    if (inserts == bad_alloc_at_insert) throw std::bad_alloc();
    return FakeKernelOps::InsertModule(name, handle);
  }
  bool LoadedModules(std::vector<LoadedModule>* modules, std::string* err) override {
    if (bad_alloc_listing_loaded) throw std::bad_alloc();
    return FakeKernelOps::LoadedModules(modules, err);
  }
  bool ReadSysctl(const std::string& key, std::string* value, std::string* err) override {
    if (modules_disabled_unreadable && key == "kernel/modules_disabled") {
      *err = "/proc/sys/kernel/modules_disabled: Input/output error";
      return false;
    }
    return FakeKernelOps::ReadSysctl(key, value, err);
  }
  void Log(const std::string& message) override {
    if (kmsg_missing) {
      ++lines_lost;
      return;
    }
    FakeKernelOps::Log(message);
  }

 private:
  std::mutex fault_mu_;
};

struct SealedImage : modseal_test::SignedImage<FaultyKernelOps> {
  // As many modules as the format allows (16384), independent of each other.
  void SignHuge() {
    std::string text = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";
    for (size_t i = 0; i < kManifestMaxModules; ++i) {
      char name[16];
      snprintf(name, sizeof name, "m%05zu", i);
      AddFile(std::string(name) + ".ko", std::string("bytes of ") + name);
      text += Line(name, std::string(name) + ".ko", "loaded", "-");
    }
    Sign(text);
  }
};

int Load(SealedImage& s) {
  return RunStageFailClosed(RunLoadStage, "load", s.config, s.ops);
}
int LockStage(SealedImage& s) {
  return RunStageFailClosed(RunLockStage, "lock", s.config, s.ops);
}

// Enforce's ending: the seal reported and holding, then the boot stopped.
void CheckLockedAndStopped(SealedImage& s) {
  CHECK(s.ops.Logged(kLockedLine));
  CHECK(s.ops.Logged("stopping the boot (policy enforce)"));
  CHECK(s.ops.Locked());
}

}  // namespace

TEST_CASE("fault: modules_disabled is not writable", "[hook][fault]") {
  SealedImage s;
  s.SignSmall();
  s.ops.unwritable_sysctls.insert("kernel/modules_disabled");
  const std::string expected =
      "FAILED: cannot set kernel.modules_disabled=1: /proc/sys/kernel/modules_disabled: "
      "Permission denied";
  SECTION("after a module failed to load") {
    s.ops.insert_result[kRoot + "/r.ko"] = -EINVAL;
    CHECK(Load(s) == kStopBoot);
  }
  SECTION("lock=early after a clean load") {
    s.config.lock = LockPoint::kEarly;
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged("stopping the boot: the seal could not be set"));
  }
  SECTION("lock stage after a clean load") {
    CHECK(Load(s) == kBootContinues);
    CHECK(LockStage(s) == kStopBoot);
    CHECK(s.ops.Logged("stopping the boot: the seal could not be set"));
  }
  CHECK(s.ops.Logged(expected));
  CHECK(s.ops.Logged("stopping the boot"));
  CHECK_FALSE(s.ops.Logged(kLockedLine));
  CHECK_FALSE(s.ops.Locked());
  // What can still be locked is locked.
  CHECK(s.ops.sysctl["kernel/kexec_load_disabled"] == "1");
}

TEST_CASE("fault: modules_disabled reads back 0 or cannot be read", "[hook][fault]") {
  SealedImage s;
  s.SignSmall();
  std::string expected;
  SECTION("reads back 0") {
    s.ops.modules_disabled_reads_zero = true;
    expected = "FAILED: kernel.modules_disabled reads back \"0\" after writing 1";
  }
  SECTION("read fails") {
    s.ops.modules_disabled_unreadable = true;
    expected = "FAILED: cannot read back kernel.modules_disabled: "
               "/proc/sys/kernel/modules_disabled: Input/output error";
  }
  SECTION("reads back 0 under lock=early, audit") {
    // A lock that does not hold stops the boot whatever the policy.
    s.ops.modules_disabled_reads_zero = true;
    s.config.lock = LockPoint::kEarly;
    s.config.policy = Policy::kAudit;
    expected = "FAILED: kernel.modules_disabled reads back \"0\" after writing 1";
    CHECK(Load(s) == kStopBoot);
  }
  CHECK(LockStage(s) == kStopBoot);
  CHECK(s.ops.Logged(expected));
  CHECK(s.ops.Logged("stopping the boot: the seal could not be set"));
  CHECK_FALSE(s.ops.Logged(kLockedLine));
}

TEST_CASE("fault: /dev/kmsg missing changes no decision", "[hook][fault]") {
  // The real KernelOps then logs to standard error only (kmsg_fallback_test.cpp); here the
  // log goes nowhere at all, and the hook must still lock and stop exactly as before.
  SealedImage s;
  s.SignSmall();
  s.ops.kmsg_missing = true;
  SECTION("a failure under enforce still locks and stops") {
    s.ops.insert_result[kRoot + "/r.ko"] = -EINVAL;
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Locked());
    CHECK_FALSE(s.Inserted("b.ko"));
  }
  SECTION("a clean boot still seals and goes on") {
    CHECK(Load(s) == kBootContinues);
    CHECK(LockStage(s) == kBootContinues);
    CHECK(s.ops.Locked());
  }
  CHECK(s.ops.lines_lost > 0);
  CHECK(s.ops.log.empty());
}

TEST_CASE("fault: a module whose init fails with EINVAL", "[hook][fault]") {
  SealedImage s;
  s.SignSmall();
  s.ops.insert_result[kRoot + "/r.ko"] = -EINVAL;
  SECTION("lock=pre-mount") {}
  SECTION("lock=early") { s.config.lock = LockPoint::kEarly; }
  CHECK(Load(s) == kStopBoot);
  CHECK(s.ops.Logged("FAILED: virtio_ring: insert failed: Invalid argument"));
  CHECK(s.ops.Logged("summary: loaded 1, already 0, skipped 0, failed 1 of 3"));
  CheckLockedAndStopped(s);
  CHECK(s.Inserted("r.ko"));
  CHECK_FALSE(s.Inserted("b.ko"));  // nothing is loaded after a failure
}

TEST_CASE("fault: a module file that vanishes between check and load", "[hook][fault]") {
  // The insert uses the bytes that were read and hashed, not the file.
  SealedImage s;
  s.SignSmall();
  s.ops.vanishes_after_check = kRoot + "/r.ko";
  CHECK(Load(s) == kBootContinues);
  CHECK(s.Inserted("r.ko"));
  CHECK(s.ops.inserted_bytes[1] == "virtio_ring bytes");
}

TEST_CASE("fault: out of memory on a huge manifest", "[hook][fault]") {
  SealedImage s;
  SECTION("a manifest over the size limit is refused before it is parsed") {
    s.SignSmall();
    std::string huge = modseal_test::ReadText(s.config.manifest);
    while (huge.size() <= kManifestMaxBytes) huge += "module x" + std::string(100, 'x') + "\n";
    WriteText(s.config.manifest, huge);
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged("FAILED: " + s.config.manifest +
                       ": file is larger than the limit of 4194304 bytes"));
    CHECK(s.ops.inserted.empty());
    CHECK(s.ops.Locked());
  }
  SECTION("allocation fails while module 5000 of 16384 is checked") {
    s.SignHuge();
    s.ops.bad_alloc_at_hash = 5000;
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged("FAILED: m04999: hash check aborted: out of memory"));
    CheckLockedAndStopped(s);
    // What was checked before it went in; it and nothing after it did.
    CHECK(s.ops.inserted.size() == 4999);
    CHECK(s.Inserted().back() == "m04998.ko");
    CHECK(s.ops.released == s.ops.images.size());
  }
  SECTION("allocation fails while the file of a module to be skipped is checked") {
    // virtio_ring finds no device, so virtio_blk is skipped; its check still counts.
    s.SignSmall();
    s.ops.insert_result[kRoot + "/r.ko"] = -ENODEV;
    s.ops.bad_alloc_at_hash = 3;  // a.ko, r.ko, then b.ko
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged("FAILED: virtio_blk: hash check aborted: out of memory"));
    CHECK_FALSE(s.ops.Logged("skipped virtio_blk"));
    CheckLockedAndStopped(s);
  }
  SECTION("allocation fails on one of four loader threads") {
    // An exception escaping a worker thread would end the hook (std::terminate) unlocked.
    s.SignHuge();
    s.config.load_threads = 4;
    s.ops.bad_alloc_at_insert = 5000;
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged(": insert aborted: out of memory"));
    CheckLockedAndStopped(s);
    CHECK(s.ops.inserted.size() < kManifestMaxModules);
  }
  SECTION("the kernel runs out of memory inserting module 5000 of 16384") {
    s.SignHuge();
    s.ops.enomem_at_insert = 5000;
    CHECK(Load(s) == kStopBoot);
    CHECK(s.ops.Logged("FAILED: m04999: insert failed: Cannot allocate memory"));
    CHECK(s.ops.Logged("stopping the boot (policy enforce)"));
    CHECK(s.ops.Locked());
    CHECK(s.ops.inserted.size() == 4999);
  }
  SECTION("allocation fails in the lock stage, outside any module's attempt") {
    s.SignHuge();
    s.ops.bad_alloc_listing_loaded = true;
    CHECK(LockStage(s) == kStopBoot);
    CHECK(s.ops.Logged("FAILED: lock stage aborted: out of memory"));
    CheckLockedAndStopped(s);
  }
  SECTION("the same in audit: logged, locked, and the boot goes on only if the lock holds") {
    s.SignHuge();
    s.config.policy = Policy::kAudit;
    s.ops.bad_alloc_listing_loaded = true;
    CHECK(LockStage(s) == kBootContinues);
    CHECK(s.ops.Logged("audit: would fail: lock stage aborted: out of memory"));
    CHECK(s.ops.Locked());
    s.ops.sysctl["kernel/modules_disabled"] = "0";
    s.ops.unwritable_sysctls.insert("kernel/modules_disabled");
    CHECK(LockStage(s) == kStopBoot);
    CHECK(s.ops.Logged("stopping the boot: the seal could not be set"));
  }
}
