// Bounded reads and crash-safe writes: every output modseal produces goes through here.
#pragma once

#include <cstddef>
#include <string>

namespace modseal {

// Reads at most max_bytes; a larger file is an error, not a truncation.
bool ReadFileBounded(const std::string& path, size_t max_bytes, std::string* out,
                     std::string* err);

enum class Overwrite { kReplace, kRefuse };

// Writes to a temporary file in the same directory, fsyncs, then renames into place,
// so an interrupted run leaves either the old file or the new one, never a mix.
bool WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode,
                     Overwrite overwrite, std::string* err);

}  // namespace modseal
