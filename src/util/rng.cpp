#include "util/rng.h"

#include <cmath>
#include <numbers>

namespace movierec {

std::pair<double, double> Rng::normal_pair() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * std::numbers::pi * u2;
  return {r * std::cos(t), r * std::sin(t)};
}

}  // namespace movierec
