#include "measurement.h"

#include <algorithm>
#include <sodium.h>

#include "text_lines.h"

namespace modseal {
namespace {

constexpr std::string_view kLogMagic = "modseal-measurements 1 pcr ";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParsePcrIndex(std::string_view text, int* out) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != text.npos)
    return false;
  *out = std::stoi(std::string(text));
  return true;
}

}  // namespace

Digest EventDigest(std::string_view text) {
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return d;
}

Digest ExtendPcr(const Digest& pcr, const Digest& event_digest) {
  uint8_t both[64];
  std::copy(pcr.begin(), pcr.end(), both);
  std::copy(event_digest.begin(), event_digest.end(), both + 32);
  Digest d;
  crypto_hash_sha256(d.data(), both, sizeof both);
  return d;
}

Digest ReplayEvents(const Digest& start, const std::vector<std::string>& events) {
  Digest pcr = start;
  for (const std::string& e : events) pcr = ExtendPcr(pcr, EventDigest(e));
  return pcr;
}

std::string DigestHex(const Digest& digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : digest) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

bool ParseDigestHex(std::string_view text, Digest* out) {
  if (StartsWith(text, "0x") || StartsWith(text, "0X")) text.remove_prefix(2);
  if (text.size() != 64) return false;
  Digest d;
  for (size_t i = 0; i < d.size(); ++i) {
    const int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    d[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  *out = d;
  return true;
}

std::string EventText(std::string_view text) {
  std::string out(text.substr(0, kEventMaxBytes));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

std::vector<std::string> SealEvents(const SealFacts& facts) {
  return {
      EventText("modseal:manifest sha256:" + facts.manifest_sha256),
      EventText("modseal:key " + facts.key_id),
      EventText("modseal:kernel " + facts.kernel),
      EventText("modseal:policy " + facts.policy + " lock=" + facts.lock +
                " kexec=" + (facts.lock_kexec ? "yes" : "no")),
  };
}

std::vector<std::string> AuditFailureList(const std::vector<std::string>& failures) {
  std::vector<std::string> list;
  for (const std::string& f : failures)
    if (!f.empty()) list.push_back(f);
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return list;
}

std::string OutcomeEvent(const std::vector<std::string>& audit_failures) {
  const std::vector<std::string> list = AuditFailureList(audit_failures);
  if (list.empty()) return "modseal:outcome sealed";
  std::string joined;
  for (const std::string& f : list) joined += (joined.empty() ? "" : "\n") + f;
  return "modseal:outcome audit-failures " + std::to_string(list.size()) +
         " sha256:" + DigestHex(EventDigest(joined));
}

std::string ShellEvent(std::string_view who) {
  return EventText("modseal:shell " + std::string(who.empty() ? "unnamed" : who));
}

std::string EventLogHeader(int pcr, const Digest& start) {
  return std::string(kLogMagic) + std::to_string(pcr) + " sha256 start " + DigestHex(start) +
         "\n";
}

std::string EventLogLine(std::string_view text) {
  return "event " + DigestHex(EventDigest(text)) + " " + std::string(text) + "\n";
}

bool ParseEventLog(std::string_view text, const std::string& filename, EventLog* out,
                   std::string* err) {
  if (text.size() > kEventLogMaxBytes) {
    *err = filename + ": larger than " + std::to_string(kEventLogMaxBytes) + " bytes";
    return false;
  }
  const std::vector<std::string_view> lines = SplitLines(text);
  EventLog log;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::string where = Where(filename, i + 1);
    if (i == 0) {
      const size_t bank = line.find(" sha256 start ");
      if (!StartsWith(line, kLogMagic) || bank == line.npos ||
          !ParsePcrIndex(line.substr(kLogMagic.size(), bank - kLogMagic.size()), &log.pcr) ||
          !ParseDigestHex(line.substr(bank + 14), &log.start)) {
        *err = where + "expected \"modseal-measurements 1 pcr N sha256 start HEX\"";
        return false;
      }
      continue;
    }
    Digest claimed;
    if (!StartsWith(line, "event ") || line.size() < 72 || line[70] != ' ' ||
        !ParseDigestHex(line.substr(6, 64), &claimed)) {
      *err = where + "expected \"event HEX TEXT\"";
      return false;
    }
    const std::string_view event = line.substr(71);
    if (EventText(event) != event) {
      *err = where + "event text is not printable ASCII of at most " +
             std::to_string(kEventMaxBytes) + " bytes";
      return false;
    }
    if (claimed != EventDigest(event)) {
      *err = where + "digest is not SHA-256 of the event's text";
      return false;
    }
    log.events.emplace_back(event);
  }
  if (lines.empty()) {
    *err = filename + ": empty";
    return false;
  }
  *out = std::move(log);
  return true;
}

}  // namespace modseal
