#include "util/params.h"

#include <charconv>
#include <cmath>

#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {

const std::string* Params::lookup(const std::string& name, const std::string& def, const std::string& doc) {
  specs_.push_back({name, def, doc});
  used_.insert(name);
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

void Params::bad(const std::string& name, const std::string& value, const std::string& expected) const {
  throw ConfigError("model '" + model_ + "': parameter '" + name + "': expected " + expected + ", got \"" + value +
                    "\"");
}

int Params::get_int(const std::string& name, int def, const std::string& doc, int lo, int hi) {
  const std::string* v = lookup(name, std::to_string(def), doc);
  if (!v) return def;
  int x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi) bad(name, *v, range);
  return x;
}

double Params::get_double(const std::string& name, double def, const std::string& doc, double lo, double hi) {
  const std::string* v = lookup(name, format_number(def), doc);
  return v ? parse_in_range(name, *v, lo, hi) : def;
}

std::optional<double> Params::get_optional_double(const std::string& name, const std::string& doc, double lo,
                                                  double hi) {
  const std::string* v = lookup(name, "unset", doc);
  if (!v) return std::nullopt;
  return parse_in_range(name, *v, lo, hi);
}

double Params::parse_in_range(const std::string& name, const std::string& v, double lo, double hi) const {
  double x = 0;
  std::string range = "a number in [" + format_number(lo) + ", " + format_number(hi) + "]";
  if (!parse_double(v, x) || !std::isfinite(x) || x < lo || x > hi) bad(name, v, range);
  return x;
}

bool Params::get_bool(const std::string& name, bool def, const std::string& doc) {
  const std::string* v = lookup(name, def ? "true" : "false", doc);
  if (!v) return def;
  if (*v == "true" || *v == "1" || *v == "yes") return true;
  if (*v == "false" || *v == "0" || *v == "no") return false;
  bad(name, *v, "true or false");
}

std::string Params::get_string(const std::string& name, const std::string& def, const std::string& doc,
                               const std::vector<std::string>& choices) {
  std::string full_doc = doc;
  if (!choices.empty()) full_doc += " (" + join(choices, "|") + ")";
  const std::string* v = lookup(name, def, full_doc);
  if (!v) return def;
  if (!choices.empty()) {
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == *v;
    if (!ok) bad(name, *v, "one of " + join(choices, ", "));
  }
  return *v;
}

void Params::finish() const {
  for (const auto& [k, v] : values_) {
    if (used_.count(k)) continue;
    std::vector<std::string> valid;
    for (const auto& s : specs_) valid.push_back(s.name);
    throw ConfigError("model '" + model_ + "': unknown parameter '" + k +
                      "'; valid parameters: " + (valid.empty() ? std::string("none") : join(valid, ", ")));
  }
}

}  // namespace movierec
