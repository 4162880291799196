#include "check_image.h"

#include <set>

#include "hook_config.h"
#include "manifest.h"
#include "sha256.h"
#include "signed_manifest.h"

namespace modseal {

namespace {

constexpr int kMaxLinkHops = 40;  // as the kernel's path walk

// "a/./b/../c" -> "a/c", no leading slash.
std::string Normalize(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// PATH's real path in the unpacked rootfs, symlinks followed (lib -> usr/lib, the absolute
// targets of systemd's .wants links); "" for a loop.
std::string Resolve(const InitramfsFiles& files, const std::string& path) {
  std::string p = Normalize(path);
  for (int hops = 0; hops < kMaxLinkHops; ++hops) {
    size_t slash = 0;
    bool followed = false;
    do {
      slash = p.find('/', slash == 0 ? 0 : slash + 1);
      const std::string prefix = p.substr(0, slash);
      auto it = files.find(prefix);
      if (it == files.end() || !IsSymlink(it->second)) continue;
      const std::string& target = it->second.data;
      const size_t cut = prefix.rfind('/');
      std::string next = !target.empty() && target[0] == '/'
                             ? target
                             : (cut == std::string::npos ? "" : prefix.substr(0, cut)) + "/" + target;
      if (slash != std::string::npos) next += p.substr(slash);
      p = Normalize(next);
      followed = true;
    } while (!followed && slash != std::string::npos);
    if (!followed) return p;
  }
  return "";
}

const InitramfsEntry* Lookup(const InitramfsFiles& files, const std::string& path,
                             std::string* resolved = nullptr) {
  const std::string real = Resolve(files, path);
  auto it = files.find(real);
  if (resolved) *resolved = real;
  return it == files.end() ? nullptr : &it->second;
}

const InitramfsEntry* Regular(const InitramfsFiles& files, const std::string& path) {
  const InitramfsEntry* e = Lookup(files, path);
  return e && IsRegular(*e) ? e : nullptr;
}

std::string Basename(const std::string& path) {
  const size_t cut = path.rfind('/');
  return cut == std::string::npos ? path : path.substr(cut + 1);
}

// What starts the hook: its units in the systemd flavour, dracut's hook scripts in the
// other. Without them the image carries modseal but never runs it.
void CheckTriggers(const InitramfsFiles& files, ImageVerdict* v) {
  std::string init;
  const bool systemd = Lookup(files, "init", &init) && Basename(init) == "systemd";
  v->flavour = systemd ? "systemd" : "shell";
  const std::vector<std::string> systemd_files = {
      "etc/systemd/system/sysinit.target.wants/modseal-load.service",
      "etc/systemd/system/initrd.target.wants/modseal-lock.service",
      "lib/systemd/system/initrd-switch-root.service.d/50-modseal.conf",
      "lib/systemd/system/emergency.service.d/50-modseal.conf"};
  const std::vector<std::string> shell_files = {"lib/dracut/hooks/pre-udev/01-modseal-load.sh",
                                                "lib/dracut/hooks/pre-mount/99-modseal-lock.sh",
                                                "lib/dracut/hooks/pre-pivot/99-modseal-finish.sh"};
  std::vector<std::string> needed = systemd ? systemd_files : shell_files;
  needed.push_back("lib/dracut/hooks/emergency/00-modseal-emergency.sh");
  for (const std::string& f : needed)
    if (!Regular(files, f))
      v->problems.push_back(f + " is missing: the " + v->flavour + " flavour would not run the hook");
}

bool LoadImageKeys(const InitramfsFiles& files, const HookConfig& config,
                   std::vector<PublicKey>* keys, ImageVerdict* v) {
  for (const std::string& path : config.pubkeys) {
    const InitramfsEntry* e = Regular(files, path);
    PublicKey key;
    std::string err;
    if (!e) {
      v->problems.push_back(path + " (a trusted key hook.conf names) is missing");
      return false;
    }
    if (!ParsePublicKey(e->data, path, &key, &err)) {
      v->problems.push_back(err);
      return false;
    }
    keys->push_back(key);
  }
  return true;
}

// Every module file in the image is a listed one, at its listed path, with its hash; every
// listed one is there.
void CheckModules(const InitramfsFiles& files, const Manifest& manifest, ImageVerdict* v) {
  const std::string want = "lib/modules/" + manifest.kernel;
  const std::string moddir = Resolve(files, want);
  if (!HoldsRelease(files, manifest.kernel)) {
    v->problems.push_back(want + " is missing from the image");
    return;
  }
  // dracut packs one release's tree; another's modules could only load as violations.
  const std::string modules_root = moddir.substr(0, moddir.size() - manifest.kernel.size());
  std::set<std::string> found, other_releases;
  for (const auto& [path, entry] : files) {
    if (path.compare(0, modules_root.size(), modules_root) == 0) {
      const std::string release = path.substr(modules_root.size(), path.find('/', modules_root.size()) - modules_root.size());
      if (release != manifest.kernel) other_releases.insert(release);
    }
    if (!HasModuleFileSuffix(Basename(path))) continue;
    const bool inside = path.compare(0, moddir.size() + 1, moddir + "/") == 0;
    const std::string rel = inside ? path.substr(moddir.size() + 1) : "";
    const ModuleEntry* listed = nullptr;
    for (const ModuleEntry& m : manifest.modules)
      if (m.path == rel) listed = &m;
    if (!listed || !IsRegular(entry)) {
      v->problems.push_back(path + ": a module file the manifest does not list");
    } else if (Sha256Hex(entry.data) != listed->sha256) {
      v->problems.push_back(path + ": sha256 differs from the manifest's for " + listed->name);
    } else {
      found.insert(rel);
    }
  }
  for (const std::string& r : other_releases)
    v->problems.push_back(modules_root + r + " is in the image: modules of another kernel");
  for (const ModuleEntry& m : manifest.modules)
    if (!found.count(m.path) && !Regular(files, want + "/" + m.path))
      v->problems.push_back(m.name + " (" + m.path + ") is listed but not in the image");
}

}  // namespace

ImageVerdict CheckImage(const InitramfsFiles& files, const std::vector<PublicKey>& keys,
                        const std::string& kver) {
  ImageVerdict v;
  const InitramfsEntry* hook = Regular(files, "usr/sbin/modseal-hook");
  const InitramfsEntry* conf = Regular(files, "etc/modseal/hook.conf");
  if (!hook || !conf) {
    v.problems.push_back(
        "no modseal in the image (usr/sbin/modseal-hook, etc/modseal/hook.conf): dracut left "
        "the modseal module out (omitted, or its check failed)");
    return v;
  }
  if (hook->data.compare(0, 4, "\x7f" "ELF") != 0 || (hook->mode & 0111) == 0)
    v.problems.push_back("usr/sbin/modseal-hook is not an executable ELF file");
  HookConfig config;
  std::string err;
  if (!ParseHookConfig(conf->data, "etc/modseal/hook.conf", &config, &err)) {
    v.problems.push_back(err);
    return v;
  }
  v.policy = PolicyName(config.policy);
  v.lock = LockPointName(config.lock);
  CheckTriggers(files, &v);

  std::vector<PublicKey> image_keys;
  if (!LoadImageKeys(files, config, &image_keys, &v)) return v;
  const std::string sig_path =
      config.signature.empty() ? config.manifest + ".minisig" : config.signature;
  const InitramfsEntry* manifest_file = Regular(files, config.manifest);
  const InitramfsEntry* sig_file = Regular(files, sig_path);
  if (!manifest_file || !sig_file) {
    v.problems.push_back((manifest_file ? sig_path : config.manifest) + " is missing");
    return v;
  }
  Manifest manifest;
  Signature sig;
  // The image's own keys first: a manifest they reject stops the boot.
  if (!VerifyManifestBytes(manifest_file->data, config.manifest, sig_file->data, sig_path,
                           image_keys, &manifest, &sig, &err, &v.manifest_sha256)) {
    v.problems.push_back("the hook would refuse its manifest: " + err);
    return v;
  }
  if (!keys.empty() && !VerifyManifestBytes(manifest_file->data, config.manifest,
                                            sig_file->data, sig_path, keys, &manifest, &sig,
                                            &err)) {
    v.problems.push_back("not signed by a key you trust: " + err);
  }
  v.kernel = manifest.kernel;
  v.key_id = KeyIdText(sig.key_id);
  v.modules = manifest.modules.size();
  if (!kver.empty() && kver != manifest.kernel)
    v.problems.push_back("the image is for kernel " + kver + ", its manifest for " +
                         manifest.kernel + ": the hook would refuse it");
  CheckModules(files, manifest, &v);
  return v;
}

bool HoldsRelease(const InitramfsFiles& files, const std::string& kver) {
  const std::string moddir = Resolve(files, "lib/modules/" + kver);
  // An archive need not list the directory itself, only what is in it.
  auto first = files.lower_bound(moddir + "/");
  return !moddir.empty() && first != files.end() &&
         first->first.compare(0, moddir.size() + 1, moddir + "/") == 0;
}

std::string ReleaseFromImageName(const std::string& path) {
  const std::string base = Basename(path);
  for (const std::string prefix : {"initrd.img-", "initramfs-"}) {
    if (base.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = base.substr(prefix.size());
    if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, ".img") == 0)
      rest.resize(rest.size() - 4);
    if (IsValidKernelRelease(rest)) return rest;
  }
  return "";
}

}  // namespace modseal
