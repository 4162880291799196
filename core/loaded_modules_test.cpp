#include "loaded_modules.h"

#include "catch.h"

#include "test_util.h"

using namespace modseal;

namespace {

std::vector<std::string> Names(std::string_view text, LoadedFormat format, std::string* err) {
  std::vector<LoadedModule> modules;
  if (!ParseLoadedModules(text, "f", format, &modules, err)) return {"(error)"};
  return ModuleNames(modules);
}

const LoadedFormat kProc = LoadedFormat::kProcModules;
const LoadedFormat kSaved = LoadedFormat::kProcModulesOrLsmod;

}  // namespace

TEST_CASE("/proc/modules and lsmod output give the same names", "[loaded]") {
  std::vector<LoadedModule> proc, lsmod;
  std::string err;
  REQUIRE(ReadLoadedModules(MODSEAL_FIXTURES "/k8s-node.proc-modules", kProc, &proc, &err));
  REQUIRE(ReadLoadedModules(MODSEAL_FIXTURES "/k8s-node.lsmod", kSaved, &lsmod, &err));
  CHECK(ModuleNames(proc) == ModuleNames(lsmod));
  REQUIRE(proc.size() == 25);
  CHECK(proc.front().name == "xt_LOG");
  CHECK(proc.back().name == "autofs4");
  // The live list is never read as lsmod output.
  CHECK_FALSE(ReadLoadedModules(MODSEAL_FIXTURES "/k8s-node.lsmod", kProc, &lsmod, &err));
  CHECK(err.rfind(MODSEAL_FIXTURES "/k8s-node.lsmod:1: not a /proc/modules line", 0) == 0);
}

TEST_CASE("a module named like lsmod's header is audited, never skipped", "[loaded]") {
  // /proc/modules lists the newest module first: an unlisted "ModuleSize" loaded last.
  const std::string live = "ModuleSize 16384 0 - Live 0x0000000000000000\n"
                           "virtio_blk 20480 2 - Live 0xffffffffc0123000\n";
  std::string err;
  CHECK(Names(live, kProc, &err) == std::vector<std::string>{"ModuleSize", "virtio_blk"});
  CHECK(Names(live, kSaved, &err) == std::vector<std::string>{"ModuleSize", "virtio_blk"});
  // Only the exact header makes a saved list lsmod output.
  CHECK(Names("Module_x 16384 0 Size_y, Live 0x0\n", kSaved, &err) ==
        std::vector<std::string>{"Module_x"});
  CHECK(Names("Module Size Used by\nusb-storage 1 0\n", kSaved, &err) ==
        std::vector<std::string>{"usb_storage"});
}

TEST_CASE("/proc/modules: every field is checked, taint letters kept", "[loaded]") {
  std::vector<LoadedModule> m;
  std::string err;
  REQUIRE(ParseLoadedModules("evil 16384 0 - Live 0xffffffffc0000000 (OE)\n"
                             "going 16384 0 a,[permanent], Unloading 0x0 (-)\n"
                             "nounload 16384 - - Live 0x0\n",
                             "f", kProc, &m, &err));
  CHECK(m[0].taint == "OE");
  CHECK(m[1].taint.empty());
  CHECK(m[2].name == "nounload");
  for (const char* bad : {"a 1 0 - Live\n", "a 1 0 - Live 0x0 (OE) x\n", "a  1 0 - Live 0x0\n",
                          "a 1 0 - Gone 0x0\n", "a 1 0 b Live 0x0\n", "a 1 0 - Live 123\n",
                          "a x 0 - Live 0x0\n", "a 1 0 - Live 0x0 OE\n", "\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseLoadedModules(bad, "f", kProc, &m, &err));
    CHECK(err.rfind("f:1: not a /proc/modules line", 0) == 0);
  }
}

TEST_CASE("loaded-module lists: errors name file and line", "[loaded]") {
  std::string err;
  CHECK(Names("", kProc, &err).empty());
  CHECK(Names("a 1 0 - Live 0x0\nb 1 0\n", kSaved, &err) == std::vector<std::string>{"(error)"});
  CHECK(err == "f:2: not a /proc/modules line (3 fields, not 6 or 7)");
  CHECK(Names("Module Size Used by\nx y 0\n", kSaved, &err) == std::vector<std::string>{"(error)"});
  CHECK(err == "f:2: not a lsmod line");
  Names("a/b 1 0 - Live 0x0\n", kProc, &err);
  CHECK(err == "f:1: invalid module name \"a/b\"");
  Names("a 1 0 - Live 0x0\na 1 0 - Live 0x0\n", kProc, &err);
  CHECK(err == "f:2: module a listed twice");
}
