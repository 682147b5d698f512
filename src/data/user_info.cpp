#include "data/user_info.h"

#include "data/text_scan.h"
#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec::data {

void load_user_info(Dataset& ds, const std::filesystem::path& dir, bool lenient, std::size_t& skipped,
                    std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  // u.user: "user id|age|gender|occupation|zip code"; users.dat: "UserID::Gender::Age::Occupation::Zip-code".
  const bool is_100k = fs::exists(dir / "u.user");
  const std::string name = is_100k ? "u.user" : "users.dat";
  if (!is_100k && !fs::exists(dir / name)) return;
  const char* sep = is_100k ? "|" : "::";
  const char* fields[] = {is_100k ? "user id" : "UserID", is_100k ? "age" : "Age", is_100k ? "gender" : "Gender",
                          is_100k ? "occupation" : "Occupation"};
  FileView fv(dir / name);
  std::string_view text = strip_bom(fv.bytes());
  std::vector<UserInfo> info(ds.users.size());
  auto bad = [&](std::string message) {
    if (!lenient) throw DataError(message);
    if (errors.size() < 5) errors.push_back(std::move(message));
    ++skipped;
  };
  for_each_line(text, [&](std::size_t line, std::string_view l) {
    std::string_view f[5];
    const std::size_t n = split_fields(l, sep, f, 5);
    if (n != 5) {
      bad(name + ":" + std::to_string(line) + ": expected 5 fields (" +
          (is_100k ? "user id|age|gender|occupation|zip code" : "UserID::Gender::Age::Occupation::Zip-code") +
          "), got " + std::to_string(n) + ": " + quote_got(l));
      return;
    }
    const std::string_view id_f = trim(f[0]), age_f = trim(is_100k ? f[1] : f[2]),
                           gender_f = trim(is_100k ? f[2] : f[1]), occ_f = trim(f[3]);
    std::uint64_t id = 0, age = 0;
    if (!parse_uint(id_f, id) || id == 0 || id > 0x7FFFFFFFFFFFull)
      return bad(field_error(name, line, fields[0], "a positive integer id", id_f));
    if (!parse_uint(age_f, age) || age > 150)
      return bad(field_error(name, line, fields[1], "an age in [0, 150]", age_f));
    if (gender_f != "M" && gender_f != "F") return bad(field_error(name, line, fields[2], "M or F", gender_f));
    if (occ_f.empty() || occ_f.size() > 64) return bad(field_error(name, line, fields[3], "an occupation", occ_f));
    auto user = ds.users.find(static_cast<std::int64_t>(id));
    if (!user) return;  // a user without ratings
    info[*user] = {static_cast<int>(age), std::string(gender_f), std::string(occ_f)};
  });
  ds.user_info = std::move(info);
}

}  // namespace movierec::data
