// Learning curves of iterative models: per-epoch train/validation metrics as
// CSV, and a plain SVG line chart (no external tool).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

// Columns: epoch,train_rmse,valid_rmse,loss,seconds (empty cell for NaN).
void write_curve_csv(const std::filesystem::path& file, const std::vector<EpochReport>& curve);

// Train and validation RMSE against the epoch, with axes, ticks and a legend.
// Throws ConfigError when the curve is empty (the model is not iterative).
std::string curve_svg(const std::vector<EpochReport>& curve, const std::string& title);
void write_curve_svg(const std::filesystem::path& file, const std::vector<EpochReport>& curve,
                     const std::string& title);

}  // namespace movierec
