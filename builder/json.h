// Just enough JSON output for --json: strings, numbers, arrays, objects.
#pragma once

#include <string>
#include <vector>

namespace modseal {

std::string JsonString(const std::string& s);
std::string JsonStringArray(const std::vector<std::string>& items);

}  // namespace modseal
