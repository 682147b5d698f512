#include "eval/learning_curve.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/html.h"

namespace movierec {

namespace {
std::string cell(double x) { return std::isnan(x) ? "" : fmt::format("{:.6f}", x); }

using Getter = std::function<double(const EpochReport&)>;

struct Series {
  Getter get;
  const char* colour;
  std::string label;
};

bool any_value(const std::vector<EpochReport>& curve, const Getter& get) {
  return std::any_of(curve.begin(), curve.end(), [&](const EpochReport& e) { return !std::isnan(get(e)); });
}

// Padded [lo, hi] of the series' values.
std::pair<double, double> value_range(const std::vector<EpochReport>& curve, const std::vector<Series>& series) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const auto& e : curve)
      if (double v = s.get(e); !std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi - lo < 1e-9) hi = lo + 1e-3;
  const double pad = (hi - lo) * 0.05;
  return {lo - pad, hi + pad};
}
}  // namespace

void write_curve_csv(const std::filesystem::path& file, const std::vector<EpochReport>& curve, std::size_t k) {
  std::string text = fmt::format("epoch,train_rmse,valid_rmse,loss,seconds,valid_ndcg@{0},valid_recall@{0}\n", k);
  for (const auto& e : curve)
    text += fmt::format("{},{},{},{},{:.6f},{},{}\n", e.epoch, cell(e.train_rmse), cell(e.valid_rmse), cell(e.loss),
                        e.seconds, cell(e.valid_ndcg), cell(e.valid_recall));
  write_file_atomically(file, text);
}

std::string curve_svg(const std::vector<EpochReport>& curve, const std::string& title, std::size_t k) {
  if (curve.empty()) throw ConfigError("no learning curve: the model reports no epochs (not an iterative model)");
  // What to draw: left axis, and an optional right axis with its own scale.
  std::vector<Series> left, right;
  std::string left_label, right_label;
  const Getter train_rmse = [](const EpochReport& e) { return e.train_rmse; };
  const Getter valid_rmse = [](const EpochReport& e) { return e.valid_rmse; };
  const Getter ndcg = [](const EpochReport& e) { return e.valid_ndcg; };
  const Getter recall = [](const EpochReport& e) { return e.valid_recall; };
  const Getter loss = [](const EpochReport& e) { return e.loss; };
  if (any_value(curve, train_rmse) || any_value(curve, valid_rmse)) {
    left = {{train_rmse, "#1f77b4", "train RMSE"}, {valid_rmse, "#d62728", "validation RMSE"}};
    left_label = "RMSE";
  } else if (any_value(curve, ndcg)) {
    left = {{ndcg, "#d62728", fmt::format("validation NDCG@{}", k)}};
    left_label = fmt::format("NDCG@{}", k);
    if (any_value(curve, recall)) {
      left.push_back({recall, "#ff7f0e", fmt::format("validation recall@{}", k)});
      left_label += fmt::format(", recall@{}", k);
    }
    if (any_value(curve, loss)) {
      right = {{loss, "#1f77b4", "train loss (right axis)"}};
      right_label = "train loss";
    }
  } else if (any_value(curve, loss)) {
    left = {{loss, "#1f77b4", "train loss"}};
    left_label = "train loss";
  } else {
    throw ConfigError(
        "no learning curve: the model reported no RMSE, NDCG or loss values (ranking models need the top-N "
        "metrics: turn ranking on)");
  }

  const double W = 640, H = 400, left_margin = 70, right_margin = right.empty() ? 20 : 70, top = 56, bottom = 50;
  const int n = static_cast<int>(curve.size());
  const int first = curve.front().epoch, last = std::max(curve.back().epoch, first + 1);
  auto X = [&](double epoch) {
    return left_margin + (epoch - first) / double(last - first) * (W - left_margin - right_margin);
  };
  auto make_y = [&](std::pair<double, double> range) {
    return [=](double v) { return top + (range.second - v) / (range.second - range.first) * (H - top - bottom); };
  };
  const auto left_range = value_range(curve, left);
  const auto Y = make_y(left_range);
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
      W, H, W, H, W / 2, html_escape(title));
  // Axes, ticks and grid.
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", left_margin, top,
                   H - bottom);
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n", left_margin, H - bottom,
                   W - right_margin);
  for (int t = 0; t <= 5; ++t) {
    double v = left_range.first + (left_range.second - left_range.first) * t / 5.0;
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.4f}</text>\n",
        left_margin, Y(v), W - right_margin, left_margin - 6, Y(v) + 4, v);
  }
  const int step = std::max(1, (last - first) / 10);
  for (int ep = first; ep <= last; ep += step)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", X(ep), H - bottom + 18, ep);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n",
                   (left_margin + W - right_margin) / 2, H - 10);
  const double mid = (top + H - bottom) / 2;
  s += fmt::format("<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n", mid,
                   html_escape(left_label));
  std::pair<double, double> right_range{0, 1};
  if (!right.empty()) {
    right_range = value_range(curve, right);
    const auto YR = make_y(right_range);
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", W - right_margin, top,
                     H - bottom);
    for (int t = 0; t <= 5; ++t) {
      double v = right_range.first + (right_range.second - right_range.first) * t / 5.0;
      s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"start\">{:.4f}</text>\n", W - right_margin + 6,
                       YR(v) + 4, v);
    }
    s += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" transform=\"rotate(90 {0} {1})\">{2}</text>\n",
                     W - 10, mid, html_escape(right_label));
  }
  double legend_x = left_margin;
  auto polyline = [&](const Series& series, std::pair<double, double> range) {
    const auto y = make_y(range);
    std::string pts;
    int count = 0;
    for (int e = 0; e < n; ++e) {
      double v = series.get(curve[e]);
      if (std::isnan(v)) continue;
      pts += fmt::format("{:.1f},{:.1f} ", X(curve[e].epoch), y(v));
      ++count;
    }
    if (!count) return;
    s += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", series.colour, pts);
    // The legend is one row between the title and the plot: rising ranking
    // curves end in the top-right corner where a boxed legend would sit.
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>"
        "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
        legend_x, top - 16, legend_x + 22, series.colour, legend_x + 27, top - 12, html_escape(series.label));
    legend_x += 50 + 6.5 * static_cast<double>(series.label.size());
  };
  for (const auto& series : left) polyline(series, left_range);
  for (const auto& series : right) polyline(series, right_range);
  s += "</svg>\n";
  return s;
}

void write_curve_svg(const std::filesystem::path& file, const std::vector<EpochReport>& curve, const std::string& title,
                     std::size_t k) {
  write_file_atomically(file, curve_svg(curve, title, k));
}

}  // namespace movierec
