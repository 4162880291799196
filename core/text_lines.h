// Splitting small line-oriented files (keys, signatures, configuration).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modseal {

// Lines without their "\n" (and without a trailing "\r"); a final newline adds no line.
std::vector<std::string_view> SplitLines(std::string_view text);

// Every field between separators, empty ones included ("a  b" on ' ' is a, "", b).
std::vector<std::string_view> SplitOn(std::string_view s, char sep);

bool StartsWith(std::string_view text, std::string_view prefix);

// "FILE:LINE: " (LINE counted from 1): how every parser here names where input went wrong.
std::string Where(const std::string& filename, size_t line);

// A kernel command line's words, split on whitespace with double quotes honoured (and
// dropped) as the kernel does.
std::vector<std::string> KernelCommandLineWords(std::string_view cmdline);

}  // namespace modseal
