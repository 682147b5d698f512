// Epochs of independent tasks in one OpenMP parallel region, for the
// Hogwild-style SGD loops (svdpp, bpr). Between epochs the threads wait on a
// condition variable (they sleep) while one of them runs the end-of-epoch and
// start-of-epoch steps. A parallel region or an omp barrier per epoch spins
// instead: on a busy machine the spinning threads took the cores the working
// ones needed, and short epochs (ml-100k) ran up to 5x slower.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>

namespace movierec {

// Runs epochs 1..epochs. Each epoch, work(epoch, begin, end) covers
// [0, n_tasks) in pieces of `grain`, claimed by the threads in turn (any thread
// may run any piece); start(epoch) runs before an epoch's first piece and
// end(epoch) after its last, on one thread while the others wait. With one
// thread the pieces run in order. An exception from any step stops every
// thread and is rethrown.
template <typename Start, typename Work, typename End>
void run_epochs(int threads, int epochs, std::size_t n_tasks, std::size_t grain, Start start, Work work, End end) {
  if (epochs <= 0) return;
  if (grain == 0) grain = 1;
  if (threads <= 1) {
    for (int e = 1; e <= epochs; ++e) {
      start(e);
      for (std::size_t b = 0; b < n_tasks; b += grain) work(e, b, std::min(n_tasks, b + grain));
      end(e);
    }
    return;
  }
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> done{false};
  int epoch = 1, arrived = 0;
  std::size_t generation = 0;
  std::exception_ptr error;
  auto stop = [&](std::exception_ptr e) {
    std::lock_guard lock(mu);
    if (!error) error = e;
    done = true;
    ++generation;
    cv.notify_all();
  };
  start(1);
#pragma omp parallel num_threads(threads)
  {
    const int team = omp_get_num_threads();
    try {
      int e = 1;
      while (!done) {
        const std::size_t b = next.fetch_add(grain);
        if (b < n_tasks) {
          work(e, b, std::min(n_tasks, b + grain));
          continue;
        }
        std::unique_lock lock(mu);
        if (done) break;
        if (++arrived == team) {  // the last one in runs the steps between epochs
          arrived = 0;
          end(epoch);
          if (++epoch > epochs) {
            done = true;
          } else {
            start(epoch);
            next = 0;
          }
          ++generation;
          cv.notify_all();
        } else {
          const std::size_t g = generation;
          cv.wait(lock, [&] { return generation != g; });
        }
        e = epoch;
      }
    } catch (...) {
      stop(std::current_exception());
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace movierec
