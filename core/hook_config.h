// The hook's configuration: a file the dracut module writes into the image, optionally
// adjusted by rd.modseal.* on the kernel command line, but only where the image allows it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "measurement.h"

namespace modseal {

enum class Policy { kEnforce, kAudit };
// early: right after loading, before udev starts. pre-mount: after udev (which may load
// listed modules for devices it finds) but before the real root is mounted, so no dracut
// module can read or run anything from it first. There is no later point: dracut sources
// real-root files (etc/sysconfig/readonly-root) once the root is mounted.
enum class LockPoint { kEarly, kPreMount };
// What stopping the boot means: the hook powers off or halts the machine itself, so no
// init system can ignore it; "emergency" leaves it to dracut's emergency handling.
enum class OnFailure { kPowerOff, kHalt, kEmergency };

// Who decompresses a compressed module file, after its hash matched: the kernel, for the
// format /sys/module/compression names (the hook does any other), or always the hook, on
// the reader thread, ahead of the inserts.
enum class Decompress { kKernel, kHook };

// auto: measure into the TPM when there is one, log a skip when not. required: a boot
// without a TPM, or whose measurement fails, is a failure like any other.
enum class TpmMode { kAuto, kRequired };
constexpr int kTpmPcrOff = -1;
// Who gets the kernel's auto-load requests once sealed: log (blocked-modprobe records and
// logs each, rate-limited), modprobe (kernel.modprobe as it was: each fails silently), off
// (kernel.modprobe emptied: the kernel asks no one).
enum class BlockedAutoload { kLog, kModprobe, kOff };

struct HookConfig {
  std::string manifest = "/etc/modseal/modules.manifest";
  std::string signature;  // default: manifest + ".minisig"
  std::vector<std::string> pubkeys;
  std::string module_root;  // default: /lib/modules/KVER
  Policy policy = Policy::kEnforce;
  LockPoint lock = LockPoint::kEarly;
  bool lock_kexec = true;
  bool cmdline_may_weaken = false;
  OnFailure on_failure = OnFailure::kPowerOff;
  // Modules of one dependency wave are inserted by up to this many threads; 0 means one
  // per online CPU, the default: with the reader thread hashing ahead, parallel waves beat
  // serial inserts on Debian 12 and 13 (docs/benchmarks.md). 1 inserts serially.
  unsigned load_threads = 0;
  Decompress decompress = Decompress::kKernel;
  TpmMode tpm = TpmMode::kAuto;
  int tpm_pcr = kDefaultMeasurementPcr;  // or kTpmPcrOff: no measurement at all
  BlockedAutoload blocked_autoload = BlockedAutoload::kLog;
  // NAME.PARAM=VALUE words of the kernel command line: libkmod applies them to the
  // hook's inserts, as modprobe does, and the load stage logs each one for a listed module.
  std::vector<std::string> cmdline_module_params;
};

constexpr unsigned kMaxLoadThreads = 64;

constexpr size_t kHookConfigMaxBytes = 16384;
constexpr size_t kCmdlineMaxBytes = 4096;

// key=value lines; '#' comments and blank lines allowed; unknown keys are errors.
bool ParseHookConfig(std::string_view text, const std::string& filename, HookConfig* out,
                     std::string* err);

// Applies rd.modseal.policy= / rd.modseal.lock= / rd.modseal.kexec= and records module
// parameters. Making the seal
// stronger is always allowed; weakening it only when the image was built to allow it.
// Refused options are reported in *notes, which the hook logs.
void ApplyCommandLine(std::string_view cmdline, HookConfig* config,
                      std::vector<std::string>* notes);

const char* PolicyName(Policy p);
const char* LockPointName(LockPoint l);
const char* DecompressName(Decompress d);
const char* TpmModeName(TpmMode t);
const char* BlockedAutoloadName(BlockedAutoload b);

}  // namespace modseal
