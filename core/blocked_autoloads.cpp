#include "blocked_autoloads.h"

#include <cstdlib>

#include "text_lines.h"

namespace modseal {
namespace {

constexpr char kHeader[] = "modseal-blocked-autoloads 1";
constexpr size_t kMaxWord = 64;

bool SafeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == ':' || c == ',' || c == '+' || c == '=' || c == '@' ||
         c == '-';
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }
std::string FromDash(std::string_view s) { return s == "-" ? "" : std::string(s); }

bool ParseNumber(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return false;
  *out = std::strtoll(std::string(s).c_str(), nullptr, 10);
  return true;
}

bool ParseCount(std::string_view s, uint64_t* out) {
  int64_t v = 0;
  if (!ParseNumber(s, &v)) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

BlockedRequest* FindOrAdd(BlockedAutoloads* record, const std::string& name) {
  for (BlockedRequest& r : record->requests)
    if (r.name == name) return &r;
  if (record->requests.size() >= kMaxBlockedNames) {
    for (BlockedRequest& r : record->requests)
      if (r.name == kOtherRequests) return &r;
    // The last slot becomes the catch-all, so the table never grows past the limit.
    BlockedRequest& last = record->requests.back();
    last = BlockedRequest{kOtherRequests, "", "", last.count, last.first, last.last};
    return &last;
  }
  record->requests.push_back(BlockedRequest{name, "", "", 0, 0, 0});
  return &record->requests.back();
}

}  // namespace

std::string SanitizeRequestWord(std::string_view word) {
  std::string out;
  for (char c : word.substr(0, kMaxWord)) out += SafeChar(c) ? c : '?';
  return out;
}

BlockedRequest* RecordBlockedRequest(BlockedAutoloads* record, const std::string& name,
                                     int64_t now, uint64_t* suppressed_before) {
  BlockedRequest* r = FindOrAdd(record, name);
  if (r->count == 0) r->first = now;
  ++r->count;
  r->last = now;
  ++record->total;
  // A clock set back starts a new window rather than stalling the log.
  if (now < record->window_start || now - record->window_start >= kBlockedLogWindowSeconds) {
    record->window_start = now;
    record->window_logged = 0;
  }
  if (record->window_logged >= kBlockedLogBurst) {
    ++record->suppressed;
    return nullptr;
  }
  ++record->window_logged;
  *suppressed_before = record->suppressed;
  record->suppressed = 0;
  return r;
}

std::string BlockedRequestLogLine(const BlockedRequest& request, uint64_t suppressed_before) {
  std::string line = "blocked auto-load of " + request.name;
  if (!request.module.empty() && request.module != request.name)
    line += " (module " + request.module + ")";
  line += " requested by " + (request.requester.empty() ? "an unknown task" : request.requester);
  if (suppressed_before > 0)
    line += "; " + std::to_string(suppressed_before) +
            " more since the last line (rate limit; all counted in " + kBlockedAutoloadsPath +
            ")";
  return line;
}

std::string FormatBlockedAutoloads(const BlockedAutoloads& record) {
  std::string out = std::string(kHeader) + "\n";
  out += "window " + std::to_string(record.window_start) + " " +
         std::to_string(record.window_logged) + "\n";
  out += "suppressed " + std::to_string(record.suppressed) + "\n";
  out += "total " + std::to_string(record.total) + "\n";
  for (const BlockedRequest& r : record.requests)
    out += "request " + r.name + " " + OrDash(r.module) + " " + OrDash(r.requester) + " " +
           std::to_string(r.count) + " " + std::to_string(r.first) + " " +
           std::to_string(r.last) + "\n";
  return out;
}

bool ParseBlockedAutoloads(std::string_view text, const std::string& filename,
                           BlockedAutoloads* out, std::string* err) {
  BlockedAutoloads record;
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty() || lines[0] != kHeader) {
    *err = Where(filename, 1) + "expected \"" + kHeader + "\"";
    return false;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> w = SplitOn(lines[i], ' ');
    bool ok = false;
    int64_t logged = 0;
    if (w.size() == 3 && w[0] == "window") {
      ok = ParseNumber(w[1], &record.window_start) && ParseNumber(w[2], &logged);
      record.window_logged = static_cast<unsigned>(logged);
    } else if (w.size() == 2 && w[0] == "suppressed") {
      ok = ParseCount(w[1], &record.suppressed);
    } else if (w.size() == 2 && w[0] == "total") {
      ok = ParseCount(w[1], &record.total);
    } else if (w.size() == 7 && w[0] == "request" && record.requests.size() < kMaxBlockedNames) {
      BlockedRequest r{std::string(w[1]), FromDash(w[2]), FromDash(w[3]), 0, 0, 0};
      ok = ParseCount(w[4], &r.count) && ParseNumber(w[5], &r.first) &&
           ParseNumber(w[6], &r.last);
      record.requests.push_back(r);
    }
    if (!ok) {
      *err = Where(filename, i + 1) + "malformed line";
      return false;
    }
  }
  *out = record;
  return true;
}

}  // namespace modseal
