// A RatingMatrix inside a model or feature payload (models that keep their
// training ratings: the similarity models).
#pragma once

#include "movierec/rating_matrix.h"
#include "util/binary_io.h"

namespace movierec {

// Writes n_users, n_items and the (user, item, rating) triplets in CSR order.
void save_rating_matrix(BinaryWriter& out, const RatingMatrix& m);
// Reads what save_rating_matrix wrote; a bad payload is a DataError from in.fail.
RatingMatrix load_rating_matrix(BinaryReader& in);

}  // namespace movierec
