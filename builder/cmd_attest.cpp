// modseal attest: what a sealed boot's PCR must read, from the signed manifest alone, and
// whether what a TPM (or its event log) reports agrees.
#include <cstdio>

#include "commands.h"
#include "file_util.h"
#include "json.h"
#include "measurement.h"
#include "signed_manifest.h"

namespace modseal {
namespace {

// The first index at which `got` differs from `want`, or want.size() when it has them all
// (and perhaps more).
size_t FirstDifference(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  return i;
}

std::string DescribeLogDifference(const std::vector<std::string>& want, const EventLog& log) {
  const size_t i = FirstDifference(want, log.events);
  if (i == want.size() && log.events.size() == want.size()) return "";
  if (i < want.size() && i < log.events.size())
    return "event " + std::to_string(i + 1) + " differs: expected \"" + want[i] +
           "\", the log has \"" + log.events[i] + "\"";
  if (i < want.size())
    return "event " + std::to_string(i + 1) + " is missing from the log: expected \"" + want[i] +
           "\"";
  return "the log has " + std::to_string(log.events.size() - want.size()) +
         " event(s) after the seal, first \"" + log.events[i] + "\"";
}

}  // namespace

int RunAttest(const AttestArgs& args) {
  std::string err;
  std::vector<PublicKey> keys;
  if (!LoadPublicKeyFiles(args.public_keys, &keys, &err)) return Fail(err);
  if (args.pcr < kLowestMeasurementPcr || args.pcr > kHighestMeasurementPcr)
    return Fail("--pcr " + std::to_string(args.pcr) + ": the hook measures into PCR " +
                std::to_string(kLowestMeasurementPcr) + " to " +
                std::to_string(kHighestMeasurementPcr) + " only");
  if (args.policy != "enforce" && args.policy != "audit")
    return Fail("--policy " + args.policy + ": expected enforce or audit");
  if (args.lock != "early" && args.lock != "pre-mount")
    return Fail("--lock " + args.lock + ": expected early or pre-mount");
  if (args.kexec != "yes" && args.kexec != "no")
    return Fail("--kexec " + args.kexec + ": expected yes or no");
  Digest reported{};
  if (!args.pcr_value.empty() && !ParseDigestHex(args.pcr_value, &reported))
    return Fail("--pcr-value " + args.pcr_value + ": expected 64 hex digits (SHA-256 bank)");
  const std::string sig_path =
      args.signature.empty() ? args.manifest + ".minisig" : args.signature;
  Manifest manifest;
  Signature sig;
  std::string sha256;
  // Only a manifest the verifier trusts predicts anything.
  if (!VerifyManifestFile(args.manifest, sig_path, keys, &manifest, &sig, &err, &sha256))
    return Fail("verification FAILED: " + err, kExitCheckFailed);

  std::vector<std::string> events = SealEvents(
      {sha256, KeyIdText(sig.key_id), manifest.kernel, args.policy, args.lock, args.kexec == "yes"});
  events.push_back(OutcomeEvent({}));
  const Digest expected = ReplayEvents(Digest{}, events);

  std::vector<std::string> problems;
  if (!args.log.empty()) {
    std::string text;
    EventLog log;
    if (!ReadFileBounded(args.log, kEventLogMaxBytes, &text, &err) ||
        !ParseEventLog(text, args.log, &log, &err))
      return Fail(err);
    if (log.pcr != args.pcr)
      problems.push_back(args.log + ": the log is of PCR " + std::to_string(log.pcr) +
                         ", not " + std::to_string(args.pcr));
    if (log.start != Digest{})
      problems.push_back(args.log + ": PCR " + std::to_string(log.pcr) + " held " +
                         DigestHex(log.start) + " before the seal: something extended it first");
    const std::string diff = DescribeLogDifference(events, log);
    if (!diff.empty()) problems.push_back(args.log + ": " + diff);
    if (!args.pcr_value.empty() && ReplayEvents(log.start, log.events) != reported)
      problems.push_back(args.log + ": does not replay to the reported PCR value " +
                         DigestHex(reported) + " (it gives " +
                         DigestHex(ReplayEvents(log.start, log.events)) + ")");
  }
  if (!args.pcr_value.empty() && reported != expected)
    problems.push_back("PCR " + std::to_string(args.pcr) + " reads " + DigestHex(reported) +
                       ", not the sealed " + DigestHex(expected));
  const bool checked = !args.log.empty() || !args.pcr_value.empty();
  // The log is a file root on the node can write: without the TPM's value it proves nothing.
  const bool log_only = args.pcr_value.empty() && !args.log.empty();
  const char* verdict = !checked          ? "expected"
                        : !problems.empty() ? "mismatch"
                        : log_only          ? "log-match"
                                            : "match";

  if (args.json) {
    std::string out = "{\"pcr\":" + std::to_string(args.pcr) + ",\"bank\":\"sha256\"," +
                      "\"expected\":" + JsonString(DigestHex(expected)) + ",\"events\":[";
    for (size_t i = 0; i < events.size(); ++i)
      out += std::string(i ? "," : "") + "{\"digest\":" +
             JsonString(DigestHex(EventDigest(events[i]))) + ",\"text\":" + JsonString(events[i]) +
             "}";
    out += "],\"result\":" + JsonString(verdict) + ",\"problems\":" + JsonStringArray(problems) +
           "}\n";
    fputs(out.c_str(), stdout);
  } else {
    printf("PCR %d (sha256) of a sealed boot: %s\n", args.pcr, DigestHex(expected).c_str());
    for (size_t i = 0; i < events.size(); ++i)
      printf("  %zu %s %s\n", i + 1, DigestHex(EventDigest(events[i])).c_str(),
             events[i].c_str());
    for (const std::string& p : problems) printf("mismatch: %s\n", p.c_str());
    if (checked && problems.empty())
      puts(log_only ? "log-match: the log is the sealed one, but only --pcr-value (from a "
                      "quote) proves what the TPM holds"
                    : "match");
  }
  return problems.empty() ? kExitOk : kExitCheckFailed;
}

}  // namespace modseal
