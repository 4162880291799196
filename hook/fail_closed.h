// The last line of defence around a hook stage: whatever escapes it (std::bad_alloc from a
// huge manifest on a small machine, or any other exception) must not end the hook before
// the lock is set, because an aborted hook leaves the kernel loading anything.
#pragma once

#include "hook_config.h"
#include "kernel_ops.h"

namespace modseal {

using StageFunction = int (*)(const HookConfig&, KernelOps&);

// Runs `stage` (RunLoadStage or RunLockStage). If it throws, logs what happened, sets the
// lock and returns kStopBoot under enforce; under audit the boot goes on only if the lock
// holds. A lock that cannot be set stops the boot in either policy.
int RunStageFailClosed(StageFunction stage, const char* stage_name, const HookConfig& config,
                       KernelOps& ops);

}  // namespace modseal
