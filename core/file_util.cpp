#include "file_util.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace modseal {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool WriteAll(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

bool ReadFileChunks(const std::string& path,
                    const std::function<bool(const char* data, size_t size)>& consume,
                    std::string* err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + strerror(errno);
    return false;
  }
  char buf[65536];
  bool ok = true;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = path + ": read failed: " + strerror(errno);
      ok = false;
      break;
    }
    if (n == 0) break;
    if (!consume(buf, static_cast<size_t>(n))) {
      ok = false;
      break;
    }
  }
  close(fd);
  return ok;
}

bool ReadFileBounded(const std::string& path, size_t max_bytes, std::string* out,
                     std::string* err) {
  out->clear();
  return ReadFileChunks(
      path,
      [&](const char* data, size_t size) {
        if (out->size() + size > max_bytes) {
          *err = path + ": file is larger than the limit of " + std::to_string(max_bytes) +
                 " bytes";
          return false;
        }
        out->append(data, size);
        return true;
      },
      err);
}

bool WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode,
                     Overwrite overwrite, std::string* err) {
  std::string dir = DirName(path);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) {
    *err = path + ": cannot create a temporary file in " + dir + ": " + strerror(errno);
    return false;
  }
  auto fail = [&](const std::string& what) {
    int saved = errno;
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    *err = path + ": " + what + ": " + strerror(saved);
    return false;
  };
  if (fchmod(fd, mode) != 0) return fail("cannot set permissions");
  if (!WriteAll(fd, content)) return fail("write failed");
  if (fsync(fd) != 0) return fail("fsync failed");
  if (close(fd) != 0) {
    fd = -1;
    return fail("close failed");
  }
  fd = -1;
  if (overwrite == Overwrite::kRefuse) {
    // link() fails with EEXIST instead of replacing: an existing file is never clobbered.
    if (link(tmp.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST) {
        unlink(tmp.c_str());
        *err = path + ": already exists (use --force to replace it)";
        return false;
      }
      return fail("cannot create");
    }
    unlink(tmp.c_str());
  } else if (rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("cannot rename into place");
  }
  SyncDir(dir);
  return true;
}

}  // namespace modseal
