#include "hook_config.h"

#include "catch.h"

using namespace modseal;

namespace {

HookConfig Parse(const std::string& text) {
  HookConfig c;
  std::string err;
  INFO(text);
  REQUIRE(ParseHookConfig(text, "hook.conf", &c, &err));
  return c;
}

std::string ParseError(const std::string& text) {
  HookConfig c;
  std::string err;
  CHECK_FALSE(ParseHookConfig(text, "hook.conf", &c, &err));
  return err;
}

}  // namespace

TEST_CASE("hook config: defaults and every key", "[hook][config]") {
  HookConfig c = Parse("pubkey=/etc/modseal/a.pub\n");
  CHECK(c.manifest == "/etc/modseal/modules.manifest");
  CHECK(c.signature == "/etc/modseal/modules.manifest.minisig");
  CHECK(c.policy == Policy::kEnforce);
  CHECK(c.lock == LockPoint::kEarly);  // nothing of the real root is read before the lock
  CHECK(c.lock_kexec);
  CHECK_FALSE(c.cmdline_may_weaken);
  CHECK(c.on_failure == OnFailure::kPowerOff);
  CHECK(c.load_threads == 0);  // one thread per CPU
  CHECK(Parse("pubkey=/a\nload_threads=0\n").load_threads == 0);
  CHECK(Parse("pubkey=/a\nload_threads=64\n").load_threads == 64);
  CHECK(c.decompress == Decompress::kKernel);
  CHECK(Parse("pubkey=/a\ndecompress=hook\n").decompress == Decompress::kHook);
  CHECK(Parse("pubkey=/a\ndecompress=kernel\n").decompress == Decompress::kKernel);
  c = Parse("# built by dracut\n\nmanifest=/m\nsignature=/s\npubkey=/a\npubkey=/b\n"
            "module_root=/r\npolicy=audit\nlock=pre-mount\nlock_kexec=no\ncmdline_may_weaken=yes\n"
            "on_failure=emergency\n");
  CHECK(c.manifest == "/m");
  CHECK(c.signature == "/s");
  CHECK(c.pubkeys == std::vector<std::string>{"/a", "/b"});
  CHECK(c.module_root == "/r");
  CHECK(c.policy == Policy::kAudit);
  CHECK(c.lock == LockPoint::kPreMount);
  CHECK_FALSE(c.lock_kexec);
  CHECK(c.cmdline_may_weaken);
  CHECK(c.on_failure == OnFailure::kEmergency);
}

TEST_CASE("hook config: errors name file, line and problem", "[hook][config]") {
  CHECK(ParseError("pubkey=/a\npolicy=lenient\n") ==
        "hook.conf:2: invalid value \"lenient\" for policy");
  CHECK(ParseError("pubkey=/a\nfoo=bar\n") == "hook.conf:2: unknown key \"foo\"");
  CHECK(ParseError("pubkey=/a\ndecompress=user\n") ==
        "hook.conf:2: invalid value \"user\" for decompress");
  CHECK(ParseError("pubkey=/a\nblocked_autoload=yes\n") ==
        "hook.conf:2: invalid value \"yes\" for blocked_autoload");
  CHECK(ParseError("pubkey=/a\nload_threads=65\n") ==
        "hook.conf:2: invalid value \"65\" for load_threads");
  CHECK(ParseError("pubkey=/a\nload_threads=-1\n") ==
        "hook.conf:2: invalid value \"-1\" for load_threads");
  CHECK(ParseError("pubkey=/a\nload_threads=\n") ==
        "hook.conf:2: invalid value \"\" for load_threads");
  CHECK(ParseError("pubkey\n") == "hook.conf:1: expected key=value");
  // The old default lock point is refused by name, with the reason.
  CHECK(ParseError("pubkey=/a\nlock=pre-pivot\n") ==
        "hook.conf:2: lock=pre-pivot is no longer offered: dracut runs files from the real "
        "root before pre-pivot; use early or pre-mount");
  CHECK(ParseError("pubkey=/a\nlock=late\n") == "hook.conf:2: invalid value \"late\" for lock");
  CHECK(ParseError("pubkey=relative.pub\n") ==
        "hook.conf:1: invalid value \"relative.pub\" for pubkey");
  CHECK(ParseError("policy=audit\n") == "hook.conf: no pubkey= line: nothing could ever verify");
  CHECK(ParseError(std::string(kHookConfigMaxBytes + 1, '#')).find("larger than") !=
        std::string::npos);
}

TEST_CASE("hook config: the measured seal's TPM and PCR", "[hook][config]") {
  HookConfig c = Parse("pubkey=/a\n");
  CHECK(c.tpm == TpmMode::kAuto);  // no TPM is a logged skip
  CHECK(c.tpm_pcr == 13);
  CHECK(c.blocked_autoload == BlockedAutoload::kLog);
  CHECK(Parse("pubkey=/a\nblocked_autoload=off\n").blocked_autoload == BlockedAutoload::kOff);
  CHECK(Parse("pubkey=/a\nblocked_autoload=modprobe\n").blocked_autoload ==
        BlockedAutoload::kModprobe);
  CHECK(Parse("pubkey=/a\ntpm=required\n").tpm == TpmMode::kRequired);
  CHECK(Parse("pubkey=/a\ntpm_pcr=8\n").tpm_pcr == 8);
  CHECK(Parse("pubkey=/a\ntpm_pcr=15\n").tpm_pcr == 15);
  CHECK(Parse("pubkey=/a\ntpm_pcr=off\n").tpm_pcr == kTpmPcrOff);
  // Firmware's PCRs, the resettable 16 and 23, and the DRTM ones are refused.
  for (const char* pcr : {"7", "16", "23", "08", "-1", "", "13a"})
    CHECK(ParseError(std::string("pubkey=/a\ntpm_pcr=") + pcr + "\n") ==
          std::string("hook.conf:2: invalid value \"") + pcr + "\" for tpm_pcr");
  CHECK(ParseError("pubkey=/a\ntpm=maybe\n") == "hook.conf:2: invalid value \"maybe\" for tpm");
  CHECK(ParseError("pubkey=/a\ntpm=required\ntpm_pcr=off\n") ==
        "hook.conf: tpm=required with tpm_pcr=off: nothing would be measured");
}

TEST_CASE("command line cannot weaken a locked-down image", "[hook][config]") {
  HookConfig c = Parse("pubkey=/a\nlock=early\n");
  std::vector<std::string> notes;
  ApplyCommandLine("quiet rd.modseal.policy=audit rd.modseal.lock=pre-mount rd.modseal.kexec=no "
                   "rd.modseal.lock=pre-pivot",
                   &c, &notes);
  CHECK(c.policy == Policy::kEnforce);
  CHECK(c.lock == LockPoint::kEarly);
  CHECK(c.lock_kexec);
  REQUIRE(notes.size() == 4);
  CHECK(notes[0] == "ignored rd.modseal.policy=audit: this image does not let the command line "
                    "weaken the seal");
  CHECK(notes[1] == "ignored rd.modseal.lock=pre-mount: this image does not let the command "
                    "line weaken the seal");
  CHECK(notes[3] == "ignored rd.modseal.lock=pre-pivot: lock=pre-pivot is no longer offered: "
                    "dracut runs files from the real root before pre-pivot; use early or "
                    "pre-mount");
}

TEST_CASE("command line may always strengthen", "[hook][config]") {
  HookConfig c = Parse("pubkey=/a\npolicy=audit\nlock=pre-mount\nlock_kexec=no\n");
  std::vector<std::string> notes;
  ApplyCommandLine("rd.modseal.policy=enforce rd.modseal.lock=early rd.modseal.kexec=yes", &c,
                   &notes);
  CHECK(c.policy == Policy::kEnforce);
  CHECK(c.lock == LockPoint::kEarly);
  CHECK(c.lock_kexec);
  CHECK(notes.empty());
}

TEST_CASE("command line weakens only where the image allows it", "[hook][config]") {
  HookConfig c = Parse("pubkey=/a\ncmdline_may_weaken=yes\n");
  std::vector<std::string> notes;
  ApplyCommandLine("root=/dev/vda \"rd.modseal.policy=audit\" rd.modseal.kexec=0 "
                   "rd.modseal.bogus=1 rd.modseal.lock=never rd.modseal.lock=pre-mount",
                   &c, &notes);
  CHECK(c.policy == Policy::kAudit);
  CHECK(c.lock == LockPoint::kPreMount);
  CHECK_FALSE(c.lock_kexec);
  CHECK(notes == std::vector<std::string>{"ignored rd.modseal.bogus=1: unknown option",
                                          "ignored rd.modseal.lock=never: unknown lock point"});
}

TEST_CASE("module parameters on the command line are recorded for the log", "[hook][config]") {
  HookConfig c = Parse("pubkey=/a\n");
  std::vector<std::string> notes;
  ApplyCommandLine("root=/dev/vda virtio-blk.queue_depth=4 rd.luks.uuid=x systemd.unit=a "
                   "net.ifnames=0 quiet",
                   &c, &notes);
  CHECK(c.cmdline_module_params ==
        std::vector<std::string>{"virtio-blk.queue_depth=4", "net.ifnames=0"});
}
