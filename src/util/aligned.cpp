#include "util/aligned.h"

#include <sys/mman.h>

#include <new>

namespace movierec {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20, kHugeFrom = std::size_t(4) << 20;
std::align_val_t alignment_for(std::size_t bytes) { return std::align_val_t(bytes >= kHugeFrom ? kHugePage : 64); }
}  // namespace

void* allocate_aligned(std::size_t bytes) {
  void* p = ::operator new(bytes, alignment_for(bytes));
  // A hint only: without THP the pages stay 4 KiB.
  if (bytes >= kHugeFrom) madvise(p, (bytes + kHugePage - 1) / kHugePage * kHugePage, MADV_HUGEPAGE);
  return p;
}

void deallocate_aligned(void* p, std::size_t bytes) { ::operator delete(p, alignment_for(bytes)); }

}  // namespace movierec
