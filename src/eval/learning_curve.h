// Learning curves of iterative models: per-epoch train/validation metrics as
// CSV, and a plain SVG line chart (no external tool).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

// Columns: epoch,train_rmse,valid_rmse,loss,seconds,valid_ndcg@K,valid_recall@K
// (empty cell for NaN; K: the ranking cut-off, EvalOptions::k).
// Rating models fill the RMSEs, ranking models (ials, bpr) the NDCG and recall.
void write_curve_csv(const std::filesystem::path& file, const std::vector<EpochReport>& curve, std::size_t k = 10);

// A line chart against the epoch, with axes, ticks and a legend, of what the
// model reports: train and validation RMSE (rating models); else validation
// NDCG@k and recall@k, with the train loss on a right-hand axis (ranking
// models); else the train loss alone.
// Throws ConfigError when the curve is empty (the model is not iterative) or
// holds none of these.
std::string curve_svg(const std::vector<EpochReport>& curve, const std::string& title, std::size_t k = 10);
void write_curve_svg(const std::filesystem::path& file, const std::vector<EpochReport>& curve, const std::string& title,
                     std::size_t k = 10);

}  // namespace movierec
