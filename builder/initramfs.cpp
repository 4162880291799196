#include "initramfs.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cstring>

#include "file_util.h"
#include "module_image.h"

namespace modseal {

bool IsRegular(const InitramfsEntry& e) { return S_ISREG(e.mode); }
bool IsSymlink(const InitramfsEntry& e) { return S_ISLNK(e.mode); }

namespace {

constexpr size_t kHeaderSize = 110;  // "070701" and 13 fields of 8 hex digits

size_t Align4(size_t n) { return (n + 3) & ~size_t{3}; }

bool IsCpioMagic(std::string_view b, size_t pos) {
  return b.size() - pos >= 6 && (b.compare(pos, 6, "070701") == 0 || b.compare(pos, 6, "070702") == 0);
}

bool HexField(std::string_view b, size_t pos, int index, uint32_t* out) {
  uint32_t v = 0;
  for (size_t i = pos + 6 + 8 * index, end = i + 8; i < end; ++i) {
    const char c = b[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

class Unpacker {
 public:
  Unpacker(const std::string& name, InitramfsFiles* out, std::string* err)
      : name_(name), out_(out), err_(err) {}

  // Archives and zero padding; compressed streams only where `top` (the kernel decompresses
  // the image's segments, not what they hold).
  bool Stream(std::string_view b, bool top, size_t base) {
    size_t pos = 0;
    while (pos < b.size()) {
      if (b[pos] == '\0') {
        ++pos;
      } else if (IsCpioMagic(b, pos)) {
        if (!Archive(b, &pos, base)) return false;
      } else if (!top) {
        return Fail(base + pos, "not a newc cpio archive in the decompressed data");
      } else if (!Compressed(b, &pos)) {
        return false;
      }
    }
    return true;
  }

 private:
  bool Fail(size_t offset, const std::string& what) {
    *err_ = name_ + ": offset " + std::to_string(offset) + ": " + what;
    return false;
  }

  bool Archive(std::string_view b, size_t* pos, size_t base) {
    for (;;) {
      const size_t at = *pos;
      if (b.size() - at < kHeaderSize || !IsCpioMagic(b, at))
        return Fail(base + at, "truncated cpio archive (no TRAILER!!!)");
      uint32_t mode, filesize, namesize;
      if (!HexField(b, at, 1, &mode) || !HexField(b, at, 6, &filesize) ||
          !HexField(b, at, 11, &namesize))
        return Fail(base + at, "cpio header field is not hex");
      const size_t name_at = at + kHeaderSize;
      if (namesize == 0 || b.size() - name_at < namesize || b[name_at + namesize - 1] != '\0')
        return Fail(base + at, "cpio entry name runs past the data or is not terminated");
      std::string path(b.substr(name_at, namesize - 1));
      const size_t data_at = Align4(name_at + namesize);
      if (data_at > b.size() || b.size() - data_at < filesize)
        return Fail(base + at, "cpio entry " + path + " runs past the end of the data");
      *pos = std::min(b.size(), Align4(data_at + filesize));
      if (path == "TRAILER!!!") return true;
      if (!Add(path, mode, b.substr(data_at, filesize))) return Fail(base + at, *err_);
    }
  }

  bool Add(std::string path, uint32_t mode, std::string_view data) {
    while (path.compare(0, 2, "./") == 0) path.erase(0, 2);
    while (!path.empty() && path[0] == '/') path.erase(0, 1);
    if (path.empty() || path == ".") return true;
    InitramfsEntry e;
    e.mode = mode;
    if (S_ISREG(mode) || S_ISLNK(mode)) {
      unpacked_ += data.size();
      if (unpacked_ > kInitramfsMaxBytes) {
        *err_ = "unpacks to more than " + std::to_string(kInitramfsMaxBytes >> 20) + " MiB";
        return false;
      }
      e.data.assign(data);
    }
    (*out_)[path] = std::move(e);
    return true;
  }

  bool Compressed(std::string_view b, size_t* pos) {
    const auto* data = reinterpret_cast<const unsigned char*>(b.data() + *pos);
    const size_t size = b.size() - *pos;
    std::string plain, why;
    size_t consumed = size;
    bool ok = false;
    switch (CompressionOf(data, size)) {
      case ModuleCompression::kGzip: ok = Gunzip(data, size, &plain, &consumed, &why); break;
      case ModuleCompression::kXz:
      case ModuleCompression::kZstd:
        // One stream to the end of the image: what dracut writes.
        ok = DecompressModule(CompressionOf(data, size), data, size,
                              [&](const char* d, size_t n) {
                                plain.append(d, n);
                                return true;
                              },
                              &why);
        break;
      case ModuleCompression::kNone:
        return Fail(*pos, "neither a cpio archive nor gzip, xz or zstd data (lz4, bzip2 "
                          "and lzo images are not read)");
    }
    if (!ok) return Fail(*pos, why);
    const size_t at = *pos;
    *pos += consumed;
    return Stream(plain, false, at);
  }

  static bool Gunzip(const unsigned char* data, size_t size, std::string* out,
                     size_t* consumed, std::string* why) {
    z_stream s{};
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) {
      *why = "gzip: cannot set up the decoder";
      return false;
    }
    s.next_in = const_cast<unsigned char*>(data);
    s.avail_in = static_cast<uInt>(std::min<size_t>(size, UINT32_MAX));
    std::string buf(256 * 1024, '\0');
    int rc = Z_OK;
    while (rc == Z_OK) {
      s.next_out = reinterpret_cast<unsigned char*>(&buf[0]);
      s.avail_out = static_cast<uInt>(buf.size());
      rc = inflate(&s, Z_NO_FLUSH);
      out->append(buf.data(), buf.size() - s.avail_out);
      if (out->size() > kInitramfsMaxBytes) rc = Z_MEM_ERROR;
      if (rc == Z_BUF_ERROR && s.avail_in == 0) break;
    }
    *consumed = s.total_in;
    inflateEnd(&s);
    if (rc == Z_STREAM_END) return true;
    *why = rc == Z_MEM_ERROR ? "gzip: unpacks to more than the limit"
           : rc == Z_BUF_ERROR ? "gzip: truncated stream"
                               : "gzip: corrupt stream (" + std::to_string(rc) + ")";
    return false;
  }

  const std::string& name_;
  InitramfsFiles* out_;
  std::string* err_;
  size_t unpacked_ = 0;
};

}  // namespace

bool ParseInitramfs(std::string_view bytes, const std::string& name, InitramfsFiles* out,
                    std::string* err) {
  out->clear();
  if (bytes.empty()) {
    *err = name + ": empty file, not an initramfs";
    return false;
  }
  return Unpacker(name, out, err).Stream(bytes, true, 0);
}

bool ReadInitramfs(const std::string& path, InitramfsFiles* out, std::string* err) {
  std::string bytes;
  if (!ReadFileBounded(path, kInitramfsMaxBytes, &bytes, err)) return false;
  return ParseInitramfs(bytes, path, out, err);
}

}  // namespace modseal
