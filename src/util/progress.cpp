#include "util/progress.h"

#include <cstdio>

namespace movierec {

Progress::Progress(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { done(); }

void Progress::set_label(std::string label) {
  std::lock_guard lock(mu_);
  label_ = std::move(label);
}

void Progress::add(std::size_t n) {
  count_ += n;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  draw(false);
}

void Progress::done() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (drawn_) draw(true);
}

void Progress::draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::size_t c = count_.load();
  double rate = secs > 0 ? c / secs : 0;
  char line[256];
  if (total_ > 0) {
    double frac = std::min(1.0, double(c) / double(total_));
    int filled = static_cast<int>(frac * 24);
    std::string bar(filled, '#');
    bar.resize(24, '.');
    double eta = rate > 0 ? (total_ - std::min(c, total_)) / rate : 0;
    std::snprintf(line, sizeof line, "\r%s [%s] %zu/%zu %.1f/s %s %.0fs", label_.c_str(), bar.c_str(), c, total_, rate,
                  final ? "took" : "ETA", final ? secs : eta);
  } else {
    std::snprintf(line, sizeof line, "\r%s %zu %.1f/s %.0fs", label_.c_str(), c, rate, secs);
  }
  std::fputs(line, stderr);
  std::fputs(final ? "\n" : "\x1b[K", stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace movierec
