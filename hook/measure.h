// The measured seal at boot: events extended into the configured PCR, each also appended to
// /run/modseal/measurements so that a verifier can replay the PCR's value (measurement.h).
#pragma once

#include <string>
#include <vector>

#include "hook_config.h"
#include "kernel_ops.h"

namespace modseal {

// The event log and the failure record, in /run/modseal.
constexpr char kMeasurementLog[] = "measurements";
constexpr char kFailureRecord[] = "failures";

enum class Measured { kYes, kSkipped, kFailed };

// Extends `events` in order, then reads the PCR back: it must equal the log's replay. No
// TPM, or tpm_pcr=off, is kSkipped (logged); anything else that goes wrong is kFailed with
// *err, whatever tpm= says: the caller decides what a failed measurement means.
Measured MeasureEvents(const HookConfig& config, KernelOps& ops,
                       const std::vector<std::string>& events, std::string* err);

// What a stage makes of MeasureEvents: true unless the measurement was required and did
// not happen. Under tpm=auto a failure is logged and the boot goes on. Either way a failed
// measurement is followed by kMeasurementFailedEvent, where the TPM takes it.
bool MeasureForStage(const HookConfig& config, KernelOps& ops,
                     const std::vector<std::string>& events, std::string* err);

// The failures the stages logged so far, one per line (the outcome event's digest).
std::vector<std::string> RecordedFailures(KernelOps& ops);
void RecordFailure(KernelOps& ops, const std::string& what);

}  // namespace modseal
