// Parameter search spaces for `movierec tune`: a grid of value lists, or random
// samples from lists and ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

// One axis: a list of values, or a range lo:hi (random search only).
struct SearchAxis {
  std::string name;
  std::vector<std::string> values;
  bool range = false;
  bool integer = false;  // both ends are integers: sample integers
  double lo = 0, hi = 0;
};

// Parses "factors=20,50,100;reg=0.02,0.05;lr=0.001:0.1". Throws ConfigError.
std::vector<SearchAxis> parse_search_space(const std::string& spec);

// random == 0: the full grid (cartesian product, first axis varying slowest).
// random > 0: that many samples; lists uniformly, integer ranges uniformly,
// real ranges log-uniformly when 0 < lo and hi/lo >= 10, else uniformly.
// Deterministic for a seed. Ranges without random are a ConfigError.
std::vector<ParamMap> search_candidates(const std::vector<SearchAxis>& axes, std::size_t random, std::uint64_t seed);

}  // namespace movierec
