// The small value types every layer shares: dense indices, a scored item,
// model parameters. No dependencies, so the lowest layer (src/util) can use
// them without reaching up.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace movierec {

// Dense 0-based indices. MovieLens ids are mapped to these in src/data only.
using UserIndex = std::uint32_t;
using ItemIndex = std::uint32_t;

// One entry of a ranked list (recommend, similar_items, top_k).
struct ScoredItem {
  ItemIndex item;
  float score;
};

// Model parameters by name: key -> value, as text ("factors" -> "64").
using ParamMap = std::map<std::string, std::string>;

// One parameter a model reads: its name, default and what it does.
struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string doc;  // what it does and its range
};

}  // namespace movierec
