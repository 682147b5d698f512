#include "eval/search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {

std::vector<SearchAxis> parse_search_space(const std::string& spec) {
  std::vector<SearchAxis> axes;
  for (const auto& part : split(spec, ';')) {
    auto t = std::string(trim(part));
    if (t.empty()) continue;
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("search space: expected \"name=v1,v2;name2=lo:hi\", got \"" + t + "\"");
    SearchAxis a;
    a.name = std::string(trim(t.substr(0, eq)));
    for (const auto& other : axes)
      if (other.name == a.name) throw ConfigError("search space: '" + a.name + "' is given twice");
    std::string rhs(trim(t.substr(eq + 1)));
    auto colon = rhs.find(':');
    if (colon != std::string::npos) {
      long long li, hi_i;
      a.range = true;
      a.integer = parse_int64(rhs.substr(0, colon), li) && parse_int64(rhs.substr(colon + 1), hi_i);
      if (!parse_double(rhs.substr(0, colon), a.lo) || !parse_double(rhs.substr(colon + 1), a.hi) || a.lo > a.hi)
        throw ConfigError("search space: range for '" + a.name + "' must be lo:hi with lo <= hi, got \"" + rhs + "\"");
    } else {
      for (const auto& v : split(rhs, ','))
        if (!trim(v).empty()) a.values.emplace_back(trim(v));
      if (a.values.empty()) throw ConfigError("search space: no values for '" + a.name + "'");
    }
    axes.push_back(a);
  }
  if (axes.empty()) throw ConfigError("search space: nothing to tune");
  return axes;
}

std::vector<ParamMap> search_candidates(const std::vector<SearchAxis>& axes, std::size_t random, std::uint64_t seed) {
  bool has_range = std::any_of(axes.begin(), axes.end(), [](const SearchAxis& a) { return a.range; });
  if (has_range && random == 0) throw ConfigError("search space: ranges (lo:hi) need random sampling (random > 0)");
  // Each candidate is a fit per fold: more than this is days of work, and a
  // product of many axes would not even fit in memory.
  constexpr double kMaxCandidates = 100000;
  if (double(random) > kMaxCandidates)
    throw ConfigError("random search of " + std::to_string(random) + " combinations: at most " +
                      std::to_string(std::size_t(kMaxCandidates)));
  if (random == 0) {
    double n = 1;
    for (const auto& a : axes) n *= double(a.values.size());
    if (n > kMaxCandidates)
      throw ConfigError("grid of " + format_number(n) + " combinations: at most " +
                        std::to_string(std::size_t(kMaxCandidates)) + "; use fewer values, or random search");
  }
  std::vector<ParamMap> out;
  if (random == 0) {
    out.push_back({});
    for (const auto& a : axes) {
      std::vector<ParamMap> next;
      for (const auto& base : out)
        for (const auto& v : a.values) {
          ParamMap p = base;
          p[a.name] = v;
          next.push_back(p);
        }
      out = std::move(next);
    }
    return out;
  }
  std::mt19937_64 rng(seed);
  auto uniform01 = [&rng] { return double(rng() >> 11) * 0x1.0p-53; };  // portable, unlike the std distributions
  for (std::size_t r = 0; r < random; ++r) {
    ParamMap p;
    for (const auto& a : axes) {
      if (!a.range) {
        p[a.name] = a.values[rng() % a.values.size()];
      } else if (a.integer) {
        auto span = static_cast<unsigned long long>(a.hi - a.lo + 1);
        p[a.name] = std::to_string(static_cast<long long>(a.lo) + static_cast<long long>(rng() % span));
      } else {
        double u = uniform01();
        double v = (a.lo > 0 && a.hi / a.lo >= 10) ? a.lo * std::pow(a.hi / a.lo, u) : a.lo + (a.hi - a.lo) * u;
        p[a.name] = fmt::format("{:.4g}", v);
      }
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace movierec
