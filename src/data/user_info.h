// The user file of ml-100k (u.user) and ml-1m (users.dat): demographics for
// the users of the ratings, the side features of cold-start users.
#pragma once

#include "movierec/dataset.h"

namespace movierec::data {

// Fills ds.user_info (one entry per user of ds.users) from dir/u.user or
// dir/users.dat when present; leaves it empty otherwise. A user of the file
// with no rating is skipped; a rating user absent from the file keeps empty
// fields. Bad rows: DataError naming file, line and field; when lenient,
// skipped, counted in skipped and (the first 5) kept in errors.
void load_user_info(Dataset& ds, const std::filesystem::path& dir, bool lenient, std::size_t& skipped,
                    std::vector<std::string>& errors);

}  // namespace movierec::data
