// Aligned storage for the big float arrays of the factor models.
#pragma once

#include <cstddef>
#include <vector>

namespace movierec {

// Allocator for the big arrays of the factor models: 64-byte (cache line,
// AVX-512 register) aligned; from 4 MiB up, 2 MiB aligned and marked for
// transparent huge pages, since SGD and ALS read factor rows at random and
// a TLB miss per row would cost as much as the row itself.
void* allocate_aligned(std::size_t bytes);
void deallocate_aligned(void* p, std::size_t bytes);

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_aligned(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { deallocate_aligned(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

}  // namespace movierec
