// keygen, sign, verify.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "file_util.h"
#include "minisign.h"
#include "sha256.h"
#include "signed_manifest.h"

namespace modseal {
namespace {

bool ReadPasswordFile(const std::string& path, std::string* password, std::string* err) {
  if (!ReadFileBounded(path, 1024, password, err)) return false;
  while (!password->empty() && (password->back() == '\n' || password->back() == '\r'))
    password->pop_back();
  if (password->empty()) {
    *err = path + ": empty password";
    return false;
  }
  return true;
}

bool PromptPassword(std::string* password, std::string* err) {
  if (!isatty(STDIN_FILENO)) {
    *err = "the secret key is encrypted: give --password-file (standard input is not a terminal)";
    return false;
  }
  fprintf(stderr, "Password: ");
  termios old_mode;
  tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  char buf[1024];
  bool ok = fgets(buf, sizeof buf, stdin) != nullptr;
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  fprintf(stderr, "\n");
  if (!ok) {
    *err = "no password given";
    return false;
  }
  *password = buf;
  while (!password->empty() && password->back() == '\n') password->pop_back();
  return true;
}

// ssh's rule: a secret key others can read is refused, not used.
bool CheckSecretKeyMode(const std::string& path, std::string* err) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return true;  // the read reports it
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    *err = path + ": permissions " + mode +
           " are too open; a secret key must not be accessible by others (chmod 600 " + path +
           ")";
    return false;
  }
  return true;
}

bool LoadSecretKey(const std::string& path, const std::string& password_file, SecretKey* key,
                   std::string* err) {
  if (!CheckSecretKeyMode(path, err)) return false;
  std::string text;
  if (!ReadFileBounded(path, kKeyFileMaxBytes, &text, err)) return false;
  bool encrypted = false;
  if (!SecretKeyIsEncrypted(text, path, &encrypted, err)) return false;
  std::string password;
  if (encrypted) {
    bool ok = password_file.empty() ? PromptPassword(&password, err)
                                    : ReadPasswordFile(password_file, &password, err);
    if (!ok) return false;
  }
  return ParseSecretKey(text, path, password, key, err);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

int RunKeygen(const KeygenArgs& args) {
  const std::string sec_path = args.base + ".key";
  const std::string pub_path = args.base + ".pub";
  if (!args.force) {
    for (const std::string& p : {sec_path, pub_path})
      if (Exists(p)) return Fail(p + ": already exists (use --force to replace it)");
  }
  std::string password, err;
  if (!args.password_file.empty() && !ReadPasswordFile(args.password_file, &password, &err))
    return Fail(err);
  PublicKey pub;
  SecretKey sec;
  GenerateKeyPair(&pub, &sec);
  Overwrite mode = args.force ? Overwrite::kReplace : Overwrite::kRefuse;
  if (!WriteFileAtomic(sec_path, FormatSecretKey(sec, password), 0600, mode, &err) ||
      !WriteFileAtomic(pub_path, FormatPublicKey(pub), 0644, mode, &err))
    return Fail(err);
  printf("key id %s\nsecret key: %s (%s)\npublic key: %s\n", KeyIdText(pub.key_id).c_str(),
         sec_path.c_str(), password.empty() ? "not encrypted" : "encrypted",
         pub_path.c_str());
  return kExitOk;
}

int RunSign(const SignArgs& args) {
  std::string err;
  SecretKey key;
  if (!LoadSecretKey(args.secret_key, args.password_file, &key, &err)) return Fail(err);
  std::string signature;
  if (!SignManifestFile(args.manifest, key, time(nullptr), &signature, &err)) return Fail(err);
  const std::string out = args.output.empty() ? args.manifest + ".minisig" : args.output;
  if (!WriteFileAtomic(out, signature, 0644, Overwrite::kReplace, &err)) return Fail(err);
  printf("signed %s with key %s: %s\n", args.manifest.c_str(), KeyIdText(key.key_id).c_str(),
         out.c_str());
  return kExitOk;
}

int RunVerify(const VerifyArgs& args) {
  std::string err;
  std::vector<PublicKey> keys;
  if (!LoadPublicKeyFiles(args.public_keys, &keys, &err)) return Fail(err);
  const std::string sig_path =
      args.signature.empty() ? args.manifest + ".minisig" : args.signature;
  // No manifest to check is an input error; a missing signature is a failed check.
  if (access(args.manifest.c_str(), R_OK) != 0)
    return Fail(args.manifest + ": " + strerror(errno));
  Manifest manifest;
  Signature sig;
  if (!VerifyManifestFile(args.manifest, sig_path, keys, &manifest, &sig, &err))
    return Fail("verification FAILED: " + err, kExitCheckFailed);
  printf("signature OK: %s, kernel %s, %zu modules, key %s\ntrusted comment: %s\n",
         args.manifest.c_str(), manifest.kernel.c_str(), manifest.modules.size(),
         KeyIdText(sig.key_id).c_str(), sig.trusted_comment.c_str());
  if (args.root.empty()) return kExitOk;
  const std::string dir = ModuleDirectory(args.root, manifest.kernel);
  size_t bad = 0;
  for (const ModuleEntry& m : manifest.modules) {
    std::string hex;
    const std::string path = dir + "/" + m.path;
    if (!Sha256File(path, &hex, &err)) {
      fprintf(stderr, "modseal: %s: cannot hash: %s\n", m.name.c_str(), err.c_str());
      ++bad;
    } else if (hex != m.sha256) {
      fprintf(stderr, "modseal: %s: hash mismatch in %s (manifest %s, file %s)\n",
              m.name.c_str(), path.c_str(), m.sha256.c_str(), hex.c_str());
      ++bad;
    }
  }
  if (bad != 0)
    return Fail("verification FAILED: " + std::to_string(bad) + " of " +
                    std::to_string(manifest.modules.size()) + " module files in " + dir +
                    " do not match the manifest",
                kExitCheckFailed);
  printf("files OK: all %zu module files in %s match their hashes\n", manifest.modules.size(),
         dir.c_str());
  return kExitOk;
}

}  // namespace modseal
