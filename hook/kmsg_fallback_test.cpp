// The real KernelOps when the initramfs has no /dev/kmsg (no devtmpfs yet, or a broken
// image): the hook's lines, the failure ones above all, must still reach the console
// through standard error. /dev/kmsg is hidden by a private mount namespace with an empty
// tmpfs on /dev, in a child process, so the machine running the tests is not touched and
// its kernel log gets nothing. Only Log() is called: nothing here writes a sysctl.
#include "catch.h"
#include <cerrno>
#include <cstring>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_ops_linux.h"

namespace {

// Runs `body` in a child whose /dev is empty; returns what it wrote to stderr, or sets
// *skipped when mount namespaces are not available to this user.
template <typename Body>
std::string StderrWithoutDev(Body body, bool* skipped, std::string* problem) {
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(pipefd[0]);
    if (unshare(CLONE_NEWNS) != 0) _exit(errno == EPERM ? 77 : 3);
    // Private, so the tmpfs below never propagates to the machine's /dev. In a chroot "/" is
    // no mount point, but its /dev (a bind mount) is the tmpfs's parent then.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 &&
        mount(nullptr, "/dev", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      _exit(4);
    if (mount("none", "/dev", "tmpfs", 0, "size=16k") != 0) _exit(errno == EPERM ? 77 : 5);
    struct stat st;
    if (stat("/dev/kmsg", &st) == 0) _exit(6);
    dup2(pipefd[1], STDERR_FILENO);
    body();
    _exit(0);
  }
  close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  *skipped = code == 77;
  if (code != 0 && code != 77) *problem = "child failed with status " + std::to_string(code);
  return out;
}

}  // namespace

TEST_CASE("fault: without /dev/kmsg the real hook logs every line to stderr", "[hook][fault]") {
  bool skipped = false;
  std::string problem;
  const std::string out = StderrWithoutDev(
      [] {
        modseal::LinuxKernelOps ops;
        ops.Log("load: policy enforce, lock early");
        ops.Log("FAILED: virtio_ring: insert failed: Invalid argument");
        ops.Log("stopping the boot (policy enforce)");
      },
      &skipped, &problem);
  if (skipped) {
    // Only root may make the namespace; as root a skip would hide a regression.
    REQUIRE(geteuid() != 0);
    WARN("mount namespaces not permitted for this user: /dev/kmsg fallback not tested");
    return;
  }
  REQUIRE(problem.empty());
  CHECK(out ==
        "modseal: load: policy enforce, lock early\n"
        "modseal: FAILED: virtio_ring: insert failed: Invalid argument\n"
        "modseal: stopping the boot (policy enforce)\n");
}
