#include "check_image.h"

#include <lzma.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "catch.h"
#include "sha256.h"
#include "signed_manifest.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

const std::string kKver = "6.1.0-28-cloud-amd64";

// One newc entry, as cpio -H newc writes it.
std::string Entry(const std::string& name, uint32_t mode, const std::string& data) {
  char header[111];
  snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
           1u, mode, 0u, 0u, 1u, 0u, data.size(), 0u, 0u, 0u, 0u, name.size() + 1, 0u);
  std::string e = std::string(header, 110) + name + '\0';
  e.resize((e.size() + 3) & ~size_t{3}, '\0');
  e += data;
  e.resize((e.size() + 3) & ~size_t{3}, '\0');
  return e;
}

std::string File(const std::string& name, const std::string& data, uint32_t perm = 0644) {
  return Entry(name, S_IFREG | perm, data);
}
std::string Link(const std::string& name, const std::string& target) {
  return Entry(name, S_IFLNK | 0777, target);
}
std::string Dir(const std::string& name) { return Entry(name, S_IFDIR | 0755, ""); }
std::string Trailer() { return Entry("TRAILER!!!", 0, ""); }

std::string Gzip(const std::string& in) {
  z_stream s{};
  REQUIRE(deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&s, in.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = in.size();
  s.next_out = reinterpret_cast<Bytef*>(&out[0]);
  s.avail_out = out.size();
  REQUIRE(deflate(&s, Z_FINISH) == Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string Xz(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  REQUIRE(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC32, nullptr,
                                  reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                  reinterpret_cast<uint8_t*>(&out[0]), &pos, out.size()) == LZMA_OK);
  out.resize(pos);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(&out[0], out.size(), in.data(), in.size(), 3);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A dracut-like image (lib -> usr/lib, systemd units linked by absolute paths) over a
// signed two-module manifest.
struct FakeImage {
  TempDir dir;
  SecretKey sec;
  PublicKey pub;
  std::string a = "module a bytes", b = "module b bytes";
  std::map<std::string, std::string> extra;  // name -> archive entry, replacing defaults
  std::string manifest, sig;

  FakeImage() {
    GenerateKeyPair(&pub, &sec);
    manifest = "modseal-manifest 1\nkernel " + kKver + "\nmodule a kernel/a.ko sha256:" +
               Sha256Hex(a) + " loaded -\nmodule b kernel/b.ko sha256:" + Sha256Hex(b) +
               " loaded a\n";
    WriteText(dir / "m", manifest);
    std::string err;
    REQUIRE(SignManifestFile(dir / "m", sec, 1, &sig, &err));
  }

  std::string Main() const {
    std::map<std::string, std::string> e = {
        {"lib", Link("lib", "usr/lib")},
        {"init", Link("init", "usr/lib/systemd/systemd")},
        {"usr/lib/systemd/systemd", File("usr/lib/systemd/systemd", "\x7f" "ELF", 0755)},
        {"usr/sbin/modseal-hook", File("usr/sbin/modseal-hook", "\x7f" "ELF hook", 0755)},
        {"etc/modseal/hook.conf",
         File("etc/modseal/hook.conf",
              "manifest=/etc/modseal/modules.manifest\npubkey=/etc/modseal/trusted-0.pub\n"
              "policy=enforce\n")},
        {"etc/modseal/modules.manifest", File("etc/modseal/modules.manifest", manifest)},
        {"etc/modseal/modules.manifest.minisig",
         File("etc/modseal/modules.manifest.minisig", sig)},
        {"etc/modseal/trusted-0.pub", File("etc/modseal/trusted-0.pub", FormatPublicKey(pub))},
        {"usr/lib/modules/" + kKver + "/kernel/a.ko",
         File("usr/lib/modules/" + kKver + "/kernel/a.ko", a)},
        {"usr/lib/modules/" + kKver + "/kernel/b.ko",
         File("usr/lib/modules/" + kKver + "/kernel/b.ko", b)},
    };
    for (const char* unit : {"sysinit.target.wants/modseal-load.service",
                             "initrd.target.wants/modseal-lock.service"})
      e[std::string("etc/systemd/system/") + unit] =
          Link(std::string("etc/systemd/system/") + unit,
               std::string("/lib/systemd/system/") + (strchr(unit, '/') + 1));
    for (const char* f : {"usr/lib/systemd/system/modseal-load.service",
                          "usr/lib/systemd/system/modseal-lock.service",
                          "usr/lib/systemd/system/initrd-switch-root.service.d/50-modseal.conf",
                          "usr/lib/systemd/system/emergency.service.d/50-modseal.conf",
                          "usr/lib/dracut/hooks/emergency/00-modseal-emergency.sh"})
      e[f] = File(f, "unit");
    for (const auto& [k, v] : extra) e[k] = v;
    std::string out = Dir(".") + Dir("usr");
    for (const auto& kv : e) out += kv.second;
    return out + Trailer();
  }

  // Early microcode archive, then the main one gzip-compressed: dracut's layout on Debian.
  std::string Image() const {
    return Dir(".") + File("kernel/x86/microcode/GenuineIntel.bin", "ucode") + Trailer() +
           Gzip(Main());
  }

  ImageVerdict Check(const std::vector<PublicKey>& keys = {}, const std::string& kver = "") {
    InitramfsFiles files;
    std::string err;
    INFO(err);
    REQUIRE(ParseInitramfs(Image(), "initrd.img", &files, &err));
    return CheckImage(files, keys, kver);
  }
};

bool HasProblem(const ImageVerdict& v, const std::string& part) {
  for (const std::string& p : v.problems)
    if (p.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("initramfs: archives, padding and every compression dracut writes", "[image]") {
  const std::string main = Dir(".") + File("./etc/a", "one") + Link("lib", "usr/lib") +
                           File("etc/a", "two") + Trailer();
  const std::string early = File("early", "e") + Trailer() + std::string(512, '\0');
  for (const std::string& packed : {main, early + main, early + Gzip(main), early + Xz(main),
                                    early + Zstd(main), Gzip(main) + Gzip(File("z", "") + Trailer())}) {
    InitramfsFiles files;
    std::string err;
    REQUIRE(ParseInitramfs(packed, "img", &files, &err));
    CHECK(files.at("etc/a").data == "two");  // the later entry wins, as in the kernel
    CHECK(IsSymlink(files.at("lib")));
    CHECK(files.at("lib").data == "usr/lib");
    CHECK(files.count(".") == 0);
  }
}

TEST_CASE("initramfs: damaged input is an error naming the offset", "[image]") {
  const std::string main = File("etc/a", "data") + Trailer();
  InitramfsFiles files;
  std::string err;
  CHECK_FALSE(ParseInitramfs(main.substr(0, main.size() - 60), "img", &files, &err));
  CHECK(err == "img: offset " + std::to_string(main.size() - 124) +
                   ": truncated cpio archive (no TRAILER!!!)");
  CHECK_FALSE(ParseInitramfs(main.substr(0, 60), "img", &files, &err));
  CHECK(err.find("truncated") != std::string::npos);
  std::string gz = Gzip(main);
  CHECK_FALSE(ParseInitramfs(gz.substr(0, gz.size() / 2), "img", &files, &err));
  CHECK(err.find("gzip: truncated") != std::string::npos);
  CHECK_FALSE(ParseInitramfs(main + "BZh91AY", "img", &files, &err));
  CHECK(err.find("offset " + std::to_string(main.size()) + ": neither") != std::string::npos);
  CHECK_FALSE(ParseInitramfs(Gzip("070701 not hex at all, long enough to be a header.........."
                                  "....................................................."),
                             "img", &files, &err));
  CHECK_FALSE(ParseInitramfs(Gzip(Gzip(main)), "img", &files, &err));
  CHECK(err.find("not a newc cpio archive") != std::string::npos);
  CHECK_FALSE(ParseInitramfs("", "img", &files, &err));
}

TEST_CASE("check-image: a dracut-like sealed image passes", "[image]") {
  FakeImage img;
  ImageVerdict v = img.Check({img.pub}, kKver);
  INFO((v.problems.empty() ? "" : v.problems[0]));
  CHECK(v.sealed());
  CHECK(v.flavour == "systemd");
  CHECK(v.kernel == kKver);
  CHECK(v.modules == 2);
  CHECK(v.policy == "enforce");
  CHECK(v.key_id == KeyIdText(img.pub.key_id));
}

TEST_CASE("check-image: each way an image fails to seal is named", "[image]") {
  const std::string moddir = "usr/lib/modules/" + kKver;
  SECTION("modseal omitted") {
    FakeImage img;
    img.extra["usr/sbin/modseal-hook"] = Dir("usr/sbin");
    CHECK(HasProblem(img.Check(), "no modseal in the image"));
  }
  SECTION("a unit not enabled") {
    FakeImage img;
    img.extra["etc/systemd/system/initrd.target.wants/modseal-lock.service"] = Dir("x");
    CHECK(HasProblem(img.Check(), "initrd.target.wants/modseal-lock.service is missing"));
  }
  SECTION("shell flavour without the pre-mount hook") {
    FakeImage img;
    img.extra["init"] = File("init", "#!/bin/sh", 0755);
    for (const char* f : {"usr/lib/dracut/hooks/pre-udev/01-modseal-load.sh",
                          "usr/lib/dracut/hooks/pre-pivot/99-modseal-finish.sh"})
      img.extra[f] = File(f, "hook");
    ImageVerdict v = img.Check();
    CHECK(v.flavour == "shell");
    CHECK(v.problems == std::vector<std::string>{
                            "lib/dracut/hooks/pre-mount/99-modseal-lock.sh is missing: the "
                            "shell flavour would not run the hook"});
  }
  SECTION("a module changed by one byte") {
    FakeImage img;
    img.extra[moddir + "/kernel/b.ko"] = File(moddir + "/kernel/b.ko", img.b + "!");
    CHECK(HasProblem(img.Check(), "kernel/b.ko: sha256 differs from the manifest's for b"));
  }
  SECTION("an unlisted module, a listed one missing, another release's tree") {
    FakeImage img;
    img.extra[moddir + "/kernel/a.ko"] = File(moddir + "/kernel/c.ko", img.a);
    img.extra["usr/lib/modules/6.1.0-29-cloud-amd64"] = Dir("usr/lib/modules/6.1.0-29-cloud-amd64");
    ImageVerdict v = img.Check();
    CHECK(HasProblem(v, "kernel/c.ko: a module file the manifest does not list"));
    CHECK(HasProblem(v, "a (kernel/a.ko) is listed but not in the image"));
    CHECK(HasProblem(v, "usr/lib/modules/6.1.0-29-cloud-amd64 is in the image"));
  }
  SECTION("a listed path that is a symlink") {
    FakeImage img;
    img.extra[moddir + "/kernel/b.ko"] = Link(moddir + "/kernel/b.ko", "a.ko");
    CHECK(HasProblem(img.Check(), "kernel/b.ko: a module file the manifest does not list"));
  }
  SECTION("a manifest the image's key did not sign") {
    FakeImage img, other;
    img.extra["etc/modseal/modules.manifest.minisig"] =
        File("etc/modseal/modules.manifest.minisig", other.sig);
    CHECK(HasProblem(img.Check(), "the hook would refuse its manifest: "));
  }
  SECTION("signed, but not by the key given") {
    FakeImage img, other;
    CHECK(HasProblem(img.Check({other.pub}), "not signed by a key you trust"));
  }
  SECTION("an image for another release") {
    FakeImage img;
    CHECK(HasProblem(img.Check({}, "6.12.0-1-cloud-amd64"),
                     "the image is for kernel 6.12.0-1-cloud-amd64, its manifest for"));
  }
  SECTION("a hook.conf the hook rejects") {
    FakeImage img;
    img.extra["etc/modseal/hook.conf"] = File("etc/modseal/hook.conf", "policy=lenient\n");
    CHECK(HasProblem(img.Check(), "etc/modseal/hook.conf:1:"));
  }
}

TEST_CASE("check-image: the release in an image's name", "[image]") {
  CHECK(ReleaseFromImageName("/boot/initrd.img-6.1.0-57-amd64") == "6.1.0-57-amd64");
  CHECK(ReleaseFromImageName("/boot/initramfs-6.12.1.img") == "6.12.1");
  CHECK(ReleaseFromImageName("/tmp/initrd.img") == "");
}
