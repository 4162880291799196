// Round-trip property of the manifest format: for any text the parser accepts, writing the
// parsed manifest back gives the same bytes. Signatures cover bytes, so a second byte form
// of the same manifest would let one list of modules carry two different signatures and
// would make captures stop diffing cleanly.
//
// Inputs: the real captures from fuzz/corpus, random manifests built through the writer,
// and many random edits of both (most are rejected; every accepted one must round-trip).
// Seeds are fixed, so a failure reproduces; the failing text is printed.
#include <algorithm>
#include "catch.h"
#include <cctype>
#include <dirent.h>
#include <random>
#include <string>
#include <vector>

#include "manifest.h"
#include "test_util.h"

using namespace modseal;

namespace {

const std::vector<std::string> kNames = {"autofs4",   "virtio",  "virtio_ring", "virtio_blk",
                                         "ext4",      "mbcache", "jbd2",        "crc16",
                                         "crc32c_intel", "crc32c_generic", "nf_tables", "a",
                                         "b_",        "x9"};
const std::vector<std::string> kExtensions = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};

// Short tokens that take an edit across field and token boundaries, where a lenient
// parser would accept a second spelling.
const std::vector<std::string> kSnippets = {
    " ",      "  ",     "\n",        ",",      ":",     "-",       "_",     "pre:",  "loaded",
    "added",  "needed-by:", "softdep-of:", "sha256:", "a", "0", "module ", ".ko", "/",
    "..",     "\t",     "\r",        "kernel ", "modseal-manifest 1\n", "+", "A", "f"};

std::vector<std::string> CorpusManifests() {
  std::vector<std::string> texts;
  const std::string dir = MODSEAL_FUZZ_CORPUS "/manifest";
  DIR* d = opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') texts.push_back(modseal_test::ReadText(dir + "/" + e->d_name));
  closedir(d);
  return texts;
}

std::string RandomHex(std::mt19937& rng) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 64; ++i) hex.push_back(kHex[rng() % 16]);
  return hex;
}

// A random valid manifest, made canonical by the writer's own Canonicalize.
std::string RandomManifest(std::mt19937& rng) {
  Manifest m;
  m.kernel = rng() % 2 ? "6.1.0-28-cloud-amd64" : "6.12.9+bpo-amd64";
  std::vector<std::string> names = kNames;
  std::shuffle(names.begin(), names.end(), rng);
  names.resize(rng() % (names.size() + 1));
  for (size_t i = 0; i < names.size(); ++i) {
    ModuleEntry e;
    e.name = names[i];
    e.path = "kernel/d" + std::to_string(rng() % 3) + "/" + names[i] +
             kExtensions[rng() % kExtensions.size()];
    e.sha256 = RandomHex(rng);
    // Deps only on modules made earlier: never a cycle.
    for (size_t j = 0; j < i; ++j) {
      unsigned roll = rng() % 6;
      if (roll == 0) e.deps.push_back(names[j]);
      if (roll == 1) e.softdeps.push_back(names[j]);
    }
    switch (rng() % 4) {
      case 0: e.reason = Reason::kLoaded; break;
      case 1: e.reason = Reason::kAdded; break;
      default:
        if (i == 0) break;
        e.reason = rng() % 2 ? Reason::kNeededBy : Reason::kSoftdepOf;
        e.reason_module = names[rng() % i];
    }
    m.modules.push_back(e);
  }
  std::string err;
  REQUIRE(Canonicalize(&m, &err));
  return SerializeManifest(m);
}

std::string Mutate(std::string text, std::mt19937& rng) {
  const unsigned edits = 1 + rng() % 3;
  for (unsigned k = 0; k < edits; ++k) {
    const size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
    switch (rng() % 6) {
      case 0:  // insert a snippet
        text.insert(at, kSnippets[rng() % kSnippets.size()]);
        break;
      case 1:  // delete a few bytes
        text.erase(std::min(at, text.size()), 1 + rng() % 4);
        break;
      case 2:  // overwrite one byte with a snippet's first byte
        if (at < text.size()) text[at] = kSnippets[rng() % kSnippets.size()][0];
        break;
      case 3: {  // swap two lines
        std::vector<std::string> lines;
        size_t start = 0, nl;
        while ((nl = text.find('\n', start)) != std::string::npos) {
          lines.push_back(text.substr(start, nl - start + 1));
          start = nl + 1;
        }
        if (lines.size() > 3) {
          std::swap(lines[2 + rng() % (lines.size() - 2)], lines[2 + rng() % (lines.size() - 2)]);
          std::string joined;
          for (const std::string& l : lines) joined += l;
          text = joined + text.substr(start);
        }
        break;
      }
      case 4:  // duplicate a stretch
        if (at < text.size()) text.insert(at, text.substr(at, 1 + rng() % 40));
        break;
      default:  // flip a character's case
        if (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at])))
          text[at] ^= 0x20;
    }
  }
  return text;
}

// The property itself; returns whether the text was accepted.
bool RoundTrips(const std::string& text) {
  Manifest m;
  std::string err;
  if (!ParseManifest(text, "m", &m, &err)) return false;
  INFO("accepted text:\n" << text);
  CHECK(SerializeManifest(m) == text);
  Manifest canonical = m;
  REQUIRE(Canonicalize(&canonical, &err));
  CHECK(SerializeManifest(canonical) == text);
  return true;
}

}  // namespace

TEST_CASE("round trip: real captures are written back byte for byte", "[manifest][roundtrip]") {
  std::vector<std::string> corpus = CorpusManifests();
  REQUIRE(corpus.size() >= 2);
  for (const std::string& text : corpus) CHECK(RoundTrips(text));
}

TEST_CASE("round trip: every manifest the writer makes parses back to the same bytes",
          "[manifest][roundtrip]") {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 2000; ++i) {
    const std::string text = RandomManifest(rng);
    INFO("case " << i);
    CHECK(RoundTrips(text));
  }
}

TEST_CASE("round trip: any edit the parser accepts is written back byte for byte",
          "[manifest][roundtrip]") {
  std::mt19937 rng(7);
  std::vector<std::string> bases = CorpusManifests();
  for (int i = 0; i < 50; ++i) bases.push_back(RandomManifest(rng));
  size_t accepted = 0, tried = 0;
  for (const std::string& base : bases) {
    for (int i = 0; i < 400; ++i) {
      ++tried;
      accepted += RoundTrips(Mutate(base, rng));
    }
  }
  // Edits that keep the text valid (a line swap of independent modules back into place, a
  // hash digit changed) must occur, or the property was never exercised on edited input.
  INFO(accepted << " of " << tried << " edited manifests accepted");
  CHECK(accepted >= 100);
}
