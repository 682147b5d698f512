// A model's payload inside another model's (mix's parts): framed by its length,
// so a part that checks it has read all of its payload (item-knn checks before
// its costly similarity build) sees only its own bytes, and a part that reads
// less than it wrote is caught here.
#pragma once

#include <string>

#include "movierec/recommender.h"
#include "util/binary_io.h"

namespace movierec {

void put_nested_payload(detail::BinaryWriter& out, const Recommender& part);
// Reads what put_nested_payload wrote into `part`, whose sizes must match
// n_users x n_items (the dataset's, as read by the outer model). A bad part
// fails `in` naming the part.
void load_nested_payload(detail::BinaryReader& in, Recommender& part, std::size_t n_users, std::size_t n_items);

}  // namespace movierec
