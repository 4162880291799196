#include "boot_cmdline.h"

#include "text_lines.h"

namespace modseal {
namespace {

bool IsOff(std::string_view value) { return value == "0" || value == "no" || value == "off"; }

// Why KEY (=VALUE) on the command line matters to the seal, or nullptr.
const char* WhyRisky(std::string_view key, std::string_view value, bool has_value) {
  if (key == "rdinit") return "the initramfs ran another init: the seal's hooks may never have run";
  if (key == "rd.break" || key == "rdbreak")
    return "a shell ran in the initramfs before the real root (locked by the fail-safe)";
  if (key == "rd.shell" && (!has_value || !IsOff(value)))
    return "initramfs failures give a shell (locked by the fail-safe)";
  if ((key == "rd.systemd.debug_shell" || key == "systemd.debug_shell") &&
      (!has_value || !IsOff(value)))
    return "a root shell on tty9 from the start of the initramfs";
  if (key == "rd.systemd.unit" || key == "systemd.unit")
    return "the boot target was replaced";
  if (key == "rd.systemd.mask" || key == "rd.systemd.wants")
    return "initramfs units were masked or added";
  if (key == "rd.driver.pre" || key == "rd.driver.post" || key == "rd.modules_load")
    return "modules were loaded by name outside the seal's load stage";
  if (key == "rd.cmdline") return "command line words were typed in at boot, not shown here";
  // systemd's own initrd shells; dracut's rd.emergency=ACTION (with a value) is not one.
  if ((key == "rd.emergency" || key == "rd.rescue") && !has_value)
    return "the initramfs booted into a (locked) emergency or rescue shell";
  if (StartsWith(key, "rd.modseal."))
    return "the seal's settings were changed for this boot";
  return nullptr;
}

}  // namespace

std::vector<RiskyWord> RiskyBootWords(std::string_view cmdline, const Manifest* listed) {
  std::vector<RiskyWord> risky;
  for (const std::string& word : KernelCommandLineWords(cmdline)) {
    const size_t eq = word.find('=');
    const std::string_view key = std::string_view(word).substr(0, eq);
    const std::string_view value =
        eq == std::string::npos ? std::string_view() : std::string_view(word).substr(eq + 1);
    if (const char* why = WhyRisky(key, value, eq != std::string::npos)) {
      risky.push_back({word, why});
      continue;
    }
    // NAME.PARAM=VALUE reaches a listed module's insert (libkmod applies it).
    const std::string module = CommandLineParameterModule(word);
    if (listed && !module.empty() && listed->Find(module))
      risky.push_back({word, "a parameter for the listed module " + module +
                                 " from the command line, not the image"});
  }
  return risky;
}

}  // namespace modseal
