#include "loader.h"
#include "stage.h"
#include "taint.h"

#include <algorithm>
#include <map>
#include "catch.h"
#include <unistd.h>

#include "fake_kernel_ops.h"
#include "read_ahead.h"
#include "signed_image_test_util.h"
#include "file_util.h"
#include "signed_manifest.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::FakeKernelOps;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

const std::string& kRoot = modseal_test::kImageModuleRoot;

// virtio_ring <- virtio_blk, plus independent autofs4; signed with a fresh key.
struct Boot : modseal_test::SignedImage<FakeKernelOps> {
  Boot() { SignSmall(); }
};

}  // namespace

TEST_CASE("load inserts the listed modules in order; lock audits and seals", "[hook]") {
  Boot b;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko", "b.ko"});
  CHECK_FALSE(b.ops.Locked());  // lock=pre-mount: not yet
  CHECK(b.ops.Logged("summary: loaded 3, already 0, skipped 0, failed 0 of 3"));
  b.ops.loaded = {"virtio_blk", "virtio_ring", "autofs4"};
  CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
  CHECK(b.ops.sysctl["kernel/kexec_load_disabled"] == "1");
  CHECK(b.ops.Logged("locked: kernel.modules_disabled=1, kernel.kexec_load_disabled=1"));
}

TEST_CASE("lock=early seals right after loading", "[hook]") {
  Boot b;
  b.config.lock = LockPoint::kEarly;
  b.ops.loaded = {"autofs4"};
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
}

TEST_CASE("lock_kexec=no leaves kexec alone", "[hook]") {
  Boot b;
  b.config.lock_kexec = false;
  CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
  CHECK(b.ops.sysctl["kernel/kexec_load_disabled"] == "0");
}

TEST_CASE("already loaded counts as success", "[hook]") {
  Boot b;
  b.ops.insert_result[kRoot + "/a.ko"] = -EEXIST;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Logged("summary: loaded 2, already 1, skipped 0, failed 0"));
}

TEST_CASE("absent hardware is a logged skip that takes its users along", "[hook]") {
  Boot b;
  b.ops.insert_result[kRoot + "/r.ko"] = -ENODEV;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko"});
  CHECK(b.ops.Logged("skipped virtio_ring: no such device"));
  CHECK(b.ops.Logged("skipped virtio_blk: dependency virtio_ring not loaded"));
  CHECK(b.ops.Logged("summary: loaded 1, already 0, skipped 2, failed 0"));
  b.ops.insert_result[kRoot + "/r.ko"] = -ENXIO;
  b.ops.inserted.clear();
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
}

TEST_CASE("waves group modules that do not depend on each other", "[hook]") {
  Manifest m;
  std::string err;
  REQUIRE(ParseManifest("modseal-manifest 1\nkernel 6.1\n"
                        "module a k/a.ko sha256:" + std::string(64, 'a') + " loaded -\n"
                        "module b k/b.ko sha256:" + std::string(64, 'a') + " loaded a\n"
                        "module c k/c.ko sha256:" + std::string(64, 'a') + " loaded -\n"
                        "module d k/d.ko sha256:" + std::string(64, 'a') + " loaded pre:c\n"
                        "module e k/e.ko sha256:" + std::string(64, 'a') + " loaded b,pre:d\n",
                        "m", &m, &err));
  CHECK(LoadWaves(m) == std::vector<std::vector<size_t>>{{0, 2}, {1, 3}, {4}});
}

// A wide manifest: 60 modules in 3 layers, each depending on two of the layer below.
struct WideBoot : Boot {
  WideBoot() {
    ops.files.clear();  // only the wide manifest's modules are in this image
    std::string text = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";
    Manifest m;
    m.kernel = "6.1.0-28-cloud-amd64";
    for (int layer = 0; layer < 3; ++layer) {
      for (int i = 0; i < 20; ++i) {
        ModuleEntry e;
        e.name = "m" + std::to_string(layer) + "_" + std::to_string(i);
        e.path = e.name + ".ko";
        ops.files[kRoot + "/" + e.path] = e.name + " bytes";
        e.sha256 = Sha256Hex(ops.files[kRoot + "/" + e.path]);
        e.reason = Reason::kLoaded;
        if (layer > 0) {
          e.deps = {"m" + std::to_string(layer - 1) + "_" + std::to_string(i),
                    "m" + std::to_string(layer - 1) + "_" + std::to_string((i + 7) % 20)};
        }
        m.modules.push_back(e);
      }
    }
    std::string err;
    REQUIRE(Canonicalize(&m, &err));
    manifest_text = SerializeManifest(m);
    Sign(manifest_text);
  }
};

TEST_CASE("parallel waves load the same set as serial, each after its deps", "[hook]") {
  WideBoot serial;
  REQUIRE(RunLoadStage(serial.config, serial.ops) == kBootContinues);
  WideBoot parallel;
  parallel.config.load_threads = 8;
  REQUIRE(RunLoadStage(parallel.config, parallel.ops) == kBootContinues);
  CHECK(parallel.ops.Logged("summary: loaded 60, already 0, skipped 0, failed 0 of 60"));
  CHECK(parallel.ops.Logged("waves=3 threads=8"));
  std::vector<std::string> a = serial.Inserted(), b = parallel.Inserted();
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
  // Every module is inserted after both its dependencies.
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < parallel.ops.inserted.size(); ++i) at[parallel.Inserted()[i]] = i;
  for (int i = 0; i < 20; ++i) {
    for (int layer = 1; layer < 3; ++layer) {
      auto name = [](int l, int j) { return "m" + std::to_string(l) + "_" + std::to_string(j) + ".ko"; };
      CHECK(at[name(layer - 1, i)] < at[name(layer, i)]);
      CHECK(at[name(layer - 1, (i + 7) % 20)] < at[name(layer, i)]);
    }
  }
}

TEST_CASE("parallel enforce: a failure stops later waves and is reported once", "[hook]") {
  WideBoot b;
  b.config.load_threads = 4;
  b.ops.insert_result[kRoot + "/m0_3.ko"] = -EINVAL;
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  for (const std::string& path : b.Inserted()) CHECK(path.rfind("m0_", 0) == 0);
  CHECK(b.ops.Logged("FAILED: m0_3: insert failed: Invalid argument"));
  CHECK(b.ops.Locked());
}

TEST_CASE("parallel audit: the same outcome and log as serial", "[hook]") {
  auto run = [](unsigned threads) {
    WideBoot b;
    b.config.load_threads = threads;
    b.config.policy = Policy::kAudit;
    b.ops.insert_result[kRoot + "/m0_3.ko"] = -EINVAL;
    b.ops.insert_result[kRoot + "/m1_9.ko"] = -ENODEV;
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    std::vector<std::string> log;
    for (const std::string& line : b.ops.log)
      if (line.rfind("timing:", 0) != 0) log.push_back(line);
    return log;
  };
  std::vector<std::string> serial = run(1);
  CHECK(run(4) == serial);
  // m0_3 failed; its users m1_3 and m1_16, m1_9 (no device) and theirs are skipped.
  CHECK(std::find(serial.begin(), serial.end(),
                  "summary: loaded 52, already 0, skipped 7, failed 1 of 60 in 0 ms") !=
        serial.end());
}

TEST_CASE("a softdep that does not load does not hold its user back", "[hook]") {
  // ext4's "softdep pre: crc32c" lists crc32c_intel, which has no device without SSE4.2.
  Boot b;
  b.ops.files.clear();
  b.ops.files[kRoot + "/ci.ko"] = "crc32c_intel bytes";
  b.ops.files[kRoot + "/e.ko"] = "ext4 bytes";
  b.Sign("modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n" +
         b.Line("crc32c_intel", "ci.ko", "softdep-of:ext4", "-") +
         b.Line("ext4", "e.ko", "loaded", "pre:crc32c_intel"));
  b.ops.insert_result[kRoot + "/ci.ko"] = -ENODEV;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.Inserted() == std::vector<std::string>{"ci.ko", "e.ko"});
  CHECK(b.ops.Logged("summary: loaded 1, already 0, skipped 1, failed 0 of 2"));
}

TEST_CASE("enforce: a failed insert locks at once and stops the boot", "[hook]") {
  Boot b;
  b.ops.insert_result[kRoot + "/a.ko"] = -EINVAL;
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko"});  // nothing after the failure
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("FAILED: autofs4: insert failed: Invalid argument"));
  CHECK(b.ops.Logged("locked: kernel.modules_disabled=1, kernel.kexec_load_disabled=1"));
  CHECK(b.ops.Logged("stopping the boot (policy enforce)"));
}

TEST_CASE("audit: the same failure is logged and the boot goes on", "[hook]") {
  Boot b;
  b.config.policy = Policy::kAudit;
  b.ops.insert_result[kRoot + "/a.ko"] = -EINVAL;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko", "b.ko"});
  CHECK(b.ops.Logged("audit: would fail: autofs4: insert failed: Invalid argument"));
  CHECK_FALSE(b.ops.Locked());
  CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());  // the lock still happens
}

TEST_CASE("enforce: a module file whose bytes changed is never inserted", "[hook]") {
  Boot b;
  SECTION("the last one: what matched before it was inserted, nothing after") {
    b.ops.files[kRoot + "/b.ko"] = "rootkit bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko"});
    CHECK(b.ops.Logged("FAILED: virtio_blk: hash mismatch for " + kRoot + "/b.ko"));
  }
  SECTION("the first one: nothing is inserted, and every later file is still checked") {
    b.ops.files[kRoot + "/a.ko"] = "rootkit bytes";
    b.ops.files[kRoot + "/b.ko"] = "more rootkit bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.inserted.empty());
    CHECK(b.ops.Logged("FAILED: autofs4: hash mismatch for " + kRoot + "/a.ko"));
    CHECK(b.ops.Logged("FAILED: virtio_blk: hash mismatch for " + kRoot + "/b.ko"));
    CHECK(b.ops.Logged("failed 2 of 3"));
  }
  for (const std::string& bytes : b.ops.inserted_bytes) CHECK(bytes.find("rootkit") == std::string::npos);
  // No decompressor ever parses bytes that did not match.
  for (const std::string& path : b.ops.prepared) CHECK(b.ops.files[path].find("rootkit") == std::string::npos);
  CHECK(b.ops.released == b.ops.images.size());
  CHECK(b.ops.Locked());
}

TEST_CASE("enforce: a module file that vanished stops the boot", "[hook]") {
  Boot b;
  b.ops.files.erase(kRoot + "/a.ko");
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.inserted.empty());
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("FAILED: autofs4: cannot read " + kRoot + "/a.ko: No such file"));
}

TEST_CASE("an unverified manifest loads nothing, in either policy", "[hook]") {
  Boot b;
  std::string expected;
  SECTION("edited after signing") {
    std::string edited = b.manifest_text;
    edited.replace(edited.find("loaded -"), 8, "added -");
    WriteText(b.config.manifest, edited);
    expected = "signature does not match the signed file";
  }
  SECTION("signed by another key") {
    SecretKey other;
    PublicKey other_pub;
    GenerateKeyPair(&other_pub, &other);
    b.sec = other;
    b.Sign(b.manifest_text);
    expected = "which is not trusted";
  }
  SECTION("truncated signature") {
    std::string sig = modseal_test::ReadText(b.config.signature);
    WriteText(b.config.signature, sig.substr(0, sig.size() / 2));
    expected = "truncated signature file";
  }
  SECTION("missing signature") {
    unlink(b.config.signature.c_str());
    expected = "No such file or directory";
  }
  SECTION("missing public key") {
    b.config.pubkeys = {b.dir / "absent.pub"};
    expected = "absent.pub: No such file or directory";
  }
  SECTION("manifest for another kernel release") {
    b.ops.release = "6.1.0-99-cloud-amd64";
    expected = "manifest is for kernel 6.1.0-28-cloud-amd64, running 6.1.0-99-cloud-amd64";
  }
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.inserted.empty());
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged(expected));

  FakeKernelOps audit_ops = b.ops;
  audit_ops.sysctl["kernel/modules_disabled"] = "0";
  audit_ops.log.clear();
  b.config.policy = Policy::kAudit;
  CHECK(RunLoadStage(b.config, audit_ops) == kBootContinues);
  CHECK(audit_ops.inserted.empty());
  CHECK(audit_ops.Logged("audit: would fail: "));
  CHECK(RunLockStage(b.config, audit_ops) == kBootContinues);
  CHECK(audit_ops.Locked());
}

TEST_CASE("lock stage: a loaded module not in the manifest is a violation", "[hook]") {
  Boot b;
  b.ops.loaded = {"autofs4", "sctp"};
  CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("FAILED: module sctp is loaded but not in the manifest"));
  CHECK(std::count(b.ops.log.begin(), b.ops.log.end(),
                   "locked: kernel.modules_disabled=1, kernel.kexec_load_disabled=1") == 1);
  b.config.policy = Policy::kAudit;
  b.ops.log.clear();
  CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Logged("audit: would fail: module sctp is loaded but not in the manifest"));
}

TEST_CASE("lock stage: an unreadable /proc/modules fails closed", "[hook]") {
  Boot b;
  b.ops.loaded_list_fails = true;
  CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.Locked());
}

TEST_CASE("a seal that does not hold stops the boot even in audit", "[hook]") {
  Boot b;
  b.config.policy = Policy::kAudit;
  SECTION("modules_disabled not writable") {
    b.ops.unwritable_sysctls.insert("kernel/modules_disabled");
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: cannot set kernel.modules_disabled=1: /proc/sys/kernel/"
                       "modules_disabled: Permission denied"));
  }
  SECTION("modules_disabled reads back 0") {
    b.ops.modules_disabled_reads_zero = true;
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("kernel.modules_disabled reads back \"0\" after writing 1"));
  }
  SECTION("kexec_load_disabled not writable: modules are still locked") {
    b.ops.unwritable_sysctls.insert("kernel/kexec_load_disabled");
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Locked());
    CHECK(b.ops.Logged("cannot disable kexec_load"));
  }
  SECTION("lock=early after a manifest that did not verify") {
    b.config.lock = LockPoint::kEarly;
    WriteText(b.config.manifest, b.manifest_text + "\n");  // changed after signing
    b.ops.unwritable_sysctls.insert("kernel/modules_disabled");
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("stopping the boot: the seal could not be set"));
  }
}

TEST_CASE("audit of a /proc/modules snapshot against a manifest", "[hook]") {
  Manifest m;
  m.kernel = "6.1";
  m.modules = {{"virtio_blk", "b.ko", std::string(64, 'a'), Reason::kLoaded, "", {}, {}}};
  CHECK(UnlistedLoaded(m, {"virtio_blk", "sctp", "dccp"}) ==
        std::vector<std::string>{"sctp", "dccp"});
  CHECK(UnlistedLoaded(m, {"virtio_blk"}).empty());
}

TEST_CASE("the default lock point seals in the load stage, before udev", "[hook]") {
  Boot b;
  b.config.lock = HookConfig().lock;
  REQUIRE(b.config.lock == LockPoint::kEarly);
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("load: policy enforce, lock early, decompress kernel"));
}

TEST_CASE("enforce: a module file the manifest does not list stops the boot unloaded",
          "[hook]") {
  Boot b;
  SECTION("an extra file (dracut install_items, --include)") {
    b.ops.files[kRoot + "/extra/dummy.ko"] = "dummy bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: module file " + kRoot +
                       "/extra/dummy.ko in the initramfs is not in the manifest"));
  }
  SECTION("a file outside the module directory") {
    b.ops.files["/usr/lib/extra.ko.xz"] = "xz bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: module file /usr/lib/extra.ko.xz in the initramfs"));
  }
  SECTION("a symlink, even at a listed path") {
    b.ops.links.insert(kRoot + "/b.ko");
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: module file " + kRoot +
                       "/b.ko (not a regular file) in the initramfs is not in the manifest"));
  }
  SECTION("an initramfs that cannot be walked") {
    b.ops.find_fails = true;
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: cannot check the initramfs for unlisted modules: walking the "
                       "initramfs: Input/output error"));
  }
  CHECK(b.ops.inserted.empty());  // checked before anything is loaded
  CHECK(b.ops.Logged("failed 1 (unlisted module files)"));
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("stopping the boot (policy enforce)"));
}

TEST_CASE("audit: an unlisted module file is removed before udev could load it", "[hook]") {
  Boot b;
  b.config.policy = Policy::kAudit;
  b.ops.files[kRoot + "/extra/dummy.ko"] = "dummy bytes";
  b.ops.links.insert(kRoot + "/updates/virtio_blk.ko");
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.removed ==
        std::vector<std::string>{kRoot + "/extra/dummy.ko", kRoot + "/updates/virtio_blk.ko"});
  CHECK(b.ops.Logged("audit: would fail: module file " + kRoot +
                     "/extra/dummy.ko in the initramfs is not in the manifest; removed"));
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko", "b.ko"});
}

TEST_CASE("listed files are matched through a module directory behind a symlink", "[hook]") {
  // dracut on merged /usr: /lib -> usr/lib, and the walk does not follow links.
  Boot b;
  const std::string real = "/usr" + kRoot;
  std::map<std::string, std::string> moved;
  for (const auto& [path, bytes] : b.ops.files) moved[path] = bytes;
  for (const auto& [path, bytes] : moved) b.ops.files["/usr" + path] = bytes;
  b.ops.resolved_module_root = real;
  std::string err;
  Manifest m;
  REQUIRE(ParseManifest(b.manifest_text, "m", &m, &err));
  const std::vector<ModuleFile> unlisted = UnlistedModuleFiles(b.config, m, b.ops, &err);
  CHECK(err.empty());
  // Only the copies at the unresolved path (which a real walk would not see) are left.
  std::vector<std::string> paths;
  for (const ModuleFile& f : unlisted) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{kRoot + "/a.ko", kRoot + "/b.ko", kRoot + "/r.ko"});
}

TEST_CASE("audit: a listed file whose bytes changed is removed, so no one loads it", "[hook]") {
  Boot b;
  b.config.policy = Policy::kAudit;
  b.ops.files[kRoot + "/r.ko"] = "rootkit bytes";
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Logged("audit: would fail: virtio_ring: hash mismatch for " + kRoot + "/r.ko"));
  CHECK(b.ops.Logged("...); removed"));
  CHECK(b.ops.removed == std::vector<std::string>{kRoot + "/r.ko"});
  // Its user is skipped, the rest loads.
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko"});
  CHECK(b.ops.Logged("skipped virtio_blk: dependency virtio_ring not loaded"));
  CHECK(b.ops.Logged("summary: loaded 1, already 0, skipped 1, failed 1 of 3"));
}

TEST_CASE("modules skipped for absent hardware are hash-checked all the same", "[hook]") {
  // virtio_ring finds no device, so virtio_blk is never inserted: its file is checked
  // anyway, since modprobe could load it later.
  Boot b;
  b.ops.insert_result[kRoot + "/r.ko"] = -ENODEV;
  b.ops.files[kRoot + "/b.ko"] = "rootkit bytes";
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.Logged("FAILED: virtio_blk: hash mismatch"));
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko"});
}

// The audit reads /proc/modules only once nothing can load any more.
struct AuditWatcher : FakeKernelOps {
  bool locked_when_audited = false;
  bool LoadedModules(std::vector<LoadedModule>* modules, std::string* err) override {
    locked_when_audited = Locked();
    return FakeKernelOps::LoadedModules(modules, err);
  }
};

TEST_CASE("the lock stage seals first, then audits what is loaded", "[hook]") {
  modseal_test::SignedImage<AuditWatcher> b;
  b.SignSmall();
  b.ops.loaded.push_back("dummy");  // loaded by udev while the stage ran
  CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.locked_when_audited);
  CHECK(b.ops.Logged("FAILED: module dummy is loaded but not in the manifest"));
}

TEST_CASE("kernel taint that no loaded module accounts for is a violation", "[hook]") {
  Boot b;
  b.ops.sysctl["kernel/tainted"] = std::to_string(1 << 13);  // E: an unsigned module
  SECTION("a module that ran and is gone") {
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: kernel taint E says an unsigned module was loaded, but no "
                       "loaded module carries it"));
  }
  SECTION("carried by a listed module (a kernel without module signing)") {
    b.ops.module_taint["virtio_blk"] = "E";
    CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  }
  SECTION("audit logs it and boots on") {
    b.config.policy = Policy::kAudit;
    CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.Logged("audit: would fail: kernel taint E says"));
  }
  SECTION("an unreadable taint word") {
    b.ops.sysctl["kernel/tainted"] = "garbage";
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: cannot read kernel.tainted: garbage"));
  }
  CHECK(b.ops.Locked());
  // Other taint (P: proprietary, W: a warning) is not about modules being loaded and gone.
  CHECK(UnexplainedTaint((1 << 0) | (1 << 9), {}).empty());
  CHECK(UnexplainedTaint((1 << 1) | (1 << 12), {{"m", "O"}}).size() == 1);  // F unexplained
}

TEST_CASE("a kernel without kexec boots sealed, and says so", "[hook]") {
  Boot b;
  b.ops.sysctl.erase("kernel/kexec_load_disabled");
  CHECK(RunLockStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
  CHECK(b.ops.Logged("locked: kernel.modules_disabled=1 (this kernel has no kexec_load to "
                     "disable)"));
}

TEST_CASE("a listed module's parameter from the kernel command line is logged", "[hook]") {
  Boot b;
  b.config.cmdline_module_params = {"virtio-blk.queue_depth=4", "i915.modeset=0"};
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Logged("kernel command line sets virtio-blk.queue_depth=4 for virtio_blk"));
  CHECK_FALSE(b.ops.Logged("i915"));
}

TEST_CASE("taint set by the hook's own insert of a listed module is accounted for", "[hook]") {
  // A listed out-of-tree driver on a machine without its hardware: the kernel sets O while
  // loading it, then its init fails with ENODEV and it is gone.
  Boot b;
  b.config.lock = LockPoint::kEarly;
  b.ops.taint_on_insert[kRoot + "/b.ko"] = uint64_t{1} << 12;
  b.ops.insert_result[kRoot + "/b.ko"] = -ENODEV;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.Locked());
  CHECK_FALSE(b.ops.Logged("kernel taint O"));
  SECTION("but not the same taint appearing again after the load stage") {
    b.ops.state["taint-by-own-inserts"] = "0";  // as if the load stage had set none
    CHECK(RunLockStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: kernel taint O says an out-of-tree module was loaded"));
  }
}

TEST_CASE("the kernel gets the bytes that were hashed, whatever the file becomes", "[hook]") {
  // Anything in the initramfs can write its tmpfs: a file swapped after the check.
  Boot b;
  b.ops.rewritten_after_read[kRoot + "/b.ko"] = "rootkit bytes";
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.Inserted() == std::vector<std::string>{"a.ko", "r.ko", "b.ko"});
  CHECK(b.ops.inserted_bytes ==
        std::vector<std::string>{"autofs4 bytes", "virtio_ring bytes", "virtio_blk bytes"});
  CHECK(b.ops.files[kRoot + "/b.ko"] == "rootkit bytes");  // the swap did happen
  CHECK(b.ops.released == 3);  // every copy freed
}

TEST_CASE("every copy the load stage read is freed, on every way out", "[hook]") {
  SECTION("a hash mismatch under enforce") {
    Boot b;
    b.ops.files[kRoot + "/b.ko"] = "rootkit bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.released == b.ops.images.size());
  }
  SECTION("a skipped dependency leaves its user unread into the kernel") {
    Boot b;
    b.ops.insert_result[kRoot + "/r.ko"] = -ENODEV;
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.released == 3);
  }
}

TEST_CASE("an insert the kernel cannot decompress or verify says why", "[hook]") {
  Boot b;
  b.ops.insert_result[kRoot + "/a.ko"] = -ENOPKG;
  CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
  CHECK(b.ops.Logged("FAILED: autofs4: insert failed: Package not installed (the kernel lacks "
                     "the decompressor /sys/module/compression names, or the module "
                     "signature's algorithm)"));
}

TEST_CASE("decompression is the kernel's unless the image says the hook's", "[hook]") {
  Boot b;
  SECTION("default") {
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.prepared_in_hook == std::vector<bool>{false, false, false});
    CHECK(b.ops.Logged(" decompressed=0"));
  }
  SECTION("decompress=hook") {
    b.config.decompress = Decompress::kHook;
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.prepared_in_hook == std::vector<bool>{true, true, true});
    CHECK(b.ops.Logged(" decompressed=3"));
  }
  CHECK(b.ops.prepared.size() == 3);
}

TEST_CASE("a signed module that does not decompress is a failure naming its file", "[hook]") {
  // The digest matched, so the stream was signed corrupt: nothing of it reaches the kernel.
  Boot b;
  b.ops.prepare_fails[kRoot + "/r.ko"] = kRoot + "/r.ko: decompressing (xz): compressed data is corrupt";
  SECTION("enforce stops the boot") {
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.Logged("FAILED: virtio_ring: " + kRoot +
                       "/r.ko: decompressing (xz): compressed data is corrupt"));
    CHECK(b.Inserted() == std::vector<std::string>{"a.ko"});
  }
  SECTION("audit boots on without it, and keeps the file (its bytes are the signed ones)") {
    b.config.policy = Policy::kAudit;
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.Logged("audit: would fail: virtio_ring: " + kRoot + "/r.ko: decompressing"));
    CHECK(b.Inserted() == std::vector<std::string>{"a.ko"});
    CHECK(b.ops.Logged("skipped virtio_blk: dependency virtio_ring not loaded"));
    CHECK(b.ops.removed.empty());
  }
}

TEST_CASE("the reader keeps a window of copies on a long list, serial or threaded", "[hook]") {
  modseal_test::SignedImage<FakeKernelOps> s;
  std::string text = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";
  for (int i = 0; i < 300; ++i) {
    const std::string name = "m" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") +
                             std::to_string(i);  // canonical order is by name
    s.AddFile(name + ".ko", "bytes of " + name);
    text += s.Line(name, name + ".ko", "loaded", "-");
  }
  s.Sign(text);
  s.config.load_threads = GENERATE(1u, 4u);
  CHECK(RunLoadStage(s.config, s.ops) == kBootContinues);
  CHECK(s.ops.inserted.size() == 300);
  CHECK(s.ops.held_most <= ReadAhead::kWindow + 1);
  CHECK(s.ops.released == 300);
}

TEST_CASE("no one auto-loads a file not yet checked: kernel.modprobe is off while loading",
          "[hook]") {
  // A listed module's init may request_module() another; the kernel would run modprobe
  // on the initramfs's files, checked or not.
  Boot b;
  CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
  CHECK(b.ops.modprobe_at_insert == std::vector<std::string>{"", "", ""});
  CHECK(b.ops.sysctl["kernel/modprobe"] == "/sbin/modprobe");  // back for udev
}

TEST_CASE("where kernel.modprobe cannot be turned off, every file is checked first",
          "[hook]") {
  Boot b;
  b.ops.unwritable_sysctls.insert("kernel/modprobe");
  SECTION("each insert comes after every read") {
    CHECK(RunLoadStage(b.config, b.ops) == kBootContinues);
    CHECK(b.ops.Logged("cannot turn off kernel.modprobe while loading (/proc/sys/kernel/"
                       "modprobe: Permission denied); every file is checked before the first "
                       "insert"));
    CHECK(b.ops.read_at_insert == std::vector<size_t>{3, 3, 3});
  }
  SECTION("under enforce one bad file means nothing is inserted") {
    b.ops.files[kRoot + "/b.ko"] = "rootkit bytes";
    CHECK(RunLoadStage(b.config, b.ops) == kStopBoot);
    CHECK(b.ops.inserted.empty());
    CHECK(b.ops.Logged("FAILED: virtio_blk: hash mismatch"));
    CHECK(b.ops.released == b.ops.images.size());
  }
  CHECK(b.ops.sysctl["kernel/modprobe"] == "/sbin/modprobe");
}
