// What on a boot's kernel command line makes a sealed root less trustworthy than its
// modules_disabled=1 says: a replaced initramfs init, shells before the real root ran,
// units masked or added, modules loaded before the hook, module parameters, weakened seal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifest.h"

namespace modseal {

struct RiskyWord {
  std::string word;
  std::string why;
};

// `listed`, if given, is the manifest whose modules' NAME.PARAM= words are reported.
std::vector<RiskyWord> RiskyBootWords(std::string_view cmdline, const Manifest* listed);

}  // namespace modseal
