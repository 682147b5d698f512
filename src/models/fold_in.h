// Fold-in of a new user's explicit ratings into the ranking models (ease, ials),
// which were fitted on "rated or not" and would otherwise read every rating,
// even a 1, as a like. A low rating is not a like: it counts against a movie's
// look-alikes instead of for them.
#pragma once

namespace movierec {

// MovieLens stars: 3 is "OK", 0.5-2.5 are what people give movies they did not
// like (the same on ml-100k's 1-5 integer scale). A fixed threshold rather than
// the user's own mean: a visitor who rated one movie 2 has a mean of 2, and
// still did not like it.
inline constexpr float kDislikeBelow = 3.0f;

// +1 for a liked movie (rating >= kDislikeBelow), -1 for a disliked one.
inline float like_sign(float rating) { return rating < kDislikeBelow ? -1.f : 1.f; }

}  // namespace movierec
