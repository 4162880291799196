#include "kernel_ops_linux.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <ftw.h>
#include <linux/module.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <libkmod.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "file_util.h"
#include "loaded_modules.h"
#include "manifest.h"
#include "module_image.h"
#include "sha256.h"

namespace modseal {

LinuxKernelOps::~LinuxKernelOps() {
  for (kmod_ctx* ctx : idle_kmod_) kmod_unref(ctx);
  for (int fd : images_)
    if (fd >= 0) close(fd);
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

namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

ModuleCompression ImageCompression(int fd) {
  unsigned char magic[6] = {};
  const ssize_t n = pread(fd, magic, sizeof magic, 0);
  return CompressionOf(magic, n > 0 ? static_cast<size_t>(n) : 0);
}

bool SealImage(int fd, const std::string& path, std::string* err) {
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0)
    return true;
  *err = path + ": sealing its copy: " + strerror(errno);
  return false;
}

// The sealed copy decompressed into a second sealed memfd: derived in memory from the
// hashed bytes alone, never from the file again. Returns the new fd, or -1.
int DecompressImage(int sealed, ModuleCompression format, const std::string& path,
                    std::string* err) {
  struct stat st;
  if (fstat(sealed, &st) != 0 || st.st_size <= 0) {
    *err = path + ": empty image";
    return -1;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, sealed, 0);
  if (map == MAP_FAILED) {
    *err = path + ": mapping its copy: " + strerror(errno);
    return -1;
  }
  int fd = memfd_create(path.substr(path.rfind('/') + 1).c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  std::string why;
  bool ok = fd >= 0;
  if (!ok) why = std::string("memfd_create: ") + strerror(errno);
  try {
    ok = ok && DecompressModule(
                   format, static_cast<const unsigned char*>(map), size,
                   [&](const char* data, size_t n) {
                     if (WriteAll(fd, data, n)) return true;
                     why = std::string("writing: ") + strerror(errno);
                     return false;
                   },
                   &why);
  } catch (...) {
    // Out of memory in the decoder: nothing of this attempt may stay behind.
    munmap(map, size);
    if (fd >= 0) close(fd);
    throw;
  }
  munmap(map, size);
  if (!ok) {
    *err = path + ": decompressing (" + CompressionName(format) + "): " + why;
    if (fd >= 0) close(fd);
    return -1;
  }
  if (!SealImage(fd, path, err)) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// The file is copied into a memfd as it is hashed, then sealed: neither the hook nor anyone
// else can change those bytes, and the kernel reads them, not the file, through finit_module.
bool LinuxKernelOps::ReadModule(const std::string& path, size_t* handle, std::string* hex,
                                std::string* err) {
  const std::string base = path.substr(path.rfind('/') + 1);
  int fd = memfd_create(base.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    *err = path + ": memfd_create: " + strerror(errno);
    return false;
  }
  const bool ok = Sha256FileCopy(
      path,
      [&](const char* data, size_t size) {
        if (WriteAll(fd, data, size)) return true;
        *err = path + ": copying into memory: " + strerror(errno);
        return false;
      },
      hex, err);
  if (!ok || !SealImage(fd, path, err)) {
    close(fd);
    return false;
  }
  std::lock_guard<std::mutex> hold(images_mu_);
  images_.push_back(fd);
  image_paths_.push_back(path);
  *handle = images_.size() - 1;
  return true;
}

const std::string& LinuxKernelOps::KernelCompression() {
  std::call_once(compression_once_, [this] {
    std::string text, err;
    if (ReadFileBounded("/sys/module/compression", 64, &text, &err))
      compression_ = text.substr(0, text.find('\n'));
  });
  return compression_;
}

bool LinuxKernelOps::PrepareModule(size_t handle, bool in_hook, bool* decompressed,
                                   std::string* err) {
  *decompressed = false;
  int fd;
  std::string path;
  {
    std::lock_guard<std::mutex> hold(images_mu_);
    fd = handle < images_.size() ? images_[handle] : -1;
    if (fd >= 0) path = image_paths_[handle];
  }
  if (fd < 0) {
    *err = "no image behind handle " + std::to_string(handle);
    return false;
  }
  const ModuleCompression format = ImageCompression(fd);
  if (format == ModuleCompression::kNone) return true;
  if (!in_hook && CompressionName(format) == KernelCompression()) return true;
  // Any format on Debian 12's 6.1, whose kernel decompresses none: done here, so the
  // kernel's side stays finit_module of a sealed memfd.
  const int plain = DecompressImage(fd, format, path, err);
  if (plain < 0) return false;
  std::lock_guard<std::mutex> hold(images_mu_);
  images_[handle] = plain;
  close(fd);
  *decompressed = true;
  return true;
}

int LinuxKernelOps::InsertModule(const std::string& name, size_t handle) {
  int fd;
  {
    std::lock_guard<std::mutex> hold(images_mu_);
    fd = handle < images_.size() ? images_[handle] : -1;
  }
  if (fd < 0) return -EBADF;
  // Still compressed after PrepareModule: the kernel decompresses it itself.
  const unsigned flags =
      ImageCompression(fd) == ModuleCompression::kNone ? 0 : MODULE_INIT_COMPRESSED_FILE;
  kmod_ctx* ctx = BorrowKmod();
  if (!ctx) return -ENOMEM;
  kmod_module* mod = nullptr;
  // By name: options come from the image's modprobe.d (and the kernel command line); no
  // install/remove command is ever run, and the bytes are the sealed copy's.
  int rc = kmod_module_new_from_name(ctx, name.c_str(), &mod);
  if (rc == 0) {
    const char* options = kmod_module_get_options(mod);
    rc = syscall(SYS_finit_module, fd, options ? options : "", flags) == 0 ? 0 : -errno;
    kmod_module_unref(mod);
  }
  ReturnKmod(ctx);
  return rc;
}

void LinuxKernelOps::ReleaseModule(size_t handle) {
  std::lock_guard<std::mutex> hold(images_mu_);
  if (handle < images_.size() && images_[handle] >= 0) {
    close(images_[handle]);
    images_[handle] = -1;
  }
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

bool LinuxKernelOps::WriteRuntimeFile(const std::string& path, const std::string& content,
                                      std::string* err) {
  const std::string dir = path.substr(0, path.rfind('/'));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *err = dir + ": " + strerror(errno);
    return false;
  }
  return WriteFileAtomic(path, content, 0644, Overwrite::kReplace, err);
}

bool LinuxKernelOps::IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

bool LinuxKernelOps::LoadState(const std::string& name, std::string* value, std::string* err) {
  // The hook's own files, in a directory only root reaches: the event log is the largest.
  return ReadFileBounded("/run/modseal/" + name, 1 << 20, value, err);
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

void LinuxKernelOps::StopMachine(bool halt) {
  sync();
  reboot(halt ? RB_HALT_SYSTEM : RB_POWER_OFF);
}

TpmStatus LinuxKernelOps::TpmTransmit(const std::string& command, std::string* response,
                                      std::string* err) {
  // A TPM 1.2 answers TPM 2.0 commands with errors: for the seal it is no TPM at all.
  std::string major;
  if (ReadFileBounded("/sys/class/tpm/tpm0/tpm_version_major", 16, &major, err) &&
      major == "1\n") {
    *err = "a TPM 1.2, and the seal is measured into TPM 2.0 only";
    return TpmStatus::kAbsent;
  }
  // The resource manager first: it lets the hook share the TPM with anyone else.
  const char* path = "/dev/tpmrm0";
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO)) {
    path = "/dev/tpm0";
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO)) {
      *err = "no /dev/tpmrm0 or /dev/tpm0";
      return TpmStatus::kAbsent;
    }
  }
  if (fd < 0) {
    *err = std::string(path) + ": " + strerror(errno);
    return TpmStatus::kError;
  }
  // The kernel's TPM device takes one whole command per write and gives its whole
  // response to one read.
  char buf[4096];
  ssize_t n = write(fd, command.data(), command.size());
  if (n == static_cast<ssize_t>(command.size())) n = read(fd, buf, sizeof buf);
  else if (n >= 0) errno = EIO, n = -1;  // a short write: nothing was read
  const int saved = errno;
  close(fd);
  if (n <= 0) {
    *err = std::string(path) + ": " + strerror(n < 0 ? saved : EIO);
    return TpmStatus::kError;
  }
  response->assign(buf, static_cast<size_t>(n));
  return TpmStatus::kOk;
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
