#include "hook_config.h"

#include "manifest.h"
#include "string_table.h"
#include "text_lines.h"

namespace modseal {
namespace {

bool ParseBool(std::string_view v, bool* out) {
  if (v == "yes" || v == "1" || v == "true") {
    *out = true;
    return true;
  }
  if (v == "no" || v == "0" || v == "false") {
    *out = false;
    return true;
  }
  return false;
}

constexpr Named<Policy> kPolicies[] = {{Policy::kEnforce, "enforce"}, {Policy::kAudit, "audit"}};
constexpr Named<LockPoint> kLockPoints[] = {{LockPoint::kEarly, "early"},
                                            {LockPoint::kPreMount, "pre-mount"}};
constexpr Named<OnFailure> kOnFailures[] = {{OnFailure::kPowerOff, "poweroff"},
                                            {OnFailure::kHalt, "halt"},
                                            {OnFailure::kEmergency, "emergency"}};
constexpr Named<Decompress> kDecompressors[] = {{Decompress::kKernel, "kernel"},
                                                {Decompress::kHook, "hook"}};

constexpr Named<TpmMode> kTpmModes[] = {{TpmMode::kAuto, "auto"},
                                        {TpmMode::kRequired, "required"}};

constexpr Named<BlockedAutoload> kBlockedAutoloads[] = {{BlockedAutoload::kLog, "log"},
                                                        {BlockedAutoload::kModprobe, "modprobe"},
                                                        {BlockedAutoload::kOff, "off"}};

// 8-15 only (measurement.h says why), or off.
bool ParseTpmPcr(std::string_view v, int* out) {
  if (v == "off") {
    *out = kTpmPcrOff;
    return true;
  }
  if (v.empty() || v.size() > 2 || v.find_first_not_of("0123456789") != std::string_view::npos ||
      (v.size() == 2 && v[0] == '0'))
    return false;
  const int n = std::stoi(std::string(v));
  if (n < kLowestMeasurementPcr || n > kHighestMeasurementPcr) return false;
  *out = n;
  return true;
}

bool ParsePolicy(std::string_view v, Policy* out) { return ValueOf(kPolicies, v, out); }
bool ParseLock(std::string_view v, LockPoint* out) { return ValueOf(kLockPoints, v, out); }

// The lock point earlier versions offered: by then real-root files had been sourced.
constexpr std::string_view kRemovedLockPoint = "pre-pivot";
constexpr char kRemovedLockPointWhy[] =
    "lock=pre-pivot is no longer offered: dracut runs files from the real root before "
    "pre-pivot; use early or pre-mount";

bool ParseOnFailure(std::string_view v, OnFailure* out) { return ValueOf(kOnFailures, v, out); }

bool ParseThreads(std::string_view v, unsigned* out) {
  if (v.empty() || v.size() > 2 || v.find_first_not_of("0123456789") != std::string_view::npos)
    return false;
  unsigned n = 0;
  for (char c : v) n = n * 10 + static_cast<unsigned>(c - '0');
  if (n > kMaxLoadThreads) return false;
  *out = n;
  return true;
}

bool IsAbsolutePath(std::string_view v) {
  return !v.empty() && v.front() == '/' && v.find('\0') == std::string_view::npos;
}

}  // namespace

const char* PolicyName(Policy p) { return NameOf(kPolicies, p); }
const char* LockPointName(LockPoint l) { return NameOf(kLockPoints, l); }
const char* DecompressName(Decompress d) { return NameOf(kDecompressors, d); }
const char* TpmModeName(TpmMode t) { return NameOf(kTpmModes, t); }
const char* BlockedAutoloadName(BlockedAutoload b) { return NameOf(kBlockedAutoloads, b); }

bool ParseHookConfig(std::string_view text, const std::string& filename, HookConfig* out,
                     std::string* err) {
  if (text.size() > kHookConfigMaxBytes) {
    *err = filename + ": configuration larger than " + std::to_string(kHookConfigMaxBytes) +
           " bytes";
    return false;
  }
  HookConfig config;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const std::string where = Where(filename, i + 1);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      *err = where + "expected key=value";
      return false;
    }
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true;
    if (key == "manifest" || key == "signature" || key == "pubkey" || key == "module_root") {
      ok = IsAbsolutePath(value);
      if (key == "manifest") config.manifest = std::string(value);
      if (key == "signature") config.signature = std::string(value);
      if (key == "pubkey") config.pubkeys.emplace_back(value);
      if (key == "module_root") config.module_root = std::string(value);
    } else if (key == "policy") {
      ok = ParsePolicy(value, &config.policy);
    } else if (key == "lock") {
      if (value == kRemovedLockPoint) {
        *err = where + kRemovedLockPointWhy;
        return false;
      }
      ok = ParseLock(value, &config.lock);
    } else if (key == "lock_kexec") {
      ok = ParseBool(value, &config.lock_kexec);
    } else if (key == "load_threads") {
      ok = ParseThreads(value, &config.load_threads);
    } else if (key == "decompress") {
      ok = ValueOf(kDecompressors, value, &config.decompress);
    } else if (key == "tpm") {
      ok = ValueOf(kTpmModes, value, &config.tpm);
    } else if (key == "blocked_autoload") {
      ok = ValueOf(kBlockedAutoloads, value, &config.blocked_autoload);
    } else if (key == "tpm_pcr") {
      ok = ParseTpmPcr(value, &config.tpm_pcr);
    } else if (key == "on_failure") {
      ok = ParseOnFailure(value, &config.on_failure);
    } else if (key == "cmdline_may_weaken") {
      ok = ParseBool(value, &config.cmdline_may_weaken);
    } else {
      *err = where + "unknown key \"" + std::string(key) + "\"";
      return false;
    }
    if (!ok) {
      *err = where + "invalid value \"" + std::string(value) + "\" for " + std::string(key);
      return false;
    }
  }
  if (config.pubkeys.empty()) {
    *err = filename + ": no pubkey= line: nothing could ever verify";
    return false;
  }
  if (config.tpm == TpmMode::kRequired && config.tpm_pcr == kTpmPcrOff) {
    *err = filename + ": tpm=required with tpm_pcr=off: nothing would be measured";
    return false;
  }
  if (config.signature.empty()) config.signature = config.manifest + ".minisig";
  *out = std::move(config);
  return true;
}

namespace {

// Sets *setting unless the word did not parse or would weaken a seal the image does not
// let the command line weaken.
template <typename T>
void ApplyWord(const std::string& word, bool parsed, const char* expected, bool weakens,
               bool may_weaken, T value, T* setting, std::vector<std::string>* notes) {
  if (!parsed)
    notes->push_back("ignored " + word + ": " + expected);
  else if (weakens && !may_weaken)
    notes->push_back("ignored " + word + ": this image does not let the command line weaken "
                     "the seal");
  else
    *setting = value;
}

}  // namespace

void ApplyCommandLine(std::string_view cmdline, HookConfig* config,
                      std::vector<std::string>* notes) {
  if (cmdline.size() > kCmdlineMaxBytes) cmdline = cmdline.substr(0, kCmdlineMaxBytes);
  const bool may_weaken = config->cmdline_may_weaken;
  for (const std::string& word : KernelCommandLineWords(cmdline)) {
    if (!CommandLineParameterModule(word).empty()) config->cmdline_module_params.push_back(word);
    if (!StartsWith(word, "rd.modseal.")) continue;
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (key == "rd.modseal.policy") {
      Policy p = config->policy;
      bool ok = ParsePolicy(value, &p);
      ApplyWord(word, ok, "unknown policy",
                p == Policy::kAudit && config->policy == Policy::kEnforce, may_weaken, p,
                &config->policy, notes);
    } else if (key == "rd.modseal.lock") {
      // Locking earlier is stronger; pre-mount after early is weaker.
      LockPoint l = config->lock;
      bool ok = ParseLock(value, &l);
      ApplyWord(word, ok, value == kRemovedLockPoint ? kRemovedLockPointWhy : "unknown lock point",
                l == LockPoint::kPreMount && config->lock == LockPoint::kEarly, may_weaken, l,
                &config->lock, notes);
    } else if (key == "rd.modseal.kexec") {
      bool lock = config->lock_kexec;
      bool ok = ParseBool(value, &lock);
      ApplyWord(word, ok, "expected yes or no", !lock && config->lock_kexec, may_weaken, lock,
                &config->lock_kexec, notes);
    } else {
      notes->push_back("ignored " + word + ": unknown option");
    }
  }
}

}  // namespace modseal
