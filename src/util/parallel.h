// OpenMP helpers. No exception may escape an OpenMP region (as faiss
// reconstruct_batch): ExceptionKeeper keeps the first one and rethrows after.
#pragma once

#include <omp.h>

#include <exception>
#include <mutex>

namespace movierec {

// Threads to use: requested > 0 is taken as is, otherwise every core.
inline int thread_count(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

// Multiply-adds worth one thread when the caller leaves the count to the
// library: about 0.2 s of one core. Below that, waking and synchronising more
// threads costs more than they save (svd on an ml-100k fold, 1.6e8: 2x slower
// with 2 threads than 1 on a busy 2-core machine, issue 12).
inline constexpr double kWorkPerThread = 5e8;

// Threads for a task of `work` multiply-adds: requested > 0 is taken as is;
// otherwise one thread per kWorkPerThread (at least 1), at most every core.
inline int threads_for_flops(int requested, double work) {
  if (requested > 0) return requested;
  const double by_work = work / kWorkPerThread;
  const int cores = omp_get_max_threads();
  return by_work >= cores ? cores : by_work < 1 ? 1 : static_cast<int>(by_work);
}

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
