// status: is this running host sealed, and does what is loaded match the manifest?
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "benchmarks.h"
#include "blocked_autoloads.h"
#include "boot_cmdline.h"
#include "boot_images.h"
#include "commands.h"
#include "file_util.h"
#include "json.h"
#include "kmod_context.h"
#include "loaded_modules.h"
#include "minisign.h"
#include "signed_manifest.h"

namespace modseal {
namespace {

// "1", "0", or "unknown" when the file cannot be read.
std::string ReadFlag(const std::string& path) {
  std::string text, err;
  if (!ReadFileBounded(path, 64, &text, &err)) return "unknown";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool DeniesLoading(const std::string& install_command) {
  std::string first = install_command.substr(0, install_command.find(' '));
  return first == "/bin/false" || first == "/bin/true" || first == "/usr/bin/false" ||
         first == "/usr/bin/true" || first == "false" || first == "true";
}

// What the sealed kernel refused to auto-load, as blocked-modprobe recorded it.
struct BlockedView {
  std::string modprobe;  // kernel.modprobe now
  bool recorded = false;
  std::string why;  // when not recorded
  BlockedAutoloads record;
};

BlockedView ReadBlocked(const StatusArgs& args) {
  BlockedView view;
  view.modprobe = ReadFlag(args.proc + "/sys/kernel/modprobe");
  const std::string path =
      (args.root == "/" ? std::string() : args.root) + kBlockedAutoloadsPath;
  std::string text, err;
  if (!ReadFileBounded(path, 1 << 16, &text, &err)) {
    if (access(path.c_str(), F_OK) == 0)  // there, but not for us (0700 /run/modseal)
      view.why = "cannot read: " + err;
    else
      view.why = view.modprobe == kBlockedModprobePath ? "none since boot"
                                                       : "not recorded (kernel.modprobe is \"" +
                                                             view.modprobe + "\")";
    return view;
  }
  view.recorded = ParseBlockedAutoloads(text, path, &view.record, &view.why);
  return view;
}

std::string BlockedJson(const BlockedView& v) {
  std::string requests;
  for (const BlockedRequest& r : v.record.requests)
    requests += std::string(requests.empty() ? "" : ",") + "{\"name\":" + JsonString(r.name) +
                ",\"module\":" + JsonString(r.module) + ",\"count\":" +
                std::to_string(r.count) + ",\"first\":" + std::to_string(r.first) +
                ",\"last\":" + std::to_string(r.last) +
                ",\"last_requester\":" + JsonString(r.requester) + "}";
  return "{\"kernel_modprobe\":" + JsonString(v.modprobe) +
         ",\"recorded\":" + (v.recorded ? "true" : "false") + ",\"note\":" + JsonString(v.why) +
         ",\"total\":" + std::to_string(v.record.total) + ",\"requests\":[" + requests + "]}";
}

void PrintBlocked(const BlockedView& v) {
  if (!v.recorded) {
    printf("blocked auto-loads        %s\n", v.why.c_str());
    return;
  }
  printf("blocked auto-loads        %llu (%zu names; kernel.modprobe %s)\n",
         static_cast<unsigned long long>(v.record.total), v.record.requests.size(),
         v.modprobe.c_str());
  for (const BlockedRequest& r : v.record.requests)
    printf("blocked %-30s %llu times%s%s, last by %s\n", r.name.c_str(),
           static_cast<unsigned long long>(r.count), r.module.empty() ? "" : ", module ",
           r.module.c_str(), r.requester.empty() ? "an unknown task" : r.requester.c_str());
}

struct CisState {
  const BenchmarkModule* module;
  std::string state;  // denied, blacklisted-only, allowed, loaded, exception
  std::string install;  // its modprobe.d install command, "" if none
  bool blacklisted = false;
};

// One benchmark item and whether this host passes it, as that benchmark's own check reads
// the host (the lines each accepts are in benchmarks.h).
std::string ItemJson(const std::string& benchmark, const std::string& id, bool pass) {
  return "{\"benchmark\":" + JsonString(benchmark) + ",\"id\":" + JsonString(id) +
         ",\"pass\":" + (pass ? "true" : "false") + "}";
}

std::string SsgRule(const std::string& rule) {
  return "xccdf_org.ssgproject.content_rule_" + rule;
}

// Evidence for a compliance pipeline: each finding with the items it satisfies (or not).
std::string EvidenceJson(const std::vector<CisState>& cis, const std::string& disabled,
                         const std::string& kexec) {
  std::string out;
  auto entry = [&](const std::string& subject, const std::string& state,
                   const std::string& items) {
    out += std::string(out.empty() ? "" : ",") + "{\"subject\":" + JsonString(subject) +
           ",\"state\":" + JsonString(state) + ",\"items\":[" + items + "]}";
  };
  for (const BenchmarkSysctl& s : BenchmarkSysctls()) {
    const std::string value = s.key == "kernel.modules_disabled" ? disabled : kexec;
    const bool pass = value == "1";
    if (value == "absent") {  // no kexec in this kernel: nothing to disable, no item applies
      entry(s.key, value, "");
      continue;
    }
    std::string items;
    if (!s.lynis.empty()) items += ItemJson("Lynis", s.lynis, pass) + ",";
    items += ItemJson("SSG", SsgRule(s.ssg), pass);
    entry(s.key, value, items);
  }
  for (const CisState& c : cis) {
    const bool denied = c.state == "denied";
    const std::string first = c.install.substr(0, c.install.find(' '));
    std::string items;
    if (!c.module->cis.empty())
      items += ItemJson("CIS Debian Linux 12 v1.1.0", c.module->cis, denied) + ",";
    if (!c.module->lynis.empty()) {
      // NETW-3200 takes "install X /bin/true" alone; USB-1000 and STRG-1846 a blacklist too.
      const bool lynis = c.module->lynis == "NETW-3200"
                             ? denied && first == "/bin/true"
                             : c.state != "loaded" && (denied || c.blacklisted);
      items += ItemJson("Lynis", c.module->lynis, lynis) + ",";
    }
    if (!c.module->ssg.empty()) items += ItemJson("SSG", SsgRule(c.module->ssg), denied) + ",";
    if (!items.empty()) items.pop_back();
    entry(c.module->name, c.state, items);
  }
  return "[" + out + "]";
}

// A kernel update can leave the next boot unsealed (modseal omitted from the image, an image
// missing) while this boot is sealed: warned about, not counted against this boot.
struct NextBoot {
  BootImage boot;
  bool readable = false;
  ImageVerdict verdict;
  std::string err;
};

std::vector<NextBoot> CheckNextBoots(const std::string& root, const std::vector<PublicKey>& keys) {
  std::vector<NextBoot> out;
  for (const BootImage& b : FindBootImages(root)) {
    NextBoot n;
    n.boot = b;
    if (access(b.image.c_str(), F_OK) != 0)
      n.err = "no initramfs: the kernel boots without modseal, or not at all";
    else
      n.readable = CheckImageFile(b.image, keys, b.release, &n.verdict, &n.err);
    out.push_back(n);
  }
  return out;
}

bool NextBootSealed(const NextBoot& n) { return n.readable && n.verdict.sealed(); }

std::string NextBootJson(const std::vector<NextBoot>& next) {
  std::string out;
  for (const NextBoot& n : next) {
    std::vector<std::string> problems = n.readable ? n.verdict.problems : std::vector<std::string>{n.err};
    out += std::string(out.empty() ? "" : ",") + "{\"release\":" + JsonString(n.boot.release) +
           ",\"image\":" + JsonString(n.boot.image) +
           ",\"newest\":" + (n.boot.newest ? "true" : "false") +
           ",\"sealed\":" + (NextBootSealed(n) ? "true" : "false") +
           ",\"problems\":" + JsonStringArray(problems) + "}";
  }
  return "[" + out + "]";
}

void PrintNextBoots(const std::vector<NextBoot>& next) {
  if (next.empty()) {
    printf("next boot                 not checked (no /boot/vmlinuz-*)\n");
    return;
  }
  for (const NextBoot& n : next) {
    const char* which = n.boot.newest ? " (newest by version sort)" : "";
    if (NextBootSealed(n)) {
      printf("next boot %s%s  sealed\n", n.boot.image.c_str(), which);
      continue;
    }
    printf("WARNING: next boot %s%s will not be sealed:\n", n.boot.image.c_str(), which);
    for (const std::string& p : n.readable ? n.verdict.problems : std::vector<std::string>{n.err})
      printf("  - %s\n", p.c_str());
  }
}

}  // namespace

int RunStatus(const StatusArgs& args) {
  std::string err;
  const std::string disabled = ReadFlag(args.proc + "/sys/kernel/modules_disabled");
  const std::string kexec = ReadFlag(args.proc + "/sys/kernel/kexec_load_disabled");
  const std::string release = ReadFlag(args.proc + "/sys/kernel/osrelease");
  std::vector<LoadedModule> live;
  if (!ReadLoadedModules(args.proc + "/modules", LoadedFormat::kProcModules, &live, &err))
    return Fail(err);
  const std::vector<std::string> loaded = ModuleNames(live);

  std::vector<std::string> problems;
  if (disabled != "1") problems.push_back("kernel.modules_disabled is " + disabled + ", not 1");
  // A kernel built without kexec has no such file: nothing to disable.
  const bool kexec_present = access((args.proc + "/sys/kernel/kexec_load_disabled").c_str(), F_OK) == 0;
  const std::string kexec_state = kexec_present ? kexec : "absent";
  if (kexec_present && kexec != "1" && !args.allow_kexec)
    problems.push_back("kernel.kexec_load_disabled is " + kexec +
                       ": kexec can start another kernel, unsealed (--allow-kexec if meant)");

  Manifest manifest;
  std::vector<std::string> unlisted, not_loaded;
  const bool have_manifest = !args.manifest.empty();
  const bool verified = have_manifest && !args.pubkeys.empty();
  if (!have_manifest && !args.pubkeys.empty()) return Fail("status: -p needs -m MANIFEST");
  std::vector<PublicKey> keys;
  if (verified) {
    if (!LoadPublicKeyFiles(args.pubkeys, &keys, &err)) return Fail(err);
    const std::string sig = args.signature.empty() ? args.manifest + ".minisig" : args.signature;
    if (!VerifyManifestFile(args.manifest, sig, keys, &manifest, nullptr, &err)) {
      fprintf(stderr, "modseal: %s\n", err.c_str());
      return kExitCheckFailed;
    }
  } else if (have_manifest && !LoadManifest(args.manifest, &manifest, &err)) {
    return Fail(err);
  }
  std::string cmdline;
  std::string cmdline_err;
  const bool have_cmdline =
      ReadFileBounded(args.proc + "/cmdline", 65536, &cmdline, &cmdline_err);
  const std::vector<RiskyWord> risky =
      have_cmdline ? RiskyBootWords(cmdline, have_manifest ? &manifest : nullptr)
                   : std::vector<RiskyWord>{};
  if (!args.allow_cmdline) {
    // A command line that cannot be read cannot be vouched for.
    if (!have_cmdline)
      problems.push_back("boot command line unknown: " + cmdline_err + " (--allow-cmdline if meant)");
    for (const RiskyWord& r : risky)
      problems.push_back("boot command line has " + r.word + ": " + r.why +
                         " (--allow-cmdline if meant)");
  }
  if (have_manifest) {
    if (manifest.kernel != release)
      problems.push_back("manifest is for kernel " + manifest.kernel + ", running " + release);
    std::set<std::string> loaded_set(loaded.begin(), loaded.end());
    for (const std::string& name : loaded)
      if (!manifest.Find(name)) unlisted.push_back(name);
    for (const ModuleEntry& m : manifest.modules)
      if (!loaded_set.count(m.name)) not_loaded.push_back(m.name);
    if (!unlisted.empty())
      problems.push_back(std::to_string(unlisted.size()) + " loaded modules not in the manifest");
  }

  std::unique_ptr<KmodContext> kmod;
  std::vector<CisState> cis;
  if (KmodContext::Open(args.root, ModuleDirectory(args.root, release),
                        KmodContext::Need::kConfigOnly, &kmod, &err)) {
    std::set<std::string> blacklisted = kmod->Blacklisted();
    std::map<std::string, std::string> installs = kmod->InstallCommands();
    std::set<std::string> loaded_set(loaded.begin(), loaded.end());
    for (const BenchmarkModule& m : BenchmarkModules()) {
      auto it = installs.find(m.name);
      CisState c{&m, "allowed", it == installs.end() ? "" : it->second,
                 blacklisted.count(m.name) > 0};
      if (loaded_set.count(m.name)) {
        // Loaded on purpose: the signed manifest lists it, or nodes commonly need it.
        // With a manifest, only what it lists; without, the usual needs (overlay, squashfs).
        if (have_manifest ? manifest.Find(m.name) != nullptr : !m.exception_use.empty()) {
          c.state = "exception";
        } else {
          c.state = "loaded";
          problems.push_back("benchmark-listed module " + m.name + " is loaded");
        }
      } else if (!c.install.empty() && DeniesLoading(c.install)) {
        c.state = "denied";
      } else if (c.blacklisted) {
        c.state = "blacklisted-only";
      }
      cis.push_back(c);
    }
  }

  const BlockedView blocked = ReadBlocked(args);
  const std::vector<NextBoot> next = CheckNextBoots(args.root, keys);
  const bool sealed = problems.empty();
  if (args.json) {
    std::string cis_json;
    for (const CisState& c : cis)
      cis_json += (cis_json.empty() ? "" : ",") + JsonString(c.module->name) + ":" +
                  JsonString(c.state);
    std::vector<std::string> risky_words;
    for (const RiskyWord& r : risky) risky_words.push_back(r.word);
    printf("{\"sealed\":%s,\"modules_disabled\":%s,\"kexec_load_disabled\":%s,"
           "\"kernel\":%s,\"manifest\":%s,\"manifest_verified\":%s,\"manifest_kernel\":%s,"
           "\"loaded\":%zu,\"unlisted_loaded\":%s,\"listed_not_loaded\":%s,"
           "\"risky_cmdline\":%s,\"cis\":{%s},\"evidence\":%s,\"blocked_autoloads\":%s,"
           "\"boot_images\":%s,\"problems\":%s}\n",
           sealed ? "true" : "false", JsonString(disabled).c_str(),
           JsonString(kexec_state).c_str(), JsonString(release).c_str(),
           have_manifest ? JsonString(args.manifest).c_str() : "null",
           verified ? "true" : "false",
           have_manifest ? JsonString(manifest.kernel).c_str() : "null", loaded.size(),
           JsonStringArray(unlisted).c_str(), JsonStringArray(not_loaded).c_str(),
           JsonStringArray(risky_words).c_str(), cis_json.c_str(),
           EvidenceJson(cis, disabled, kexec_state).c_str(), BlockedJson(blocked).c_str(),
           NextBootJson(next).c_str(), JsonStringArray(problems).c_str());
    return sealed ? kExitOk : kExitCheckFailed;
  }
  printf("kernel.modules_disabled   %s\n", disabled.c_str());
  printf("kernel.kexec_load_disabled %s\n",
         kexec_present ? kexec.c_str() : "absent (this kernel has no kexec_load)");
  printf("kernel release            %s\n", release.c_str());
  printf("loaded modules            %zu\n", loaded.size());
  if (have_manifest) {
    printf("manifest                  %s (kernel %s, %zu modules, %s)\n",
           args.manifest.c_str(), manifest.kernel.c_str(), manifest.modules.size(),
           verified ? "signature verified" : "unverified manifest: give -p to check it");
    std::string list;
    for (const std::string& n : unlisted) list += " " + n;
    printf("loaded, not in manifest   %zu%s\n", unlisted.size(), list.c_str());
    list.clear();
    for (const std::string& n : not_loaded) list += " " + n;
    printf("listed, not loaded        %zu%s\n", not_loaded.size(), list.c_str());
  }
  if (!have_cmdline) printf("boot command line         unknown (%s)\n", cmdline_err.c_str());
  for (const RiskyWord& r : risky) printf("boot command line         %s: %s\n", r.word.c_str(), r.why.c_str());
  for (const CisState& c : cis)
    printf("%s %-*s %s%s\n", c.module->cis.empty() ? "Lynis" : "CIS",
           c.module->cis.empty() ? 19 : 21, c.module->name.c_str(), c.state.c_str(),
           c.state == "exception" && !c.module->exception_use.empty()
               ? (" (" + c.module->exception_use + ")").c_str()
               : "");
  PrintBlocked(blocked);
  PrintNextBoots(next);
  if (sealed) {
    printf("SEALED\n");
    return kExitOk;
  }
  printf("NOT SEALED:\n");
  for (const std::string& p : problems) printf("  - %s\n", p.c_str());
  return kExitCheckFailed;
}

}  // namespace modseal
