// Bounded reads and crash-safe writes: every output modseal produces goes through here.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace modseal {

// Streams the file in chunks; `consume` returns false to stop with its own error in *err.
bool ReadFileChunks(const std::string& path,
                    const std::function<bool(const char* data, size_t size)>& consume,
                    std::string* err);

// Reads at most max_bytes; a larger file is an error, not a truncation.
bool ReadFileBounded(const std::string& path, size_t max_bytes, std::string* out,
                     std::string* err);

enum class Overwrite { kReplace, kRefuse };

// Writes to a temporary file in the same directory, fsyncs, then renames into place,
// so an interrupted run leaves either the old file or the new one, never a mix.
bool WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode,
                     Overwrite overwrite, std::string* err);

}  // namespace modseal
