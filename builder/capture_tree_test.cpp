// Capture's logic against small trees described in text (fake_module_tree.h): no kernel
// download, and nothing that a Debian kernel update could change.
#include "capture.h"

#include <algorithm>
#include "catch.h"
#include <string>

#include "fake_module_tree.h"
#include "sha256.h"
#include "test_util.h"

using namespace modseal;
using modseal_test::FakeModuleTree;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

const char kKver[] = "6.1.0-0-test-amd64";

// ext4 needs jbd2 and crc16, jbd2 needs crc16; ext4's softdep crc32c comes through an
// alias; mbcache is built in; sctp needs udp_tunnel; dummy stands alone.
const char kTree[] = R"(
kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko
kernel/fs/jbd2/jbd2.ko: kernel/lib/crc16.ko
kernel/lib/crc16.ko:
kernel/crypto/crc32c_generic.ko:
kernel/net/sctp/sctp.ko: kernel/net/ipv4/udp_tunnel.ko
kernel/net/ipv4/udp_tunnel.ko:
kernel/drivers/net/dummy.ko:
kernel/drivers/usb/storage/usb-storage.ko:
alias crypto-crc32c crc32c_generic
alias net-pf-132 sctp
softdep ext4 pre: crypto-crc32c mbcache
builtin kernel/fs/mbcache.ko
)";

struct Tree {
  TempDir dir;
  FakeModuleTree tree{dir / "lib/modules/6.1.0-0-test-amd64", kTree};
  CaptureOptions options;
  CaptureReport report;
  Manifest manifest;
  std::string err;

  // loaded: /proc/modules lines for these names (with a taint, "name:OE").
  explicit Tree(const std::vector<std::string>& loaded) {
    std::string text;
    for (const std::string& entry : loaded) {
      const size_t colon = entry.find(':');
      const std::string name = entry.substr(0, colon);
      const std::string taint = colon == std::string::npos ? "" : " (" + entry.substr(colon + 1) + ")";
      text += name + " 16384 0 - Live 0x0000000000000000" + taint + "\n";
    }
    WriteText(dir / "modules", text);
    options.root = dir.path();
    options.kver = kKver;
    options.loaded_file = dir / "modules";
  }
  bool Run() { return CaptureFrom(tree, options, &manifest, &report, &err); }
  const ModuleEntry* Find(const std::string& name) const { return manifest.Find(name); }
  size_t Position(const std::string& name) const {
    for (size_t i = 0; i < manifest.modules.size(); ++i)
      if (manifest.modules[i].name == name) return i;
    return manifest.modules.size();
  }
};

}  // namespace

TEST_CASE("text tree: capture lists every dependency before its users, with the reason", "[capture]") {
  Tree t({"ext4", "dummy"});
  REQUIRE(t.Run());
  INFO(t.err);
  for (const ModuleEntry& m : t.manifest.modules)
    for (const std::string& dep : m.deps) CHECK(t.Position(dep) < t.Position(m.name));
  REQUIRE(t.Find("jbd2"));
  CHECK(ReasonText(*t.Find("jbd2")) == "needed-by:ext4");
  CHECK(ReasonText(*t.Find("ext4")) == "loaded");
  CHECK(t.Find("ext4")->deps == std::vector<std::string>{"crc16", "jbd2"});
  CHECK(t.manifest.kernel == kKver);
}

TEST_CASE("text tree: capture follows pre: softdeps through aliases and skips built-ins", "[capture]") {
  Tree t({"ext4"});
  REQUIRE(t.Run());
  REQUIRE(t.Find("crc32c_generic"));
  CHECK(ReasonText(*t.Find("crc32c_generic")) == "softdep-of:ext4");
  CHECK(t.Find("ext4")->softdeps == std::vector<std::string>{"crc32c_generic"});
  CHECK(t.Position("crc32c_generic") < t.Position("ext4"));
  CHECK_FALSE(t.Find("mbcache"));  // a built-in softdep is not loaded, as with modprobe
}

TEST_CASE("text tree: each recorded hash is the SHA-256 of the module's file", "[capture]") {
  Tree t({"sctp"});
  t.options.add = {"sctp"};  // asked for by name: not refused as CIS-listed
  REQUIRE(t.Run());
  for (const ModuleEntry& m : t.manifest.modules)
    CHECK(m.sha256 == Sha256Hex(modseal_test::ReadText(t.tree.directory() + "/" + m.path)));
  CHECK(t.Find("udp_tunnel"));
}

TEST_CASE("text tree: --add takes names and aliases; unknown ones are errors", "[capture]") {
  Tree t({});
  SECTION("an alias") {
    t.options.add = {"net-pf-132"};
    REQUIRE(t.Run());
    CHECK(ReasonText(*t.Find("sctp")) == "added");
    CHECK(t.Find("udp_tunnel"));
  }
  SECTION("a name given in file form") {
    t.options.add = {"usb-storage"};
    REQUIRE(t.Run());
    CHECK(t.Find("usb_storage"));
  }
  SECTION("a built-in") {
    t.options.add = {"mbcache"};
    REQUIRE(t.Run());
    CHECK(t.manifest.modules.empty());
    CHECK(t.report.builtin == std::vector<std::string>{"mbcache"});
  }
  SECTION("nothing of that name") {
    t.options.add = {"nosuch"};
    CHECK_FALSE(t.Run());
    CHECK(t.err == "--add nosuch: no such module or alias in " + t.tree.directory());
  }
}

TEST_CASE("text tree: a loaded module missing from the tree is named, or left out on request",
          "[capture]") {
  Tree t({"dummy", "vboxguest"});
  CHECK_FALSE(t.Run());
  CHECK(t.err.find("module vboxguest (loaded according to " + t.options.loaded_file +
                   ") is not in " + t.tree.directory() + " (--allow-missing to leave it out)") !=
        std::string::npos);
  t.options.allow_missing = true;
  REQUIRE(t.Run());
  CHECK(t.Find("dummy"));
  CHECK_FALSE(t.Find("vboxguest"));
  CHECK(t.report.warnings.size() == 1);
}

TEST_CASE("text tree: --drop leaves a module out, never one another module needs", "[capture]") {
  Tree t({"ext4", "dummy"});
  t.options.drop = {"dummy"};
  REQUIRE(t.Run());
  CHECK_FALSE(t.Find("dummy"));
  Tree needed({"ext4"});
  needed.options.drop = {"jbd2"};
  CHECK_FALSE(needed.Run());
  CHECK(needed.err == "cannot drop jbd2: ext4 needs it");
}

TEST_CASE("text tree: capture refuses what a reference host should not have loaded", "[capture]") {
  Tree t({"dummy", "sctp", "crc16:OE"});
  CHECK_FALSE(t.Run());
  CHECK(t.err.find("loaded module sctp is on the CIS deny list") != std::string::npos);
  CHECK(t.err.find("loaded module crc16 is tainted (OE: out-of-tree, unsigned)") !=
        std::string::npos);
  SECTION("--allow-risky keeps them, with warnings") {
    t.options.allow_risky = true;
    REQUIRE(t.Run());
    CHECK(t.Find("sctp"));
    CHECK(t.report.warnings.size() == 2);
  }
  SECTION("--add keeps the one named, --drop leaves one out") {
    t.options.add = {"sctp"};
    t.options.drop = {"crc16"};
    REQUIRE(t.Run());
    CHECK(t.Find("sctp"));
    CHECK_FALSE(t.Find("crc16"));
  }
}

TEST_CASE("text tree: a module file outside the tree's directory is refused", "[capture]") {
  Tree t({"dummy"});
  t.tree.MisplaceFile("dummy", t.dir / "elsewhere/dummy.ko");
  CHECK_FALSE(t.Run());
  CHECK(t.err == "module file " + t.dir / "elsewhere/dummy.ko" + " is not a plain path inside " +
                     t.tree.directory());
}

TEST_CASE("text tree: an invalid kernel release is refused before anything is read", "[capture]") {
  Tree t({"dummy"});
  t.options.kver = "6.1/../../etc";
  CHECK_FALSE(t.Run());
  CHECK(t.err == "invalid kernel release \"6.1/../../etc\"");
}
