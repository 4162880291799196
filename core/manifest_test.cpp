#include "manifest.h"

#include "catch.h"

using namespace modseal;

namespace {

const std::string kHash(64, 'a');

std::string Line(const std::string& name, const std::string& why = "loaded",
                 const std::string& deps = "-", const std::string& hash = kHash) {
  return "module " + name + " kernel/" + name + ".ko sha256:" + hash + " " + why + " " + deps +
         "\n";
}

const std::string kHeader = "modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n";

// virtio_ring <- virtio <- virtio_blk, plus an independent autofs4.
const std::string kGood = kHeader + Line("autofs4") +
                          Line("virtio_ring", "needed-by:virtio_blk") +
                          Line("virtio", "needed-by:virtio_blk", "virtio_ring") +
                          Line("virtio_blk", "loaded", "virtio,virtio_ring");

std::string ParseError(const std::string& text) {
  Manifest m;
  std::string err;
  CHECK_FALSE(ParseManifest(text, "m", &m, &err));
  return err;
}

}  // namespace

TEST_CASE("canonical manifest parses and serializes to the same bytes", "[manifest]") {
  Manifest m;
  std::string err;
  REQUIRE(ParseManifest(kGood, "m", &m, &err));
  CHECK(m.kernel == "6.1.0-28-cloud-amd64");
  REQUIRE(m.modules.size() == 4);
  CHECK(m.modules[3].name == "virtio_blk");
  CHECK(m.modules[3].deps == std::vector<std::string>{"virtio", "virtio_ring"});
  CHECK(m.modules[1].reason == Reason::kNeededBy);
  CHECK(m.modules[1].reason_module == "virtio_blk");
  CHECK(SerializeManifest(m) == kGood);
  CHECK(m.Find("virtio-blk") == &m.modules[3]);
}

TEST_CASE("softdeps are written pre:NAME among the deps, sorted by name", "[manifest]") {
  const std::string text = kHeader + Line("crc32c_generic", "softdep-of:ext4") +
                           Line("crc32c_intel", "softdep-of:ext4") + Line("mbcache") +
                           Line("ext4", "loaded", "pre:crc32c_generic,pre:crc32c_intel,mbcache");
  Manifest m;
  std::string err;
  REQUIRE(ParseManifest(text, "m", &m, &err));
  CHECK(m.modules[3].deps == std::vector<std::string>{"mbcache"});
  CHECK(m.modules[3].softdeps == std::vector<std::string>{"crc32c_generic", "crc32c_intel"});
  CHECK(SerializeManifest(m) == text);
}

TEST_CASE("Canonicalize: a dependency both hard and soft is hard", "[manifest]") {
  Manifest m;
  m.kernel = "6.1.0";
  ModuleEntry user{"user", "kernel/u.ko", kHash, Reason::kLoaded, "", {"b"}, {"b", "a", "a"}};
  m.modules = {user,
               {"b", "kernel/b.ko", kHash, Reason::kNeededBy, "user", {}, {}},
               {"a", "kernel/a.ko", kHash, Reason::kSoftdepOf, "user", {}, {}}};
  std::string err;
  REQUIRE(Canonicalize(&m, &err));
  CHECK(m.modules[2].name == "user");
  CHECK(m.modules[2].softdeps == std::vector<std::string>{"a"});
  CHECK(DepsText(m.modules[2]) == "pre:a,b");
}

TEST_CASE("a manifest without modules is valid", "[manifest]") {
  Manifest m;
  std::string err;
  REQUIRE(ParseManifest(kHeader, "m", &m, &err));
  CHECK(m.modules.empty());
}

TEST_CASE("Canonicalize orders by dependencies, ties by name", "[manifest]") {
  Manifest m;
  m.kernel = "6.1.0";
  m.modules = {{"virtio_blk", "kernel/b.ko", kHash, Reason::kLoaded, "", {"virtio_ring", "virtio"}, {}},
               {"virtio", "kernel/v.ko", kHash, Reason::kNeededBy, "virtio_blk", {"virtio_ring"}, {}},
               {"autofs4", "kernel/a.ko", kHash, Reason::kLoaded, "", {}, {}},
               {"virtio_ring", "kernel/r.ko", kHash, Reason::kNeededBy, "virtio_blk", {}, {}}};
  std::string err;
  REQUIRE(Canonicalize(&m, &err));
  std::vector<std::string> order;
  for (const ModuleEntry& e : m.modules) order.push_back(e.name);
  CHECK(order == std::vector<std::string>{"autofs4", "virtio_ring", "virtio", "virtio_blk"});
  CHECK(m.modules[3].deps == std::vector<std::string>{"virtio", "virtio_ring"});
  Manifest reparsed;
  CHECK(ParseManifest(SerializeManifest(m), "m", &reparsed, &err));
}

TEST_CASE("Canonicalize names the modules of a cycle", "[manifest]") {
  Manifest m;
  m.kernel = "6.1.0";
  m.modules = {{"a", "kernel/a.ko", kHash, Reason::kLoaded, "", {"b"}, {}},
               {"b", "kernel/b.ko", kHash, Reason::kLoaded, "", {"a"}, {}},
               {"c", "kernel/c.ko", kHash, Reason::kLoaded, "", {}, {}}};
  std::string err;
  CHECK_FALSE(Canonicalize(&m, &err));
  CHECK(err == "dependency cycle among: a, b");
}

TEST_CASE("parser rejects each malformed input with file:line and the problem", "[manifest]") {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "m:1: empty file"},
      {"hello\n", "m:1: not a modseal manifest"},
      {"modseal-manifest 2\nkernel 6.1\n", "m:1: unsupported manifest version \"2\""},
      {"modseal-manifest 1\n", "m:2: missing \"kernel RELEASE\" line"},
      {"modseal-manifest 1\nkernel 6.1", "m:2: missing newline at end of file"},
      {"modseal-manifest 1\r\nkernel 6.1\n", "m:1: carriage return"},
      {"modseal-manifest 1\nkernel 6.1/../x\n", "m:2: invalid kernel release"},
      {"modseal-manifest 1\nkern 6.1\n", "m:2: expected \"kernel RELEASE\""},
      {kHeader + "modul x\n", "m:3: expected \"module NAME PATH"},
      {kHeader + Line("a") + Line("a"), "m:4: duplicate module \"a\" (first on line 3)"},
      {kHeader + "module a /lib/a.ko sha256:" + kHash + " loaded -\n", "m:3: invalid module path"},
      {kHeader + "module a kernel/../a.ko sha256:" + kHash + " loaded -\n",
       "m:3: invalid module path"},
      {kHeader + "module a kernel/a.txt sha256:" + kHash + " loaded -\n",
       "m:3: invalid module path"},
      {kHeader + Line("a;b"), "m:3: invalid module name \"a;b\""},
      {kHeader + Line("a-b"), "m:3: module name \"a-b\" is not in the kernel's form"},
      {kHeader + Line("a", "loaded", "-", std::string(63, 'a')), "m:3: malformed sha256 hash"},
      {kHeader + Line("a", "loaded", "-", std::string(64, 'A')), "m:3: malformed sha256 hash"},
      {kHeader + "module a kernel/a.ko md5:" + kHash + " loaded -\n",
       "m:3: hash must start with \"sha256:\""},
      {kHeader + Line("a", "because"), "m:3: unknown reason \"because\""},
      {kHeader + Line("a", "loaded:b"), "m:3: unknown reason \"loaded:b\""},
      {kHeader + Line("a", "needed-by"), "m:3: unknown reason \"needed-by\""},
      {kHeader + Line("a", "needed-by:"), "m:3: invalid module name in reason \"needed-by:\""},
      {kHeader + Line("a", "softdep-of:x-y"), "m:3: invalid module name in reason"},
      {kHeader + Line("a", "needed-by:zz"), "m:3: reason names module \"zz\", which is not listed"},
      {kHeader + Line("a", "loaded", "b"), "m:3: dependency \"b\" of a is not listed before it"},
      {kHeader + Line("b") + Line("a", "loaded", "b,b"),
       "m:4: dependencies must be sorted by name and unique"},
      {kHeader + Line("a") + Line("b") + Line("c", "loaded", "pre:b,a"),
       "m:5: dependencies must be sorted by name and unique (\"a\" after \"b\")"},
      {kHeader + Line("a") + Line("c", "loaded", "a,pre:a"),
       "m:4: dependencies must be sorted by name and unique"},
      {kHeader + Line("a", "loaded", "pre:"), "m:3: invalid dependency name \"pre:\""},
      {kHeader + Line("a", "loaded", "post:b"), "m:3: invalid dependency name \"post:b\""},
      {kHeader + Line("a", "loaded", "pre:b"), "m:3: dependency \"b\" of a is not listed"},
      {kHeader + Line("a", "loaded", "a"), "m:3: module a depends on itself"},
      {kHeader + Line("b") + Line("a"), "m:3: module b is out of canonical order (expected a here)"},
      {kHeader + "module  a kernel/a.ko sha256:" + kHash + " loaded -\n",
       "m:3: expected 5 single-space-separated fields"},
      {kHeader + Line("a").substr(0, Line("a").size() - 1) + " \n",
       "m:3: expected 5 single-space-separated fields"},
      {kHeader + "module a kernel/" + std::string(4200, 'x') + ".ko sha256:" + kHash +
           " loaded -\n",
       "m:3: line longer than 4096 bytes"},
  };
  for (const Case& c : cases) {
    INFO("input: " << c.text.substr(0, 200));
    std::string err = ParseError(c.text);
    CHECK(err.substr(0, c.error.size()) == c.error);
  }
}

TEST_CASE("parser bounds the file size", "[manifest]") {
  std::string big = kHeader + std::string(kManifestMaxBytes, '#');
  CHECK(ParseError(big) == "m:1: manifest larger than 4194304 bytes");
}

TEST_CASE("name, path and release validators", "[manifest]") {
  CHECK(IsValidModuleName("nf_conntrack"));
  CHECK(IsValidModuleName("usb-storage"));
  CHECK_FALSE(IsValidModuleName(""));
  CHECK_FALSE(IsValidModuleName(std::string(56, 'a')));
  CHECK_FALSE(IsValidModuleName("a.b"));
  CHECK(IsValidModulePath("kernel/arch/x86/crypto/crc32c-intel.ko"));
  CHECK(IsValidModulePath("updates/dkms/zfs.ko.zst"));
  CHECK_FALSE(IsValidModulePath("kernel//a.ko"));
  CHECK_FALSE(IsValidModulePath("./a.ko"));
  CHECK_FALSE(IsValidModulePath(".ko"));
  CHECK_FALSE(IsValidModulePath("a.ko.bz2"));
  CHECK(IsValidKernelRelease("6.1.0-28-cloud-amd64"));
  CHECK_FALSE(IsValidKernelRelease("6.1 0"));
  CHECK(NormalizeModuleName("usb-storage") == "usb_storage");
}

TEST_CASE("which module a command line word sets a parameter for", "[manifest]") {
  CHECK(modseal::CommandLineParameterModule("virtio-blk.queue_depth=4") == "virtio_blk");
  CHECK(modseal::CommandLineParameterModule("net.ifnames=0") == "net");
  for (const char* word : {"quiet", "root=/dev/vda", "rd.luks.uuid=x", "systemd.unit=a",
                           ".x=1", "a.b", "root=a.b", "a/b.c=1"})
    CHECK(modseal::CommandLineParameterModule(word).empty());
}
