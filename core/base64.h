// Strict standard base64 (libsodium's decoder, whole input, exact length).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace modseal {

// Fails unless `text` is canonical base64 of exactly `size` bytes.
bool DecodeBase64Exact(std::string_view text, uint8_t* out, size_t size);
std::string EncodeBase64(const uint8_t* data, size_t size);

}  // namespace modseal
