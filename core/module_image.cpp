#include "module_image.h"

#include <cstring>
#include <lzma.h>
#include <zstd.h>

#include "string_table.h"

namespace modseal {

ModuleCompression CompressionOf(const unsigned char* data, size_t size) {
  if (size >= 6 && memcmp(data, "\xfd" "7zXZ\0", 6) == 0) return ModuleCompression::kXz;
  if (size >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0) return ModuleCompression::kZstd;
  if (size >= 2 && memcmp(data, "\x1f\x8b", 2) == 0) return ModuleCompression::kGzip;
  return ModuleCompression::kNone;
}

// As /sys/module/compression names them.
constexpr Named<ModuleCompression> kCompressions[] = {{ModuleCompression::kNone, ""},
                                                      {ModuleCompression::kXz, "xz"},
                                                      {ModuleCompression::kZstd, "zstd"},
                                                      {ModuleCompression::kGzip, "gzip"}};

const char* CompressionName(ModuleCompression format) { return NameOf(kCompressions, format); }

namespace {

constexpr size_t kChunk = 256 * 1024;

// Counts what the sink got, so no format can exceed the cap.
class CappedSink {
 public:
  CappedSink(const ByteSink& sink, std::string* err) : sink_(sink), err_(err) {}
  bool Put(const char* data, size_t size) {
    total_ += size;
    if (total_ > kMaxModuleImage) {
      *err_ = "decompressed image exceeds " + std::to_string(kMaxModuleImage >> 20) + " MiB";
      return false;
    }
    return size == 0 || sink_(data, size);
  }

 private:
  const ByteSink& sink_;
  std::string* err_;
  size_t total_ = 0;
};

bool DecompressXz(const unsigned char* data, size_t size, CappedSink* out, std::string* err) {
  lzma_stream s = LZMA_STREAM_INIT;
  // LZMA_CONCATENATED is not set: one stream, as the kernel's own decoder expects.
  if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
    *err = "xz: cannot set up the decoder";
    return false;
  }
  std::string buf(kChunk, '\0');
  s.next_in = data;
  s.avail_in = size;
  lzma_ret rc = LZMA_OK;
  bool ok = true;
  while (ok && rc == LZMA_OK) {
    s.next_out = reinterpret_cast<uint8_t*>(&buf[0]);
    s.avail_out = buf.size();
    rc = lzma_code(&s, LZMA_FINISH);
    ok = out->Put(buf.data(), buf.size() - s.avail_out);
  }
  const bool trailing = s.avail_in != 0;
  lzma_end(&s);
  if (!ok) return false;
  if (rc != LZMA_STREAM_END) {
    *err = rc == LZMA_BUF_ERROR ? "xz: truncated stream" : "xz: corrupt stream (" +
                                                                std::to_string(rc) + ")";
    return false;
  }
  if (trailing) *err = "xz: bytes after the end of the stream";
  return !trailing;
}

bool DecompressZstd(const unsigned char* data, size_t size, CappedSink* out,
                    std::string* err) {
  ZSTD_DStream* s = ZSTD_createDStream();
  if (!s) {
    *err = "zstd: cannot set up the decoder";
    return false;
  }
  std::string buf(kChunk, '\0');
  ZSTD_inBuffer in = {data, size, 0};
  size_t rc = 1;  // > 0: a frame is not finished yet
  bool ok = true;
  while (ok && in.pos < in.size) {
    ZSTD_outBuffer o = {&buf[0], buf.size(), 0};
    rc = ZSTD_decompressStream(s, &o, &in);
    if (ZSTD_isError(rc)) {
      *err = std::string("zstd: ") + ZSTD_getErrorName(rc);
      ok = false;
      break;
    }
    ok = out->Put(buf.data(), o.pos);
    if (rc == 0 && in.pos < in.size) {
      *err = "zstd: bytes after the end of the frame";
      ok = false;
    }
  }
  // Output the decoder still holds once the input is used up.
  while (ok && rc != 0) {
    ZSTD_outBuffer o = {&buf[0], buf.size(), 0};
    rc = ZSTD_decompressStream(s, &o, &in);
    if (ZSTD_isError(rc) || o.pos == 0) {
      *err = ZSTD_isError(rc) ? std::string("zstd: ") + ZSTD_getErrorName(rc)
                              : "zstd: truncated frame";
      ok = false;
      break;
    }
    ok = out->Put(buf.data(), o.pos);
  }
  ZSTD_freeDStream(s);
  return ok;
}

}  // namespace

bool DecompressModule(ModuleCompression format, const unsigned char* data, size_t size,
                      const ByteSink& sink, std::string* err) {
  CappedSink out(sink, err);
  switch (format) {
    case ModuleCompression::kXz: return DecompressXz(data, size, &out, err);
    case ModuleCompression::kZstd: return DecompressZstd(data, size, &out, err);
    case ModuleCompression::kGzip:
      // Debian's kmod has no zlib (kmod --version: -ZLIB): its depmod does not even index
      // .ko.gz, so no manifest made with it lists one. Only a kernel that decompresses
      // gzip itself loads such a file, through MODULE_INIT_COMPRESSED_FILE.
      *err = "gzip: not decompressed by the hook (only a kernel that decompresses gzip "
             "modules itself can load this file)";
      return false;
    case ModuleCompression::kNone: break;
  }
  *err = "not a compressed image";
  return false;
}

}  // namespace modseal
