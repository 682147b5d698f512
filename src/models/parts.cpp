#include "models/parts.h"

#include <algorithm>
#include <cmath>

#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/strings.h"

namespace movierec {

std::vector<std::string> part_names(const std::string& model, const std::string& parameter, const std::string& list) {
  const std::string where = "model '" + model + "': parameter '" + parameter + "': ";
  std::vector<std::string> names;
  for (const auto& n : split(list, ',')) {
    std::string t(trim(n));
    if (t.empty()) continue;
    if (t.substr(0, t.find('#')) == model) throw ConfigError(where + model + " cannot contain itself");
    if (t.find_first_of(".;=") != std::string::npos) throw ConfigError(where + "'" + t + "' is not a model name");
    if (std::find(names.begin(), names.end(), t) != names.end())
      throw ConfigError(where + "'" + t + "' is named twice");
    names.push_back(t);
  }
  if (names.empty()) throw ConfigError(where + "name at least one model");
  return names;
}

ParamMap part_params(const std::string& model, const std::string& parameter, const std::string& part,
                     const std::string& spec, const std::vector<std::string>& parts) {
  std::vector<std::string> mine;
  for (const auto& e : split(spec, ';')) {
    std::string t(trim(e));
    if (t.empty()) continue;
    auto dot = t.find('.'), eq = t.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq)
      throw ConfigError("model '" + model + "': parameter '" + parameter +
                        "': expected model.key=value entries separated by ';', got \"" + t + "\"");
    const std::string name = t.substr(0, dot);
    if (!parts.empty() && std::find(parts.begin(), parts.end(), name) == parts.end())
      throw ConfigError("model '" + model + "': parameter '" + parameter + "': \"" + t + "\" names no model of " +
                        join(parts, ","));
    if (name == part) mine.push_back(t.substr(dot + 1));
  }
  return parse_params(mine);
}

std::unique_ptr<Recommender> make_part(const std::string& model, const std::string& parameter, const std::string& part,
                                       const std::string& spec, const std::vector<std::string>& parts) {
  return create_model(part.substr(0, part.find('#')), part_params(model, parameter, part, spec, parts));
}

void put_nested_payload(detail::BinaryWriter& out, const Recommender& part) {
  std::string bytes;
  detail::BinaryWriter w([&bytes](std::string_view s) { bytes.append(s); });
  part.save_payload(w);
  w.flush();
  out.put_string(bytes);
}

void load_nested_payload(detail::BinaryReader& in, Recommender& part, std::size_t n_users, std::size_t n_items,
                         const std::string& label) {
  const std::string bytes = in.get_string();
  try {
    detail::BinaryReader sub(bytes, label);
    sub.set_dims(n_users, n_items);
    part.load_payload(sub);
    sub.expect_end("trailing payload bytes");
  } catch (const DataError& e) {
    in.fail(e.what());
  }
}

std::vector<double> part_weights(const std::string& model, const std::string& parameter, const std::string& list,
                                 std::size_t n_parts) {
  const std::string where = "model '" + model + "': parameter '" + parameter + "': ";
  std::vector<double> w;
  for (const auto& x : split(list, ',')) {
    double v = 0;
    if (!parse_double(trim(x), v) || !std::isfinite(v) || v < 0)
      throw ConfigError(where + "expected numbers >= 0, got \"" + list + "\"");
    w.push_back(v);
  }
  if (w.size() != n_parts)
    throw ConfigError(where + std::to_string(w.size()) + " weights for " + std::to_string(n_parts) + " models");
  if (std::all_of(w.begin(), w.end(), [](double v) { return v == 0; }))
    throw ConfigError(where + "at least one weight must be above 0");
  return w;
}

}  // namespace movierec
