// What a sealed kernel refused to auto-load: after the lock, kernel.modprobe points at the
// hook's blocked-modprobe mode, which records each request here (/run/modseal/blocked-
// autoloads) and logs it to the kernel log, rate-limited. `modseal status` reads the same
// record with the same parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modseal {

constexpr char kBlockedAutoloadsPath[] = "/run/modseal/blocked-autoloads";
// Where kernel.modprobe points after the lock: a link to modseal-hook, which acts on the
// name it was started as (kmod's tools do the same).
constexpr char kBlockedModprobePath[] = "/usr/lib/modseal/blocked-modprobe";

// At most this many log lines per window; the rest are counted and named in the next line.
constexpr unsigned kBlockedLogBurst = 10;
constexpr int64_t kBlockedLogWindowSeconds = 60;
// Names are chosen by whoever asks (an AF_ALG bind names any "crypto-..."): past this many
// distinct ones, requests are counted under kOtherRequests.
constexpr size_t kMaxBlockedNames = 64;
constexpr char kOtherRequests[] = "(other)";

struct BlockedRequest {
  std::string name;       // as the kernel asked, e.g. "net-pf-2-proto-132-type-1"
  std::string module;     // what the alias resolves to on this kernel, "" if unknown
  std::string requester;  // "COMM[PID]", "" if unknown
  uint64_t count = 0;
  int64_t first = 0, last = 0;  // seconds since the epoch
};

struct BlockedAutoloads {
  int64_t window_start = 0;
  unsigned window_logged = 0;
  uint64_t suppressed = 0;  // not logged since the last line that was
  uint64_t total = 0;
  std::vector<BlockedRequest> requests;  // in the order first seen
};

// Safe to print and to store as one word: the kernel passes what a caller chose, so
// anything but [A-Za-z0-9_.:,+=@-] becomes '?', and it is cut at 64 bytes.
std::string SanitizeRequestWord(std::string_view word);

// Counts one request for `name` (sanitized) at time `now`. Returns its entry when the
// request is to be logged, the caller then filling in module and requester (only then: a
// flood costs a count, not a lookup); *suppressed_before is how many went unlogged since
// the last logged one. nullptr when rate-limited.
BlockedRequest* RecordBlockedRequest(BlockedAutoloads* record, const std::string& name,
                                     int64_t now, uint64_t* suppressed_before);

// The kernel log line for a request: "blocked auto-load of NAME (module M) requested by R".
std::string BlockedRequestLogLine(const BlockedRequest& request, uint64_t suppressed_before);

std::string FormatBlockedAutoloads(const BlockedAutoloads& record);
// False with *err naming FILENAME:LINE and the problem.
bool ParseBlockedAutoloads(std::string_view text, const std::string& filename,
                           BlockedAutoloads* out, std::string* err);

}  // namespace modseal
