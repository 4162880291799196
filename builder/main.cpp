// modseal: build, sign and check the manifest of kernel modules a machine may load.
#include <CLI/CLI.hpp>
#include <sodium.h>

#include "commands.h"

namespace {

const char kExitCodes[] =
    "Exit status: 0 ok; 1 a check failed (signature, hash, status, diff); 2 usage or input "
    "error.";

CLI::App* Command(CLI::App& app, const std::string& name, const std::string& what,
                  const std::string& example) {
  CLI::App* cmd = app.add_subcommand(name, what);
  cmd->footer("Example:\n  " + example + "\n\n" + kExitCodes);
  return cmd;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return modseal::Fail("libsodium failed to initialise");
  CLI::App app{
      "modseal: lock a machine down to the kernel modules it needs.\n"
      "Capture the modules a reference host loads into a manifest, sign it, and let the\n"
      "initramfs hook load exactly those and then set kernel.modules_disabled=1."};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.set_version_flag("--version", "modseal " MODSEAL_VERSION);
  int rc = modseal::kExitOk;

  modseal::KeygenArgs keygen;
  CLI::App* c = Command(app, "keygen", "Write an Ed25519 key pair (minisign format).",
                        "modseal keygen -o /secure/modseal   # writes modseal.key, modseal.pub");
  c->add_option("-o,--output", keygen.base, "Base name: writes BASE.key (0600) and BASE.pub")
      ->required();
  c->add_option("--password-file", keygen.password_file,
                "Encrypt the secret key with the password in this file (scrypt, as minisign)");
  c->add_flag("-f,--force", keygen.force, "Replace existing key files");
  c->callback([&] { rc = modseal::RunKeygen(keygen); });

  modseal::CaptureArgs capture;
  c = Command(app, "capture",
              "Write a manifest of the loaded modules plus their dependencies and pre-softdeps.",
              "modseal capture --loaded node1.modules --root /srv/image -o node.manifest");
  c->add_option("-o,--output", capture.output, "Manifest to write (- for standard output)")
      ->required();
  c->add_option("--loaded", capture.options.loaded_file,
                "Saved /proc/modules or lsmod output (default: this host's /proc/modules)");
  c->add_option("--root", capture.options.root,
                "Image root holding lib/modules/KVER (default: /)");
  c->add_option("--kver", capture.options.kver,
                "Kernel release (default: uname -r for /, else the only one under --root)");
  c->add_option("--add", capture.options.add, "Also allow this module or alias (repeatable)")
      ->allow_extra_args(false);
  c->add_option("--drop", capture.options.drop, "Leave this loaded module out (repeatable)")
      ->allow_extra_args(false);
  c->add_flag("--allow-missing", capture.options.allow_missing,
              "Warn, not fail, when a loaded module is not in the tree");
  c->add_option("--previous", capture.previous,
                "Also print what changed since this manifest (the last one signed)");
  c->add_flag("--allow-risky", capture.options.allow_risky,
              "Warn, not fail, on loaded CIS-listed or O/E/F-tainted modules");
  c->callback([&] { rc = modseal::RunCapture(capture); });

  modseal::RebaseArgs rebase;
  c = Command(app, "rebase",
              "Carry a manifest to another kernel release: its loaded and added modules found "
              "again (by name or alias), dependencies, softdeps and hashes of the new tree.",
              "modseal rebase node.manifest --root /srv/image --kver 6.1.0-29-cloud-amd64 "
              "-o node-6.1.0-29.manifest");
  c->add_option("manifest", rebase.manifest, "Manifest to carry over")->required();
  c->add_option("--root", rebase.options.root,
                "Root holding lib/modules/KVER of the new release (default: /)");
  c->add_option("--kver", rebase.options.kver, "The new kernel release")->required();
  c->add_option("-o,--output", rebase.output, "Manifest to write (- for standard output)")
      ->required();
  c->add_flag("--allow-missing", rebase.options.allow_missing,
              "Leave out, with a note, a module the new tree has under no name or alias");
  c->add_option("--add", rebase.options.add,
                "Also allow this module or alias in the new release (repeatable): one the old "
                "kernel had built in")
      ->allow_extra_args(false);
  c->callback([&] { rc = modseal::RunRebase(rebase); });

  modseal::MergeArgs merge;
  c = Command(app, "merge", "Union the manifests of several hosts of one kernel release.",
              "modseal merge rack1.manifest rack2.manifest -o fleet.manifest");
  c->add_option("inputs", merge.inputs, "Manifests to merge")->required()->expected(2, -1);
  c->add_option("-o,--output", merge.output, "Manifest to write (- for standard output)")
      ->required();
  c->callback([&] { rc = modseal::RunMerge(merge); });

  modseal::SignArgs sign;
  c = Command(app, "sign", "Sign a manifest: writes MANIFEST.minisig (minisign format).",
              "modseal sign -k /secure/modseal.key node.manifest");
  c->add_option("-k,--key", sign.secret_key, "Secret key file (modseal or minisign)")->required();
  c->add_option("manifest", sign.manifest, "Manifest to sign")->required();
  c->add_option("-x,--signature", sign.output, "Signature file (default: MANIFEST.minisig)");
  c->add_option("--password-file", sign.password_file,
                "Password of an encrypted key (else asked on the terminal)");
  c->callback([&] { rc = modseal::RunSign(sign); });

  modseal::VerifyArgs verify;
  c = Command(app, "verify",
              "Check a manifest's signature and, with --root, every module file's hash.",
              "modseal verify -p modseal.pub node.manifest --root /srv/image");
  c->add_option("-p,--pubkey", verify.public_keys, "Trusted public key file (repeatable)")
      ->required()
      ->allow_extra_args(false);
  c->add_option("manifest", verify.manifest, "Manifest to check")->required();
  c->add_option("-x,--signature", verify.signature, "Signature file (default: MANIFEST.minisig)");
  c->add_option("--root", verify.root, "Also check the files under ROOT/lib/modules/KVER");
  c->callback([&] { rc = modseal::RunVerify(verify); });

  std::string show_path;
  bool show_json = false;
  std::string show_fields;
  c = Command(app, "show", "Print a manifest as a table (or JSON).",
              "modseal show node.manifest --json");
  c->add_option("manifest", show_path, "Manifest to show")->required();
  c->add_flag("--json", show_json, "Machine-readable output");
  c->add_option("--fields", show_fields,
                "Only these, tab-separated, a line per module in load order: name, path, "
                "sha256, reason, deps (comma-separated, - for none); or kernel alone (one line)")
      ->excludes("--json");
  c->callback([&] { rc = modseal::RunShow(show_path, show_json, show_fields); });

  std::string diff_a, diff_b;
  bool diff_json = false;
  c = Command(app, "diff", "Modules added, removed or changed between two manifests.",
              "modseal diff old.manifest new.manifest");
  c->add_option("a", diff_a, "Old manifest")->required();
  c->add_option("b", diff_b, "New manifest")->required();
  c->add_flag("--json", diff_json, "Machine-readable output");
  c->callback([&] { rc = modseal::RunDiff(diff_a, diff_b, diff_json); });

  modseal::BlacklistArgs blacklist;
  c = Command(app, "blacklist",
              "Write a modprobe.d drop-in denying every module the manifest does not list.",
              "modseal blacklist node.manifest --root /srv/image "
              "-o /srv/image/etc/modprobe.d/modseal.conf");
  c->add_option("manifest", blacklist.manifest, "Manifest")->required();
  c->add_option("--root", blacklist.root, "Root holding lib/modules/KVER (default: /)");
  c->add_option("-o,--output", blacklist.output,
                "File to write (default: standard output; recommended "
                "/etc/modprobe.d/modseal.conf)");
  c->add_option("--install-command", blacklist.install_command,
                "/bin/true (default: what Lynis, CIS and SSG all accept) or /bin/false");
  c->callback([&] { rc = modseal::RunBlacklist(blacklist); });

  modseal::StatusArgs status;
  c = Command(app, "status",
              "Is this host sealed (modules_disabled=1) and does it match the manifest?",
              "modseal status -m /etc/modseal/node.manifest --json");
  c->add_option("-m,--manifest", status.manifest, "Manifest the host should match");
  c->add_option("-p,--pubkey", status.pubkeys,
                "Verify the manifest's signature with this key (repeatable)")
      ->allow_extra_args(false);
  c->add_option("-x,--signature", status.signature,
                "The manifest's signature (default: MANIFEST.minisig)");
  c->add_flag("--allow-kexec", status.allow_kexec,
              "kexec_load left open is not a failure (an image built with lock_kexec=no)");
  c->add_flag("--allow-cmdline", status.allow_cmdline,
              "Risky boot command line words are reported, not a failure");
  c->add_option("--proc", status.proc, "procfs to read (default: /proc)");
  c->add_option("--root", status.root, "Root whose modprobe.d is checked (default: /)");
  c->add_flag("--json", status.json, "Machine-readable output");
  c->callback([&] { rc = modseal::RunStatus(status); });

  modseal::CheckImageArgs check_image;
  c = Command(app, "check-image",
              "Will this initramfs seal the machine it boots? modseal's hook and its triggers "
              "present, the manifest verifying, the module files exactly the listed ones.",
              "modseal check-image -p /etc/modseal/modseal.pub /boot/initrd.img-$(uname -r)");
  c->add_option("images", check_image.images, "Initramfs images (dracut's, any compression "
                                              "dracut writes on Debian: gzip, xz, zstd)")
      ->required();
  c->add_option("-p,--pubkey", check_image.public_keys,
                "The manifest must be signed by this key (repeatable; default: the keys the "
                "image trusts)")
      ->allow_extra_args(false);
  c->add_option("--kver", check_image.kver,
                "The release the image must be for (default: from its name, initrd.img-KVER)");
  c->add_flag("--json", check_image.json, "Machine-readable output");
  c->callback([&] { rc = modseal::RunCheckImage(check_image); });

  modseal::AttestArgs attest;
  c = Command(app, "attest",
              "Print the PCR value a sealed boot measures, and check a reported one.",
              "modseal attest -p modseal.pub node.manifest --pcr-value \"$(tpm2_pcrread ...)\"");
  c->add_option("manifest", attest.manifest, "Signed manifest the node was built with")
      ->required();
  c->add_option("-p,--pubkey", attest.public_keys, "Trusted public key file (repeatable)")
      ->required()
      ->allow_extra_args(false);
  c->add_option("-x,--signature", attest.signature, "Signature file (default: MANIFEST.minisig)");
  c->add_option("--policy", attest.policy, "The image's policy: enforce (default) or audit");
  c->add_option("--lock", attest.lock, "The image's lock point: early (default) or pre-mount");
  c->add_option("--kexec", attest.kexec, "Whether the image locks kexec_load: yes (default) or no");
  c->add_option("--pcr", attest.pcr, "The image's PCR (default: 13)");
  c->add_option("--log", attest.log, "The node's /run/modseal/measurements: name what differs");
  c->add_option("--pcr-value", attest.pcr_value,
                "The PCR's SHA-256 value as the TPM reports it: match or mismatch");
  c->add_flag("--json", attest.json, "Machine-readable output");
  c->callback([&] { rc = modseal::RunAttest(attest); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return modseal::kExitUsage;
  }
  return rc;
}
