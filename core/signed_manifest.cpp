#include "signed_manifest.h"

#include "file_util.h"
#include "sha256.h"

namespace modseal {

std::string MakeTrustedComment(const Manifest& manifest, const std::string& file_name,
                               time_t now) {
  return "timestamp:" + std::to_string(static_cast<long long>(now)) + "\tfile:" + file_name +
         "\tkernel:" + manifest.kernel + "\tmodules:" + std::to_string(manifest.modules.size());
}

std::string TrustedCommentField(const std::string& comment, const std::string& key) {
  const std::string prefix = key + ":";
  size_t start = 0;
  while (start <= comment.size()) {
    size_t end = comment.find('\t', start);
    if (end == std::string::npos) end = comment.size();
    if (comment.compare(start, prefix.size(), prefix) == 0)
      return comment.substr(start + prefix.size(), end - start - prefix.size());
    start = end + 1;
  }
  return "";
}

bool SignManifestFile(const std::string& manifest_path, const SecretKey& key, time_t now,
                      std::string* signature_text, std::string* err) {
  std::string bytes;
  if (!ReadFileBounded(manifest_path, kManifestMaxBytes, &bytes, err)) return false;
  Manifest manifest;
  if (!ParseManifest(bytes, manifest_path, &manifest, err)) return false;
  std::string base = manifest_path.substr(manifest_path.rfind('/') + 1);
  for (char c : base) {
    if (c == '\t' || static_cast<unsigned char>(c) < 0x20) {
      *err = manifest_path + ": file name has control characters";
      return false;
    }
  }
  std::string comment = MakeTrustedComment(manifest, base, now);
  if (comment.size() > kTrustedCommentMax) {
    *err = manifest_path + ": file name too long for the trusted comment";
    return false;
  }
  *signature_text = FormatSignature(SignMessage(key, bytes, comment));
  return true;
}

bool VerifyManifestFile(const std::string& manifest_path, const std::string& signature_path,
                        const std::vector<PublicKey>& keys, Manifest* out, Signature* sig_out,
                        std::string* err, std::string* bytes_sha256) {
  std::string bytes, sig_text;
  if (!ReadFileBounded(manifest_path, kManifestMaxBytes, &bytes, err)) return false;
  if (!ReadFileBounded(signature_path, kSignatureFileMaxBytes, &sig_text, err)) return false;
  return VerifyManifestBytes(bytes, manifest_path, sig_text, signature_path, keys, out,
                             sig_out, err, bytes_sha256);
}

bool VerifyManifestBytes(const std::string& bytes, const std::string& manifest_path,
                         const std::string& sig_text, const std::string& signature_path,
                         const std::vector<PublicKey>& keys, Manifest* out,
                         Signature* sig_out, std::string* err, std::string* bytes_sha256) {
  if (bytes.size() > kManifestMaxBytes || sig_text.size() > kSignatureFileMaxBytes) {
    *err = (bytes.size() > kManifestMaxBytes ? manifest_path : signature_path) +
           ": file is larger than the limit";
    return false;
  }
  Signature sig;
  if (!ParseSignature(sig_text, signature_path, &sig, err)) return false;
  const PublicKey* key = nullptr;
  std::string trusted;
  for (const PublicKey& k : keys) {
    if (k.key_id == sig.key_id) key = &k;
    trusted += (trusted.empty() ? "" : ", ") + KeyIdText(k.key_id);
  }
  if (key == nullptr) {
    *err = signature_path + ": signed with key " + KeyIdText(sig.key_id) +
           ", which is not trusted (trusted: " + (trusted.empty() ? "none" : trusted) + ")";
    return false;
  }
  std::string why;
  if (!VerifyMessage(*key, sig, bytes, &why)) {
    *err = signature_path + ": " + why + " [" + manifest_path + "]";
    return false;
  }
  Manifest manifest;
  if (!ParseManifest(bytes, manifest_path, &manifest, err)) return false;
  std::string signed_kernel = TrustedCommentField(sig.trusted_comment, "kernel");
  if (!signed_kernel.empty() && signed_kernel != manifest.kernel) {
    *err = signature_path + ": trusted comment names kernel " + signed_kernel +
           " but the manifest is for " + manifest.kernel;
    return false;
  }
  *out = std::move(manifest);
  if (sig_out) *sig_out = std::move(sig);
  if (bytes_sha256) *bytes_sha256 = Sha256Hex(bytes);
  return true;
}

bool LoadPublicKeyFiles(const std::vector<std::string>& paths, std::vector<PublicKey>* out,
                        std::string* err) {
  out->clear();
  for (const std::string& path : paths) {
    PublicKey key;
    if (!LoadPublicKeyFile(path, &key, err)) return false;
    out->push_back(key);
  }
  return true;
}

bool LoadPublicKeyFile(const std::string& path, PublicKey* out, std::string* err) {
  std::string text;
  if (!ReadFileBounded(path, kKeyFileMaxBytes, &text, err)) return false;
  return ParsePublicKey(text, path, out, err);
}

}  // namespace modseal
