#include "file_util.h"

#include "catch.h"
#include <dirent.h>
#include <sys/stat.h>

#include "test_util.h"

using namespace modseal;
using modseal_test::ReadText;
using modseal_test::TempDir;
using modseal_test::WriteText;

namespace {

size_t CountEntries(const std::string& dir) {
  size_t n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

}  // namespace

TEST_CASE("atomic write replaces, sets the mode and leaves no temporary", "[file]") {
  TempDir dir;
  std::string err;
  WriteText(dir / "out", "old");
  REQUIRE(WriteFileAtomic(dir / "out", "new", 0600, Overwrite::kReplace, &err));
  CHECK(ReadText(dir / "out") == "new");
  struct stat st;
  REQUIRE(stat((dir / "out").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(CountEntries(dir.path()) == 1);
}

TEST_CASE("atomic write with kRefuse never clobbers an existing file", "[file]") {
  TempDir dir;
  std::string err;
  WriteText(dir / "key", "precious");
  CHECK_FALSE(WriteFileAtomic(dir / "key", "new", 0600, Overwrite::kRefuse, &err));
  CHECK(err == dir / "key" + ": already exists (use --force to replace it)");
  CHECK(ReadText(dir / "key") == "precious");
  CHECK(CountEntries(dir.path()) == 1);
  REQUIRE(WriteFileAtomic(dir / "fresh", "x", 0600, Overwrite::kRefuse, &err));
  CHECK(ReadText(dir / "fresh") == "x");
}

TEST_CASE("atomic write into a missing directory fails with the path", "[file]") {
  TempDir dir;
  std::string err;
  CHECK_FALSE(WriteFileAtomic(dir / "no/such/out", "x", 0644, Overwrite::kReplace, &err));
  CHECK(err.find(dir / "no/such/out") == 0);
  CHECK(err.find("No such file or directory") != std::string::npos);
}

TEST_CASE("bounded read refuses files over the limit", "[file]") {
  TempDir dir;
  std::string out, err;
  WriteText(dir / "f", std::string(100, 'x'));
  CHECK(ReadFileBounded(dir / "f", 100, &out, &err));
  CHECK(out.size() == 100);
  CHECK_FALSE(ReadFileBounded(dir / "f", 99, &out, &err));
  CHECK(err == dir / "f" + ": file is larger than the limit of 99 bytes");
  CHECK_FALSE(ReadFileBounded(dir / "missing", 99, &out, &err));
  CHECK(err == dir / "missing" + ": No such file or directory");
}
