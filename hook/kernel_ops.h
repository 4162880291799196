// The seam between the hook's decisions and the kernel: the real implementation talks to
// libkmod, /proc and /dev/kmsg (kernel_ops_linux.cpp); tests use a double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loaded_modules.h"

namespace modseal {

// What a TPM command came to: no TPM device at all is not an error.
enum class TpmStatus { kOk, kAbsent, kError };

// A file in the initramfs whose name marks it as a kernel module.

struct ModuleFile {
  std::string path;     // absolute, as found: directories are not resolved
  bool regular = true;  // false: a symlink, or anything else that is not a plain file
};

class KernelOps {
 public:
  virtual ~KernelOps() = default;

  virtual std::string KernelRelease() = 0;
  // Reads a module file once into memory the hook owns (sealed against change) and gives
  // the SHA-256 of exactly those bytes and a handle to them: what was hashed is what
  // InsertModule hands the kernel, whatever happens to the file afterwards.
  virtual bool ReadModule(const std::string& path, size_t* handle, std::string* hex,
                          std::string* err) = 0;
  // Makes the bytes behind `handle`, whose digest matched, ready for the kernel: a
  // compressed image is decompressed in memory (into sealed memory again) when the kernel
  // cannot decompress its format, or always with `in_hook`; otherwise left for the kernel.
  // May run on another thread than the inserts. *decompressed: whether the hook did.
  // False with *err naming the file.
  virtual bool PrepareModule(size_t handle, bool in_hook, bool* decompressed,
                             std::string* err) = 0;
  // Inserts module `name` from the bytes behind `handle`, with its modprobe.d options (and
  // the kernel command line's), never running modprobe.d install/remove commands.
  // Returns 0 or a negative errno (-EEXIST: already loaded).
  virtual int InsertModule(const std::string& name, size_t handle) = 0;
  // Frees the bytes behind `handle`; every handle ReadModule gave is released once.
  virtual void ReleaseModule(size_t handle) = 0;
  // /proc/modules, with each module's taint letters.
  virtual bool LoadedModules(std::vector<LoadedModule>* modules, std::string* err) = 0;
  // Every *.ko, *.ko.xz, *.ko.zst and *.ko.gz on the root file system (the initramfs),
  // symlinks included and not followed, other mounts (/proc, /sys, /run) not entered.
  virtual bool FindModuleFiles(std::vector<ModuleFile>* files, std::string* err) = 0;
  // PATH with every symlink resolved (/lib may be a link to usr/lib).
  virtual bool ResolvePath(const std::string& path, std::string* resolved, std::string* err) = 0;
  virtual bool RemoveFile(const std::string& path, std::string* err) = 0;
  // What one stage leaves the next, in /run/modseal/NAME (a tmpfs only the initramfs has).
  virtual bool SaveState(const std::string& name, const std::string& value,
                         std::string* err) = 0;
  virtual bool LoadState(const std::string& name, std::string* value, std::string* err) = 0;
  // A file under /run for others to read (the sealed boot's sysctl.d), its directory
  // created; written to a temporary file and renamed into place.
  virtual bool WriteRuntimeFile(const std::string& path, const std::string& content,
                                std::string* err) = 0;
  virtual bool IsExecutable(const std::string& path) = 0;
  // key is a path below /proc/sys, e.g. "kernel/modules_disabled".
  virtual bool WriteSysctl(const std::string& key, const std::string& value,
                           std::string* err) = 0;
  virtual bool ReadSysctl(const std::string& key, std::string* value, std::string* err) = 0;
  // False where the kernel lacks the setting (no kexec_load_disabled without CONFIG_KEXEC).
  virtual bool HasSysctl(const std::string& key) = 0;
  // Sends one TPM 2.0 command to /dev/tpmrm0 (or /dev/tpm0) and reads its response.
  virtual TpmStatus TpmTransmit(const std::string& command, std::string* response,
                                std::string* err) = 0;
  virtual void Log(const std::string& message) = 0;
  // Powers the machine off (or halts it) at once; returns only if the kernel refused.
  virtual void StopMachine(bool halt) = 0;
  virtual uint64_t NowMicros() = 0;
};

}  // namespace modseal
