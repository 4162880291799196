// The measured seal through the finish and measure-shell stages, against a fake TPM.
#include "measure.h"

#include "catch.h"

#include "fake_kernel_ops.h"
#include "sha256.h"
#include "signed_image_test_util.h"
#include "stage.h"

using namespace modseal;
using modseal_test::FakeKernelOps;
using Tpm = FakeKernelOps::Tpm;

namespace {

struct Image : modseal_test::SignedImage<FakeKernelOps> {
  Image() {
    SignSmall();
    ops.tpm = Tpm::kPresent;
  }
  // What a verifier predicts from the manifest and key alone.
  std::vector<std::string> Expected(const std::string& outcome = "modseal:outcome sealed") {
    std::vector<std::string> events =
        SealEvents({Sha256Hex(manifest_text), KeyIdText(sec.key_id), ops.release,
                    PolicyName(config.policy), LockPointName(config.lock), config.lock_kexec});
    events.push_back(outcome);
    return events;
  }
  EventLog Log() {
    EventLog log;
    std::string err;
    REQUIRE(ParseEventLog(ops.state[kMeasurementLog], "measurements", &log, &err));
    return log;
  }
};

}  // namespace

TEST_CASE("finish: the seal measured as a verifier predicts it", "[hook][measure]") {
  Image image;
  REQUIRE(RunLoadStage(image.config, image.ops) == kBootContinues);
  REQUIRE(RunFinishStage(image.config, image.ops) == kBootContinues);
  CHECK(image.ops.Locked());
  const std::vector<std::string> expected = image.Expected();
  CHECK(image.ops.Pcr(13) == ReplayEvents(Digest{}, expected));
  // The log on the booted system replays to the PCR, event for event.
  const EventLog log = image.Log();
  CHECK(log.pcr == 13);
  CHECK(log.start == Digest{});
  CHECK(log.events == expected);
  CHECK(image.ops.Logged("tpm: measured 5 event(s) into PCR 13 (sha256 " +
                         DigestHex(image.ops.Pcr(13)) + ")"));
  SECTION("a shell afterwards is in the PCR, and in the log") {
    CHECK(RunMeasureShell(image.config, image.ops, "emergency.service") == kBootContinues);
    std::vector<std::string> with_shell = expected;
    with_shell.push_back("modseal:shell emergency.service");
    CHECK(image.ops.Pcr(13) == ReplayEvents(Digest{}, with_shell));
    CHECK(image.Log().events == with_shell);
  }
  SECTION("someone else extended the PCR: the next measurement says so") {
    const Digest forged = ExtendPcr(image.ops.Pcr(13), EventDigest("forged"));
    image.ops.pcrs[13] = forged;
    CHECK(RunMeasureShell(image.config, image.ops, "rd.break") == kStopBoot);
    CHECK(image.ops.Logged("which /run/modseal/measurements does not replay to"));
    // A failed stage measurement leaves the PCR spoiled, never short of the seal's events
    // for someone to complete by hand.
    CHECK(RunFinishStage(image.config, image.ops) == kBootContinues);
    CHECK(image.ops.Pcr(13) == ExtendPcr(forged, EventDigest(kMeasurementFailedEvent)));
    CHECK(image.ops.Logged("tpm: extended modseal:measurement-failed into PCR 13"));
  }
}

TEST_CASE("finish: another PCR, settings and audit failures change the value",
          "[hook][measure]") {
  Image image;
  SECTION("tpm_pcr=8") {
    image.config.tpm_pcr = 8;
    REQUIRE(RunFinishStage(image.config, image.ops) == kBootContinues);
    CHECK(image.ops.Pcr(8) == ReplayEvents(Digest{}, image.Expected()));
    CHECK(image.ops.Pcr(13) == Digest{});
  }
  SECTION("audit failures, once per line however many stages logged them") {
    image.config.policy = Policy::kAudit;
    image.ops.loaded.push_back("sctp");
    REQUIRE(RunLockStage(image.config, image.ops) == kBootContinues);
    REQUIRE(RunFinishStage(image.config, image.ops) == kBootContinues);
    const std::string outcome = "modseal:outcome audit-failures 1 sha256:" +
                                Sha256Hex("module sctp is loaded but not in the manifest");
    CHECK(image.ops.Pcr(13) == ReplayEvents(Digest{}, image.Expected(outcome)));
    CHECK(image.ops.Pcr(13) != ReplayEvents(Digest{}, image.Expected()));
  }
  SECTION("a failure that could not be recorded still keeps the outcome from \"sealed\"") {
    image.config.policy = Policy::kAudit;
    image.ops.unsaveable_state.insert(kFailureRecord);
    image.ops.loaded.push_back("sctp");
    REQUIRE(RunFinishStage(image.config, image.ops) == kBootContinues);
    const std::string outcome = "modseal:outcome audit-failures 1 sha256:" +
                                Sha256Hex("module sctp is loaded but not in the manifest");
    CHECK(image.ops.Pcr(13) == ReplayEvents(Digest{}, image.Expected(outcome)));
    CHECK(image.ops.Logged("cannot record the failure for the measured outcome: "));
  }
  SECTION("under enforce a failed finish stops the boot unmeasured") {
    image.ops.loaded.push_back("sctp");
    CHECK(RunFinishStage(image.config, image.ops) == kStopBoot);
    CHECK(image.ops.Locked());
    CHECK(image.ops.extended.empty());
  }
  SECTION("tpm_pcr=off sends the TPM nothing") {
    image.config.tpm_pcr = kTpmPcrOff;
    CHECK(RunFinishStage(image.config, image.ops) == kBootContinues);
    CHECK(image.ops.extended.empty());
    CHECK(image.ops.Logged("tpm: measurement off (tpm_pcr=off)"));
    CHECK(RunMeasureShell(image.config, image.ops, "rd.break") == kBootContinues);
  }
}

TEST_CASE("no TPM is a logged skip, unless the image requires one", "[hook][measure]") {
  Image image;
  image.ops.tpm = Tpm::kAbsent;
  SECTION("tpm=auto") {
    CHECK(RunFinishStage(image.config, image.ops) == kBootContinues);
    CHECK(image.ops.Logged("tpm: no TPM (no /dev/tpmrm0 or /dev/tpm0): measurement skipped"));
    CHECK(image.ops.state.count(kMeasurementLog) == 0);
    CHECK(RunMeasureShell(image.config, image.ops, "rd.break") == kBootContinues);
  }
  SECTION("tpm=required stops the boot, sealed") {
    image.config.tpm = TpmMode::kRequired;
    CHECK(RunFinishStage(image.config, image.ops) == kStopBoot);
    CHECK(image.ops.Locked());
    CHECK(image.ops.Logged("FAILED: tpm=required, but there is no TPM to measure into"));
    CHECK(RunMeasureShell(image.config, image.ops, "rd.break") == kStopBoot);
  }
}

TEST_CASE("a TPM that fails: logged under auto, a stopped boot under required",
          "[hook][measure]") {
  Image image;
  const Tpm how = GENERATE(Tpm::kUnopenable, Tpm::kRefusesExtend, Tpm::kDropsExtend);
  image.ops.tpm = how;
  SECTION("tpm=auto") {
    CHECK(RunFinishStage(image.config, image.ops) == kBootContinues);
    CHECK(image.ops.Logged("tpm: measurement failed (tpm=auto, the boot goes on): "));
    // A shell the TPM does not show is never started where there is a TPM.
    CHECK(RunMeasureShell(image.config, image.ops, "rd.break") == kStopBoot);
  }
  SECTION("tpm=required") {
    image.config.tpm = TpmMode::kRequired;
    CHECK(RunFinishStage(image.config, image.ops) == kStopBoot);
    CHECK(image.ops.Locked());
    CHECK(image.ops.Logged("FAILED: tpm: measurement failed: "));
  }
  if (how == Tpm::kDropsExtend)
    CHECK(image.ops.Logged("after the extends, not the "));
}

TEST_CASE("failures are recorded one per line for the outcome", "[hook][measure]") {
  FakeKernelOps ops;
  RecordFailure(ops, "one");
  RecordFailure(ops, "two\nlines");
  CHECK(RecordedFailures(ops) == std::vector<std::string>{"one", "two lines"});
}
