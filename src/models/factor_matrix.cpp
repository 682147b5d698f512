#include "models/factor_matrix.h"

#include <cmath>
#include <string>

#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/rng.h"

namespace movierec {

void FactorMatrix::fill_normal(float std, std::uint64_t seed) {
  const auto n = static_cast<std::int64_t>(rows_);
  // Threads only for big matrices: a parallel region costs more than small ones.
#pragma omp parallel for schedule(static) if (rows_ * k_ > (std::size_t(1) << 20))
  for (std::int64_t r = 0; r < n; ++r) {
    Rng rng(seed, static_cast<std::uint64_t>(r));
    float* x = row(r);
    for (std::size_t f = 0; f < k_; f += 2) {
      auto [z0, z1] = rng.normal_pair();
      x[f] = static_cast<float>(z0) * std;
      if (f + 1 < k_) x[f + 1] = static_cast<float>(z1) * std;
    }
  }
}

bool FactorMatrix::all_finite() const {
  for (float x : data_)
    if (!std::isfinite(x)) return false;
  return true;
}

void FactorMatrix::save(BinaryWriter& out) const {
  out.put<std::uint64_t>(rows_);
  out.put<std::uint64_t>(k_);
  for (std::size_t r = 0; r < rows_; ++r) out.append(row(r), k_ * sizeof(float));
}

void FactorMatrix::load(BinaryReader& in, std::string_view field, bool users) {
  const std::string rows_field = std::string(field) + " rows";
  auto rows = users ? in.get_n_users(rows_field) : in.get_n_items(rows_field);
  auto k = in.get<std::uint64_t>();
  // k = 0 with rows > 0 is no model's matrix (factors >= 1) and would need no bytes at all.
  if (k > kMaxFactors || (rows && (k == 0 || rows > in.remaining() / (k * sizeof(float)))))
    in.fail(std::string(field) + " of " + std::to_string(rows) + " x " + std::to_string(k));
  *this = FactorMatrix(rows, k);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t f = 0; f < k; ++f) row(r)[f] = in.get<float>();
    in.check_finite({row(r), k}, std::string(field) + " row " + std::to_string(r));
  }
}

namespace {
[[noreturn]] void not_finite(std::string_view model, std::string_view what, std::string_view hint) {
  throw ConfigError("model '" + std::string(model) + "': " + std::string(what) +
                    " hold NaN or infinite values after fit (training diverged); " + std::string(hint));
}
}  // namespace

void check_finite(const FactorMatrix& m, std::string_view model, std::string_view what, std::string_view hint) {
  if (!m.all_finite()) not_finite(model, what, hint);
}

void check_finite(std::span<const float> v, std::string_view model, std::string_view what, std::string_view hint) {
  for (float x : v)
    if (!std::isfinite(x)) not_finite(model, what, hint);
}

}  // namespace movierec
