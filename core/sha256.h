// SHA-256 of module files, as recorded in the manifest and checked by the hook.
#pragma once

#include <string>

namespace modseal {

constexpr size_t kSha256HexLength = 64;

// Lower-case hex digest of the file's bytes as installed (compressed or not).
bool Sha256File(const std::string& path, std::string* hex, std::string* err);

std::string Sha256Hex(const std::string& data);

}  // namespace modseal
