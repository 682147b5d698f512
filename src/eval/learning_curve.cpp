#include "eval/learning_curve.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "movierec/errors.h"
#include "util/atomic_file.h"

namespace movierec {

namespace {
std::string cell(double x) { return std::isnan(x) ? "" : fmt::format("{:.6f}", x); }

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

void write_curve_csv(const std::filesystem::path& file, const std::vector<EpochReport>& curve) {
  std::string text = "epoch,train_rmse,valid_rmse,loss,seconds\n";
  for (const auto& e : curve)
    text += fmt::format("{},{},{},{},{:.6f}\n", e.epoch, cell(e.train_rmse), cell(e.valid_rmse), cell(e.loss),
                        e.seconds);
  write_file_atomically(file, text);
}

std::string curve_svg(const std::vector<EpochReport>& curve, const std::string& title) {
  if (curve.empty()) throw ConfigError("no learning curve: the model reports no epochs (not an iterative model)");
  const double W = 640, H = 400, left = 70, right = 20, top = 40, bottom = 50;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& e : curve)
    for (double v : {e.train_rmse, e.valid_rmse})
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) throw ConfigError("no learning curve: the model reported no RMSE values");
  if (hi - lo < 1e-9) hi = lo + 1e-3;
  const double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const int n = static_cast<int>(curve.size());
  const int first = curve.front().epoch, last = std::max(curve.back().epoch, first + 1);
  auto X = [&](double epoch) { return left + (epoch - first) / double(last - first) * (W - left - right); };
  auto Y = [&](double v) { return top + (hi - v) / (hi - lo) * (H - top - bottom); };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
      W, H, W, H, W / 2, escape_xml(title));
  // Axes, ticks and grid.
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", left, top, H - bottom);
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n", left, H - bottom,
                   W - right);
  for (int t = 0; t <= 5; ++t) {
    double v = lo + (hi - lo) * t / 5.0;
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.4f}</text>\n",
        left, Y(v), W - right, left - 6, Y(v) + 4, v);
  }
  const int step = std::max(1, (last - first) / 10);
  for (int ep = first; ep <= last; ep += step)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", X(ep), H - bottom + 18, ep);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n", (left + W - right) / 2, H - 10);
  s += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">RMSE</text>\n",
                   (top + H - bottom) / 2, (top + H - bottom) / 2);
  auto polyline = [&](auto get, const char* colour, const char* label, int row) {
    std::string pts;
    int count = 0;
    for (int k = 0; k < n; ++k) {
      double v = get(curve[k]);
      if (std::isnan(v)) continue;
      pts += fmt::format("{:.1f},{:.1f} ", X(curve[k].epoch), Y(v));
      ++count;
    }
    if (!count) return;
    s += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", colour, pts);
    s += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>"
        "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
        W - right - 150, top + 12 + 18 * row, W - right - 125, colour, W - right - 118, top + 16 + 18 * row, label);
  };
  polyline([](const EpochReport& e) { return e.train_rmse; }, "#1f77b4", "train RMSE", 0);
  polyline([](const EpochReport& e) { return e.valid_rmse; }, "#d62728", "validation RMSE", 1);
  s += "</svg>\n";
  return s;
}

void write_curve_svg(const std::filesystem::path& file, const std::vector<EpochReport>& curve,
                     const std::string& title) {
  write_file_atomically(file, curve_svg(curve, title));
}

}  // namespace movierec
