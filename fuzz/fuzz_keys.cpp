// Public keys come from images and command lines, secret keys from disk. Parsing must
// never crash and a key that parses must be written back to something that reads the same.
// Encrypted secret keys are only classified here: decrypting runs scrypt with whatever
// cost the file names (bounded, but seconds to minutes each), which would stall the fuzzer.
#include <cstdint>
#include <cstdlib>
#include <sodium.h>
#include <string>
#include <string_view>

#include "minisign.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (sodium_init() < 0) abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string err;
  modseal::PublicKey pub;
  if (modseal::ParsePublicKey(text, "fuzz.pub", &pub, &err)) {
    modseal::PublicKey reread;
    if (!modseal::ParsePublicKey(modseal::FormatPublicKey(pub), "again", &reread, &err) ||
        reread.key_id != pub.key_id || reread.key != pub.key)
      abort();
  } else if (err.rfind("fuzz.pub:", 0) != 0) {
    abort();
  }
  bool encrypted = false;
  if (!modseal::SecretKeyIsEncrypted(text, "fuzz.key", &encrypted, &err) || encrypted) return 0;
  modseal::SecretKey sec;
  if (!modseal::ParseSecretKey(text, "fuzz.key", "", &sec, &err)) {
    if (err.rfind("fuzz.key:", 0) != 0) abort();
    return 0;
  }
  modseal::SecretKey reread;
  if (!modseal::ParseSecretKey(modseal::FormatSecretKey(sec, ""), "again", "", &reread, &err) ||
      reread.key_id != sec.key_id || reread.key != sec.key)
    abort();
  return 0;
}
