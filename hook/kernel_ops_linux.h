// KernelOps on a real kernel: libkmod for inserts, /proc for state, /dev/kmsg for the log.
#pragma once

#include <mutex>
#include <vector>

#include "kernel_ops.h"

struct kmod_ctx;

namespace modseal {

class LinuxKernelOps : public KernelOps {
 public:
  ~LinuxKernelOps() override;

  std::string KernelRelease() override;
  bool HashFile(const std::string& path, std::string* hex, std::string* err) override;
  int InsertModule(const std::string& path) override;
  bool LoadedModules(std::vector<LoadedModule>* modules, std::string* err) override;
  bool FindModuleFiles(std::vector<ModuleFile>* files, std::string* err) override;
  bool ResolvePath(const std::string& path, std::string* resolved, std::string* err) override;
  bool RemoveFile(const std::string& path, std::string* err) override;
  bool SaveState(const std::string& name, const std::string& value, std::string* err) override;
  bool LoadState(const std::string& name, std::string* value, std::string* err) override;
  bool WriteSysctl(const std::string& key, const std::string& value, std::string* err) override;
  bool ReadSysctl(const std::string& key, std::string* value, std::string* err) override;
  bool HasSysctl(const std::string& key) override;
  void Log(const std::string& message) override;
  uint64_t NowMicros() override;

 private:
  kmod_ctx* BorrowKmod();
  void ReturnKmod(kmod_ctx* ctx);

  std::mutex kmod_mu_;
  std::vector<kmod_ctx*> idle_kmod_;
  int kmsg_ = -2;  // -2: not opened yet; -1: unavailable
};

}  // namespace modseal
