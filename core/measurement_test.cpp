#include "measurement.h"

#include "catch.h"

#include "sha256.h"

using namespace modseal;

namespace {

Digest Hex(const std::string& hex) {
  Digest d;
  REQUIRE(ParseDigestHex(hex, &d));
  return d;
}

}  // namespace

TEST_CASE("an extend is SHA-256 of the old value and the event's digest", "[measurement]") {
  // Measured with swtpm: tpm2_pcrextend 13:sha256=SHA-256("abc") on a reset PCR.
  CHECK(DigestHex(ExtendPcr(Digest{}, EventDigest("abc"))) ==
        "589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d");
  // An event's digest is SHA-256 of exactly its text, no newline.
  CHECK(DigestHex(EventDigest("modseal:outcome sealed")) == Sha256Hex("modseal:outcome sealed"));
  const std::vector<std::string> events = {"a", "b", "c"};
  Digest step{};
  for (const std::string& e : events) step = ExtendPcr(step, EventDigest(e));
  CHECK(ReplayEvents(Digest{}, events) == step);
  // Order matters: the PCR is a hash chain.
  CHECK(ReplayEvents(Digest{}, {"c", "b", "a"}) != step);
}

TEST_CASE("digests are read as tpm2_pcrread and Keylime print them", "[measurement]") {
  const std::string hex = "589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d";
  Digest upper = Hex("0x589F9FFED4C477966BFB8D41F37895B08C69047DF8F911D6F3B57FBE08FAEE8D");
  CHECK(DigestHex(upper) == hex);
  Digest d;
  CHECK_FALSE(ParseDigestHex(hex.substr(1), &d));
  CHECK_FALSE(ParseDigestHex(hex + "0", &d));
  CHECK_FALSE(ParseDigestHex("g" + hex.substr(1), &d));
  CHECK_FALSE(ParseDigestHex("", &d));
}

TEST_CASE("the seal's events bind manifest, key, kernel, settings and outcome",
          "[measurement]") {
  SealFacts facts{std::string(64, 'a'), "A1B2C3D4E5F60718", "6.1.0-28-cloud-amd64",
                  "enforce", "early", true};
  const std::vector<std::string> events = SealEvents(facts);
  REQUIRE(events.size() == 4);
  CHECK(events[0] == "modseal:manifest sha256:" + std::string(64, 'a'));
  CHECK(events[1] == "modseal:key A1B2C3D4E5F60718");
  CHECK(events[2] == "modseal:kernel 6.1.0-28-cloud-amd64");
  CHECK(events[3] == "modseal:policy enforce lock=early kexec=yes");
  facts.lock_kexec = false;
  CHECK(SealEvents(facts)[3] == "modseal:policy enforce lock=early kexec=no");

  CHECK(OutcomeEvent({}) == "modseal:outcome sealed");
  // Sorted and distinct: two lock stages that log the same failure give the same outcome.
  const std::string outcome = OutcomeEvent({"module b is loaded", "module a is loaded",
                                            "module b is loaded"});
  CHECK(outcome == "modseal:outcome audit-failures 2 sha256:" +
                       Sha256Hex("module a is loaded\nmodule b is loaded"));
  CHECK(OutcomeEvent({"module a is loaded", "module b is loaded"}) == outcome);
  CHECK(OutcomeEvent({"module a is loaded"}) != outcome);

  CHECK(ShellEvent("emergency.service") == "modseal:shell emergency.service");
  CHECK(ShellEvent("") == "modseal:shell unnamed");
  // What is measured is what the log can hold on one line.
  CHECK(ShellEvent("a\nb\x01") == "modseal:shell a?b?");
  CHECK(EventText(std::string(2000, 'x')).size() == kEventMaxBytes);
}

TEST_CASE("the event log replays, and anything malformed names its line", "[measurement]") {
  const std::string log = EventLogHeader(13, Digest{}) + EventLogLine("modseal:key AB") +
                          EventLogLine("modseal:outcome sealed");
  EventLog parsed;
  std::string err;
  REQUIRE(ParseEventLog(log, "m", &parsed, &err));
  CHECK(parsed.pcr == 13);
  CHECK(parsed.start == Digest{});
  CHECK(parsed.events == std::vector<std::string>{"modseal:key AB", "modseal:outcome sealed"});
  CHECK(EventLogLine("x") == "event " + Sha256Hex("x") + " x\n");

  struct Bad {
    std::string text, error;
  };
  const std::string good_event = EventLogLine("modseal:key AB");
  const Bad bad[] = {
      {"", "m: empty"},
      {"modseal-measurements 2 pcr 13 sha256 start " + std::string(64, '0') + "\n",
       "m:1: expected \"modseal-measurements 1 pcr N sha256 start HEX\""},
      {"modseal-measurements 1 pcr 13 sha1 start " + std::string(40, '0') + "\n",
       "m:1: expected"},
      {EventLogHeader(13, Digest{}) + "event abc x\n", "m:2: expected \"event HEX TEXT\""},
      {EventLogHeader(13, Digest{}) + "event " + Sha256Hex("y") + " x\n",
       "m:2: digest is not SHA-256 of the event's text"},
      {EventLogHeader(13, Digest{}) + good_event + "event " + Sha256Hex("a\tb") + " a\tb\n",
       "m:3: event text is not printable ASCII"},
      {std::string(kEventLogMaxBytes + 1, 'x'), "m: larger than"},
  };
  for (const Bad& b : bad) {
    INFO(b.text.substr(0, 80));
    err.clear();
    CHECK_FALSE(ParseEventLog(b.text, "m", &parsed, &err));
    CHECK(err.rfind(b.error, 0) == 0);
  }
}
