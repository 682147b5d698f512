#include "models/nested_payload.h"

namespace movierec {

void put_nested_payload(detail::BinaryWriter& out, const Recommender& part) {
  std::string bytes;
  detail::BinaryWriter w([&bytes](std::string_view s) { bytes.append(s); });
  part.save_payload(w);
  w.flush();
  out.put_string(bytes);
}

void load_nested_payload(detail::BinaryReader& in, Recommender& part, std::size_t n_users, std::size_t n_items) {
  const std::string bytes = in.get_string();
  const std::string name(part.name());
  try {
    detail::BinaryReader sub(bytes, "part " + name);
    sub.set_dims(n_users, n_items);
    part.load_payload(sub);
    sub.expect_end("trailing bytes of part " + name);
  } catch (const DataError& e) {
    in.fail(e.what());
  }
}

}  // namespace movierec
