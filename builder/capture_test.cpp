// Capture against a real Debian cloud kernel tree (scripts/fetch-kernel, CTest fixture).
#include "capture.h"

#include <algorithm>
#include <cstdlib>
#include "catch.h"
#include <map>

#include "test_util.h"

using namespace modseal;
using modseal_test::Run;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

// MODSEAL_TEST_KERNEL names another scripts/fetch-kernel flavour (trixie, say): what these
// tests assert holds on any Debian kernel, never one release's counts.
std::string Flavour() {
  const char* f = getenv("MODSEAL_TEST_KERNEL");
  return f && *f ? f : "cloud";
}

struct Kernel {
  std::string root = MODSEAL_KERNELS "/" + Flavour() + "/root";
  std::string kver = modseal_test::ReadText(MODSEAL_KERNELS "/" + Flavour() + "/kver");
  Kernel() {
    while (!kver.empty() && kver.back() == '\n') kver.pop_back();
    REQUIRE_FALSE(kver.empty());
  }
};

CaptureOptions Options(const Kernel& k, const std::string& loaded) {
  CaptureOptions o;
  o.root = k.root;
  o.loaded_file = loaded;
  return o;
}

bool CaptureOk(const CaptureOptions& o, Manifest* m, CaptureReport* report = nullptr) {
  CaptureReport local;
  std::string err;
  bool ok = Capture(o, m, report ? report : &local, &err);
  INFO(err);
  CHECK(ok);
  return ok;
}

const std::string kFixture = MODSEAL_FIXTURES "/k8s-node.proc-modules";

}  // namespace

// modules.dep as text, read without libkmod: module name -> its dependencies' names.
std::map<std::string, std::vector<std::string>> DepsFromText(const Kernel& k) {
  auto name = [](std::string path) {
    path = path.substr(path.rfind('/') + 1);
    path = path.substr(0, path.find(".ko"));
    std::replace(path.begin(), path.end(), '-', '_');
    return path;
  };
  std::map<std::string, std::vector<std::string>> deps;
  const std::string text = modseal_test::ReadText(k.root + "/lib/modules/" + k.kver + "/modules.dep");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::vector<std::string>& d = deps[name(line.substr(0, colon))];
    size_t pos = colon + 1;
    while (pos < line.size()) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      const size_t stop = std::min(line.find(' ', pos), line.size());
      if (stop > pos) d.push_back(name(line.substr(pos, stop - pos)));
      pos = stop;
    }
    std::sort(d.begin(), d.end());
  }
  return deps;
}

TEST_CASE("capture resolves dependencies and orders them first", "[kernel]") {
  Kernel k;
  Manifest m;
  REQUIRE(CaptureOk(Options(k, kFixture), &m));
  CHECK(m.kernel == k.kver);
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < m.modules.size(); ++i) position[m.modules[i].name] = i;
  const auto text_deps = DepsFromText(k);
  for (const ModuleEntry& e : m.modules) {
    INFO(e.name);
    // Exactly modules.dep's dependencies, each one in the manifest and loaded first.
    REQUIRE(text_deps.count(e.name));
    std::vector<std::string> deps = e.deps;
    std::sort(deps.begin(), deps.end());
    CHECK(deps == text_deps.at(e.name));
    for (const std::string& dep : e.deps) CHECK(position.at(dep) < position.at(e.name));
    for (const std::string& dep : e.softdeps) CHECK(position.at(dep) < position.at(e.name));
    // A module there only as a dependency names a user that needs it.
    const std::string reason = ReasonText(e);
    if (reason.rfind("needed-by:", 0) == 0) {
      const ModuleEntry* user = m.Find(reason.substr(10));
      REQUIRE(user);
      CHECK(std::count(user->deps.begin(), user->deps.end(), e.name) == 1);
    }
  }
  std::string err;
  Manifest reparsed;
  CHECK(ParseManifest(SerializeManifest(m), "capture", &reparsed, &err));
}

TEST_CASE("capture follows pre: softdeps through aliases and skips built-ins", "[kernel]") {
  Kernel k;
  Manifest m;
  CaptureReport report;
  REQUIRE(CaptureOk(Options(k, kFixture), &m, &report));
  // modinfo libcrc32c: softdep pre: crc32c; crc32c_generic is built in, crc32c-intel is not.
  const ModuleEntry* intel = m.Find("crc32c_intel");
  REQUIRE(intel);
  CHECK(ReasonText(*intel) == "softdep-of:libcrc32c");
  CHECK(m.Find("libcrc32c")->deps.empty());
  CHECK(m.Find("libcrc32c")->softdeps == std::vector<std::string>{"crc32c_intel"});
  CHECK_FALSE(m.Find("crc32c_generic"));
}

TEST_CASE("recorded hashes equal sha256sum of the installed files", "[kernel]") {
  Kernel k;
  Manifest m;
  REQUIRE(CaptureOk(Options(k, kFixture), &m));
  for (const ModuleEntry& e : m.modules) {
    std::string file = k.root + "/lib/modules/" + k.kver + "/" + e.path;
    CHECK(Run("sha256sum '" + file + "' | cut -d' ' -f1") == e.sha256);
  }
}

TEST_CASE("lsmod output captures the same manifest as /proc/modules", "[kernel]") {
  Kernel k;
  Manifest a, b;
  REQUIRE(CaptureOk(Options(k, kFixture), &a));
  REQUIRE(CaptureOk(Options(k, MODSEAL_FIXTURES "/k8s-node.lsmod"), &b));
  CHECK(SerializeManifest(a) == SerializeManifest(b));
}

TEST_CASE("a loaded module missing from the tree is named, or left out on request",
          "[kernel]") {
  Kernel k;
  TempDir dir;
  WriteText(dir / "loaded", modseal_test::ReadText(kFixture) +
                                "vboxguest 417792 2 vboxsf, Live 0xffffffffc0400000\n");
  CaptureOptions o = Options(k, dir / "loaded");
  Manifest m;
  CaptureReport report;
  std::string err;
  CHECK_FALSE(Capture(o, &m, &report, &err));
  CHECK(err == "module vboxguest (loaded according to " + dir / "loaded" + ") is not in " +
                   Run("realpath " + k.root + "/lib/modules/" + k.kver) +
                   " (--allow-missing to leave it out)");
  o.allow_missing = true;
  REQUIRE(CaptureOk(o, &m, &report));
  CHECK_FALSE(m.Find("vboxguest"));
  REQUIRE(report.warnings.size() == 1);
  CHECK(report.warnings[0].find("module vboxguest") == 0);
}

TEST_CASE("--add brings dependencies, --drop removes what only it needed", "[kernel]") {
  Kernel k;
  CaptureOptions o = Options(k, kFixture);
  o.add = {"sctp", "ext4"};
  o.drop = {"veth", "iptable_nat"};
  Manifest m;
  CaptureReport report;
  REQUIRE(CaptureOk(o, &m, &report));
  REQUIRE(m.Find("sctp"));
  CHECK(ReasonText(*m.Find("sctp")) == "added");
  CHECK(ReasonText(*m.Find("udp_tunnel")) == "needed-by:sctp");
  CHECK_FALSE(m.Find("veth"));
  CHECK_FALSE(m.Find("iptable_nat"));
  CHECK(m.Find("nf_nat"));  // still loaded on the host in its own right
  CHECK(std::count(report.builtin.begin(), report.builtin.end(), "ext4") == 1);
  CHECK_FALSE(m.Find("ext4"));
}

TEST_CASE("--drop of a module others need is refused", "[kernel]") {
  Kernel k;
  CaptureOptions o = Options(k, kFixture);
  o.drop = {"x_tables"};
  Manifest m;
  CaptureReport report;
  std::string err;
  CHECK_FALSE(Capture(o, &m, &report, &err));
  CHECK(err == "cannot drop x_tables: ip_tables needs it");
}

TEST_CASE("--add of an unknown module and a tree without indexes are clear errors",
          "[kernel]") {
  Kernel k;
  CaptureOptions o = Options(k, kFixture);
  o.add = {"no_such_module"};
  Manifest m;
  CaptureReport report;
  std::string err;
  CHECK_FALSE(Capture(o, &m, &report, &err));
  CHECK(err.find("--add no_such_module: no such module or alias in ") == 0);

  TempDir dir;
  Run("mkdir -p " + dir / "lib/modules/6.1.0-1-cloud-amd64");
  o = Options(k, kFixture);
  o.root = dir.path();
  CHECK_FALSE(Capture(o, &m, &report, &err));
  CHECK(err == dir / "lib/modules/6.1.0-1-cloud-amd64/modules.dep" +
                   ": No such file or directory (is this a module tree? run: depmod -b ROOT "
                   "KVER)");
}

TEST_CASE("capture refuses what a reference host should not have loaded", "[kernel]") {
  Kernel k;
  TempDir dir;
  // An unprivileged socket(AF_INET, ..., IPPROTO_SCTP) auto-loaded sctp; an out-of-tree,
  // unsigned module (OE) was insmodded. Both would be sealed in for good.
  WriteText(dir / "loaded", "sctp 413696 2 - Live 0xffffffffc0a00000\n"
                            "dummy 16384 0 - Live 0xffffffffc0b00000 (OE)\n"
                            "virtio_blk 20480 2 - Live 0xffffffffc0123000\n");
  CaptureOptions o = Options(k, dir / "loaded");
  Manifest m;
  CaptureReport report;
  std::string err;
  CHECK_FALSE(Capture(o, &m, &report, &err));
  CHECK(err.find(dir / "loaded" + ": refusing to seal in what the reference host should not "
                 "have loaded") == 0);
  CHECK(err.find("loaded module sctp is on the CIS deny list") != std::string::npos);
  CHECK(err.find("loaded module dummy is tainted (OE: out-of-tree, unsigned)") !=
        std::string::npos);
  CHECK(err.find("virtio_blk") == std::string::npos);
  SECTION("each named with --add or --drop") {
    o.add = {"sctp"};
    o.drop = {"dummy"};
    REQUIRE(CaptureOk(o, &m, &report));
    CHECK(m.Find("sctp"));
    CHECK_FALSE(m.Find("dummy"));
    CHECK(report.warnings.empty());
  }
  SECTION("--allow-risky keeps them with a warning") {
    o.allow_risky = true;
    REQUIRE(CaptureOk(o, &m, &report));
    CHECK(m.Find("sctp"));
    CHECK(m.Find("dummy"));
    CHECK(report.warnings.size() == 2);
  }
}

TEST_CASE("risk of a loaded module: CIS list and taint letters", "[capture]") {
  CHECK(RiskOfLoaded("virtio_blk", "").empty());
  CHECK(RiskOfLoaded("virtio_blk", "P").empty());  // proprietary alone: no O/E/F
  CHECK(RiskOfLoaded("usb_storage", "") ==
        "is on the CIS deny list (auto-loaded by an unprivileged socket() or mount)");
  CHECK(RiskOfLoaded("nvidia", "POE") == "is tainted (POE: out-of-tree, unsigned)");
  CHECK(RiskOfLoaded("x", "F") == "is tainted (F: force-loaded)");
}
