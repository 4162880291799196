#include "blocked_autoloads.h"

#include "catch.h"

using namespace modseal;

namespace {

BlockedRequest Request(const std::string& name) {
  return BlockedRequest{name, "sctp", "python3[42]", 0, 0, 0};
}

bool Logs(BlockedAutoloads* record, const std::string& name, int64_t now, uint64_t* before) {
  return RecordBlockedRequest(record, name, now, before) != nullptr;
}

}  // namespace

TEST_CASE("blocked requests: a burst is logged, the rest counted and named later",
          "[blocked]") {
  BlockedAutoloads record;
  uint64_t before = 0;
  unsigned logged = 0;
  for (int i = 0; i < 10000; ++i)
    if (Logs(&record, "net-pf-2-proto-132", 1000, &before)) ++logged;
  CHECK(logged == kBlockedLogBurst);
  CHECK(record.total == 10000);
  REQUIRE(record.requests.size() == 1);
  CHECK(record.requests[0].count == 10000);
  CHECK(record.suppressed == 10000 - kBlockedLogBurst);
  // Still inside the window: counted, not logged.
  CHECK_FALSE(Logs(&record, "fs-cramfs", 1000 + 59, &before));
  // The next window's first line names how many went unlogged.
  REQUIRE(Logs(&record, "fs-cramfs", 1000 + 60, &before));
  CHECK(before == 10000 - kBlockedLogBurst + 1);
  CHECK(record.suppressed == 0);
  CHECK(BlockedRequestLogLine(Request("fs-cramfs"), before).find(
            "; 9991 more since the last line (rate limit") != std::string::npos);
}

TEST_CASE("blocked requests: a clock set back opens a window, never stalls it", "[blocked]") {
  BlockedAutoloads record;
  uint64_t before = 0;
  for (unsigned i = 0; i < kBlockedLogBurst; ++i)
    REQUIRE(Logs(&record, "x", 5000, &before));
  CHECK_FALSE(Logs(&record, "x", 5000, &before));
  CHECK(Logs(&record, "x", 100, &before));
}

TEST_CASE("blocked requests: caller-chosen names cannot grow the record without bound",
          "[blocked]") {
  BlockedAutoloads record;
  uint64_t before = 0;
  for (int i = 0; i < 1000; ++i)
    Logs(&record, "crypto-x" + std::to_string(i), i, &before);
  CHECK(record.requests.size() == kMaxBlockedNames);
  CHECK(record.total == 1000);
  uint64_t sum = 0;
  for (const BlockedRequest& r : record.requests) sum += r.count;
  CHECK(sum == record.total);
  CHECK(record.requests.back().name == kOtherRequests);
  // An early name keeps its own count.
  CHECK(record.requests.front().name == "crypto-x0");
  CHECK(record.requests.front().count == 1);
}

TEST_CASE("blocked requests: names from the kernel are made safe to print and store",
          "[blocked]") {
  CHECK(SanitizeRequestWord("net-pf-2-proto-132-type-1") == "net-pf-2-proto-132-type-1");
  CHECK(SanitizeRequestWord("crypto-a b\n\x1b[2J") == "crypto-a?b???2J");
  CHECK(SanitizeRequestWord(std::string(200, 'a')).size() == 64);
}

TEST_CASE("blocked requests: the log line names module and requester when known",
          "[blocked]") {
  CHECK(BlockedRequestLogLine(Request("net-pf-2-proto-132-type-1"), 0) ==
        "blocked auto-load of net-pf-2-proto-132-type-1 (module sctp) requested by python3[42]");
  CHECK(BlockedRequestLogLine(BlockedRequest{"sctp", "sctp", "", 1, 0, 0}, 0) ==
        "blocked auto-load of sctp requested by an unknown task");
}

TEST_CASE("blocked requests: the record round-trips; a damaged one names its line",
          "[blocked]") {
  BlockedAutoloads record;
  uint64_t before = 0;
  BlockedRequest* first = RecordBlockedRequest(&record, "net-pf-2-proto-132", 7, &before);
  REQUIRE(first);
  first->module = "sctp";
  first->requester = "python3[42]";
  RecordBlockedRequest(&record, "fs-cramfs", 9, &before);
  const std::string text = FormatBlockedAutoloads(record);
  BlockedAutoloads back;
  std::string err;
  REQUIRE(ParseBlockedAutoloads(text, "f", &back, &err));
  CHECK(FormatBlockedAutoloads(back) == text);
  REQUIRE(back.requests.size() == 2);
  CHECK(back.requests[0].requester == "python3[42]");
  CHECK(back.requests[1].module.empty());
  CHECK(back.requests[1].first == 9);

  CHECK_FALSE(ParseBlockedAutoloads("nonsense\n", "f", &back, &err));
  CHECK(err == "f:1: expected \"modseal-blocked-autoloads 1\"");
  CHECK_FALSE(ParseBlockedAutoloads(text + "request a b c d 1 2\n", "f", &back, &err));
  CHECK(err.rfind("f:7: malformed line", 0) == 0);
}
