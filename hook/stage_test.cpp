// The one rule every stage ends by, and the hook's run as main() makes it: configuration,
// command line, and the machine stopped when a stage says so.
#include "stage.h"

#include <algorithm>
#include "catch.h"
#include <string>

#include "fake_kernel_ops.h"
#include "signed_image_test_util.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::FakeKernelOps;
using modseal_test::WriteText;

namespace {

struct Image : modseal_test::SignedImage<FakeKernelOps> {
  Image() { SignSmall(); }
  // hook.conf as the dracut module writes it, plus `extra` lines; returns its path.
  std::string Conf(const std::string& extra = "") {
    const std::string path = dir / "hook.conf";
    WriteText(path, "manifest=" + config.manifest + "\nsignature=" + config.signature +
                        "\npubkey=" + config.pubkeys[0] + "\nlock=pre-mount\n" + extra);
    return path;
  }
  std::string Cmdline(const std::string& words) {
    const std::string path = dir / "cmdline";
    WriteText(path, words + "\n");
    return path;
  }
};

}  // namespace

TEST_CASE("every stage ends by one rule: failed, policy, seal", "[hook][stage]") {
  FakeKernelOps ops;
  HookConfig config;
  SECTION("nothing failed: the boot goes on, sealed or not yet") {
    CHECK(DecideStage(config, ops, false, Seal::kHeld) == kBootContinues);
    CHECK(DecideStage(config, ops, false, Seal::kNotDue) == kBootContinues);
    CHECK_FALSE(ops.Locked());  // not due is not sealed here
  }
  SECTION("audit: a failure is logged elsewhere, the boot goes on") {
    config.policy = Policy::kAudit;
    CHECK(DecideStage(config, ops, true, Seal::kHeld) == kBootContinues);
    CHECK(DecideStage(config, ops, true, Seal::kNotDue) == kBootContinues);
  }
  SECTION("enforce: a failure stops the boot") {
    CHECK(DecideStage(config, ops, true, Seal::kHeld) == kStopBoot);
    CHECK(ops.Logged("stopping the boot (policy enforce)"));
  }
  SECTION("enforce: a failure before the lock point seals first") {
    CHECK(DecideStage(config, ops, true, Seal::kNotDue) == kStopBoot);
    CHECK(ops.Locked());
    CHECK(ops.sysctl["kernel/kexec_load_disabled"] == "1");
    CHECK(ops.Logged("locked: kernel.modules_disabled=1, kernel.kexec_load_disabled=1"));
  }
  SECTION("a seal that could not be set stops the boot in either policy") {
    config.policy = GENERATE(Policy::kEnforce, Policy::kAudit);
    CHECK(DecideStage(config, ops, false, Seal::kBroken) == kStopBoot);
    CHECK(ops.Logged("stopping the boot: the seal could not be set"));
  }
  SECTION("sealing first, when the kernel refuses the lock") {
    ops.unwritable_sysctls.insert("kernel/modules_disabled");
    CHECK(DecideStage(config, ops, true, Seal::kNotDue) == kStopBoot);
    CHECK(ops.Logged("FAILED: cannot set kernel.modules_disabled=1: /proc/sys/kernel/"
                     "modules_disabled: Permission denied"));
    CHECK(ops.Logged("stopping the boot: the seal could not be set"));
    CHECK_FALSE(ops.Logged("locked:"));
  }
}

TEST_CASE("a held seal leaves a sysctl.d line and routes auto-loads to blocked-modprobe",
          "[hook][stage][blocked]") {
  FakeKernelOps ops;
  HookConfig config;
  SECTION("sealed: both settings in /run/sysctl.d, kernel.modprobe at the helper") {
    REQUIRE(SealNow(config, ops) == Seal::kHeld);
    CHECK(ops.runtime_files[kSealedSysctlPath].find("\nkernel.modules_disabled = 1\n"
                                                    "kernel.kexec_load_disabled = 1\n") !=
          std::string::npos);
    CHECK(ops.sysctl["kernel/modprobe"] == kBlockedModprobePath);
  }
  SECTION("a kernel without kexec, or lock_kexec=no: no kexec line") {
    if (GENERATE(0, 1))
      ops.sysctl.erase("kernel/kexec_load_disabled");
    else
      config.lock_kexec = false;
    REQUIRE(SealNow(config, ops) == Seal::kHeld);
    CHECK(ops.runtime_files[kSealedSysctlPath].find("kexec") == std::string::npos);
  }
  SECTION("a lock that does not hold writes no sysctl line and leaves kernel.modprobe") {
    ops.unwritable_sysctls.insert("kernel/modules_disabled");
    CHECK(SealNow(config, ops) == Seal::kBroken);
    CHECK(ops.runtime_files.empty());
    CHECK(ops.sysctl["kernel/modprobe"] == "/sbin/modprobe");
  }
  SECTION("blocked_autoload=modprobe keeps it, off empties it") {
    config.blocked_autoload = BlockedAutoload::kModprobe;
    REQUIRE(SealNow(config, ops) == Seal::kHeld);
    CHECK(ops.sysctl["kernel/modprobe"] == "/sbin/modprobe");
    config.blocked_autoload = BlockedAutoload::kOff;
    REQUIRE(SealNow(config, ops) == Seal::kHeld);
    CHECK(ops.sysctl["kernel/modprobe"].empty());
  }
  SECTION("no helper in the image, or /run full: logged, the seal still holds") {
    ops.executables.clear();
    ops.runtime_unwritable = true;
    CHECK(SealNow(config, ops) == Seal::kHeld);
    CHECK(ops.sysctl["kernel/modprobe"] == "/sbin/modprobe");
    CHECK(ops.Logged("no /usr/lib/modseal/blocked-modprobe: blocked auto-loads go unrecorded"));
    CHECK(ops.Logged("cannot write /run/sysctl.d/50-modseal.conf: /run/sysctl.d/50-modseal.conf: "
                     "No space left on device (the seal holds"));
  }
}

TEST_CASE("a stopped boot ends as on_failure says", "[hook][stage]") {
  FakeKernelOps ops;
  CHECK(StopBoot(OnFailure::kPowerOff, ops) == kStopBoot);
  CHECK(ops.stopped == "poweroff");
  CHECK(ops.Logged("powering off"));
  FakeKernelOps halted;
  CHECK(StopBoot(OnFailure::kHalt, halted) == kStopBoot);
  CHECK(halted.stopped == "halt");
  FakeKernelOps emergency;  // dracut's emergency handling, with the fail-safe ahead of it
  CHECK(StopBoot(OnFailure::kEmergency, emergency) == kStopBoot);
  CHECK(emergency.stopped.empty());
}

TEST_CASE("no usable configuration: sealed with the strictest settings, powered off",
          "[hook][stage]") {
  Image image;
  std::string conf;
  std::string why;
  SECTION("missing") {
    conf = image.dir / "absent.conf";
    why = "FAILED: " + conf + ": No such file or directory";
  }
  SECTION("unparsable") {
    conf = image.Conf("policy=lenient\n");
    why = "FAILED: " + conf + ":5: invalid value \"lenient\" for policy";
  }
  SECTION("no key") {
    conf = image.dir / "nokey.conf";
    WriteText(conf, "policy=audit\non_failure=emergency\n");
    why = "nothing could ever verify";
  }
  CHECK(RunHook("load", conf, image.Cmdline("quiet"), image.ops) == kStopBoot);
  CHECK(image.ops.Logged(why));
  CHECK(image.ops.Locked());
  CHECK(image.ops.sysctl["kernel/kexec_load_disabled"] == "1");
  CHECK(image.ops.Logged("stopping the boot: no usable configuration"));
  CHECK(image.ops.stopped == "poweroff");  // whatever on_failure the file meant to say
  CHECK(image.ops.inserted.empty());
}

TEST_CASE("the hook's run: configuration, command line, stage, ending", "[hook][stage]") {
  Image image;
  SECTION("a good image boots on, nothing stopped") {
    CHECK(RunHook("load", image.Conf(), image.Cmdline("quiet"), image.ops) == kBootContinues);
    // The default load_threads=0 inserts a wave on several threads: order within it varies.
    std::vector<std::string> inserted = image.Inserted();
    std::sort(inserted.begin(), inserted.end());
    CHECK(inserted == std::vector<std::string>{"a.ko", "b.ko", "r.ko"});
    CHECK(RunHook("lock", image.Conf(), image.Cmdline("quiet"), image.ops) == kBootContinues);
    CHECK(image.ops.Locked());
    CHECK(image.ops.stopped.empty());
  }
  SECTION("a tampered module under enforce ends as on_failure says") {
    image.ops.files[modseal_test::kImageModuleRoot + "/b.ko"] = "rootkit bytes";
    const std::string how = GENERATE(std::string("poweroff"), std::string("halt"),
                                     std::string("emergency"));
    CHECK(RunHook("load", image.Conf("on_failure=" + how + "\n"), image.Cmdline("quiet"),
                  image.ops) == kStopBoot);
    CHECK(image.ops.Locked());
    CHECK(image.ops.stopped == (how == "emergency" ? "" : how));
  }
  SECTION("the command line is applied, and what it may not change is logged") {
    CHECK(RunHook("load", image.Conf(), image.Cmdline("rd.modseal.policy=audit"), image.ops) ==
          kBootContinues);
    CHECK(image.ops.Logged("ignored rd.modseal.policy=audit: this image does not let the "
                           "command line weaken the seal"));
    CHECK(image.ops.Logged("load: policy enforce, lock pre-mount"));
  }
  SECTION("an unreadable command line changes nothing") {
    CHECK(RunHook("load", image.Conf(), image.dir / "no-cmdline", image.ops) == kBootContinues);
    CHECK(image.ops.Logged("load: policy enforce, lock pre-mount"));
  }
}
