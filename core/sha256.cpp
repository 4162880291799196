#include "sha256.h"

#include <sodium.h>

#include "file_util.h"

namespace modseal {
namespace {

std::string ToHex(const unsigned char* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

}  // namespace

bool Sha256File(const std::string& path, std::string* hex, std::string* err) {
  return Sha256FileCopy(path, [](const char*, size_t) { return true; }, hex, err);
}

bool Sha256FileCopy(const std::string& path,
                    const std::function<bool(const char* data, size_t size)>& copy,
                    std::string* hex, std::string* err) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  bool ok = ReadFileChunks(
      path,
      [&](const char* data, size_t size) {
        crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(data), size);
        return copy(data, size);
      },
      err);
  if (!ok) return false;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  *hex = ToHex(digest, sizeof digest);
  return true;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(digest, sizeof digest);
}

}  // namespace modseal
