// A manifest together with its minisign signature: what the builder writes and the hook
// trusts. Verification happens on the exact bytes before they are parsed.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "manifest.h"
#include "minisign.h"

namespace modseal {

// "timestamp:T<TAB>file:NAME<TAB>kernel:KVER<TAB>modules:N" — minisign's own style, plus
// the kernel release, so `minisign -V` shows what the manifest is for.
std::string MakeTrustedComment(const Manifest& manifest, const std::string& file_name,
                               time_t now);

// The value of "key:" in a trusted comment; empty when absent.
std::string TrustedCommentField(const std::string& comment, const std::string& key);

// Signs the manifest file's bytes, which must parse as a canonical manifest.
bool SignManifestFile(const std::string& manifest_path, const SecretKey& key, time_t now,
                      std::string* signature_text, std::string* err);

// Fails closed: the signature must be by one of `keys`, cover these exact bytes and carry
// an untouched trusted comment whose kernel (if named) is the manifest's; then the bytes
// must parse. Only then is *out filled, and *sig and *bytes_sha256 (hex) where given.
bool VerifyManifestFile(const std::string& manifest_path, const std::string& signature_path,
                        const std::vector<PublicKey>& keys, Manifest* out, Signature* sig,
                        std::string* err, std::string* bytes_sha256 = nullptr);
// The same on bytes already read (from an initramfs); the names are for messages.
bool VerifyManifestBytes(const std::string& bytes, const std::string& manifest_path,
                         const std::string& sig_text, const std::string& signature_path,
                         const std::vector<PublicKey>& keys, Manifest* out,
                         Signature* sig_out, std::string* err,
                         std::string* bytes_sha256 = nullptr);

bool LoadPublicKeyFile(const std::string& path, PublicKey* out, std::string* err);
// Every key, in order; false at the first that does not load.
bool LoadPublicKeyFiles(const std::vector<std::string>& paths, std::vector<PublicKey>* out,
                        std::string* err);

}  // namespace modseal
