// Reads and hash-checks module files on a thread of its own, ahead of the inserts: the
// insert path waits for a file only when the reader is behind. A bounded window of copies
// is held at a time, so memory stays a few modules' worth however long the list is.
//
// Each file is read once into memory the hook owns (KernelOps::ReadModule), its digest
// compared with the manifest's, and only then prepared for the kernel (decompressed where
// the hook does that): no decompressor ever parses bytes that did not match.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <pthread.h>
#include <string>
#include <utility>
#include <vector>

#include "kernel_ops.h"

namespace modseal {

struct ReadItem {
  std::string path;
  std::string sha256;  // what the manifest pins
};

// One file's outcome: `refused` says why it must not be inserted; empty means `handle`
// holds its verified bytes.
struct CheckedImage {
  std::string refused;
  const char* aborted = nullptr;  // an exception cut the check short (static text)
  size_t handle = 0;
  bool decompressed = false;  // by the hook
};

class ReadAhead {
 public:
  // Copies held at once, read but not yet Done: enough to keep ahead of serial inserts
  // and of a few insert threads.
  static constexpr size_t kWindow = 8;

  // window: copies read ahead at most (kWindow; the item count to read everything).
  ReadAhead(KernelOps& ops, std::vector<ReadItem> items, bool decompress_in_hook,
            size_t window = kWindow);
  // Stops the reader, joins it, and frees every copy not yet Done.
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Starts the reader thread. Without one (pthread_create failed), reads everything now,
  // on the caller's thread: the same results, with no window.
  void Start();
  // Waits until item i is read and checked. Each item is taken once, by any thread.
  CheckedImage Take(size_t i);
  // Item i's copy is no longer needed (inserted, or never to be): frees it and its slot.
  void Done(size_t i);
  // Waits until every item is read and checked (needs a window of all of them).
  void WaitForAll();

  uint64_t read_us() const;  // the reader's own time: read, hash, prepare
  uint64_t wait_us() const;  // summed over every Take

 private:
  struct Slot {
    bool ready = false;
    bool have_image = false;  // a handle to release
    bool done = false;
    CheckedImage image;
  };

  static void* Thread(void* self);
  void ReadAll();
  CheckedImage ReadOne(const ReadItem& item);
  std::pair<CheckedImage, uint64_t> ReadTimed(const ReadItem& item);
  void Publish(size_t i, std::pair<CheckedImage, uint64_t> read);
  void Stop();

  KernelOps& ops_;
  const std::vector<ReadItem> items_;
  const bool decompress_in_hook_;
  const size_t window_;
  std::vector<Slot> slots_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  size_t in_window_ = 0;  // read and not yet Done
  bool stopping_ = false;
  bool running_ = false;
  pthread_t thread_{};
  uint64_t read_us_ = 0;
  uint64_t wait_us_ = 0;
};

}  // namespace modseal
