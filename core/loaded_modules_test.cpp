#include "loaded_modules.h"

#include <catch2/catch.hpp>

#include "test_util.h"

using namespace modseal;

TEST_CASE("/proc/modules and lsmod output give the same names", "[loaded]") {
  std::vector<std::string> proc, lsmod;
  std::string err;
  REQUIRE(ReadLoadedModules(MODSEAL_FIXTURES "/k8s-node.proc-modules", &proc, &err));
  REQUIRE(ReadLoadedModules(MODSEAL_FIXTURES "/k8s-node.lsmod", &lsmod, &err));
  CHECK(proc == lsmod);
  REQUIRE(proc.size() == 25);
  CHECK(proc.front() == "xt_LOG");
  CHECK(proc.back() == "autofs4");
}

TEST_CASE("loaded-module lists: errors name file and line", "[loaded]") {
  std::vector<std::string> names;
  std::string err;
  CHECK(ParseLoadedModules("", "f", &names, &err));
  CHECK(names.empty());
  CHECK_FALSE(ParseLoadedModules("a 1 0 - Live 0x0\nb 1 0\n", "f", &names, &err));
  CHECK(err == "f:2: not a /proc/modules line");
  CHECK_FALSE(ParseLoadedModules("Module Size Used by\nx y 0\n", "f", &names, &err));
  CHECK(err == "f:2: not a lsmod line");
  CHECK_FALSE(ParseLoadedModules("a/b 1 0 - Live 0x0\n", "f", &names, &err));
  CHECK(err == "f:1: invalid module name \"a/b\"");
  CHECK_FALSE(ParseLoadedModules("a 1 0 - Live 0x0\na 1 0 - Live 0x0\n", "f", &names, &err));
  CHECK(err == "f:2: module a listed twice");
  REQUIRE(ParseLoadedModules("Module Size Used by\nusb-storage 1 0\n", "f", &names, &err));
  CHECK(names == std::vector<std::string>{"usb_storage"});
}
