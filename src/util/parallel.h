// OpenMP helpers. No exception may escape an OpenMP region (as faiss
// reconstruct_batch): ExceptionKeeper keeps the first one and rethrows after.
#pragma once

#include <omp.h>

#include <exception>
#include <mutex>

namespace movierec {

// Threads to use: requested > 0 is taken as is, otherwise every core.
inline int thread_count(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

class ExceptionKeeper {
 public:
  template <typename F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!first_) first_ = std::current_exception();
    }
  }
  bool failed() const { return first_ != nullptr; }
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::mutex mu_;
  std::exception_ptr first_;
};

}  // namespace movierec
