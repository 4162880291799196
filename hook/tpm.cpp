#include "tpm.h"

#include <cstdint>
#include <cstdio>

namespace modseal {
namespace {

// TPM 2.0 Library, Part 2 (structures) and Part 3 (commands).
constexpr uint16_t kStNoSessions = 0x8001;
constexpr uint16_t kStSessions = 0x8002;
constexpr uint32_t kCcPcrExtend = 0x00000182;
constexpr uint32_t kCcPcrRead = 0x0000017e;
constexpr uint32_t kRsPassword = 0x40000009;
constexpr uint16_t kAlgSha256 = 0x000b;
constexpr size_t kHeaderBytes = 10;
constexpr uint8_t kPcrSelectBytes = 3;  // PCRs 0-23

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}

// The header's size field, once the body is complete.
std::string Finish(std::string command) {
  const uint32_t size = static_cast<uint32_t>(command.size());
  for (int i = 0; i < 4; ++i) command[2 + i] = static_cast<char>(size >> (24 - 8 * i));
  return command;
}

std::string Header(uint16_t tag, uint32_t code) {
  std::string out;
  Put16(&out, tag);
  Put32(&out, 0);
  Put32(&out, code);
  return out;
}

// Reads big-endian fields in order; any read past the end leaves ok() false.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  uint32_t Get(size_t n) {
    if (bytes_.size() - pos_ < n) {
      ok_ = false;
      return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(bytes_[pos_++]);
    return v;
  }
  std::string_view Take(size_t n) {
    if (bytes_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    pos_ += n;
    return bytes_.substr(pos_ - n, n);
  }
  bool ok() const { return ok_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string Hex32(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%03x", v);
  return buf;
}

}  // namespace

std::string PcrExtendCommand(int pcr, const Digest& digest) {
  std::string out = Header(kStSessions, kCcPcrExtend);
  Put32(&out, static_cast<uint32_t>(pcr));
  Put32(&out, 9);  // authorization area: handle, empty nonce, attributes, empty hmac
  Put32(&out, kRsPassword);
  Put16(&out, 0);
  out.push_back(0);
  Put16(&out, 0);
  Put32(&out, 1);  // one digest: SHA-256
  Put16(&out, kAlgSha256);
  out.append(digest.begin(), digest.end());
  return Finish(out);
}

std::string PcrReadCommand(int pcr) {
  std::string out = Header(kStNoSessions, kCcPcrRead);
  Put32(&out, 1);
  Put16(&out, kAlgSha256);
  out.push_back(static_cast<char>(kPcrSelectBytes));
  for (int i = 0; i < kPcrSelectBytes; ++i)
    out.push_back(static_cast<char>(pcr / 8 == i ? 1 << (pcr % 8) : 0));
  return Finish(out);
}

bool CheckTpmResponse(std::string_view response, std::string* err) {
  Reader r(response);
  const uint32_t tag = r.Get(2), size = r.Get(4), code = r.Get(4);
  if (!r.ok() || (tag != kStNoSessions && tag != kStSessions) || size != response.size()) {
    *err = "malformed TPM response (" + std::to_string(response.size()) + " bytes)";
    return false;
  }
  if (code != 0) {
    // TPM_RC_INITIALIZE (0x100): no TPM2_Startup yet, which firmware or the kernel does.
    *err = "TPM response code " + Hex32(code) + (code == 0x100 ? " (TPM not started)" : "");
    return false;
  }
  return true;
}

bool ParsePcrReadResponse(std::string_view response, int pcr, Digest* out, std::string* err) {
  if (!CheckTpmResponse(response, err)) return false;
  Reader r(response.substr(kHeaderBytes));
  r.Get(4);  // pcrUpdateCounter
  bool selected = false;
  for (uint32_t n = r.Get(4); n > 0 && r.ok(); --n) {
    const uint32_t alg = r.Get(2), select_size = r.Get(1);
    const std::string_view select = r.Take(select_size);
    const size_t byte = static_cast<size_t>(pcr / 8);
    if (alg == kAlgSha256 && byte < select.size() &&
        (static_cast<uint8_t>(select[byte]) >> (pcr % 8) & 1))
      selected = true;
  }
  const uint32_t digests = r.Get(4);
  // No SHA-256 bank allocated: an empty selection and no digest at all.
  const uint32_t size = r.ok() && digests > 0 ? r.Get(2) : 0;
  const std::string_view value = r.Take(size);
  if (!r.ok()) {
    *err = "malformed TPM2_PCR_Read response";
    return false;
  }
  if (!selected || digests != 1 || size != out->size()) {
    *err = "the TPM has no SHA-256 bank for PCR " + std::to_string(pcr);
    return false;
  }
  std::copy(value.begin(), value.end(), out->begin());
  return true;
}

TpmStatus TpmExtend(KernelOps& ops, int pcr, const Digest& digest, std::string* err) {
  std::string response;
  const TpmStatus s = ops.TpmTransmit(PcrExtendCommand(pcr, digest), &response, err);
  if (s != TpmStatus::kOk) return s;
  if (!CheckTpmResponse(response, err)) {
    *err = "TPM2_PCR_Extend of PCR " + std::to_string(pcr) + ": " + *err;
    return TpmStatus::kError;
  }
  return TpmStatus::kOk;
}

TpmStatus TpmReadPcr(KernelOps& ops, int pcr, Digest* out, std::string* err) {
  std::string response;
  const TpmStatus s = ops.TpmTransmit(PcrReadCommand(pcr), &response, err);
  if (s != TpmStatus::kOk) return s;
  if (!ParsePcrReadResponse(response, pcr, out, err)) {
    *err = "TPM2_PCR_Read of PCR " + std::to_string(pcr) + ": " + *err;
    return TpmStatus::kError;
  }
  return TpmStatus::kOk;
}

}  // namespace modseal
