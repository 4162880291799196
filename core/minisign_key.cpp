// minisign's public and secret key files.
#include <cstring>
#include <sodium.h>

#include "base64.h"
#include "minisign.h"
#include "text_lines.h"

namespace modseal {
namespace {

constexpr std::string_view kCommentPrefix = "untrusted comment: ";
constexpr char kSigAlg[2] = {'E', 'd'};
constexpr char kKdfScrypt[2] = {'S', 'c'};
constexpr char kKdfNone[2] = {0, 0};
constexpr char kChecksumAlg[2] = {'B', '2'};

// On-disk layouts, byte for byte.
constexpr size_t kPublicKeyBytes = 2 + 8 + 32;
constexpr size_t kKeynumSkBytes = 8 + 64 + 32;  // key id, secret key, checksum
constexpr size_t kSaltBytes = crypto_pwhash_scryptsalsa208sha256_SALTBYTES;
constexpr size_t kSecretKeyBytes = 2 + 2 + 2 + kSaltBytes + 8 + 8 + kKeynumSkBytes;
constexpr size_t kSaltOffset = 6;
constexpr size_t kOpsOffset = kSaltOffset + kSaltBytes;
constexpr size_t kMemOffset = kOpsOffset + 8;
constexpr size_t kKeynumOffset = kMemOffset + 8;

// Keep a hostile key file from asking for absurd scrypt work.
constexpr uint64_t kMaxScryptMemory = uint64_t{4} << 30;
constexpr uint64_t kMaxScryptOps = uint64_t{1} << 32;

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The base64 payload of a key file: the line after "untrusted comment:", or the only line.
bool KeyPayload(std::string_view text, const std::string& filename, bool comment_required,
                std::string_view* payload, size_t* line_no, std::string* err) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) {
    *err = Where(filename, 1) + "empty key file";
    return false;
  }
  if (StartsWith(lines[0], kCommentPrefix)) {
    if (lines.size() < 2) {
      *err = Where(filename, 2) + "missing key line after the comment";
      return false;
    }
    if (lines.size() > 2) {
      *err = Where(filename, 3) + "unexpected text after the key";
      return false;
    }
    *payload = lines[1];
    *line_no = 2;
    return true;
  }
  if (comment_required || lines.size() != 1) {
    *err = Where(filename, 1) + "expected \"untrusted comment: ...\"";
    return false;
  }
  *payload = lines[0];
  *line_no = 1;
  return true;
}

void Checksum(const SecretKey& key, uint8_t out[32]) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kSigAlg), 2);
  crypto_generichash_update(&state, key.key_id.data(), key.key_id.size());
  crypto_generichash_update(&state, key.key.data(), key.key.size());
  crypto_generichash_final(&state, out, 32);
}

bool ScryptStream(const std::string& password, const uint8_t* salt, uint64_t ops,
                  uint64_t mem, uint8_t stream[kKeynumSkBytes]) {
  return crypto_pwhash_scryptsalsa208sha256(stream, kKeynumSkBytes, password.data(),
                                            password.size(), salt, ops,
                                            static_cast<size_t>(mem)) == 0;
}

}  // namespace

std::string KeyIdText(const KeyId& id) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (int i = 7; i >= 0; --i) {
    out.push_back(kDigits[id[i] >> 4]);
    out.push_back(kDigits[id[i] & 0xf]);
  }
  return out;
}

bool ParsePublicKey(std::string_view text, const std::string& filename, PublicKey* out,
                    std::string* err) {
  if (text.size() > kKeyFileMaxBytes) {
    *err = filename + ": public key file too large";
    return false;
  }
  std::string_view payload;
  size_t line_no = 0;
  if (!KeyPayload(text, filename, false, &payload, &line_no, err)) return false;
  uint8_t raw[kPublicKeyBytes];
  const std::string where = Where(filename, line_no);
  if (!DecodeBase64Exact(payload, raw, sizeof raw)) {
    *err = where + "not a minisign public key (bad base64 or wrong length)";
    return false;
  }
  if (memcmp(raw, kSigAlg, 2) != 0) {
    *err = where + "unsupported public key algorithm (expected Ed25519, \"Ed\")";
    return false;
  }
  memcpy(out->key_id.data(), raw + 2, 8);
  memcpy(out->key.data(), raw + 10, 32);
  return true;
}

std::string FormatPublicKey(const PublicKey& key) {
  uint8_t raw[kPublicKeyBytes];
  memcpy(raw, kSigAlg, 2);
  memcpy(raw + 2, key.key_id.data(), 8);
  memcpy(raw + 10, key.key.data(), 32);
  return std::string(kCommentPrefix) + "minisign public key " + KeyIdText(key.key_id) + "\n" +
         EncodeBase64(raw, sizeof raw) + "\n";
}

bool SecretKeyIsEncrypted(std::string_view text, const std::string& filename, bool* encrypted,
                          std::string* err) {
  std::string_view payload;
  size_t line_no = 0;
  if (!KeyPayload(text, filename, true, &payload, &line_no, err)) return false;
  uint8_t raw[kSecretKeyBytes];
  if (!DecodeBase64Exact(payload, raw, sizeof raw)) {
    *err = Where(filename, 2) + "not a minisign secret key (bad base64 or wrong length)";
    return false;
  }
  *encrypted = memcmp(raw + 2, kKdfScrypt, 2) == 0;
  sodium_memzero(raw, sizeof raw);
  return true;
}

bool ParseSecretKey(std::string_view text, const std::string& filename,
                    const std::string& password, SecretKey* out, std::string* err) {
  if (text.size() > kKeyFileMaxBytes) {
    *err = filename + ": secret key file too large";
    return false;
  }
  std::string_view payload;
  size_t line_no = 0;
  if (!KeyPayload(text, filename, true, &payload, &line_no, err)) return false;
  const std::string where = Where(filename, 2);
  uint8_t raw[kSecretKeyBytes];
  if (!DecodeBase64Exact(payload, raw, sizeof raw)) {
    *err = where + "not a minisign secret key (bad base64 or wrong length)";
    return false;
  }
  auto fail = [&](const std::string& problem) {
    sodium_memzero(raw, sizeof raw);
    *err = where + problem;
    return false;
  };
  if (memcmp(raw, kSigAlg, 2) != 0)
    return fail("unsupported secret key algorithm (expected Ed25519, \"Ed\")");
  if (memcmp(raw + 4, kChecksumAlg, 2) != 0)
    return fail("unsupported checksum algorithm (expected BLAKE2b, \"B2\")");
  uint8_t* keynum = raw + kKeynumOffset;
  if (memcmp(raw + 2, kKdfScrypt, 2) == 0) {
    uint64_t ops = LoadLe64(raw + kOpsOffset);
    uint64_t mem = LoadLe64(raw + kMemOffset);
    if (ops > kMaxScryptOps || mem > kMaxScryptMemory)
      return fail("key derivation parameters are unreasonably large");
    uint8_t stream[kKeynumSkBytes];
    if (!ScryptStream(password, raw + kSaltOffset, ops, mem, stream))
      return fail("key derivation failed (out of memory?)");
    for (size_t i = 0; i < kKeynumSkBytes; ++i) keynum[i] ^= stream[i];
    sodium_memzero(stream, sizeof stream);
  } else if (memcmp(raw + 2, kKdfNone, 2) != 0) {
    return fail("unsupported key derivation algorithm");
  }
  memcpy(out->key_id.data(), keynum, 8);
  memcpy(out->key.data(), keynum + 8, 64);
  uint8_t expected[32];
  Checksum(*out, expected);
  static const uint8_t kNoChecksum[32] = {};
  const bool encrypted = memcmp(raw + 2, kKdfScrypt, 2) == 0;
  // `minisign -G -W` leaves the checksum of an unencrypted key zero.
  bool ok = sodium_memcmp(expected, keynum + 72, 32) == 0 ||
            (!encrypted && memcmp(kNoChecksum, keynum + 72, 32) == 0);
  // Either way the key must be self-consistent: its public half derives from its seed.
  uint8_t derived_pk[32], derived_sk[64];
  crypto_sign_seed_keypair(derived_pk, derived_sk, out->key.data());
  ok = ok && memcmp(derived_pk, out->key.data() + 32, 32) == 0;
  sodium_memzero(derived_sk, sizeof derived_sk);
  if (!ok) {
    sodium_memzero(out->key.data(), out->key.size());
    return fail(encrypted ? "wrong password, or the secret key is corrupted"
                    : "secret key checksum mismatch (the key file is corrupted)");
  }
  sodium_memzero(raw, sizeof raw);
  return true;
}

std::string FormatSecretKey(const SecretKey& key, const std::string& password) {
  uint8_t raw[kSecretKeyBytes] = {};
  const bool encrypt = !password.empty();
  memcpy(raw, kSigAlg, 2);
  memcpy(raw + 2, encrypt ? kKdfScrypt : kKdfNone, 2);
  memcpy(raw + 4, kChecksumAlg, 2);
  uint8_t* keynum = raw + kKeynumOffset;
  memcpy(keynum, key.key_id.data(), 8);
  memcpy(keynum + 8, key.key.data(), 64);
  Checksum(key, keynum + 72);
  if (encrypt) {
    // minisign's own defaults, so either tool can open the key.
    const uint64_t ops = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
    const uint64_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;
    randombytes_buf(raw + kSaltOffset, kSaltBytes);
    StoreLe64(raw + kOpsOffset, ops);
    StoreLe64(raw + kMemOffset, mem);
    uint8_t stream[kKeynumSkBytes];
    if (!ScryptStream(password, raw + kSaltOffset, ops, mem, stream)) abort();
    for (size_t i = 0; i < kKeynumSkBytes; ++i) keynum[i] ^= stream[i];
    sodium_memzero(stream, sizeof stream);
  }
  std::string out = std::string(kCommentPrefix) +
                    (encrypt ? "minisign encrypted secret key" : "minisign secret key") +
                    "\n" + EncodeBase64(raw, sizeof raw) + "\n";
  sodium_memzero(raw, sizeof raw);
  return out;
}

void GenerateKeyPair(PublicKey* pub, SecretKey* sec) {
  randombytes_buf(sec->key_id.data(), sec->key_id.size());
  crypto_sign_keypair(pub->key.data(), sec->key.data());
  pub->key_id = sec->key_id;
}

bool PublicKeyMatches(const PublicKey& pub, const SecretKey& sec) {
  return pub.key_id == sec.key_id && memcmp(pub.key.data(), sec.key.data() + 32, 32) == 0;
}

}  // namespace modseal
