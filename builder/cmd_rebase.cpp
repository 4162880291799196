// rebase: a manifest carried to another kernel release, every difference reported.
#include <cstdio>

#include "commands.h"
#include "rebase.h"

namespace modseal {

int RunRebase(const RebaseArgs& args) {
  Manifest old, rebased;
  RebaseReport report;
  std::string err;
  if (!LoadManifest(args.manifest, &old, &err)) return Fail(err);
  if (!Rebase(old, args.manifest, args.options, &rebased, &report, &err))
    return Fail("rebase: " + err);
  if (!WriteOutput(args.output, SerializeManifest(rebased), &err)) return Fail(err);
  fprintf(stderr, "modseal: rebased %s from %s to %s: %zu modules (%zu carried over, %zu "
          "joined, %zu left)\n", args.manifest.c_str(), old.kernel.c_str(),
          rebased.kernel.c_str(), rebased.modules.size(), report.carried,
          rebased.modules.size() - report.carried,
          old.modules.size() - (report.carried));
  for (const std::string& line : report.roots) fprintf(stderr, "  %s\n", line.c_str());
  for (const std::string& line : report.changes) fprintf(stderr, "  %s\n", line.c_str());
  fprintf(stderr, "modseal: review the changes, then sign %s off the node\n",
          args.output == "-" ? "it" : args.output.c_str());
  return kExitOk;
}

}  // namespace modseal
