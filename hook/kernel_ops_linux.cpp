#include "kernel_ops_linux.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <libkmod.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "file_util.h"
#include "loaded_modules.h"
#include "manifest.h"
#include "sha256.h"

namespace modseal {

LinuxKernelOps::~LinuxKernelOps() {
  for (kmod_ctx* ctx : idle_kmod_) kmod_unref(ctx);
  if (kmsg_ >= 0) close(kmsg_);
}

// libkmod contexts are not thread-safe: each insert borrows one no other thread is using,
// with the image's own modprobe.d (options) and module directory.
kmod_ctx* LinuxKernelOps::BorrowKmod() {
  {
    std::lock_guard<std::mutex> hold(kmod_mu_);
    if (!idle_kmod_.empty()) {
      kmod_ctx* ctx = idle_kmod_.back();
      idle_kmod_.pop_back();
      return ctx;
    }
  }
  return kmod_new(nullptr, nullptr);
}

void LinuxKernelOps::ReturnKmod(kmod_ctx* ctx) {
  std::lock_guard<std::mutex> hold(kmod_mu_);
  idle_kmod_.push_back(ctx);
}

std::string LinuxKernelOps::KernelRelease() {
  struct utsname u;
  if (uname(&u) != 0) return "";
  return u.release;
}

bool LinuxKernelOps::HashFile(const std::string& path, std::string* hex, std::string* err) {
  return Sha256File(path, hex, err);
}

int LinuxKernelOps::InsertModule(const std::string& path) {
  kmod_ctx* ctx = BorrowKmod();
  if (!ctx) return -ENOMEM;
  kmod_module* mod = nullptr;
  int rc = kmod_module_new_from_path(ctx, path.c_str(), &mod);
  if (rc == 0) {
    // A plain insert: modprobe.d options apply, install/remove commands never run.
    rc = kmod_module_insert_module(mod, 0, kmod_module_get_options(mod));
    kmod_module_unref(mod);
  }
  ReturnKmod(ctx);
  return rc;
}

bool LinuxKernelOps::LoadedModules(std::vector<LoadedModule>* modules, std::string* err) {
  return ReadLoadedModules("/proc/modules", LoadedFormat::kProcModules, modules, err);
}

bool LinuxKernelOps::HasSysctl(const std::string& key) {
  return access(("/proc/sys/" + key).c_str(), F_OK) == 0;
}

namespace {

// nftw has no user pointer; the walk runs once, on the hook's main thread.
std::vector<ModuleFile>* g_found = nullptr;
bool g_out_of_memory = false;

int NoteModuleFile(const char* path, const struct stat* st, int type, struct FTW*) {
  // No exception may cross nftw (C code): out of memory ends the walk as an error.
  try {
    if (type != FTW_D && type != FTW_DP && HasModuleFileSuffix(path))
      g_found->push_back({path, type == FTW_F && S_ISREG(st->st_mode)});
  } catch (...) {
    g_out_of_memory = true;
    return 1;
  }
  return 0;
}

}  // namespace

bool LinuxKernelOps::FindModuleFiles(std::vector<ModuleFile>* files, std::string* err) {
  files->clear();
  g_found = files;
  // FTW_PHYS: a symlink is reported, not followed. FTW_MOUNT: the initramfs only.
  g_out_of_memory = false;
  const int rc = nftw("/", NoteModuleFile, 32, FTW_PHYS | FTW_MOUNT);
  g_found = nullptr;
  if (rc != 0) {
    *err = std::string("walking the initramfs: ") + strerror(g_out_of_memory ? ENOMEM : errno);
    return false;
  }
  return true;
}

bool LinuxKernelOps::ResolvePath(const std::string& path, std::string* resolved,
                                 std::string* err) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) {
    *err = path + ": " + strerror(errno);
    return false;
  }
  *resolved = buf;
  return true;
}

bool LinuxKernelOps::RemoveFile(const std::string& path, std::string* err) {
  if (unlink(path.c_str()) == 0) return true;
  *err = path + ": " + strerror(errno);
  return false;
}

bool LinuxKernelOps::SaveState(const std::string& name, const std::string& value,
                               std::string* err) {
  if (mkdir("/run/modseal", 0700) != 0 && errno != EEXIST) {
    *err = std::string("/run/modseal: ") + strerror(errno);
    return false;
  }
  return WriteFileAtomic("/run/modseal/" + name, value, 0600, Overwrite::kReplace, err);
}

bool LinuxKernelOps::LoadState(const std::string& name, std::string* value, std::string* err) {
  return ReadFileBounded("/run/modseal/" + name, 4096, value, err);
}

bool LinuxKernelOps::WriteSysctl(const std::string& key, const std::string& value,
                                 std::string* err) {
  const std::string path = "/proc/sys/" + key;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + strerror(errno);
    return false;
  }
  const std::string line = value + "\n";
  ssize_t n = write(fd, line.data(), line.size());
  int saved = errno;
  close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    *err = path + ": write failed: " + strerror(n < 0 ? saved : EIO);
    return false;
  }
  return true;
}

bool LinuxKernelOps::ReadSysctl(const std::string& key, std::string* value, std::string* err) {
  if (!ReadFileBounded("/proc/sys/" + key, 64, value, err)) return false;
  while (!value->empty() && (value->back() == '\n' || value->back() == ' ')) value->pop_back();
  return true;
}

void LinuxKernelOps::Log(const std::string& message) {
  if (kmsg_ == -2) kmsg_ = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  const bool failure = message.rfind("FAILED", 0) == 0 || message.rfind("stopping", 0) == 0;
  // An explicit level: with "quiet", default-level lines do not reach the console.
  const std::string line = std::string(failure ? "<2>" : "<5>") + "modseal: " + message + "\n";
  if (kmsg_ >= 0 && write(kmsg_, line.data(), line.size()) < 0) {
    // Logged to stderr below either way.
  }
  const std::string plain = "modseal: " + message + "\n";
  if (write(STDERR_FILENO, plain.data(), plain.size()) < 0) {
  }
}

uint64_t LinuxKernelOps::NowMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace modseal
