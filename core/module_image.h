// A module file's compression, and its decompression in memory for kernels that cannot
// decompress that format themselves (/sys/module/compression names the one they can).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace modseal {

enum class ModuleCompression { kNone, kXz, kZstd, kGzip };

// By magic bytes, not by file name: the name is not what the kernel reads.
ModuleCompression CompressionOf(const unsigned char* data, size_t size);

// As /sys/module/compression spells it: "xz", "zstd", "gzip"; "" for kNone.
const char* CompressionName(ModuleCompression format);

// Called with the decompressed bytes in pieces; false stops (the sink set *err).
using ByteSink = std::function<bool(const char* data, size_t size)>;

// Decompresses one whole xz or zstd image. Fails on a truncated or corrupt stream,
// trailing garbage, output over kMaxModuleImage, or gzip (see module_image.cpp); err says
// which.
constexpr size_t kMaxModuleImage = size_t{1} << 30;
bool DecompressModule(ModuleCompression format, const unsigned char* data, size_t size,
                      const ByteSink& sink, std::string* err);

}  // namespace modseal
