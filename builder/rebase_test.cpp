// rebase between two small text trees: the old release and a new one where one module was
// renamed (the new one carries the old name as an alias), one became built in, one gained a
// dependency, one is gone.
#include "rebase.h"

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

const char kOld[] = R"(
kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko
kernel/fs/jbd2/jbd2.ko:
kernel/drivers/net/oldnic.ko:
kernel/drivers/virtio/virtio_pci.ko:
kernel/drivers/net/dummy.ko:
kernel/drivers/misc/gone.ko:
)";

// oldnic became newnic (alias oldnic); virtio_pci is built in; jbd2 now needs crc16;
// gone is gone.
const char kNew[] = R"(
kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko
kernel/fs/jbd2/jbd2.ko: kernel/lib/crc16.ko
kernel/lib/crc16.ko:
kernel/drivers/net/newnic.ko:
kernel/drivers/net/dummy.ko:
alias oldnic newnic
builtin kernel/drivers/virtio/virtio_pci.ko
)";

struct Trees {
  TempDir dir;
  FakeModuleTree old_tree{dir / "old/lib/modules/6.1.0-1-test", kOld};
  FakeModuleTree new_tree{dir / "new/lib/modules/6.12.0-1-test", kNew};
  Manifest old, rebased;
  RebaseOptions options;
  RebaseReport report;
  std::string err;

  explicit Trees(const std::vector<std::string>& loaded, const std::vector<std::string>& add = {}) {
    std::string text;
    for (const std::string& name : loaded) text += name + " 16384 0 - Live 0x0000000000000000\n";
    WriteText(dir / "modules", text);
    CaptureOptions capture;
    capture.root = dir / "old";
    capture.kver = "6.1.0-1-test";
    capture.loaded_file = dir / "modules";
    capture.add = add;
    CaptureReport captured;
    REQUIRE(CaptureFrom(old_tree, capture, &old, &captured, &err));
    options.root = dir / "new";
    options.kver = "6.12.0-1-test";
  }
  bool Run() { return RebaseFrom(new_tree, old, "node.manifest", options, &rebased, &report, &err); }
  bool Said(const std::string& needle) const {
    for (const auto* lines : {&report.roots, &report.changes})
      for (const std::string& l : *lines)
        if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("rebase: roots found again by name or alias; deps and hashes of the new tree",
          "[rebase]") {
  Trees t({"ext4", "oldnic", "virtio_pci"}, {"dummy"});
  REQUIRE(t.Run());
  INFO(t.err);
  CHECK(t.rebased.kernel == "6.12.0-1-test");
  REQUIRE(t.rebased.Find("newnic"));
  CHECK(ReasonText(*t.rebased.Find("newnic")) == "loaded");
  CHECK(ReasonText(*t.rebased.Find("dummy")) == "added");  // the reason carries over
  CHECK_FALSE(t.rebased.Find("oldnic"));
  CHECK_FALSE(t.rebased.Find("virtio_pci"));
  REQUIRE(t.rebased.Find("crc16"));
  for (const ModuleEntry& m : t.rebased.modules)
    CHECK(m.sha256 == Sha256Hex(modseal_test::ReadText(t.new_tree.directory() + "/" + m.path)));
  CHECK(t.Said("oldnic (loaded): renamed, now newnic (alias oldnic)"));
  CHECK(t.Said("virtio_pci (loaded): built into 6.12.0-1-test, nothing to load"));
  CHECK(t.Said("+ crc16 (needed-by:"));
  CHECK(t.Said("- oldnic (loaded)"));
  CHECK(t.report.carried == 3);  // ext4, jbd2, dummy
}

TEST_CASE("rebase: a root the new tree lacks is an error naming it, unless allowed",
          "[rebase]") {
  Trees t({"ext4", "gone"});
  CHECK_FALSE(t.Run());
  CHECK(t.err.find("node.manifest: gone not found in ") != std::string::npos);
  CHECK(t.err.find("--allow-missing") != std::string::npos);
  t.options.allow_missing = true;
  t.report = RebaseReport{};
  REQUIRE(t.Run());
  CHECK_FALSE(t.rebased.Find("gone"));
  CHECK(t.Said("gone (loaded): not in "));
  CHECK(t.Said("left out (--allow-missing)"));
}

TEST_CASE("rebase: onto the same tree, nothing joins or leaves", "[rebase]") {
  Trees t({"ext4", "dummy"});
  FakeModuleTree same{t.dir / "same/lib/modules/6.1.0-1-test", kOld};
  t.options.kver = "6.1.0-1-test";
  REQUIRE(RebaseFrom(same, t.old, "node.manifest", t.options, &t.rebased, &t.report, &t.err));
  CHECK(t.report.roots.empty());
  CHECK(t.report.changes.empty());
  CHECK(t.report.carried == t.old.modules.size());
}

TEST_CASE("rebase: --add brings in what the old kernel had built in", "[rebase]") {
  Trees t({"dummy"});
  t.options.add = {"crc16", "virtio_pci"};
  REQUIRE(t.Run());
  REQUIRE(t.rebased.Find("crc16"));
  CHECK(ReasonText(*t.rebased.Find("crc16")) == "added");
  CHECK(t.Said("+ crc16 (added)"));
  CHECK(t.Said("virtio_pci (--add): built into 6.12.0-1-test, nothing to load"));
  t.options.add = {"nosuchmodule"};
  t.report = RebaseReport{};
  CHECK_FALSE(t.Run());
  CHECK(t.err.find("nosuchmodule") != std::string::npos);
}
