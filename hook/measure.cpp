#include "measure.h"

#include "measurement.h"
#include "text_lines.h"
#include "tpm.h"

namespace modseal {
namespace {

std::string PcrName(int pcr) { return "PCR " + std::to_string(pcr); }

// The log so far, or a new one starting at `before`; false if what is there no longer
// replays to `before`: something else extended the PCR, or the log was changed.
bool OpenLog(int pcr, const Digest& before, KernelOps& ops, std::string* text,
             std::string* err) {
  std::string ignored;
  if (!ops.LoadState(kMeasurementLog, text, &ignored)) {
    *text = EventLogHeader(pcr, before);
    return true;
  }
  EventLog log;
  if (!ParseEventLog(*text, "/run/modseal/measurements", &log, err)) return false;
  if (log.pcr != pcr || ReplayEvents(log.start, log.events) != before) {
    *err = PcrName(pcr) + " holds " + DigestHex(before) +
           ", which /run/modseal/measurements does not replay to: something else extended it";
    return false;
  }
  return true;
}

}  // namespace

Measured MeasureEvents(const HookConfig& config, KernelOps& ops,
                       const std::vector<std::string>& events, std::string* err) {
  if (config.tpm_pcr == kTpmPcrOff) {
    ops.Log("tpm: measurement off (tpm_pcr=off)");
    return Measured::kSkipped;
  }
  const int pcr = config.tpm_pcr;
  Digest before, after;
  switch (TpmReadPcr(ops, pcr, &before, err)) {
    case TpmStatus::kAbsent:
      ops.Log("tpm: no TPM (" + *err + "): measurement skipped");
      return Measured::kSkipped;
    case TpmStatus::kError:
      return Measured::kFailed;
    case TpmStatus::kOk:
      break;
  }
  std::string log;
  if (!OpenLog(pcr, before, ops, &log, err)) return Measured::kFailed;
  Measured result = Measured::kYes;
  for (const std::string& event : events) {
    if (TpmExtend(ops, pcr, EventDigest(event), err) != TpmStatus::kOk) {
      result = Measured::kFailed;
      break;
    }
    log += EventLogLine(event);
  }
  // What was extended is logged even when a later extend failed.
  std::string save_err;
  if (!ops.SaveState(kMeasurementLog, log, &save_err) && result == Measured::kYes) {
    *err = "cannot write the event log: " + save_err;
    result = Measured::kFailed;
  }
  if (result != Measured::kYes) return result;
  if (TpmReadPcr(ops, pcr, &after, err) != TpmStatus::kOk) return Measured::kFailed;
  if (after != ReplayEvents(before, events)) {
    *err = PcrName(pcr) + " reads " + DigestHex(after) + " after the extends, not the " +
           DigestHex(ReplayEvents(before, events)) + " they give";
    return Measured::kFailed;
  }
  ops.Log("tpm: measured " + std::to_string(events.size()) + " event(s) into " + PcrName(pcr) +
          " (sha256 " + DigestHex(after) + ")");
  return Measured::kYes;
}

namespace {

void SpoilPcr(const HookConfig& config, KernelOps& ops) {
  std::string err;
  if (TpmExtend(ops, config.tpm_pcr, EventDigest(kMeasurementFailedEvent), &err) ==
      TpmStatus::kOk)
    ops.Log(std::string("tpm: extended ") + kMeasurementFailedEvent + " into " +
            PcrName(config.tpm_pcr));
  else
    ops.Log(std::string("tpm: cannot extend ") + kMeasurementFailedEvent + ": " + err);
}

}  // namespace

bool MeasureForStage(const HookConfig& config, KernelOps& ops,
                     const std::vector<std::string>& events, std::string* err) {
  std::string why;
  const Measured m = MeasureEvents(config, ops, events, &why);
  if (m == Measured::kFailed) SpoilPcr(config, ops);
  if (config.tpm == TpmMode::kRequired) {  // the configuration never pairs it with off
    if (m == Measured::kSkipped) *err = "tpm=required, but there is no TPM to measure into";
    if (m == Measured::kFailed) *err = "tpm: measurement failed: " + why;
    return m == Measured::kYes;
  }
  if (m == Measured::kFailed)
    ops.Log("tpm: measurement failed (tpm=auto, the boot goes on): " + why);
  return true;
}

std::vector<std::string> RecordedFailures(KernelOps& ops) {
  std::string text, err;
  std::vector<std::string> failures;
  if (!ops.LoadState(kFailureRecord, &text, &err)) return failures;
  for (std::string_view line : SplitLines(text)) failures.emplace_back(line);
  return failures;
}

void RecordFailure(KernelOps& ops, const std::string& what) {
  std::string text, err;
  if (!ops.LoadState(kFailureRecord, &text, &err)) text.clear();
  // One line each: the outcome digest is over lines.
  std::string line = what;
  for (char& c : line)
    if (c == '\n') c = ' ';
  if (!ops.SaveState(kFailureRecord, text + line + "\n", &err))
    ops.Log("cannot record the failure for the measured outcome: " + err);
}

}  // namespace modseal
