#include "catch.h"
#include <string>
#include <vector>

#include "fake_kernel_ops.h"
#include "read_ahead.h"
#include "sha256.h"

using modseal::CheckedImage;
using modseal::ReadAhead;
using modseal::ReadItem;
using modseal_test::FakeKernelOps;

namespace {

// n files /m/N.ko, each item pinning its file's digest.
std::vector<ReadItem> Files(FakeKernelOps* ops, size_t n) {
  std::vector<ReadItem> items;
  for (size_t i = 0; i < n; ++i) {
    const std::string path = "/m/" + std::to_string(i) + ".ko";
    ops->files[path] = "module " + std::to_string(i);
    items.push_back({path, modseal::Sha256Hex(ops->files[path])});
  }
  return items;
}

}  // namespace

TEST_CASE("the reader gives each item's verified copy, or why there is none", "[hook]") {
  FakeKernelOps ops;
  std::vector<ReadItem> items = Files(&ops, 3);
  items[1].sha256 = std::string(64, '0');
  ops.files.erase("/m/2.ko");
  {
    ReadAhead reader(ops, items, false);
    reader.Start();
    const CheckedImage good = reader.Take(0), bad = reader.Take(1), gone = reader.Take(2);
    CHECK(good.refused.empty());
    CHECK(ops.images.at(good.handle).second == "module 0");
    CHECK(bad.refused.rfind("hash mismatch for /m/1.ko (manifest 0000000000000000..., file ", 0) == 0);
    CHECK(gone.refused == "cannot read /m/2.ko: No such file or directory");
    for (size_t i = 0; i < 3; ++i) reader.Done(i);
  }
  // Only the copy that matched was prepared, and every copy was freed once.
  CHECK(ops.prepared == std::vector<std::string>{"/m/0.ko"});
  CHECK(ops.released == ops.images.size());
}

TEST_CASE("the reader prepares as told, and a failed preparation refuses the copy", "[hook]") {
  FakeKernelOps ops;
  const std::vector<ReadItem> items = Files(&ops, 2);
  ops.prepare_fails["/m/1.ko"] = "/m/1.ko: decompressing (xz): compressed data is corrupt";
  ReadAhead reader(ops, items, true);
  reader.Start();
  CHECK(reader.Take(0).refused.empty());
  CHECK(reader.Take(1).refused == "/m/1.ko: decompressing (xz): compressed data is corrupt");
  CHECK(ops.prepared_in_hook == std::vector<bool>{true, true});
}

TEST_CASE("the reader holds a window of copies, however long the list", "[hook]") {
  FakeKernelOps ops;
  const size_t n = 200;
  {
    ReadAhead reader(ops, Files(&ops, n), false);
    reader.Start();
    for (size_t i = 0; i < n; ++i) {
      REQUIRE(reader.Take(i).refused.empty());
      reader.Done(i);
    }
  }
  CHECK(ops.images.size() == n);
  // The window, plus the one being read when the window is full.
  CHECK(ops.held_most <= ReadAhead::kWindow + 1);
  CHECK(ops.released == n);
}

TEST_CASE("copies never taken are freed when the reader goes", "[hook]") {
  FakeKernelOps ops;
  {
    ReadAhead reader(ops, Files(&ops, 50), false);
    reader.Start();
    reader.Take(3);  // waits for 0..3; the reader may have gone on to the window's end
  }
  CHECK(ops.released == ops.images.size());
  CHECK(ops.images.size() <= ReadAhead::kWindow + 1);
}
