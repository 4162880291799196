// The list of loaded modules, as /proc/modules or `lsmod` prints it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modseal {

constexpr size_t kLoadedListMaxBytes = 4 << 20;

// Detects the format from the first line ("Module Size Used by" means lsmod). Names are
// returned in file order; every malformed line is an error naming file:line.
bool ParseLoadedModules(std::string_view text, const std::string& filename,
                        std::vector<std::string>* names, std::string* err);

bool ReadLoadedModules(const std::string& path, std::vector<std::string>* names,
                       std::string* err);

}  // namespace modseal
