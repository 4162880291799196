// The TPM commands byte for byte, and the responses the hook accepts.
#include "tpm.h"

#include "catch.h"

#include "fake_kernel_ops.h"

using namespace modseal;

namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

}  // namespace

TEST_CASE("PCR_Extend and PCR_Read are the TPM 2.0 commands, byte for byte", "[hook][tpm]") {
  Digest d;
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i);
  const std::string extend = PcrExtendCommand(13, d);
  // TPM_ST_SESSIONS, size 65, TPM_CC_PCR_Extend, PCR 13, a password session of empty auth
  // (TPM_RS_PW), one TPMT_HA of TPM_ALG_SHA256.
  CHECK(extend.substr(0, 33) ==
        Bytes({0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, 0, 0, 0, 13, 0, 0, 0, 9, 0x40, 0, 0,
               0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x0b}));
  CHECK(extend.substr(33) == std::string(d.begin(), d.end()));
  // TPM_ST_NO_SESSIONS, size 20, TPM_CC_PCR_Read, one selection: SHA-256, 3 bytes, PCR 13.
  CHECK(PcrReadCommand(13) == Bytes({0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0,
                                     0x0b, 3, 0, 0x20, 0}));
  CHECK(PcrReadCommand(8).substr(17) == Bytes({0, 1, 0}));
}

TEST_CASE("TPM responses: errors by code, anything malformed refused", "[hook][tpm]") {
  std::string err;
  CHECK(CheckTpmResponse(Bytes({0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0}), &err));
  CHECK_FALSE(CheckTpmResponse(Bytes({0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0}), &err));
  CHECK(err == "TPM response code 0x100 (TPM not started)");
  CHECK_FALSE(CheckTpmResponse(Bytes({0x80, 0x01, 0, 0, 0, 11, 0, 0, 0, 0}), &err));
  CHECK(err.rfind("malformed TPM response", 0) == 0);
  CHECK_FALSE(CheckTpmResponse(Bytes({0x80, 0x01, 0, 0}), &err));

  Digest value;
  const std::string header = Bytes({0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0});
  auto sized = [](std::string r) {
    r[5] = static_cast<char>(r.size());
    return r;
  };
  const std::string selection = Bytes({0, 0, 0, 7, 0, 0, 0, 1, 0, 0x0b, 3, 0, 0x20, 0});
  const std::string pcr(32, '\x5a');
  CHECK(ParsePcrReadResponse(sized(header + selection + Bytes({0, 0, 0, 1, 0, 32}) + pcr), 13,
                             &value, &err));
  std::string expected;
  for (int i = 0; i < 32; ++i) expected += "5a";
  CHECK(DigestHex(value) == expected);
  // No SHA-256 bank allocated: the TPM returns an empty selection and no digest.
  CHECK_FALSE(ParsePcrReadResponse(sized(header + Bytes({0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0})),
                                   13, &value, &err));
  CHECK(err == "the TPM has no SHA-256 bank for PCR 13");
  CHECK_FALSE(ParsePcrReadResponse(sized(header + selection + Bytes({0, 0, 0, 1, 0, 32})), 13,
                                   &value, &err));
  CHECK(err == "malformed TPM2_PCR_Read response");
}

TEST_CASE("extend then read through the kernel seam", "[hook][tpm]") {
  modseal_test::FakeKernelOps ops;
  Digest value, d = EventDigest("abc");
  std::string err;
  CHECK(TpmExtend(ops, 13, d, &err) == TpmStatus::kAbsent);
  ops.tpm = modseal_test::FakeKernelOps::Tpm::kPresent;
  REQUIRE(TpmExtend(ops, 13, d, &err) == TpmStatus::kOk);
  REQUIRE(TpmReadPcr(ops, 13, &value, &err) == TpmStatus::kOk);
  CHECK(value == ExtendPcr(Digest{}, d));
  REQUIRE(TpmReadPcr(ops, 12, &value, &err) == TpmStatus::kOk);
  CHECK(value == Digest{});
  ops.tpm = modseal_test::FakeKernelOps::Tpm::kRefusesExtend;
  CHECK(TpmExtend(ops, 13, d, &err) == TpmStatus::kError);
  CHECK(err == "TPM2_PCR_Extend of PCR 13: TPM response code 0x907");
}
