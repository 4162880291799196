#include "signed_manifest.h"

#include "catch.h"
#include <unistd.h>

#include "file_util.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

const std::string kManifest =
    "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n"
    "module autofs4 kernel/fs/autofs/autofs4.ko sha256:" + std::string(64, 'b') + " loaded -\n";

struct Fixture {
  TempDir dir;
  PublicKey pub;
  SecretKey sec;
  std::string manifest = dir / "node.manifest";
  std::string sig = dir / "node.manifest.minisig";
  Fixture() {
    GenerateKeyPair(&pub, &sec);
    WriteText(manifest, kManifest);
    std::string text, err;
    REQUIRE(SignManifestFile(manifest, sec, 1700000000, &text, &err));
    WriteText(sig, text);
  }
  bool Verify(std::string* err, std::vector<PublicKey> keys = {}) {
    if (keys.empty()) keys = {pub};
    Manifest m;
    return VerifyManifestFile(manifest, sig, keys, &m, nullptr, err);
  }
};

}  // namespace

TEST_CASE("a signed manifest verifies and carries kernel and time", "[signed]") {
  Fixture f;
  Manifest m;
  Signature sig;
  std::string err;
  REQUIRE(VerifyManifestFile(f.manifest, f.sig, {f.pub}, &m, &sig, &err));
  CHECK(m.modules.size() == 1);
  CHECK(sig.trusted_comment ==
        "timestamp:1700000000\tfile:node.manifest\tkernel:6.1.0-28-cloud-amd64\tmodules:1");
  CHECK(TrustedCommentField(sig.trusted_comment, "kernel") == "6.1.0-28-cloud-amd64");
  CHECK(TrustedCommentField(sig.trusted_comment, "nope").empty());
}

TEST_CASE("verification fails closed on every tampering", "[signed]") {
  Fixture f;
  std::string err;
  SECTION("manifest edited after signing") {
    std::string edited = kManifest;
    edited.replace(edited.find("bbbb"), 4, "cccc");
    WriteText(f.manifest, edited);
    CHECK_FALSE(f.Verify(&err));
    CHECK(err.find("signature does not match the signed file") != std::string::npos);
  }
  SECTION("a key that is not trusted") {
    PublicKey other;
    SecretKey other_sec;
    GenerateKeyPair(&other, &other_sec);
    CHECK_FALSE(f.Verify(&err, {other}));
    CHECK(err == f.sig + ": signed with key " + KeyIdText(f.pub.key_id) +
                     ", which is not trusted (trusted: " + KeyIdText(other.key_id) + ")");
  }
  SECTION("one of several trusted keys") {
    PublicKey other;
    SecretKey other_sec;
    GenerateKeyPair(&other, &other_sec);
    CHECK(f.Verify(&err, {other, f.pub}));
  }
  SECTION("a missing signature") {
    unlink(f.sig.c_str());
    CHECK_FALSE(f.Verify(&err));
    CHECK(err == f.sig + ": No such file or directory");
  }
  SECTION("a truncated signature") {
    std::string text = modseal_test::ReadText(f.sig);
    WriteText(f.sig, text.substr(0, text.size() / 2));
    CHECK_FALSE(f.Verify(&err));
    CHECK(err.find(f.sig + ":") == 0);
  }
  SECTION("a trusted comment naming another kernel, validly signed") {
    std::string text = FormatSignature(
        SignMessage(f.sec, kManifest, "timestamp:1\tkernel:6.1.0-99-cloud-amd64"));
    WriteText(f.sig, text);
    CHECK_FALSE(f.Verify(&err));
    CHECK(err == f.sig + ": trusted comment names kernel 6.1.0-99-cloud-amd64 but the manifest "
                         "is for 6.1.0-28-cloud-amd64");
  }
  SECTION("a validly signed file that is not a canonical manifest") {
    std::string bad = kManifest + kManifest;
    WriteText(f.manifest, bad);
    WriteText(f.sig, FormatSignature(SignMessage(f.sec, bad, "c")));
    CHECK_FALSE(f.Verify(&err));
    CHECK(err == f.manifest + ":4: expected \"module NAME PATH sha256:HEX WHY DEPS\"");
  }
}

TEST_CASE("signing refuses a manifest that does not parse", "[signed]") {
  Fixture f;
  WriteText(f.manifest, "modseal-manifest 1\n");
  std::string text, err;
  CHECK_FALSE(SignManifestFile(f.manifest, f.sec, 1, &text, &err));
  CHECK(err == f.manifest + ":2: missing \"kernel RELEASE\" line");
}
