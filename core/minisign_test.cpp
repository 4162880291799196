#include "minisign.h"

#include "catch.h"
#include <sodium.h>

using namespace modseal;

namespace {

struct KeyPair {
  PublicKey pub;
  SecretKey sec;
  KeyPair() { GenerateKeyPair(&pub, &sec); }
};

const std::string kMessage = "modseal-manifest 1\nkernel 6.1.0\n";

}  // namespace

TEST_CASE("sign then verify round trip, through the file format", "[minisign]") {
  KeyPair k;
  Signature sig = SignMessage(k.sec, kMessage, "timestamp:1\tkernel:6.1.0");
  Signature parsed;
  std::string err;
  REQUIRE(ParseSignature(FormatSignature(sig), "s", &parsed, &err));
  CHECK(parsed.prehashed);
  CHECK(parsed.trusted_comment == "timestamp:1\tkernel:6.1.0");
  CHECK(VerifyMessage(k.pub, parsed, kMessage, &err));
}

TEST_CASE("every tampering fails verification with its own message", "[minisign]") {
  KeyPair k;
  const Signature good = SignMessage(k.sec, kMessage, "timestamp:1");
  std::string err;

  SECTION("one flipped byte in the message") {
    for (size_t i = 0; i < kMessage.size(); ++i) {
      std::string changed = kMessage;
      changed[i] ^= 1;
      CHECK_FALSE(VerifyMessage(k.pub, good, changed, &err));
    }
    CHECK(err == "signature does not match the signed file (modified after signing?)");
  }
  SECTION("a truncated message") {
    CHECK_FALSE(VerifyMessage(k.pub, good, kMessage.substr(0, kMessage.size() - 1), &err));
  }
  SECTION("one flipped bit in the signature") {
    for (size_t i = 0; i < good.signature.size(); ++i) {
      Signature bad = good;
      bad.signature[i] ^= 0x80;
      CHECK_FALSE(VerifyMessage(k.pub, bad, kMessage, &err));
    }
  }
  SECTION("an edited trusted comment") {
    Signature bad = good;
    bad.trusted_comment = "timestamp:2";
    CHECK_FALSE(VerifyMessage(k.pub, bad, kMessage, &err));
    CHECK(err == "trusted comment does not match its signature (comment modified?)");
  }
  SECTION("one flipped bit in the global signature") {
    Signature bad = good;
    bad.global_signature[10] ^= 1;
    CHECK_FALSE(VerifyMessage(k.pub, bad, kMessage, &err));
    CHECK(err == "trusted comment does not match its signature (comment modified?)");
  }
  SECTION("another key") {
    KeyPair other;
    CHECK_FALSE(VerifyMessage(other.pub, good, kMessage, &err));
    CHECK(err.find("signed with key " + KeyIdText(k.pub.key_id) + ", but the trusted key is " +
                   KeyIdText(other.pub.key_id)) == 0);
  }
  SECTION("another key claiming the same key id") {
    KeyPair other;
    other.pub.key_id = k.pub.key_id;
    CHECK_FALSE(VerifyMessage(other.pub, good, kMessage, &err));
    CHECK(err == "signature does not match the signed file (modified after signing?)");
  }
  SECTION("a legacy (not prehashed) claim for a prehashed signature") {
    Signature bad = good;
    bad.prehashed = false;
    CHECK_FALSE(VerifyMessage(k.pub, bad, kMessage, &err));
  }
}

TEST_CASE("legacy Ed signatures over the raw message verify", "[minisign]") {
  KeyPair k;
  Signature sig = SignMessage(k.sec, kMessage, "c");
  sig.prehashed = false;
  crypto_sign_detached(sig.signature.data(), nullptr,
                       reinterpret_cast<const uint8_t*>(kMessage.data()), kMessage.size(),
                       k.sec.key.data());
  std::string global(reinterpret_cast<const char*>(sig.signature.data()), 64);
  global += sig.trusted_comment;
  crypto_sign_detached(sig.global_signature.data(), nullptr,
                       reinterpret_cast<const uint8_t*>(global.data()), global.size(),
                       k.sec.key.data());
  std::string err;
  Signature parsed;
  REQUIRE(ParseSignature(FormatSignature(sig), "s", &parsed, &err));
  CHECK_FALSE(parsed.prehashed);
  CHECK(VerifyMessage(k.pub, parsed, kMessage, &err));
}

TEST_CASE("signature files: truncation and garbage are errors with file:line", "[minisign]") {
  KeyPair k;
  const std::string text = FormatSignature(SignMessage(k.sec, kMessage, "c"));
  Signature sig;
  std::string err;
  // Only the final newline may go, as with minisign itself.
  for (size_t cut = 0; cut + 1 < text.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK_FALSE(ParseSignature(text.substr(0, cut), "s", &sig, &err));
  }
  CHECK_FALSE(ParseSignature(text.substr(0, text.find("\ntrusted") + 1), "s", &sig, &err));
  CHECK(err == "s:3: truncated signature file");
  std::string bad_alg = text;
  bad_alg.replace(bad_alg.find('\n') + 1, 2, "AA");
  CHECK_FALSE(ParseSignature(bad_alg, "s", &sig, &err));
  CHECK(err.find("s:2: ") == 0);
  CHECK_FALSE(ParseSignature(text + "extra\n", "s", &sig, &err));
  CHECK(err == "s:5: unexpected text after the signature");
  CHECK_FALSE(ParseSignature("trusted comment: x\n" + text, "s", &sig, &err));
  CHECK(err == "s:5: unexpected text after the signature");
  std::string no_trusted = text;
  no_trusted.replace(no_trusted.find("\ntrusted comment") + 1, 7, "TRUSTED");
  CHECK_FALSE(ParseSignature(no_trusted, "s", &sig, &err));
  CHECK(err == "s:3: expected \"trusted comment: ...\"");
}

TEST_CASE("public keys: file form, bare form, and errors", "[minisign]") {
  KeyPair k;
  const std::string file = FormatPublicKey(k.pub);
  CHECK(file.find("untrusted comment: minisign public key " + KeyIdText(k.pub.key_id)) == 0);
  PublicKey parsed;
  std::string err;
  REQUIRE(ParsePublicKey(file, "p", &parsed, &err));
  CHECK(parsed.key == k.pub.key);
  CHECK(parsed.key_id == k.pub.key_id);
  const std::string bare = file.substr(file.find('\n') + 1);
  REQUIRE(ParsePublicKey(bare, "p", &parsed, &err));
  CHECK(parsed.key == k.pub.key);
  CHECK_FALSE(ParsePublicKey(file.substr(0, file.size() - 5) + "\n", "p", &parsed, &err));
  CHECK(err == "p:2: not a minisign public key (bad base64 or wrong length)");
  CHECK_FALSE(ParsePublicKey("", "p", &parsed, &err));
  CHECK(err == "p:1: empty key file");
}

TEST_CASE("secret keys: plain and password-encrypted round trips", "[minisign][slow]") {
  KeyPair k;
  std::string err;
  SecretKey parsed;
  bool encrypted = true;
  const std::string plain = FormatSecretKey(k.sec, "");
  REQUIRE(SecretKeyIsEncrypted(plain, "k", &encrypted, &err));
  CHECK_FALSE(encrypted);
  REQUIRE(ParseSecretKey(plain, "k", "", &parsed, &err));
  CHECK(parsed.key == k.sec.key);
  CHECK(PublicKeyMatches(k.pub, parsed));

  const std::string locked = FormatSecretKey(k.sec, "correct horse");
  REQUIRE(SecretKeyIsEncrypted(locked, "k", &encrypted, &err));
  CHECK(encrypted);
  REQUIRE(ParseSecretKey(locked, "k", "correct horse", &parsed, &err));
  CHECK(parsed.key == k.sec.key);
  CHECK_FALSE(ParseSecretKey(locked, "k", "wrong horse", &parsed, &err));
  CHECK(err == "k:2: wrong password, or the secret key is corrupted");
}

TEST_CASE("a corrupted plain secret key fails its checksum", "[minisign]") {
  KeyPair k;
  std::string text = FormatSecretKey(k.sec, "");
  size_t pos = text.find('\n') + 100;
  text[pos] = text[pos] == 'A' ? 'B' : 'A';
  SecretKey parsed;
  std::string err;
  CHECK_FALSE(ParseSecretKey(text, "k", "", &parsed, &err));
  CHECK(err == "k:2: secret key checksum mismatch (the key file is corrupted)");
}
