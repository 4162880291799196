// minisign signature files reach the hook from the image and the builder from anywhere.
// Parsing must never crash, what parses must survive being written and read back, and a
// mutated signature must never verify against a key and message it was not made with.
#include <cstdint>
#include <cstdlib>
#include <sodium.h>
#include <string>
#include <string_view>

#include "minisign.h"

namespace {

modseal::PublicKey g_key;
modseal::SecretKey g_secret;
const std::string_view kMessage = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";

bool SameSignature(const modseal::Signature& a, const modseal::Signature& b) {
  return a.prehashed == b.prehashed && a.key_id == b.key_id && a.signature == b.signature &&
         a.untrusted_comment == b.untrusted_comment && a.trusted_comment == b.trusted_comment &&
         a.global_signature == b.global_signature;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (sodium_init() < 0) abort();
  // A key fixed for the whole run: the fuzzer's inputs must not be able to forge for it.
  unsigned char seed[crypto_sign_SEEDBYTES] = {42};
  crypto_sign_seed_keypair(g_key.key.data(), g_secret.key.data(), seed);
  g_key.key_id = g_secret.key_id = modseal::KeyId{1, 2, 3, 4, 5, 6, 7, 8};
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  modseal::Signature sig;
  std::string err;
  if (!modseal::ParseSignature(text, "fuzz.minisig", &sig, &err)) {
    if (err.rfind("fuzz.minisig:", 0) != 0) abort();
    return 0;
  }
  modseal::Signature reread;
  if (!modseal::ParseSignature(modseal::FormatSignature(sig), "again", &reread, &err)) abort();
  if (!SameSignature(sig, reread)) abort();
  // Only the fuzzer's own key id can get past the id check, so aim it there too.
  sig.key_id = g_key.key_id;
  if (modseal::VerifyMessage(g_key, sig, kMessage, &err)) abort();
  return 0;
}
