// A kernel in memory, for the hook's unit tests: files, insert results, sysctls and a log.
#pragma once

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "blocked_autoloads.h"
#include "kernel_ops.h"
#include "manifest.h"
#include "measurement.h"
#include "sha256.h"

namespace modseal_test {

// A mutex a copy of the fake can carry: the copy gets a fresh one.
struct CopyableMutex : std::mutex {
  CopyableMutex() = default;
  CopyableMutex(const CopyableMutex&) : std::mutex() {}
  CopyableMutex& operator=(const CopyableMutex&) { return *this; }
};

class FakeKernelOps : public modseal::KernelOps {
 public:
  std::string release = "6.1.0-28-cloud-amd64";
  std::map<std::string, std::string> files;      // path -> content
  std::set<std::string> links;                   // module-named symlinks in the image
  std::string resolved_module_root;              // what ResolvePath gives (default: as is)
  bool find_fails = false;
  std::vector<std::string> removed;
  std::map<std::string, std::string> state;      // /run/modseal
  // Taint bits each insert of a path sets, as the kernel does for O/E modules even when
  // their init then fails.
  std::map<std::string, uint64_t> taint_on_insert;
  std::map<std::string, int> insert_result;      // path -> negative errno
  std::vector<std::string> inserted;             // paths, in order
  std::vector<std::string> inserted_bytes;       // what the kernel got, in the same order
  std::vector<std::string> modprobe_at_insert;   // kernel.modprobe when each insert ran
  std::vector<size_t> read_at_insert;            // files read by then
  std::map<std::string, std::string> rewritten_after_read;  // path -> what replaces it
  // ReadModule's copies: path and bytes, by handle; released ones are emptied.
  std::vector<std::pair<std::string, std::string>> images;
  size_t released = 0;
  size_t held_most = 0;  // the most copies held at once
  std::vector<std::string> loaded;               // /proc/modules names
  std::map<std::string, std::string> module_taint;  // name -> taint letters ("OE")
  std::map<std::string, std::string> sysctl = {{"kernel/modules_disabled", "0"},
                                               {"kernel/kexec_load_disabled", "0"},
                                               {"kernel/modprobe", "/sbin/modprobe"},
                                               {"kernel/tainted", "0"}};
  std::set<std::string> unwritable_sysctls;
  bool modules_disabled_reads_zero = false;
  bool loaded_list_fails = false;
  std::vector<std::string> log;

  std::string KernelRelease() override { return release; }
  bool ReadModule(const std::string& path, size_t* handle, std::string* hex,
                  std::string* err) override {
    std::lock_guard<std::mutex> hold(mu_);
    auto it = files.find(path);
    if (it == files.end()) {
      *err = path + ": No such file or directory";
      return false;
    }
    *hex = modseal::Sha256Hex(it->second);
    images.push_back({path, it->second});
    *handle = images.size() - 1;
    held_most = std::max(held_most, images.size() - released);
    // Someone with write access to the initramfs swaps the file once it was read.
    auto swap = rewritten_after_read.find(path);
    if (swap != rewritten_after_read.end()) it->second = swap->second;
    return true;
  }
  // What PrepareModule saw, by path: the loader must never hand it unmatched bytes.
  std::vector<std::string> prepared;
  std::vector<bool> prepared_in_hook;
  std::map<std::string, std::string> prepare_fails;  // path -> the error it gives
  bool PrepareModule(size_t handle, bool in_hook, bool* decompressed,
                     std::string* err) override {
    std::lock_guard<std::mutex> hold(mu_);
    const std::string& path = images.at(handle).first;
    prepared.push_back(path);
    prepared_in_hook.push_back(in_hook);
    *decompressed = in_hook;  // as if every file were compressed
    auto fails = prepare_fails.find(path);
    if (fails == prepare_fails.end()) return true;
    *err = fails->second;
    return false;
  }
  int InsertModule(const std::string& /*name*/, size_t handle) override {
    std::lock_guard<std::mutex> hold(mu_);
    if (sysctl["kernel/modules_disabled"] == "1") return -EPERM;
    const std::string& path = images.at(handle).first;
    inserted.push_back(path);
    modprobe_at_insert.push_back(sysctl["kernel/modprobe"]);
    read_at_insert.push_back(images.size());
    auto taint = taint_on_insert.find(path);
    if (taint != taint_on_insert.end())
      sysctl["kernel/tainted"] = std::to_string(std::stoull(sysctl["kernel/tainted"]) | taint->second);
    inserted_bytes.push_back(images.at(handle).second);
    auto it = insert_result.find(path);
    return it == insert_result.end() ? 0 : it->second;
  }
  void ReleaseModule(size_t handle) override {
    std::lock_guard<std::mutex> hold(mu_);
    images.at(handle).second.clear();
    ++released;
  }
  bool LoadedModules(std::vector<modseal::LoadedModule>* modules, std::string* err) override {
    if (loaded_list_fails) {
      *err = "/proc/modules: No such file or directory";
      return false;
    }
    modules->clear();
    for (const std::string& name : loaded) modules->push_back({name, module_taint[name]});
    return true;
  }
  bool FindModuleFiles(std::vector<modseal::ModuleFile>* found, std::string* err) override {
    if (find_fails) {
      *err = "walking the initramfs: Input/output error";
      return false;
    }
    found->clear();
    for (const auto& [path, bytes] : files)
      if (modseal::HasModuleFileSuffix(path)) found->push_back({path, true});
    for (const std::string& path : links) found->push_back({path, false});
    return true;
  }
  bool ResolvePath(const std::string& path, std::string* resolved, std::string*) override {
    *resolved = resolved_module_root.empty() ? path : resolved_module_root;
    return true;
  }
  bool RemoveFile(const std::string& path, std::string* err) override {
    std::lock_guard<std::mutex> hold(mu_);  // the reader thread may be reading files
    if (!files.erase(path) && !links.erase(path)) {
      *err = path + ": No such file or directory";
      return false;
    }
    removed.push_back(path);
    return true;
  }
  bool WriteSysctl(const std::string& key, const std::string& value, std::string* err) override {
    if (unwritable_sysctls.count(key)) {
      *err = "/proc/sys/" + key + ": Permission denied";
      return false;
    }
    if (!sysctl.count(key)) {
      *err = "/proc/sys/" + key + ": No such file or directory";
      return false;
    }
    sysctl[key] = value;
    return true;
  }
  bool ReadSysctl(const std::string& key, std::string* value, std::string*) override {
    *value = key == "kernel/modules_disabled" && modules_disabled_reads_zero ? "0" : sysctl[key];
    return true;
  }
  bool HasSysctl(const std::string& key) override { return sysctl.count(key) != 0; }
  std::map<std::string, std::string> runtime_files;  // /run, outside /run/modseal
  bool runtime_unwritable = false;
  std::set<std::string> executables = {modseal::kBlockedModprobePath};
  bool WriteRuntimeFile(const std::string& path, const std::string& content,
                        std::string* err) override {
    if (runtime_unwritable) {
      *err = path + ": No space left on device";
      return false;
    }
    runtime_files[path] = content;
    return true;
  }
  bool IsExecutable(const std::string& path) override { return executables.count(path) > 0; }
  std::set<std::string> unsaveable_state;  // /run/modseal full, for these names
  bool SaveState(const std::string& name, const std::string& value, std::string* err) override {
    if (unsaveable_state.count(name)) {
      *err = "/run/modseal/" + name + ": No space left on device";
      return false;
    }
    state[name] = value;
    return true;
  }
  bool LoadState(const std::string& name, std::string* value, std::string* err) override {
    auto it = state.find(name);
    if (it == state.end()) {
      *err = "/run/modseal/" + name + ": No such file or directory";
      return false;
    }
    *value = it->second;
    return true;
  }
  // A TPM 2.0 that knows PCR_Extend and PCR_Read of the SHA-256 bank, as the hook sends them.
  enum class Tpm { kAbsent, kPresent, kUnopenable, kRefusesExtend, kDropsExtend };
  Tpm tpm = Tpm::kAbsent;
  std::map<int, modseal::Digest> pcrs;       // unset: all zeros, as at reset
  std::vector<modseal::Digest> extended;     // every digest the TPM took, in order
  modseal::TpmStatus TpmTransmit(const std::string& command, std::string* response,
                        std::string* err) override {
    if (tpm == Tpm::kAbsent) {
      *err = "no /dev/tpmrm0 or /dev/tpm0";
      return modseal::TpmStatus::kAbsent;
    }
    if (tpm == Tpm::kUnopenable) {
      *err = "/dev/tpmrm0: Device or resource busy";
      return modseal::TpmStatus::kError;
    }
    const uint32_t code = Be(command, 6, 4);
    std::string body;
    uint32_t rc = 0;
    if (code == 0x182 && command.size() == 65 && Be(command, 31, 2) == 0x000b) {
      modseal::Digest d;
      std::copy(command.end() - 32, command.end(), d.begin());
      if (tpm == Tpm::kRefusesExtend) {
        rc = 0x907;  // TPM_RC_LOCALITY
      } else if (tpm == Tpm::kPresent) {
        const int pcr = static_cast<int>(Be(command, 10, 4));
        pcrs[pcr] = modseal::ExtendPcr(pcrs[pcr], d);
        extended.push_back(d);
      }
      body = std::string("\0\0\0\0\0\0\1\0\0", 9);  // no parameters; the session's
    } else if (code == 0x17e && command.size() == 20 && Be(command, 14, 2) == 0x000b) {
      int pcr = 0;
      while (pcr < 24 && !(static_cast<uint8_t>(command[17 + pcr / 8]) >> (pcr % 8) & 1)) ++pcr;
      const modseal::Digest value = pcrs[pcr];
      body = std::string("\0\0\0\7\0\0\0\1\0\x0b\3", 11) + command.substr(17, 3) +
             std::string("\0\0\0\1\0\x20", 6) + std::string(value.begin(), value.end());
    } else {
      rc = 0x143;  // TPM_RC_COMMAND_CODE
    }
    if (rc != 0) body.clear();
    const uint32_t size = static_cast<uint32_t>(10 + body.size());
    *response = command.substr(0, 2);
    for (uint32_t v : {size, rc})
      for (int shift = 24; shift >= 0; shift -= 8) response->push_back(static_cast<char>(v >> shift));
    *response += body;
    return modseal::TpmStatus::kOk;
  }
  modseal::Digest Pcr(int pcr) { return pcrs[pcr]; }

  void Log(const std::string& message) override { log.push_back(message); }
  std::string stopped;  // "poweroff" or "halt", once StopMachine ran
  void StopMachine(bool halt) override { stopped = halt ? "halt" : "poweroff"; }
  uint64_t NowMicros() override { return 0; }

  bool Locked() { return sysctl["kernel/modules_disabled"] == "1"; }
  bool Logged(const std::string& needle) const {
    for (const std::string& line : log)
      if (line.find(needle) != std::string::npos) return true;
    return false;
  }

 private:
  static uint32_t Be(const std::string& bytes, size_t at, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n && at + i < bytes.size(); ++i)
      v = v << 8 | static_cast<uint8_t>(bytes[at + i]);
    return v;
  }
  CopyableMutex mu_;  // the loader calls InsertModule from several threads
};

}  // namespace modseal_test
