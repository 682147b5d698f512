#include "features/user_features.h"

#include <algorithm>
#include <map>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {
namespace {

constexpr const char* kNames[] = {"age", "gender", "occupation"};
constexpr int kAgeBuckets = 7;

}  // namespace

int age_bucket(int age) {
  static constexpr int kLower[] = {18, 25, 35, 45, 50, 56};  // lower bounds of buckets 1..6
  int b = 0;
  while (b < 6 && age >= kLower[b]) ++b;
  return b;
}

std::vector<std::string> parse_user_side(const std::string& spec) {
  if (trim(spec) == "all") return {kNames[0], kNames[1], kNames[2]};
  std::vector<std::string> out;
  for (const auto& part : split(spec, ',')) {
    const std::string name(trim(part));
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames))
      throw ConfigError("user side feature '" + name + "': expected age, gender, occupation or all");
    if (std::find(out.begin(), out.end(), name) != out.end())
      throw ConfigError("user side feature '" + name + "' is named twice");
    out.push_back(name);
  }
  if (out.empty()) throw ConfigError("user side features: name at least one of age, gender, occupation (or all)");
  return out;
}

UserFeatures build_user_features(const Dataset& ds, const std::vector<std::string>& names) {
  const std::size_t nu = ds.ratings.n_users();
  if (ds.user_info.size() != nu)
    throw ConfigError("user side feature '" + (names.empty() ? std::string("age") : names[0]) + "': dataset " +
                      ds.name + " has no user file (u.user as ml-100k, users.dat as ml-1m)");
  std::map<std::string, int> occupations;
  for (const auto& u : ds.user_info)
    if (!u.occupation.empty()) occupations.emplace(u.occupation, 0);
  int k = 0;
  for (auto& [name, index] : occupations) index = k++;

  UserFeatures f;
  f.n_users = nu;
  for (const auto& name : names) {
    FeatureBlock b;
    b.name = name;
    b.offset = f.dim;
    b.dim = 1 + (name == "age" ? kAgeBuckets : name == "gender" ? 2 : occupations.size());
    f.dim += b.dim;
    f.blocks.push_back(b);
  }
  f.values.assign(nu * f.dim, 0.f);
  for (auto& b : f.blocks) {
    for (std::size_t u = 0; u < nu; ++u) {
      const UserInfo& info = ds.user_info[u];
      int col = -1;  // within the block; -1: missing
      if (b.name == "age" && info.age > 0) col = age_bucket(info.age);
      if (b.name == "gender" && !info.gender.empty()) col = info.gender == "F" ? 1 : 0;
      if (b.name == "occupation" && !info.occupation.empty()) col = occupations.at(info.occupation);
      if (col < 0) {
        ++b.missing;
        col = static_cast<int>(b.dim) - 1;
      }
      f.values[u * f.dim + b.offset + static_cast<std::size_t>(col)] = 1.f;
    }
  }
  return f;
}

std::string UserFeatures::summary() const {
  std::string s;
  for (const auto& b : blocks)
    s +=
        (s.empty() ? "" : ", ") + b.name + " " + std::to_string(b.dim) + " (missing " + std::to_string(b.missing) + ")";
  return s;
}

}  // namespace movierec
