// Ed25519 keys and signatures in minisign's formats, so `minisign -V` checks what modseal
// signs and modseal accepts keys and signatures made by minisign.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace modseal {

using KeyId = std::array<uint8_t, 8>;

struct PublicKey {
  KeyId key_id{};
  std::array<uint8_t, 32> key{};
};

struct SecretKey {
  KeyId key_id{};
  std::array<uint8_t, 64> key{};  // libsodium layout: seed followed by public key
};

struct Signature {
  bool prehashed = true;  // "ED": signs BLAKE2b-512 of the message; "Ed": the message
  KeyId key_id{};
  std::array<uint8_t, 64> signature{};
  std::string untrusted_comment;
  std::string trusted_comment;
  std::array<uint8_t, 64> global_signature{};  // over signature || trusted_comment
};

constexpr size_t kKeyFileMaxBytes = 4096;
constexpr size_t kSignatureFileMaxBytes = 4096;
constexpr size_t kTrustedCommentMax = 1024;

// As minisign prints it: the key id read as a little-endian 64-bit number, in hex.
std::string KeyIdText(const KeyId& id);

// Accepts a public key file (comment line + base64 line) or the bare base64 line.
bool ParsePublicKey(std::string_view text, const std::string& filename, PublicKey* out,
                    std::string* err);
std::string FormatPublicKey(const PublicKey& key);

bool SecretKeyIsEncrypted(std::string_view text, const std::string& filename, bool* encrypted,
                          std::string* err);
// password is ignored for unencrypted keys.
bool ParseSecretKey(std::string_view text, const std::string& filename,
                    const std::string& password, SecretKey* out, std::string* err);
// An empty password writes an unencrypted key, as `minisign -G -W` does.
std::string FormatSecretKey(const SecretKey& key, const std::string& password);

void GenerateKeyPair(PublicKey* pub, SecretKey* sec);
bool PublicKeyMatches(const PublicKey& pub, const SecretKey& sec);

bool ParseSignature(std::string_view text, const std::string& filename, Signature* out,
                    std::string* err);
std::string FormatSignature(const Signature& sig);

// The trusted comment must be one line of at most kTrustedCommentMax bytes.
Signature SignMessage(const SecretKey& key, std::string_view message,
                      const std::string& trusted_comment);

// Checks the key id, the signature over the message and the one over the trusted comment.
bool VerifyMessage(const PublicKey& key, const Signature& sig, std::string_view message,
                   std::string* err);

}  // namespace modseal
