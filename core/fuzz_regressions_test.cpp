// Inputs the fuzz targets (fuzz/) found mishandled, kept as unit tests so the fix stays;
// each input is also in fuzz/corpus, where the fuzzers replay it.
#include "catch.h"
#include <string>

#include "minisign.h"
#include "test_util.h"

using namespace modseal;

TEST_CASE("fuzz regression: comment lines ending in several CRs read as minisign reads them",
          "[minisign][fuzz]") {
  // fuzz_signature: "untrusted comment: key\r\r...\r\n" lost one CR per write and read.
  // minisign strips every trailing CR of a comment line; a trusted comment read with a CR
  // left on failed the global signature that minisign itself accepts.
  PublicKey pub;
  SecretKey sec;
  GenerateKeyPair(&pub, &sec);
  const std::string message = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";
  std::string text = FormatSignature(SignMessage(sec, message, "timestamp:1\tfile:m"));
  text.replace(text.find("file:m\n"), 7, "file:m\r\r\r\n");
  text.replace(text.find("\n"), 1, "\r\r\n");
  Signature sig;
  std::string err;
  REQUIRE(ParseSignature(text, "s", &sig, &err));
  CHECK(sig.trusted_comment == "timestamp:1\tfile:m");
  CHECK(sig.untrusted_comment.back() != '\r');
  CHECK(VerifyMessage(pub, sig, message, &err));

  const std::string found = modseal_test::ReadText(
      MODSEAL_FUZZ_CORPUS "/signature/crash-trailing-carriage-returns.minisig");
  REQUIRE(ParseSignature(found, "found", &sig, &err));
  Signature reread;
  REQUIRE(ParseSignature(FormatSignature(sig), "again", &reread, &err));
  CHECK(reread.untrusted_comment == sig.untrusted_comment);
  CHECK(reread.trusted_comment == sig.trusted_comment);
}
