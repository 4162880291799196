// modseal check-image: whether an initramfs will seal the machine it boots.
#include <cstdio>

#include "check_image.h"
#include "commands.h"
#include "json.h"
#include "signed_manifest.h"

namespace modseal {

namespace {

std::string VerdictJson(const std::string& path, const ImageVerdict& v) {
  return "{\"image\":" + JsonString(path) + ",\"sealed\":" + (v.sealed() ? "true" : "false") +
         ",\"kernel\":" + JsonString(v.kernel) + ",\"flavour\":" + JsonString(v.flavour) +
         ",\"policy\":" + JsonString(v.policy) + ",\"lock\":" + JsonString(v.lock) +
         ",\"manifest_sha256\":" + JsonString(v.manifest_sha256) +
         ",\"key\":" + JsonString(v.key_id) + ",\"modules\":" + std::to_string(v.modules) +
         ",\"problems\":" + JsonStringArray(v.problems) + "}";
}

}  // namespace

bool CheckImageFile(const std::string& path, const std::vector<PublicKey>& keys,
                    const std::string& kver, ImageVerdict* verdict, std::string* err) {
  InitramfsFiles files;
  if (!ReadInitramfs(path, &files, err)) return false;
  std::string release = kver;
  // A name like initrd.img-KVER.unsealed names no release the image holds.
  const std::string named = ReleaseFromImageName(path);
  if (release.empty() && !named.empty() && HoldsRelease(files, named)) release = named;
  *verdict = CheckImage(files, keys, release);
  return true;
}

std::string ImageSummary(const ImageVerdict& v) {
  return "kernel " + v.kernel + ", " + std::to_string(v.modules) + " modules, policy " +
         v.policy + ", lock " + v.lock + ", " + v.flavour + " flavour, manifest sha256:" +
         v.manifest_sha256.substr(0, 16) + "..., key " + v.key_id;
}

int RunCheckImage(const CheckImageArgs& args) {
  std::vector<PublicKey> keys;
  std::string err;
  if (!LoadPublicKeyFiles(args.public_keys, &keys, &err)) return Fail(err);
  int rc = kExitOk;
  std::string json;
  for (const std::string& path : args.images) {
    ImageVerdict v;
    if (!CheckImageFile(path, keys, args.kver, &v, &err)) return Fail(err);
    if (!v.sealed()) rc = kExitCheckFailed;
    if (args.json) {
      json += (json.empty() ? "" : ",") + VerdictJson(path, v);
    } else if (v.sealed()) {
      printf("%s: sealed (%s)\n", path.c_str(), ImageSummary(v).c_str());
    } else {
      printf("%s: NOT SEALED\n", path.c_str());
      for (const std::string& p : v.problems) printf("  - %s\n", p.c_str());
    }
  }
  if (args.json) printf("[%s]\n", json.c_str());
  return rc;
}

}  // namespace modseal
