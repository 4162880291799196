// The test guest's unprivileged workload: as UID, COUNT times, asks for an SCTP socket,
// which makes the kernel request_module the protocol (net-pf-2-proto-132...).
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: autoload-probe UID COUNT\n");
    return 2;
  }
  const uid_t uid = (uid_t)atoi(argv[1]);
  const long count = atol(argv[2]);
  if (setgid(uid) != 0 || setuid(uid) != 0 || getuid() != uid) {
    fprintf(stderr, "autoload-probe: cannot become uid %u: %s\n", uid, strerror(errno));
    return 2;
  }
  long opened = 0;
  int last_errno = 0;
  for (long i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (fd >= 0) {
      ++opened;
      close(fd);
    } else {
      last_errno = errno;
    }
  }
  printf("uid=%u attempts=%ld opened=%ld error=%s\n", uid, count, opened,
         last_errno ? strerror(last_errno) : "none");
  return opened == 0 ? 0 : 1;
}
