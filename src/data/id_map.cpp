#include "movierec/dataset.h"

namespace movierec {

std::uint32_t IdMap::add(std::int64_t raw) {
  auto [it, inserted] = index_.try_emplace(raw, static_cast<std::uint32_t>(raw_.size()));
  if (inserted) raw_.push_back(raw);
  return it->second;
}

std::optional<std::uint32_t> IdMap::find(std::int64_t raw) const {
  auto it = index_.find(raw);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace movierec
