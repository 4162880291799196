// The kernel's taint word (kernel.tainted), as far as it tells of modules: the F, O and E
// bits a force-loaded, out-of-tree or unsigned module sets when it loads, never cleared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel_ops.h"

namespace modseal {

uint64_t ModuleTaintMask();
// Decimal, as /proc/sys/kernel/tainted gives it; false for anything else.
bool ParseTaint(const std::string& text, uint64_t* value);
bool ReadTaint(KernelOps& ops, uint64_t* tainted, std::string* err);
// F, O and E bits of kernel.tainted that no loaded module accounts for: a module of that
// kind was loaded and is gone, so the audit of what is loaded cannot see it.
std::vector<std::string> UnexplainedTaint(uint64_t tainted,
                                          const std::vector<LoadedModule>& loaded);

}  // namespace modseal
