#include "blocked_modprobe.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocked_autoloads.h"
#include "file_util.h"

namespace modseal {
namespace {

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The task that asked waits in request_module for this helper to exit: its wchan says so.
// A request_module_nowait caller does not wait and stays unknown.
std::string WaitingRequesters() {
  DIR* proc = opendir("/proc");
  if (!proc) return "";
  std::string found;
  int named = 0;
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || self == e->d_name) continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    std::string wchan, comm, err;
    if (!ReadFileBounded(dir + "/wchan", 128, &wchan, &err)) continue;
    if (wchan.find("usermodehelper") == std::string::npos &&
        wchan.find("request_module") == std::string::npos)
      continue;
    if (!ReadFileBounded(dir + "/comm", 64, &comm, &err)) continue;
    if (named++ == 3) {
      found += ",...";
      break;
    }
    found += (found.empty() ? "" : ",") + SanitizeRequestWord(Trimmed(comm)) + "[" +
             e->d_name + "]";
  }
  closedir(proc);
  return found;
}

// The modules this kernel's tree names for an alias such as net-pf-2-proto-132-type-1.
std::string ModulesForAlias(const std::string& name) {
  kmod_ctx* ctx = kmod_new(nullptr, nullptr);
  if (!ctx) return "";
  kmod_list* list = nullptr;
  std::string modules;
  if (kmod_module_new_from_lookup(ctx, name.c_str(), &list) == 0) {
    kmod_list* l;
    kmod_list_foreach(l, list) {
      kmod_module* mod = kmod_module_get_module(l);
      modules += (modules.empty() ? "" : ",") + std::string(kmod_module_get_name(mod));
      kmod_module_unref(mod);
    }
    kmod_module_unref_list(list);
  }
  kmod_unref(ctx);
  return SanitizeRequestWord(modules);
}

void LogToKernel(const std::string& message) {
  // Warning level: reaches the console unless "quiet", and journalctl -k -p warning.
  const std::string line = "<4>modseal: " + message + "\n";
  int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, line.data(), line.size()) < 0) {
    }
    close(fd);
  }
}

// Read, count, write back under one lock: the kernel runs helpers concurrently. The
// lookups run only for a request that is logged, so a flood costs a count each.
bool Record(const std::string& raw, const std::string& name, std::string* line,
            std::string* err) {
  if (mkdir("/run/modseal", 0700) != 0 && errno != EEXIST) {
    *err = std::string("/run/modseal: ") + strerror(errno);
    return false;
  }
  const std::string lock_path = std::string(kBlockedAutoloadsPath) + ".lock";
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *err = lock_path + ": " + strerror(errno);
    if (lock >= 0) close(lock);
    return false;
  }
  BlockedAutoloads record;
  std::string text, why;
  if (ReadFileBounded(kBlockedAutoloadsPath, 1 << 16, &text, &why) &&
      !ParseBlockedAutoloads(text, kBlockedAutoloadsPath, &record, &why)) {
    LogToKernel("starting " + std::string(kBlockedAutoloadsPath) + " afresh: " + why);
    record = BlockedAutoloads{};
  }
  uint64_t suppressed_before = 0;
  if (BlockedRequest* entry =
          RecordBlockedRequest(&record, name, std::max<time_t>(time(nullptr), 0), &suppressed_before)) {
    BlockedRequest logged{name, ModulesForAlias(raw), WaitingRequesters(), 0, 0, 0};
    if (entry->name == name) {
      entry->module = logged.module;
      entry->requester = logged.requester;
    }
    *line = BlockedRequestLogLine(logged, suppressed_before);
  }
  const bool ok = WriteFileAtomic(kBlockedAutoloadsPath, FormatBlockedAutoloads(record), 0600,
                                  Overwrite::kReplace, err);
  close(lock);
  return ok;
}

// The kernel starts usermode helpers with fds 0-2 closed: the lock file must not become
// stderr, where libkmod and the terminate handler write.
void OpenStandardFds() {
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) return;
}

// Without a record there is no rate limit: a line at most once a minute, gated by the lock
// file's mtime (touching it needs no free space).
bool MayLogUncounted() {
  const std::string lock_path = std::string(kBlockedAutoloadsPath) + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  struct stat st;
  const bool due = fstat(fd, &st) == 0 && time(nullptr) - st.st_mtime >= kBlockedLogWindowSeconds;
  if (due) futimens(fd, nullptr);
  close(fd);
  return due;
}

}  // namespace

int RunBlockedModprobe(int argc, char** argv) {
  OpenStandardFds();
  // The name is the last word whatever options came first ("-q --" from the kernel).
  const std::string raw = argc > 1 ? argv[argc - 1] : "";
  const std::string name = SanitizeRequestWord(raw.empty() ? "(none)" : raw);
  std::string line, err;
  if (!Record(raw, name, &line, &err)) {
    if (MayLogUncounted())
      LogToKernel("blocked auto-load of " + name + " (cannot count blocked auto-loads: " + err +
                  "; at most one such line a minute)");
    return 1;
  }
  if (!line.empty()) LogToKernel(line);
  return 1;
}

}  // namespace modseal
