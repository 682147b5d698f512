// Typed access to a model's key=value parameters. Each get_* records a spec
// (name, default, doc), so the registry prints a model's parameters by
// creating it with no parameters; finish() rejects parameters nobody read.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "movierec/types.h"

namespace movierec {

class Params {
 public:
  Params(std::string model, ParamMap values) : model_(std::move(model)), values_(std::move(values)) {}

  // Throw ConfigError when the value does not parse or is outside [lo, hi].
  int get_int(const std::string& name, int def, const std::string& doc, int lo, int hi);
  double get_double(const std::string& name, double def, const std::string& doc, double lo, double hi);
  // A parameter with no default of its own (an alias that sets others, for
  // instance): empty when not given.
  std::optional<double> get_optional_double(const std::string& name, const std::string& doc, double lo, double hi);
  bool get_bool(const std::string& name, bool def, const std::string& doc);
  // choices empty: any string.
  std::string get_string(const std::string& name, const std::string& def, const std::string& doc,
                         const std::vector<std::string>& choices = {});

  // Throws ConfigError naming unknown parameters and listing the valid ones.
  void finish() const;
  const std::vector<ParamSpec>& specs() const { return specs_; }

 private:
  const std::string* lookup(const std::string& name, const std::string& def, const std::string& doc);
  double parse_in_range(const std::string& name, const std::string& v, double lo, double hi) const;
  [[noreturn]] void bad(const std::string& name, const std::string& value, const std::string& expected) const;
  std::string model_;
  ParamMap values_;
  std::set<std::string> used_;
  std::vector<ParamSpec> specs_;
};

}  // namespace movierec
