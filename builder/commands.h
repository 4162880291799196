// The modseal subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "capture.h"
#include "check_image.h"
#include "rebase.h"

namespace modseal {

enum ExitCode { kExitOk = 0, kExitCheckFailed = 1, kExitUsage = 2 };

struct KeygenArgs {
  std::string base;  // writes BASE.key and BASE.pub
  std::string password_file;
  bool force = false;
};
int RunKeygen(const KeygenArgs& args);

struct SignArgs {
  std::string secret_key;
  std::string manifest;
  std::string output;  // default: MANIFEST.minisig
  std::string password_file;
};
int RunSign(const SignArgs& args);

struct VerifyArgs {
  std::vector<std::string> public_keys;
  std::string manifest;
  std::string signature;  // default: MANIFEST.minisig
  std::string root;       // when set, also check every file's hash in this tree
};
int RunVerify(const VerifyArgs& args);

struct CaptureArgs {
  CaptureOptions options;
  std::string output;
  std::string previous;  // report what changed since this manifest
};
int RunCapture(const CaptureArgs& args);

struct RebaseArgs {
  std::string manifest;
  RebaseOptions options;
  std::string output;
};
int RunRebase(const RebaseArgs& args);

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output;
};
int RunMerge(const MergeArgs& args);

// fields: "" for the table, else a comma-separated list (ShowFields) printed tab-separated.
int RunShow(const std::string& manifest, bool json, const std::string& fields);
int RunDiff(const std::string& a, const std::string& b, bool json);

struct BlacklistArgs {
  std::string manifest;
  std::string root = "/";
  std::string output = "-";
  // What "install X ..." runs: /bin/true is the one line Lynis NETW-3200 accepts, and
  // CIS and SSG accept it too; /bin/false makes an explicit modprobe fail loudly.
  std::string install_command = "/bin/true";
};
int RunBlacklist(const BlacklistArgs& args);

struct StatusArgs {
  std::string manifest;  // optional
  std::vector<std::string> pubkeys;  // verify the manifest's signature with these
  std::string signature;             // default: MANIFEST.minisig
  std::string proc = "/proc";
  std::string root = "/";
  bool allow_kexec = false;    // kexec_load open is not a failure
  bool allow_cmdline = false;  // risky boot command line words are not a failure
  bool json = false;
};
int RunStatus(const StatusArgs& args);

struct AttestArgs {
  std::string manifest;
  std::string signature;  // default: MANIFEST.minisig
  std::vector<std::string> public_keys;
  std::string policy = "enforce";
  std::string lock = "early";
  std::string kexec = "yes";
  int pcr = 13;
  std::string log;        // a booted system's /run/modseal/measurements
  std::string pcr_value;  // what tpm2_pcrread or a quote reports
  bool json = false;
};
int RunAttest(const AttestArgs& args);

struct CheckImageArgs {
  std::vector<std::string> images;
  std::vector<std::string> public_keys;  // empty: the keys each image trusts
  std::string kver;                      // default: from the image's name, if it holds it
  bool json = false;
};
int RunCheckImage(const CheckImageArgs& args);
// Reads and checks one image (false: it could not be read, *err says why).
bool CheckImageFile(const std::string& path, const std::vector<PublicKey>& keys,
                    const std::string& kver, ImageVerdict* verdict, std::string* err);
std::string ImageSummary(const ImageVerdict& v);

// Helpers shared by the commands.
int Fail(const std::string& message, int code = kExitUsage);
// "-" means standard output; anything else is written atomically.
bool WriteOutput(const std::string& path, const std::string& content, std::string* err);

}  // namespace modseal
