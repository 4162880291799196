// The hook tests' fixture: a signed manifest over a fake kernel's module files, as the
// dracut module ships it. Ops is FakeKernelOps or a subclass that injects faults.
#pragma once

#include "catch.h"
#include <string>
#include <vector>

#include "hook_config.h"
#include "minisign.h"
#include "sha256.h"
#include "signed_manifest.h"
#include "test_util.h"

namespace modseal_test {

inline const std::string kImageModuleRoot = "/lib/modules/6.1.0-28-cloud-amd64";

template <class Ops>
struct SignedImage {
  TempDir dir;
  Ops ops;
  modseal::HookConfig config;
  modseal::SecretKey sec;
  std::string manifest_text;

  SignedImage() {
    modseal::PublicKey pub;
    modseal::GenerateKeyPair(&pub, &sec);
    WriteText(dir / "trusted.pub", modseal::FormatPublicKey(pub));
    config.manifest = dir / "modules.manifest";
    config.signature = dir / "modules.manifest.minisig";
    config.pubkeys = {dir / "trusted.pub"};
    config.load_threads = 1;  // serial unless a test asks for threads
    // The two stages one at a time; tests of lock=early (the default) ask for it.
    config.lock = modseal::LockPoint::kPreMount;
  }

  void AddFile(const std::string& file, const std::string& bytes) {
    ops.files[kImageModuleRoot + "/" + file] = bytes;
  }

  std::string Line(const std::string& name, const std::string& file, const std::string& why,
                   const std::string& deps) {
    return "module " + name + " " + file + " sha256:" +
           modseal::Sha256Hex(ops.files[kImageModuleRoot + "/" + file]) + " " + why + " " +
           deps + "\n";
  }

  void Sign(const std::string& text) {
    manifest_text = text;
    WriteText(config.manifest, text);
    std::string sig, err;
    REQUIRE(modseal::SignManifestFile(config.manifest, sec, 1, &sig, &err));
    WriteText(config.signature, sig);
  }

  // autofs4; virtio_ring <- virtio_blk; all three loaded, as after a good load stage.
  void SignSmall() {
    AddFile("a.ko", "autofs4 bytes");
    AddFile("r.ko", "virtio_ring bytes");
    AddFile("b.ko", "virtio_blk bytes");
    Sign("modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n" +
         Line("autofs4", "a.ko", "loaded", "-") +
         Line("virtio_ring", "r.ko", "needed-by:virtio_blk", "-") +
         Line("virtio_blk", "b.ko", "loaded", "virtio_ring"));
    ops.loaded = {"autofs4", "virtio_ring", "virtio_blk"};
  }

  // Inserted module files, relative to the module root, in insert order.
  std::vector<std::string> Inserted() const {
    std::vector<std::string> files;
    for (const std::string& p : ops.inserted) files.push_back(p.substr(kImageModuleRoot.size() + 1));
    return files;
  }

  bool Inserted(const std::string& file) const {
    for (const std::string& f : Inserted())
      if (f == file) return true;
    return false;
  }
};

}  // namespace modseal_test
