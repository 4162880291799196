// What an uncaught exception does in the hook: one line on standard error, then abort().
// The dracut scripts treat the hook's death like any failure (lock, then stop the boot).
//
// This replaces libstdc++'s default handler by defining it: the default one demangles the
// exception's type name, which links the whole C++ demangler (57 KiB with gcc 14) into a
// binary that every initramfs carries. A second definition would fail the link, not
// silently pick one.
#include <cstdlib>
#include <unistd.h>

namespace __gnu_cxx {

void __verbose_terminate_handler() {
  static const char kLine[] = "modseal: terminated: uncaught exception\n";
  ssize_t ignored = write(STDERR_FILENO, kLine, sizeof kLine - 1);
  (void)ignored;
  abort();
}

}  // namespace __gnu_cxx
