#include "module_image.h"

#include <lzma.h>
#include <zstd.h>

#include <string>

#include "catch.h"

namespace modseal {
namespace {

// An ELF-like payload long enough to span several of the decoder's output chunks.
std::string Payload() {
  std::string s = "\x7f" "ELF";
  for (int i = 0; s.size() < 700 * 1024; ++i) s += "section " + std::to_string(i * 7919) + ";";
  return s;
}

std::string Xz(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr,
                                  reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                  reinterpret_cast<uint8_t*>(&out[0]), &pos,
                                  out.size()) == LZMA_OK);
  out.resize(pos);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(&out[0], out.size(), in.data(), in.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool Decompress(ModuleCompression f, const std::string& in, std::string* out,
                std::string* err) {
  out->clear();
  return DecompressModule(
      f, Bytes(in), in.size(),
      [&](const char* d, size_t n) {
        out->append(d, n);
        return true;
      },
      err);
}

struct Format {
  ModuleCompression format;
  const char* name;
  std::string (*compress)(const std::string&);
};
const Format kFormats[] = {{ModuleCompression::kXz, "xz", Xz},
                           {ModuleCompression::kZstd, "zstd", Zstd}};

TEST_CASE("each module compression is recognised by its magic and undone exactly",
          "[hook]") {
  const std::string plain = Payload();
  for (const Format& f : kFormats) {
    INFO(f.name);
    const std::string packed = f.compress(plain);
    CHECK(CompressionOf(Bytes(packed), packed.size()) == f.format);
    CHECK(std::string(CompressionName(f.format)) == f.name);
    std::string out, err;
    REQUIRE(Decompress(f.format, packed, &out, &err));
    CHECK(out == plain);
  }
  // gzip is recognised (the kernel may decompress it) but never decompressed here.
  const std::string gz = std::string("\x1f\x8b\x08\0\0\0\0\0", 8) + plain;
  CHECK(CompressionOf(Bytes(gz), gz.size()) == ModuleCompression::kGzip);
  CHECK(std::string(CompressionName(ModuleCompression::kGzip)) == "gzip");
  std::string out, err;
  CHECK_FALSE(Decompress(ModuleCompression::kGzip, gz, &out, &err));
  CHECK(err.find("gzip: not decompressed by the hook") == 0);
  CHECK(CompressionOf(Bytes(plain), plain.size()) == ModuleCompression::kNone);
  CHECK(CompressionOf(Bytes(plain), 1) == ModuleCompression::kNone);
  CHECK(std::string(CompressionName(ModuleCompression::kNone)).empty());
}

TEST_CASE("a truncated, corrupt or padded compressed module is refused", "[hook]") {
  const std::string plain = Payload();
  for (const Format& f : kFormats) {
    INFO(f.name);
    const std::string packed = f.compress(plain);
    std::string out, err;
    CHECK_FALSE(Decompress(f.format, packed.substr(0, packed.size() / 2), &out, &err));
    CHECK(err.find(f.name) == 0);
    std::string corrupt = packed;
    corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
    err.clear();
    CHECK_FALSE(Decompress(f.format, corrupt, &out, &err));
    CHECK_FALSE(err.empty());
    err.clear();
    CHECK_FALSE(Decompress(f.format, packed + "trailing", &out, &err));
    CHECK(err.find("after the end") != std::string::npos);
  }
}

TEST_CASE("a decompressor's sink can stop it", "[hook]") {
  const std::string packed = Zstd(Payload());
  std::string err;
  CHECK_FALSE(DecompressModule(
      ModuleCompression::kZstd, Bytes(packed), packed.size(),
      [&](const char*, size_t) {
        err = "disk full";
        return false;
      },
      &err));
  CHECK(err == "disk full");
  CHECK_FALSE(DecompressModule(ModuleCompression::kNone, Bytes(packed), packed.size(),
                               [](const char*, size_t) { return true; }, &err));
}

}  // namespace
}  // namespace modseal
