// SHA-256 of module files, as recorded in the manifest and checked by the hook.
#pragma once

#include <functional>
#include <string>

namespace modseal {

constexpr size_t kSha256HexLength = 64;

// Lower-case hex digest of the file's bytes as installed (compressed or not).
bool Sha256File(const std::string& path, std::string* hex, std::string* err);

// The same, handing each chunk to `copy` as it is hashed: one read gives the digest and a
// copy of exactly the bytes it covers. `copy` returns false to stop, with *err set.
bool Sha256FileCopy(const std::string& path,
                    const std::function<bool(const char* data, size_t size)>& copy,
                    std::string* hex, std::string* err);

std::string Sha256Hex(const std::string& data);

}  // namespace modseal
