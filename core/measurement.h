// The measured seal: the events the hook extends into a TPM PCR, and the log it keeps of
// them in /run/modseal/measurements, so that a verifier can replay the PCR's value.
//
// An event is one line of printable ASCII ("modseal:manifest sha256:..."); what the TPM
// gets is SHA-256 of exactly those bytes, no newline. Only the SHA-256 bank is extended:
// the PCR's value there is SHA-256(old || digest) per event, from 32 zero bytes at reset.
//
// The log, one line each:
//   modseal-measurements 1 pcr 13 sha256 start HEX   (the PCR before the first event)
//   event HEX TEXT                                      (HEX: SHA-256 of TEXT)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modseal {

using Digest = std::array<uint8_t, 32>;

// 13: no boot component of a Debian boot extends it (the UAPI registry gives it to
// systemd-stub's system extensions, which only UKI boots with sysext add-ons have).
// README "Measured seal" has the whole reasoning.
constexpr int kDefaultMeasurementPcr = 13;
// Non-resettable and extendable from locality 0: 0-7 belong to firmware, whose event log
// verifiers replay; 16 and 23 can be reset by root, 17-22 are DRTM.
constexpr int kLowestMeasurementPcr = 8;
constexpr int kHighestMeasurementPcr = 15;

constexpr size_t kEventMaxBytes = 512;
constexpr size_t kEventLogMaxBytes = 64 << 10;

Digest EventDigest(std::string_view text);
Digest ExtendPcr(const Digest& pcr, const Digest& event_digest);
// The PCR after `events`, from `start`.
Digest ReplayEvents(const Digest& start, const std::vector<std::string>& events);

std::string DigestHex(const Digest& digest);
// 64 hex digits, either case, an optional "0x" in front (as tpm2_pcrread prints).
bool ParseDigestHex(std::string_view text, Digest* out);

// What the hook seals with, as the events bind it.
struct SealFacts {
  std::string manifest_sha256;  // of the manifest file's bytes
  std::string key_id;           // the signing key, as minisign prints it
  std::string kernel;
  std::string policy;  // enforce | audit
  std::string lock;    // early | pre-mount
  bool lock_kexec = true;
};

// The sealed boot's events before the outcome, in the order the hook extends them.
std::vector<std::string> SealEvents(const SealFacts& facts);
// "modseal:outcome sealed", or with audit failures their count and the SHA-256 of their
// sorted, distinct lines joined by "\n" (AuditFailureList).
std::string OutcomeEvent(const std::vector<std::string>& audit_failures);
std::vector<std::string> AuditFailureList(const std::vector<std::string>& failures);
// A shell started in the initramfs: after it nothing of the PCR means "sealed as built".
std::string ShellEvent(std::string_view who);
// Extended, where the TPM still takes it, after a measurement that failed: a PCR left short
// of the seal's events must not be completed by hand later into the sealed value.
constexpr char kMeasurementFailedEvent[] = "modseal:measurement-failed";

// An event's text, cut to kEventMaxBytes with anything unprintable made '?', so the log
// line is exactly what was measured.
std::string EventText(std::string_view text);

struct EventLog {
  int pcr = kDefaultMeasurementPcr;
  Digest start{};
  std::vector<std::string> events;
};

std::string EventLogHeader(int pcr, const Digest& start);
std::string EventLogLine(std::string_view text);
// Strict: "FILE:LINE: problem" for anything else, including an event whose HEX is not
// SHA-256 of its text.
bool ParseEventLog(std::string_view text, const std::string& filename, EventLog* out,
                   std::string* err);

}  // namespace modseal
