// minisign's signature files: a signature over the message (or its BLAKE2b-512) and a
// global signature binding the trusted comment to it.
#include <cstring>
#include <sodium.h>

#include "base64.h"
#include "minisign.h"
#include "text_lines.h"

namespace modseal {
namespace {

constexpr std::string_view kCommentPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";
constexpr size_t kSignatureBytes = 2 + 8 + 64;

std::array<uint8_t, 64> Blake2b512(std::string_view message) {
  std::array<uint8_t, 64> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const uint8_t*>(message.data()),
                     message.size(), nullptr, 0);
  return hash;
}

// minisign trims every trailing CR from a comment line, not only the one of a CRLF ending:
// read the same, or a comment ending in "\r\r" verifies in one tool and not the other.
std::string_view TrimCarriageReturns(std::string_view line) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string GlobalMessage(const Signature& sig) {
  return std::string(reinterpret_cast<const char*>(sig.signature.data()), sig.signature.size()) +
         sig.trusted_comment;
}

}  // namespace

bool ParseSignature(std::string_view text, const std::string& filename, Signature* out,
                    std::string* err) {
  auto fail = [&](size_t line, const std::string& problem) {
    *err = Where(filename, line) + problem;
    return false;
  };
  if (text.size() > kSignatureFileMaxBytes)
    return fail(1, "signature file larger than " + std::to_string(kSignatureFileMaxBytes) +
                       " bytes");
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.size() < 4) return fail(lines.size() + 1, "truncated signature file");
  if (lines.size() > 4) return fail(5, "unexpected text after the signature");
  if (!StartsWith(lines[0], kCommentPrefix))
    return fail(1, "expected \"untrusted comment: ...\"");
  out->untrusted_comment =
      std::string(TrimCarriageReturns(lines[0].substr(kCommentPrefix.size())));
  uint8_t raw[kSignatureBytes];
  if (!DecodeBase64Exact(lines[1], raw, sizeof raw))
    return fail(2, "not a minisign signature (bad base64 or wrong length)");
  if (memcmp(raw, "ED", 2) == 0) {
    out->prehashed = true;
  } else if (memcmp(raw, "Ed", 2) == 0) {
    out->prehashed = false;
  } else {
    return fail(2, "unsupported signature algorithm");
  }
  memcpy(out->key_id.data(), raw + 2, 8);
  memcpy(out->signature.data(), raw + 10, 64);
  if (!StartsWith(lines[2], kTrustedPrefix)) return fail(3, "expected \"trusted comment: ...\"");
  std::string_view trusted = TrimCarriageReturns(lines[2].substr(kTrustedPrefix.size()));
  if (trusted.size() > kTrustedCommentMax) return fail(3, "trusted comment too long");
  out->trusted_comment = std::string(trusted);
  if (!DecodeBase64Exact(lines[3], out->global_signature.data(), out->global_signature.size()))
    return fail(4, "malformed global signature (bad base64 or wrong length)");
  return true;
}

std::string FormatSignature(const Signature& sig) {
  uint8_t raw[kSignatureBytes];
  memcpy(raw, sig.prehashed ? "ED" : "Ed", 2);
  memcpy(raw + 2, sig.key_id.data(), 8);
  memcpy(raw + 10, sig.signature.data(), 64);
  return std::string(kCommentPrefix) + sig.untrusted_comment + "\n" +
         EncodeBase64(raw, sizeof raw) + "\n" + std::string(kTrustedPrefix) +
         sig.trusted_comment + "\n" +
         EncodeBase64(sig.global_signature.data(), sig.global_signature.size()) + "\n";
}

Signature SignMessage(const SecretKey& key, std::string_view message,
                      const std::string& trusted_comment) {
  Signature sig;
  sig.prehashed = true;
  sig.key_id = key.key_id;
  sig.untrusted_comment = "signature from modseal secret key " + KeyIdText(key.key_id);
  sig.trusted_comment = trusted_comment;
  std::array<uint8_t, 64> hash = Blake2b512(message);
  crypto_sign_detached(sig.signature.data(), nullptr, hash.data(), hash.size(), key.key.data());
  std::string global = GlobalMessage(sig);
  crypto_sign_detached(sig.global_signature.data(), nullptr,
                       reinterpret_cast<const uint8_t*>(global.data()), global.size(),
                       key.key.data());
  return sig;
}

bool VerifyMessage(const PublicKey& key, const Signature& sig, std::string_view message,
                   std::string* err) {
  if (sig.key_id != key.key_id) {
    *err = "signed with key " + KeyIdText(sig.key_id) + ", but the trusted key is " +
           KeyIdText(key.key_id);
    return false;
  }
  int rc;
  if (sig.prehashed) {
    std::array<uint8_t, 64> hash = Blake2b512(message);
    rc = crypto_sign_verify_detached(sig.signature.data(), hash.data(), hash.size(),
                                     key.key.data());
  } else {
    rc = crypto_sign_verify_detached(sig.signature.data(),
                                     reinterpret_cast<const uint8_t*>(message.data()),
                                     message.size(), key.key.data());
  }
  if (rc != 0) {
    *err = "signature does not match the signed file (modified after signing?)";
    return false;
  }
  std::string global = GlobalMessage(sig);
  if (crypto_sign_verify_detached(sig.global_signature.data(),
                                  reinterpret_cast<const uint8_t*>(global.data()), global.size(),
                                  key.key.data()) != 0) {
    *err = "trusted comment does not match its signature (comment modified?)";
    return false;
  }
  return true;
}

}  // namespace modseal
