// KernelOps on a real kernel: libkmod for inserts, /proc for state, /dev/kmsg for the log.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "kernel_ops.h"

struct kmod_ctx;

namespace modseal {

class LinuxKernelOps : public KernelOps {
 public:
  ~LinuxKernelOps() override;

  std::string KernelRelease() override;
  bool ReadModule(const std::string& path, size_t* handle, std::string* hex,
                  std::string* err) override;
  bool PrepareModule(size_t handle, bool in_hook, bool* decompressed,
                     std::string* err) override;
  int InsertModule(const std::string& name, size_t handle) override;
  void ReleaseModule(size_t handle) override;
  bool LoadedModules(std::vector<LoadedModule>* modules, std::string* err) override;
  bool FindModuleFiles(std::vector<ModuleFile>* files, std::string* err) override;
  bool ResolvePath(const std::string& path, std::string* resolved, std::string* err) override;
  bool RemoveFile(const std::string& path, std::string* err) override;
  bool WriteRuntimeFile(const std::string& path, const std::string& content,
                        std::string* err) override;
  bool IsExecutable(const std::string& path) override;
  bool SaveState(const std::string& name, const std::string& value, std::string* err) override;
  bool LoadState(const std::string& name, std::string* value, std::string* err) override;
  bool WriteSysctl(const std::string& key, const std::string& value, std::string* err) override;
  bool ReadSysctl(const std::string& key, std::string* value, std::string* err) override;
  bool HasSysctl(const std::string& key) override;
  TpmStatus TpmTransmit(const std::string& command, std::string* response,
                        std::string* err) override;
  void Log(const std::string& message) override;
  void StopMachine(bool halt) override;
  uint64_t NowMicros() override;

 private:
  kmod_ctx* BorrowKmod();
  void ReturnKmod(kmod_ctx* ctx);

  // What finit_module needs for a compressed image: the format /sys/module/compression
  // names, read once ("" if the kernel cannot decompress modules).
  const std::string& KernelCompression();

  std::mutex kmod_mu_;
  std::vector<kmod_ctx*> idle_kmod_;
  std::mutex images_mu_;
  std::vector<int> images_;  // sealed memfds, by handle; -1 once released
  std::vector<std::string> image_paths_;  // the file each was read from, for errors
  std::once_flag compression_once_;
  std::string compression_;
  int kmsg_ = -2;  // -2: not opened yet; -1: unavailable
};

}  // namespace modseal
