#include "boot_cmdline.h"

#include "catch.h"

using namespace modseal;

namespace {

std::vector<std::string> Words(std::string_view cmdline, const Manifest* m = nullptr) {
  std::vector<std::string> words;
  for (const RiskyWord& r : RiskyBootWords(cmdline, m)) words.push_back(r.word);
  return words;
}

}  // namespace

TEST_CASE("risky boot command line words, each with its reason", "[status]") {
  CHECK(Words("BOOT_IMAGE=/vmlinuz root=/dev/vda ro quiet rd.shell=0 console=ttyS0").empty());
  for (const char* word : {"rdinit=/bin/sh", "rd.break", "rd.break=pre-mount", "rdbreak",
                           "rd.shell", "rd.shell=1", "rd.systemd.debug_shell",
                           "systemd.debug_shell=1", "rd.systemd.unit=emergency.target",
                           "rd.systemd.mask=modseal-lock.service", "rd.systemd.wants=x.service",
                           "rd.driver.pre=dummy", "rd.modseal.policy=audit",
                           "rd.modules_load=dummy", "rd.cmdline=ask", "rd.emergency",
                           "rd.rescue"}) {
    CAPTURE(word);
    CHECK(Words(std::string("root=/dev/vda ") + word + " quiet") ==
          std::vector<std::string>{word});
  }
  CHECK(Words("rd.systemd.debug_shell=0 rd.shell=no rd.emergency=poweroff").empty());
  CHECK(RiskyBootWords("rdinit=/bin/sh", nullptr)[0].why ==
        "the initramfs ran another init: the seal's hooks may never have run");
}

TEST_CASE("module parameters on the command line for listed modules", "[status]") {
  Manifest m;
  m.modules.push_back({"virtio_blk", "b.ko", std::string(64, 'a'), Reason::kLoaded, "", {}, {}});
  CHECK(Words("virtio-blk.queue_depth=1 i915.modeset=0 net.ifnames=0", &m) ==
        std::vector<std::string>{"virtio-blk.queue_depth=1"});
  CHECK(Words("virtio_blk.queue_depth=1").empty());  // without a manifest: nothing to match
}
