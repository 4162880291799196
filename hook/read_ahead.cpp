#include "read_ahead.h"

#include <new>
#include <utility>

namespace modseal {

ReadAhead::ReadAhead(KernelOps& ops, std::vector<ReadItem> items, bool decompress_in_hook,
                     size_t window)
    : ops_(ops),
      items_(std::move(items)),
      decompress_in_hook_(decompress_in_hook),
      window_(window),
      slots_(items_.size()) {}

ReadAhead::~ReadAhead() {
  Stop();
  for (Slot& s : slots_)
    if (s.have_image && !s.done) ops_.ReleaseModule(s.image.handle);
}

void ReadAhead::Start() {
  if (pthread_create(&thread_, nullptr, &ReadAhead::Thread, this) == 0) {
    running_ = true;
    return;
  }
  // No thread: the first pass this replaces, on the caller's thread, with no window.
  for (size_t i = 0; i < items_.size(); ++i) Publish(i, ReadTimed(items_[i]));
}

void ReadAhead::Stop() {
  if (!running_) return;
  {
    std::lock_guard<std::mutex> hold(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  pthread_join(thread_, nullptr);
  running_ = false;
}

void* ReadAhead::Thread(void* self) {
  static_cast<ReadAhead*>(self)->ReadAll();
  return nullptr;
}

void ReadAhead::ReadAll() {
  for (size_t i = 0; i < items_.size(); ++i) {
    {
      std::unique_lock<std::mutex> hold(mu_);
      changed_.wait(hold, [this] { return stopping_ || in_window_ < window_; });
      if (stopping_) return;
    }
    // The file is read outside the lock: inserts go on meanwhile.
    Publish(i, ReadTimed(items_[i]));
  }
}

std::pair<CheckedImage, uint64_t> ReadAhead::ReadTimed(const ReadItem& item) {
  const uint64_t t0 = ops_.NowMicros();
  CheckedImage image = ReadOne(item);
  return {std::move(image), ops_.NowMicros() - t0};
}

void ReadAhead::Publish(size_t i, std::pair<CheckedImage, uint64_t> read) {
  {
    std::lock_guard<std::mutex> hold(mu_);
    read_us_ += read.second;
    Slot& s = slots_[i];
    s.image = std::move(read.first);
    s.have_image = s.image.refused.empty() && !s.image.aborted;
    s.ready = true;
    if (s.have_image) ++in_window_;
  }
  changed_.notify_all();
}

CheckedImage ReadAhead::ReadOne(const ReadItem& item) {
  CheckedImage out;
  bool held = false;
  try {
    std::string hex, err;
    if (!ops_.ReadModule(item.path, &out.handle, &hex, &err)) {
      out.refused = "cannot read " + err;
      return out;
    }
    held = true;
    if (hex != item.sha256) {
      out.refused = "hash mismatch for " + item.path + " (manifest " +
                    item.sha256.substr(0, 16) + "..., file " + hex.substr(0, 16) + "...)";
    } else if (!ops_.PrepareModule(out.handle, decompress_in_hook_, &out.decompressed, &err)) {
      // Only with the digest matched may anything parse the bytes.
      out.refused = err;
    }
  } catch (const std::bad_alloc&) {
    // Static text: building a string here could throw again, out of the thread.
    out.aborted = "hash check aborted: out of memory";
  } catch (...) {
    out.aborted = "hash check aborted: unexpected exception";
  }
  if (held && (out.aborted || !out.refused.empty())) {
    try {
      ops_.ReleaseModule(out.handle);
    } catch (...) {
    }
  }
  return out;
}

CheckedImage ReadAhead::Take(size_t i) {
  const uint64_t t0 = ops_.NowMicros();
  std::unique_lock<std::mutex> hold(mu_);
  changed_.wait(hold, [&] { return slots_[i].ready; });
  wait_us_ += ops_.NowMicros() - t0;
  return slots_[i].image;
}

void ReadAhead::Done(size_t i) {
  {
    std::lock_guard<std::mutex> hold(mu_);
    Slot& s = slots_[i];
    if (s.done) return;
    s.done = true;
    if (!s.have_image) return;
    ops_.ReleaseModule(s.image.handle);
    --in_window_;
  }
  changed_.notify_all();
}

void ReadAhead::WaitForAll() {
  std::unique_lock<std::mutex> hold(mu_);
  changed_.wait(hold, [this] {
    for (const Slot& s : slots_)
      if (!s.ready) return false;
    return true;
  });
}

uint64_t ReadAhead::read_us() const {
  std::lock_guard<std::mutex> hold(mu_);
  return read_us_;
}

uint64_t ReadAhead::wait_us() const {
  std::lock_guard<std::mutex> hold(mu_);
  return wait_us_;
}

}  // namespace modseal
