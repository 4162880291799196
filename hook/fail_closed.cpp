#include "fail_closed.h"

#include <exception>
#include <new>
#include <string>

#include "loader.h"
#include "stage.h"

namespace modseal {
namespace {

// Called after the stack unwound, so what the stage held (the manifest) is freed again and
// these few small strings are likely to fit; if even they do not, the boot stops anyway.
int LockAfterException(const char* what, const char* stage_name, const HookConfig& config,
                       KernelOps& ops) {
  try {
    LogFailure(ops, config, std::string(stage_name) + " stage aborted: " + what);
    return DecideStage(config, ops, true, SealNow(config, ops));
  } catch (...) {
  }
  return kStopBoot;
}

}  // namespace

int RunStageFailClosed(StageFunction stage, const char* stage_name, const HookConfig& config,
                       KernelOps& ops) {
  try {
    return stage(config, ops);
  } catch (const std::bad_alloc&) {
    return LockAfterException("out of memory", stage_name, config, ops);
  } catch (const std::exception& e) {
    return LockAfterException(e.what(), stage_name, config, ops);
  } catch (...) {
    return LockAfterException("unknown exception", stage_name, config, ops);
  }
}

}  // namespace modseal
