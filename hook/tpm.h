// The two TPM 2.0 commands the hook sends itself, so the static binary needs no TSS
// library: PCR_Extend of the SHA-256 bank, and PCR_Read to check it took.
#pragma once

#include <string>
#include <string_view>

#include "kernel_ops.h"
#include "measurement.h"

namespace modseal {

// TPM2_PCR_Extend with a password session of empty auth: the PCRs 0-15 need no other.
std::string PcrExtendCommand(int pcr, const Digest& digest);
std::string PcrReadCommand(int pcr);

// The response's header: false with *err naming the response code unless TPM_RC_SUCCESS.
bool CheckTpmResponse(std::string_view response, std::string* err);
// The SHA-256 value of `pcr` from a PCR_Read response; false if the TPM gave none (no
// SHA-256 bank allocated) or the response is malformed.
bool ParsePcrReadResponse(std::string_view response, int pcr, Digest* out, std::string* err);

// Through ops: kAbsent without a TPM device, kError with *err on anything else.
TpmStatus TpmExtend(KernelOps& ops, int pcr, const Digest& digest, std::string* err);
TpmStatus TpmReadPcr(KernelOps& ops, int pcr, Digest* out, std::string* err);

}  // namespace modseal
