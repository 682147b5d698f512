// Progress on stderr for anything longer than a second: a bar with count,
// rate and ETA, redrawn at most 10 times a second. Silent when disabled or
// when the whole job ends within a second. Thread safe.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace movierec {

class Progress {
 public:
  Progress(std::string label, std::size_t total, bool enabled);
  ~Progress();
  void add(std::size_t n = 1);
  void set_label(std::string label);
  void done();

 private:
  void draw(bool final);
  std::string label_;
  std::size_t total_;
  bool enabled_;
  std::atomic<std::size_t> count_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false, finished_ = false;
};

}  // namespace movierec
