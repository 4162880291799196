// modseal-hook started as blocked-modprobe: what the kernel runs for request_module once
// the machine is sealed. It loads nothing: it records the request (core/blocked_autoloads.h),
// logs it to the kernel log, rate-limited, and fails, as modprobe would under the lock.
#pragma once

namespace modseal {

constexpr char kBlockedModprobeName[] = "blocked-modprobe";

// argv as the kernel passes it: "PATH -q -- NAME". Always returns non-zero.
int RunBlockedModprobe(int argc, char** argv);

}  // namespace modseal
